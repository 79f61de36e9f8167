// API resource "variables": variable_add, variable_remove, variable_list. Stored in the root
// "variables" object as MistServer does ({name: {target?, interval?, value?, waitTime?}}).
#include <string>

#include "base/log.h"
#include "config/config_loader.h"
#include "http/api/api_context.h"

#define GST_CAT_DEFAULT haze_http_debug

namespace haze::http {

namespace {

std::string Trimmed(const char* s) {
  gchar* copy = g_strstrip(g_strdup(s ? s : ""));
  std::string out(copy);
  g_free(copy);
  return out;
}

std::string AsString(JsonNode* n) {
  if (!n || !JSON_NODE_HOLDS_VALUE(n)) return {};
  if (json_node_get_value_type(n) == G_TYPE_STRING) return Trimmed(json_node_get_string(n));
  if (json_node_get_value_type(n) == G_TYPE_INT64) return std::to_string(json_node_get_int(n));
  if (json_node_get_value_type(n) == G_TYPE_DOUBLE)
    return std::to_string(static_cast<int64_t>(json_node_get_double(n)));
  return {};
}

int64_t AsInt(JsonNode* n) {
  if (!n || !JSON_NODE_HOLDS_VALUE(n)) return 0;
  if (json_node_get_value_type(n) == G_TYPE_INT64) return json_node_get_int(n);
  if (json_node_get_value_type(n) == G_TYPE_DOUBLE) return static_cast<int64_t>(json_node_get_double(n));
  if (json_node_get_value_type(n) == G_TYPE_STRING) return g_ascii_strtoll(json_node_get_string(n), nullptr, 10);
  return 0;
}

struct Variable {
  std::string name, target, value;
  int64_t interval = 0, wait_time = 0;
};

// Reads the array or object form; returns "" or a reason.
std::string ReadVariable(JsonNode* arg, Variable* v) {
  if (JSON_NODE_HOLDS_ARRAY(arg)) {
    JsonArray* a = json_node_get_array(arg);
    guint n = json_array_get_length(a);
    if (n < 2) return "variable_add needs [name, value] or [name, target, interval, ...]";
    v->name = AsString(json_array_get_element(a, 0));
    if (n == 2) {
      v->value = AsString(json_array_get_element(a, 1));
    } else {
      v->target = AsString(json_array_get_element(a, 1));
      v->interval = AsInt(json_array_get_element(a, 2));
      if (n > 3) v->value = AsString(json_array_get_element(a, 3));
      v->wait_time = n > 4 ? AsInt(json_array_get_element(a, 4)) : v->interval;
    }
  } else if (JSON_NODE_HOLDS_OBJECT(arg)) {
    JsonObject* o = json_node_get_object(arg);
    auto get = [&](const char* k) { return json_object_has_member(o, k) ? json_object_get_member(o, k) : nullptr; };
    v->name = AsString(get("name"));
    v->target = AsString(get("target"));
    v->value = AsString(get("value"));
    v->interval = AsInt(get("interval"));
    v->wait_time = get("waitTime") ? AsInt(get("waitTime")) : v->interval;
  } else {
    return "variable_add takes an array or an object";
  }
  if (v->name.empty() || v->name.size() > 31) return "variable name must be 1-31 characters";
  if (v->target.size() > 512) return "variable target is longer than 512 characters";
  if (v->value.size() > 127) v->value.resize(127);
  if (!v->target.empty() && v->wait_time < 1) v->wait_time = 1;
  return {};
}

JsonNode* ListVariables(ApiContext& ctx, JsonNode*) {
  return config::DeepCopyJson(json_object_get_member(ctx.config.root(), "variables"));
}

JsonNode* AddVariable(ApiContext& ctx, JsonNode* arg) {
  Variable v;
  if (std::string why = ReadVariable(arg, &v); !why.empty()) return ErrorNode(why);
  JsonObject* o = nullptr;
  JsonNode* node = NewObjectNode(&o);
  if (!v.target.empty()) {
    json_object_set_string_member(o, "target", v.target.c_str());
    json_object_set_int_member(o, "interval", v.interval);
    json_object_set_int_member(o, "waitTime", v.wait_time);
  }
  json_object_set_string_member(o, "value", v.value.c_str());
  json_object_set_member(ctx.config.Section("variables"), v.name.c_str(), node);
  if (auto st = ctx.config.Changed(); !st) return ErrorNode(st.error().ToString());
  return ListVariables(ctx, nullptr);
}

JsonNode* RemoveVariable(ApiContext& ctx, JsonNode* arg) {
  JsonObject* vars = ctx.config.Section("variables");
  auto remove = [&](JsonNode* n) {
    std::string name = AsString(n);
    if (!name.empty() && json_object_has_member(vars, name.c_str()))
      json_object_remove_member(vars, name.c_str());
  };
  if (JSON_NODE_HOLDS_ARRAY(arg)) {
    JsonArray* a = json_node_get_array(arg);
    for (guint i = 0; i < json_array_get_length(a); ++i) remove(json_array_get_element(a, i));
  } else {
    remove(arg);
  }
  if (auto st = ctx.config.Changed(); !st) return ErrorNode(st.error().ToString());
  return ListVariables(ctx, nullptr);
}

}  // namespace

void RegisterVariablesApi(CommandTable& table) {
  table.Add("variable_add", &AddVariable);
  table.Add("variable_remove", &RemoveVariable);
  table.Add("variable_list", &ListVariables);
}

}  // namespace haze::http
