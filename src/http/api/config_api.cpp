// API resource "config": config, save, config_backup, config_restore, config_reload.
#include <map>
#include <string>

#include "config/config_loader.h"
#include "haze_build_config.h"
#include "http/api/api_context.h"

namespace haze::http {

namespace {

JsonNode* StatusAnswer(const Status& st) {
  return st ? StringNode("OK") : ErrorNode(st.error().ToString());
}

JsonNode* EditConfig(ApiContext& ctx, JsonNode* arg) {
  if (JSON_NODE_HOLDS_OBJECT(arg)) {
    JsonObject* cfg = ctx.config.Section("config");
    JsonObject* in = json_node_get_object(arg);
    GList* keys = json_object_get_members(in);
    for (GList* k = keys; k; k = k->next) {
      const char* key = static_cast<const char*>(k->data);
      // Answer-only fields are not stored.
      if (!g_strcmp0(key, "version") || !g_strcmp0(key, "time") || !g_strcmp0(key, "iid"))
        continue;
      json_object_set_member(cfg, key, config::DeepCopyJson(json_object_get_member(in, key)));
    }
    g_list_free(keys);
    if (auto st = ctx.config.Changed(); !st) {
      JsonNode* answer = ConfigAnswer(ctx);
      json_object_set_string_member(json_node_get_object(answer), "error",
                                    st.error().ToString().c_str());
      return answer;
    }
  }
  return ConfigAnswer(ctx);
}

JsonNode* SaveConfig(ApiContext& ctx, JsonNode*) { return StatusAnswer(ctx.config.Save()); }

JsonNode* Backup(ApiContext& ctx, JsonNode*) {
  return config::DeepCopyJson(ctx.config.root_node());
}

JsonNode* Restore(ApiContext& ctx, JsonNode* arg) {
  if (!JSON_NODE_HOLDS_OBJECT(arg)) return ErrorNode("config_restore takes a config object");
  JsonNode* copy = config::DeepCopyJson(arg);
  JsonObject* o = json_node_get_object(copy);
  // A backup without accounts must not lock the operator out.
  if (!json_object_has_member(o, "account"))
    json_object_set_member(o, "account",
                           config::DeepCopyJson(json_object_get_member(ctx.config.root(), "account")));
  Status st = ctx.config.Replace(copy);
  json_node_unref(copy);
  ctx.streams_changed = true;
  return StatusAnswer(st);
}

JsonNode* ReloadConfig(ApiContext& ctx, JsonNode*) {
  ctx.streams_changed = true;
  return StatusAnswer(ctx.config.Reload());
}

// config.protocols as running: each entry gets `online` (1 listening, 0 not) and the bound port
// (the command line may override the configured one, port 0 picks one); a connector the command
// line enabled without an entry is added. Only the answer changes, never the stored config.
void ReflectListeners(ApiContext& ctx, JsonObject* config) {
  std::map<std::string, int> bound;
  for (const auto& [connector, port] : ctx.listen_ports)
    if (connector != "API") bound[connector] = port;
  JsonArray* list = nullptr;
  if (JsonNode* n = json_object_get_member(config, "protocols"); n && JSON_NODE_HOLDS_ARRAY(n)) {
    list = json_node_get_array(n);
  } else if (bound.empty()) {
    return;
  } else {
    json_object_set_member(config, "protocols", NewArrayNode(&list));
  }
  for (guint i = 0; i < json_array_get_length(list); ++i) {
    JsonNode* e = json_array_get_element(list, i);
    if (!JSON_NODE_HOLDS_OBJECT(e)) continue;
    JsonObject* entry = json_node_get_object(e);
    const char* connector = json_object_get_string_member_with_default(entry, "connector", "");
    auto it = bound.find(connector);
    json_object_set_int_member(entry, "online", it != bound.end() ? 1 : 0);
    if (it == bound.end()) continue;
    json_object_set_int_member(entry, "port", it->second);
    bound.erase(it);
  }
  for (const auto& [connector, port] : bound) {
    JsonObject* entry = nullptr;
    json_array_add_element(list, NewObjectNode(&entry));
    json_object_set_string_member(entry, "connector", connector.c_str());
    json_object_set_int_member(entry, "port", port);
    json_object_set_int_member(entry, "online", 1);
  }
}

}  // namespace

JsonNode* ConfigAnswer(ApiContext& ctx) {
  JsonNode* node = config::DeepCopyJson(json_object_get_member(ctx.config.root(), "config"));
  if (!JSON_NODE_HOLDS_OBJECT(node)) {
    json_node_unref(node);
    node = NewObjectNode(nullptr);
  }
  JsonObject* o = json_node_get_object(node);
  json_object_set_string_member(o, "version", HAZE_VERSION);
  json_object_set_int_member(o, "time", g_get_real_time() / G_USEC_PER_SEC);
  json_object_set_string_member(o, "serverid", ctx.config.typed().serverid.c_str());
  ReflectListeners(ctx, o);
  return node;
}

void RegisterConfigApi(CommandTable& table) {
  table.Add("config_restore", &Restore);
  table.Add("config_reload", &ReloadConfig);
  table.Add("config", &EditConfig);
  table.Add("config_backup", &Backup);
  table.Add("save", &SaveConfig);
}

}  // namespace haze::http
