#include "triggers/trigger_config.h"

namespace haze::triggers {
namespace {

bool EntryMatches(std::string_view entry, std::string_view stream,
                  const std::vector<std::string>& tags) {
  if (entry.empty()) return false;
  if (entry[0] == '#') {
    for (const auto& t : tags) {
      if (t == entry.substr(1)) return true;
    }
    return false;
  }
  if (stream == entry) return true;
  // A base name matches its wildcard children ("live" matches "live+abc").
  return stream.size() > entry.size() && stream.substr(0, entry.size()) == entry &&
         (stream[entry.size()] == '+' || stream[entry.size()] == ' ');
}

Error PathError(const std::string& path, const std::string& message) {
  return Error{ErrorCode::kParse, message, path};
}

Result<std::vector<std::string>> ParseStreamList(JsonNode* node, const std::string& path) {
  std::vector<std::string> out;
  if (!node || JSON_NODE_HOLDS_NULL(node)) return out;
  if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING) {
    out.emplace_back(json_node_get_string(node));
    return out;
  }
  if (!JSON_NODE_HOLDS_ARRAY(node)) return PathError(path, "expected an array of stream names");
  JsonArray* a = json_node_get_array(node);
  for (guint i = 0; i < json_array_get_length(a); ++i) {
    JsonNode* e = json_array_get_element(a, i);
    if (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_STRING) {
      return PathError(path + "/" + std::to_string(i), "expected a string");
    }
    out.emplace_back(json_node_get_string(e));
  }
  return out;
}

// Reads a string-ish member: strings as-is, numbers and booleans as text.
std::optional<std::string> ScalarText(JsonNode* node) {
  if (!node || !JSON_NODE_HOLDS_VALUE(node)) return std::nullopt;
  GType t = json_node_get_value_type(node);
  if (t == G_TYPE_STRING) return std::string(json_node_get_string(node));
  if (t == G_TYPE_INT64) return std::to_string(json_node_get_int(node));
  if (t == G_TYPE_DOUBLE) return std::to_string(json_node_get_double(node));
  if (t == G_TYPE_BOOLEAN) return std::string(json_node_get_boolean(node) ? "true" : "false");
  return std::nullopt;
}

bool Truthy(JsonNode* node) {
  if (!node || !JSON_NODE_HOLDS_VALUE(node)) return false;
  GType t = json_node_get_value_type(node);
  if (t == G_TYPE_BOOLEAN) return json_node_get_boolean(node);
  if (t == G_TYPE_INT64) return json_node_get_int(node) != 0;
  if (t == G_TYPE_STRING) {
    std::string_view s = json_node_get_string(node);
    return s == "true" || s == "1" || s == "yes";
  }
  return false;
}

Result<HandlerConfig> ParseObjectForm(JsonObject* o, const std::string& path) {
  HandlerConfig h;
  auto handler = ScalarText(json_object_get_member(o, "handler"));
  if (!handler || handler->empty()) return PathError(path + "/handler", "missing handler");
  h.handler = *handler;
  h.sync = Truthy(json_object_get_member(o, "sync"));
  auto streams = ParseStreamList(json_object_get_member(o, "streams"), path + "/streams");
  if (!streams.ok()) return streams.error();
  h.streams = StreamFilter(std::move(streams.value()));
  if (auto p = ScalarText(json_object_get_member(o, "params"))) h.params = *p;
  if (auto d = ScalarText(json_object_get_member(o, "default")); d && !d->empty()) {
    h.default_response = *d;
  }
  return h;
}

// Legacy MistServer form: [handler, sync, [streams]].
Result<HandlerConfig> ParseArrayForm(JsonArray* a, const std::string& path) {
  HandlerConfig h;
  auto handler =
      json_array_get_length(a) > 0 ? ScalarText(json_array_get_element(a, 0)) : std::nullopt;
  if (!handler || handler->empty()) return PathError(path + "/0", "missing handler");
  h.handler = *handler;
  if (json_array_get_length(a) > 1) h.sync = Truthy(json_array_get_element(a, 1));
  if (json_array_get_length(a) > 2) {
    auto streams = ParseStreamList(json_array_get_element(a, 2), path + "/2");
    if (!streams.ok()) return streams.error();
    h.streams = StreamFilter(std::move(streams.value()));
  }
  return h;
}

}  // namespace

bool StreamFilter::Matches(std::string_view stream, const std::vector<std::string>& tags) const {
  if (entries_.empty()) return true;
  bool any_positive = false;
  bool included = false;
  for (const auto& e : entries_) {
    if (!e.empty() && e[0] == '!') {
      if (EntryMatches(std::string_view(e).substr(1), stream, tags)) return false;
      continue;
    }
    any_positive = true;
    if (EntryMatches(e, stream, tags)) included = true;
  }
  return included || !any_positive;
}

bool HandlerConfig::is_http() const {
  return handler.rfind("http://", 0) == 0 || handler.rfind("https://", 0) == 0;
}

Result<TriggerConfig> ParseTriggerConfig(JsonObject* triggers) {
  TriggerConfig config;
  if (!triggers) return config;
  GList* names = json_object_get_members(triggers);
  for (GList* l = names; l; l = l->next) {
    const char* name = static_cast<const char*>(l->data);
    std::string path = std::string("/triggers/") + name;
    JsonNode* list = json_object_get_member(triggers, name);
    if (JSON_NODE_HOLDS_NULL(list)) continue;
    if (!JSON_NODE_HOLDS_ARRAY(list)) {
      g_list_free(names);
      return PathError(path, "expected an array of handlers");
    }
    JsonArray* a = json_node_get_array(list);
    auto& handlers = config[name];
    for (guint i = 0; i < json_array_get_length(a); ++i) {
      JsonNode* e = json_array_get_element(a, i);
      std::string epath = path + "/" + std::to_string(i);
      Result<HandlerConfig> h = JSON_NODE_HOLDS_OBJECT(e)
                                    ? ParseObjectForm(json_node_get_object(e), epath)
                                : JSON_NODE_HOLDS_ARRAY(e)
                                    ? ParseArrayForm(json_node_get_array(e), epath)
                                    : Result<HandlerConfig>(PathError(epath, "expected an object"));
      if (!h.ok()) {
        g_list_free(names);
        return h.error();
      }
      handlers.push_back(std::move(h.value()));
    }
  }
  g_list_free(names);
  return config;
}

JsonObject* TriggerConfigToJson(const TriggerConfig& config) {
  JsonObject* out = json_object_new();
  for (const auto& [name, handlers] : config) {
    JsonArray* a = json_array_new();
    for (const auto& h : handlers) {
      JsonObject* o = json_object_new();
      json_object_set_string_member(o, "handler", h.handler.c_str());
      json_object_set_boolean_member(o, "sync", h.sync);
      JsonArray* s = json_array_new();
      for (const auto& e : h.streams.entries()) json_array_add_string_element(s, e.c_str());
      json_object_set_array_member(o, "streams", s);
      json_object_set_string_member(o, "params", h.params.c_str());
      json_object_set_string_member(o, "default", h.default_response.value_or("").c_str());
      json_array_add_object_element(a, o);
    }
    json_object_set_array_member(out, name.c_str(), a);
  }
  return out;
}

}  // namespace haze::triggers
