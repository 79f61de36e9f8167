#include "push/push_rules.h"

#include <glib.h>

#include "triggers/trigger_types.h"

namespace haze::push {
namespace {

std::string Text(JsonNode* n) {
  if (!n || !JSON_NODE_HOLDS_VALUE(n)) return "";
  GType t = json_node_get_value_type(n);
  if (t == G_TYPE_STRING) return json_node_get_string(n);
  if (t == G_TYPE_INT64) return std::to_string(json_node_get_int(n));
  if (t == G_TYPE_DOUBLE) return std::to_string(static_cast<int64_t>(json_node_get_double(n)));
  if (t == G_TYPE_BOOLEAN) return json_node_get_boolean(n) ? "1" : "0";
  return "";
}
int64_t Int(JsonNode* n) { return g_ascii_strtoll(Text(n).c_str(), nullptr, 10); }

std::optional<PushRule> RuleFrom(JsonNode* var, JsonNode* op, JsonNode* value) {
  std::string v = Text(var);
  if (v.empty()) return std::nullopt;
  return PushRule{v, static_cast<int>(Int(op)), Text(value)};
}

std::optional<PushRule> RuleFromArray(JsonNode* n) {
  if (!n || !JSON_NODE_HOLDS_ARRAY(n)) return std::nullopt;
  JsonArray* a = json_node_get_array(n);
  if (json_array_get_length(a) < 2) return std::nullopt;
  return RuleFrom(json_array_get_element(a, 0), json_array_get_element(a, 1),
                  json_array_get_length(a) > 2 ? json_array_get_element(a, 2) : nullptr);
}

JsonArray* RuleJson(const PushRule& r) {
  JsonArray* a = json_array_new();
  json_array_add_string_element(a, r.variable.c_str());
  json_array_add_int_element(a, r.op);
  json_array_add_string_element(a, r.value.c_str());
  return a;
}

std::string Md5(const std::string& s) {
  gchar* h = g_compute_checksum_for_string(G_CHECKSUM_MD5, s.c_str(), -1);
  std::string out = h;
  g_free(h);
  return out;
}

bool MatchOne(const std::string& entry, const std::string& name,
              const std::vector<std::string>& tags) {
  if (entry.empty()) return false;
  if (entry[0] == '#') {
    for (const auto& t : tags) {
      if (t == entry.substr(1)) return true;
    }
    return false;
  }
  if (entry.back() == '+') return name.rfind(entry, 0) == 0 && name.size() > entry.size();
  return name == entry;
}

}  // namespace

bool AutoPush::MatchesStream(const std::string& name, const std::vector<std::string>& tags) const {
  return MatchOne(stream, name, tags);
}

bool AutoPush::Inhibited(const std::string& name, const std::vector<std::string>& tags) const {
  for (const auto& i : inhibit) {
    if (MatchOne(i, name, tags)) return true;
    // A plain base name also inhibits its children.
    if (!i.empty() && i[0] != '#' && name.rfind(i + "+", 0) == 0) return true;
  }
  return false;
}

JsonObject* AutoPush::ToJson() const {
  JsonObject* o = json_object_new();
  json_object_set_string_member(o, "stream", stream.c_str());
  json_object_set_string_member(o, "target", target.c_str());
  if (schedule_time) json_object_set_int_member(o, "scheduletime", schedule_time);
  if (complete_time) json_object_set_int_member(o, "completetime", complete_time);
  if (start_rule) json_object_set_array_member(o, "start_rule", RuleJson(*start_rule));
  if (end_rule) json_object_set_array_member(o, "end_rule", RuleJson(*end_rule));
  if (!inhibit.empty()) {
    JsonArray* a = json_array_new();
    for (const auto& i : inhibit) json_array_add_string_element(a, i.c_str());
    json_object_set_array_member(o, "inhibit", a);
  }
  if (!notes.empty()) json_object_set_string_member(o, "x-LSP-notes", notes.c_str());
  return o;
}

Result<AutoPush> ParseAutoPush(JsonNode* node) {
  AutoPush p;
  if (node && JSON_NODE_HOLDS_ARRAY(node)) {
    JsonArray* a = json_node_get_array(node);
    guint n = json_array_get_length(a);
    auto el = [&](guint i) { return i < n ? json_array_get_element(a, i) : nullptr; };
    p.stream = Text(el(0));
    p.target = Text(el(1));
    p.schedule_time = Int(el(2));
    p.complete_time = Int(el(3));
    if (n > 5) p.start_rule = RuleFrom(el(4), el(5), el(6));
    if (n > 8) p.end_rule = RuleFrom(el(7), el(8), el(9));
  } else if (node && JSON_NODE_HOLDS_OBJECT(node)) {
    JsonObject* o = json_node_get_object(node);
    p.stream = Text(json_object_get_member(o, "stream"));
    p.target = Text(json_object_get_member(o, "target"));
    p.schedule_time = Int(json_object_get_member(o, "scheduletime"));
    p.complete_time = Int(json_object_get_member(o, "completetime"));
    p.start_rule = RuleFromArray(json_object_get_member(o, "start_rule"));
    p.end_rule = RuleFromArray(json_object_get_member(o, "end_rule"));
    p.notes = Text(json_object_get_member(o, "x-LSP-notes"));
    JsonNode* inh = json_object_get_member(o, "inhibit");
    if (inh && JSON_NODE_HOLDS_ARRAY(inh)) {
      JsonArray* a = json_node_get_array(inh);
      for (guint i = 0; i < json_array_get_length(a); ++i) {
        p.inhibit.push_back(Text(json_array_get_element(a, i)));
      }
    } else if (!Text(inh).empty()) {
      p.inhibit.push_back(Text(inh));
    }
  } else {
    return Error{ErrorCode::kInvalidArgument, "expected an object or array", "push_auto_add"};
  }
  if (p.stream.empty() || p.target.empty()) {
    return Error{ErrorCode::kInvalidArgument, "stream and target are required", "push_auto_add"};
  }
  JsonNode* canon = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(canon, p.ToJson());
  gchar* s = json_to_string(canon, FALSE);
  p.id = Md5(s);
  g_free(s);
  json_node_unref(canon);
  return p;
}

bool EvaluateRule(const PushRule& rule, const triggers::VariableMap& vars) {
  std::string var = rule.variable;
  if (var[0] != '$') var = "$" + var;
  std::string left = triggers::ExpandVariables(var, vars);
  std::string right = triggers::ExpandVariables(rule.value, vars);
  double l = g_ascii_strtod(left.c_str(), nullptr);
  double r = g_ascii_strtod(right.c_str(), nullptr);
  switch (rule.op) {
    case 0:
      return triggers::ParseBoolResponse(left);
    case 1:
      return !triggers::ParseBoolResponse(left);
    case 2:
      return left == right;
    case 3:
      return left != right;
    case 10:
      return l > r;
    case 11:
      return l >= r;
    case 12:
      return l < r;
    case 13:
      return l <= r;
    case 20:
      return left > right;
    case 21:
      return left >= right;
    case 22:
      return left < right;
    case 23:
      return left <= right;
    default:
      return false;
  }
}

}  // namespace haze::push
