// API resource "streams": streams, addstream, deletestream. Edits the config document's
// "streams" section and calls ConfigStore::Changed(); the registry reconciles.
#include <vector>

#include "base/log.h"
#include "config/config_loader.h"
#include "core/stream_name.h"
#include "http/api/api_context.h"

#define GST_CAT_DEFAULT haze_http_debug

namespace haze::http {

namespace {

// Validates one stream entry; returns "" when fine.
std::string CheckStream(const std::string& name, JsonNode* value) {
  if (name.empty() || core::SanitizeStreamName(name) != name)
    return "invalid stream name (allowed: a-z 0-9 _ . -)";
  if (!JSON_NODE_HOLDS_OBJECT(value)) return "stream config must be an object";
  JsonObject* o = json_node_get_object(value);
  if (!json_object_has_member(o, "source") ||
      !JSON_NODE_HOLDS_VALUE(json_object_get_member(o, "source")) ||
      json_node_get_value_type(json_object_get_member(o, "source")) != G_TYPE_STRING)
    return "missing source";
  return {};
}

// Stream events wait until the edit validated (a refused edit is rolled back, and tells no one).
struct PendingEvent {
  const char* event;
  std::string stream, config;
};
std::vector<PendingEvent> pending_events;  // main context only

void Notify(ApiContext&, const char* event, const std::string& name, JsonNode* config) {
  pending_events.push_back({event, name, config ? config::ToJsonText(config, false) : ""});
}

Status Commit(ApiContext& ctx) {
  Status st = ctx.config.Changed();
  std::vector<PendingEvent> events;
  events.swap(pending_events);
  if (st && ctx.stream_event)
    for (const auto& e : events) ctx.stream_event(e.event, e.stream, e.config);
  return st;
}

// Stores |value| (a copy without the answer-only fields) as stream |name|; tells the trigger
// hook whether the stream is new or changed.
void PutStream(ApiContext& ctx, JsonObject* streams, const std::string& name, JsonNode* value) {
  JsonNode* copy = config::DeepCopyJson(value);
  JsonObject* o = json_node_get_object(copy);
  for (const char* k : {"online", "error", "name"})
    if (json_object_has_member(o, k)) json_object_remove_member(o, k);
  const char* event = nullptr;
  if (!json_object_has_member(streams, name.c_str())) {
    event = "STREAM_ADD";
  } else if (config::ToJsonText(json_object_get_member(streams, name.c_str()), false) !=
             config::ToJsonText(copy, false)) {
    event = "STREAM_CONFIG";
  }
  json_object_set_member(streams, name.c_str(), copy);
  if (event) Notify(ctx, event, name, copy);
}

JsonNode* ApplyEdit(ApiContext& ctx, JsonObject* answer) {
  ctx.streams_changed = true;
  if (auto st = Commit(ctx); !st) {
    json_object_set_string_member(answer, "error", st.error().ToString().c_str());
  }
  return nullptr;
}

JsonNode* AddStreams(ApiContext& ctx, JsonNode* arg) {
  JsonObject* answer = nullptr;
  JsonNode* answer_node = NewObjectNode(&answer);
  if (!JSON_NODE_HOLDS_OBJECT(arg)) {
    json_object_set_string_member(answer, "error", "addstream takes {name: {source: ...}}");
    return answer_node;
  }
  JsonObject* streams = ctx.config.Section("streams");
  GList* names = json_object_get_members(json_node_get_object(arg));
  bool any = false;
  for (GList* m = names; m; m = m->next) {
    std::string name = static_cast<const char*>(m->data);
    JsonNode* value = json_object_get_member(json_node_get_object(arg), name.c_str());
    if (std::string why = CheckStream(name, value); !why.empty()) {
      json_object_set_member(answer, name.c_str(), ErrorNode(why));
      continue;
    }
    PutStream(ctx, streams, name, value);
    json_object_set_member(answer, name.c_str(), config::DeepCopyJson(value));
    any = true;
  }
  g_list_free(names);
  if (any) ApplyEdit(ctx, answer);
  return answer_node;
}

JsonNode* ReplaceStreams(ApiContext& ctx, JsonNode* arg) {
  if (!JSON_NODE_HOLDS_OBJECT(arg)) return StreamsAnswer(ctx);  // a plain listing request
  JsonObject* in = json_node_get_object(arg);
  JsonObject* streams = ctx.config.Section("streams");
  GList* old_names = json_object_get_members(streams);
  for (GList* m = old_names; m; m = m->next) {
    // A copy: removing the member frees the key that |m| points at.
    std::string name = static_cast<const char*>(m->data);
    if (!json_object_has_member(in, name.c_str())) {
      json_object_remove_member(streams, name.c_str());
      ctx.streams.Stop(name);
      Notify(ctx, "STREAM_REMOVE", name, nullptr);
    }
  }
  g_list_free(old_names);
  JsonObject* errors = nullptr;
  JsonNode* errors_node = NewObjectNode(&errors);
  GList* names = json_object_get_members(in);
  for (GList* m = names; m; m = m->next) {
    std::string name = static_cast<const char*>(m->data);
    JsonNode* value = json_object_get_member(in, name.c_str());
    if (std::string why = CheckStream(name, value); !why.empty()) {
      json_object_set_member(errors, name.c_str(), ErrorNode(why));
      continue;
    }
    PutStream(ctx, streams, name, value);
  }
  g_list_free(names);
  ApplyEdit(ctx, errors);
  JsonNode* answer = StreamsAnswer(ctx);
  if (json_object_get_size(errors) > 0)
    json_object_set_member(json_node_get_object(answer), "incomplete list", errors_node);
  else
    json_node_unref(errors_node);
  return answer;
}

void CollectNames(JsonNode* arg, std::vector<std::string>* out) {
  if (JSON_NODE_HOLDS_VALUE(arg) && json_node_get_value_type(arg) == G_TYPE_STRING) {
    out->push_back(json_node_get_string(arg));
  } else if (JSON_NODE_HOLDS_ARRAY(arg)) {
    JsonArray* a = json_node_get_array(arg);
    for (guint i = 0; i < json_array_get_length(a); ++i) CollectNames(json_array_get_element(a, i), out);
  } else if (JSON_NODE_HOLDS_OBJECT(arg)) {
    GList* names = json_object_get_members(json_node_get_object(arg));
    for (GList* m = names; m; m = m->next) out->push_back(static_cast<const char*>(m->data));
    g_list_free(names);
  }
}

JsonNode* DeleteStreams(ApiContext& ctx, JsonNode* arg) {
  std::vector<std::string> names;
  CollectNames(arg, &names);
  JsonObject* streams = ctx.config.Section("streams");
  JsonArray* deleted = nullptr;
  JsonNode* answer = NewArrayNode(&deleted);
  for (const auto& name : names) {
    if (!json_object_has_member(streams, name.c_str())) continue;
    json_object_remove_member(streams, name.c_str());
    ctx.streams.Stop(name);
    Notify(ctx, "STREAM_REMOVE", name, nullptr);
    json_array_add_string_element(deleted, name.c_str());
  }
  if (json_array_get_length(deleted) > 0) {
    ctx.streams_changed = true;
    if (auto st = Commit(ctx); !st) GST_WARNING("deletestream: %s", st.error().ToString().c_str());
  }
  return answer;
}

}  // namespace

JsonNode* StreamsAnswer(ApiContext& ctx) {
  JsonObject* out = nullptr;
  JsonNode* node = NewObjectNode(&out);
  JsonObject* streams = ctx.config.Section("streams");
  GList* names = json_object_get_members(streams);
  for (GList* m = names; m; m = m->next) {
    const char* name = static_cast<const char*>(m->data);
    JsonNode* copy = config::DeepCopyJson(json_object_get_member(streams, name));
    if (JSON_NODE_HOLDS_OBJECT(copy)) {
      JsonObject* o = json_node_get_object(copy);
      json_object_set_string_member(o, "name", name);
      auto snap = ctx.streams.Snapshot(name);
      json_object_set_int_member(o, "online", snap ? StatusOnline(snap->status) : 0);
      if (snap && !snap->error.empty()) json_object_set_string_member(o, "error", snap->error.c_str());
    }
    json_object_set_member(out, name, copy);
  }
  g_list_free(names);
  return node;
}

void RegisterStreamsApi(CommandTable& table) {
  table.Add("addstream", &AddStreams);
  table.Add("deletestream", &DeleteStreams);
  table.Add("streams", &ReplaceStreams);
}

}  // namespace haze::http
