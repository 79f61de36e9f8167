#include "triggers/variable_store.h"

#include "base/log.h"
#include "triggers/trigger_types.h"

#define GST_CAT_DEFAULT haze_trigger_debug

namespace haze::triggers {
namespace {

constexpr size_t kMaxName = 31;
constexpr size_t kMaxValue = 127;

std::string NodeText(JsonNode* n) {
  if (!n || !JSON_NODE_HOLDS_VALUE(n)) return "";
  GType t = json_node_get_value_type(n);
  if (t == G_TYPE_STRING) return json_node_get_string(n);
  if (t == G_TYPE_INT64) return std::to_string(json_node_get_int(n));
  if (t == G_TYPE_DOUBLE) return std::to_string(static_cast<int64_t>(json_node_get_double(n)));
  return "";
}

uint32_t NodeUint(JsonNode* n) {
  std::string s = NodeText(n);
  return s.empty() ? 0 : static_cast<uint32_t>(g_ascii_strtoull(s.c_str(), nullptr, 10));
}

bool IsUrl(const std::string& t) {
  return t.rfind("http://", 0) == 0 || t.rfind("https://", 0) == 0;
}

}  // namespace

struct VariableStore::Entry {
  CustomVariable var;
  HandlerRunPtr run;
  GSource* timer = nullptr;
  ~Entry() {
    if (timer) {
      g_source_destroy(timer);
      g_source_unref(timer);
    }
  }
};

VariableStore::VariableStore() : session_(soup_session_new()) { InitLogging(); }

VariableStore::~VariableStore() {
  vars_.clear();
  g_object_unref(session_);
}

Status VariableStore::Add(CustomVariable v) {
  if (v.name.empty() || v.name.size() > kMaxName) {
    return Error{ErrorCode::kInvalidArgument, "variable name must be 1-31 characters", v.name};
  }
  for (char c : v.name) {
    if (!g_ascii_isalnum(c) && c != '_') {
      return Error{ErrorCode::kInvalidArgument, "variable names are [A-Za-z0-9_]", v.name};
    }
  }
  v.value = TrimResponse(v.value.substr(0, kMaxValue));
  if (v.wait_time == 0) v.wait_time = std::max<uint32_t>(1, v.interval);
  auto e = std::make_unique<Entry>();
  e->var = std::move(v);
  std::string name = e->var.name;
  values_[name] = e->var.value;
  bool dynamic = !e->var.target.empty();
  vars_[name] = std::move(e);  // replaces (and cancels) an older definition
  if (dynamic) Refresh(name);
  return OkStatus();
}

Status VariableStore::Add(JsonNode* request) {
  CustomVariable v;
  if (request && JSON_NODE_HOLDS_ARRAY(request)) {
    JsonArray* a = json_node_get_array(request);
    guint n = json_array_get_length(a);
    if (n < 2) return Error{ErrorCode::kInvalidArgument, "expected [name, value, ...]", ""};
    v.name = NodeText(json_array_get_element(a, 0));
    if (n == 2) {
      v.value = NodeText(json_array_get_element(a, 1));
    } else {
      v.target = NodeText(json_array_get_element(a, 1));
      v.interval = NodeUint(json_array_get_element(a, 2));
      if (n > 3) v.value = NodeText(json_array_get_element(a, 3));
      if (n > 4) v.wait_time = NodeUint(json_array_get_element(a, 4));
    }
  } else if (request && JSON_NODE_HOLDS_OBJECT(request)) {
    JsonObject* o = json_node_get_object(request);
    v.name = NodeText(json_object_get_member(o, "name"));
    v.target = NodeText(json_object_get_member(o, "target"));
    v.interval = NodeUint(json_object_get_member(o, "interval"));
    v.value = NodeText(json_object_get_member(o, "value"));
    v.wait_time = NodeUint(json_object_get_member(o, "waitTime"));
  } else {
    return Error{ErrorCode::kInvalidArgument, "expected an array or object", ""};
  }
  return Add(std::move(v));
}

void VariableStore::Remove(const std::string& name) {
  vars_.erase(name);
  values_.erase(name);
}

void VariableStore::Remove(JsonNode* request) {
  if (!request) return;
  if (JSON_NODE_HOLDS_ARRAY(request)) {
    JsonArray* a = json_node_get_array(request);
    for (guint i = 0; i < json_array_get_length(a); ++i) {
      Remove(NodeText(json_array_get_element(a, i)));
    }
  } else {
    Remove(NodeText(request));
  }
}

JsonObject* VariableStore::ToJson() const {
  JsonObject* out = json_object_new();
  for (const auto& [name, e] : vars_) {
    JsonObject* o = json_object_new();
    if (!e->var.target.empty()) {
      json_object_set_string_member(o, "target", e->var.target.c_str());
      json_object_set_int_member(o, "interval", e->var.interval);
      json_object_set_int_member(o, "waitTime", e->var.wait_time);
      json_object_set_int_member(o, "lastunix", e->var.last_unix);
    }
    json_object_set_string_member(o, "value", e->var.value.c_str());
    json_object_set_object_member(out, name.c_str(), o);
  }
  return out;
}

Status VariableStore::Load(JsonObject* variables) {
  vars_.clear();
  values_.clear();
  if (!variables) return OkStatus();
  GList* names = json_object_get_members(variables);
  Status status = OkStatus();
  for (GList* l = names; l && status.ok(); l = l->next) {
    const char* name = static_cast<const char*>(l->data);
    JsonNode* n = json_object_get_member(variables, name);
    if (!JSON_NODE_HOLDS_OBJECT(n)) continue;
    JsonObject* o = json_node_get_object(n);
    CustomVariable v;
    v.name = name;
    v.target = NodeText(json_object_get_member(o, "target"));
    v.interval = NodeUint(json_object_get_member(o, "interval"));
    v.value = NodeText(json_object_get_member(o, "value"));
    v.wait_time = NodeUint(json_object_get_member(o, "waitTime"));
    status = Add(std::move(v));
  }
  g_list_free(names);
  return status;
}

void VariableStore::Refresh(const std::string& name) {
  auto it = vars_.find(name);
  if (it == vars_.end()) return;
  Entry& e = *it->second;
  HandlerRequest req;
  req.trigger_protocol = false;
  req.handler = e.var.target;
  req.term_after_ms = e.var.wait_time * 1000;
  req.kill_after_ms = req.term_after_ms + 2000;
  req.max_output = kMaxValue;
  auto done = [this, name](HandlerResult r) { Apply(name, r); };
  if (IsUrl(e.var.target)) {
    req.method = "GET";
    req.extra = {{"X-Custom-Variable", name}};
    e.run = StartHttpHandler(session_, req, std::move(done));
    return;
  }
  gchar** argv = nullptr;
  if (!g_shell_parse_argv(e.var.target.c_str(), nullptr, &argv, nullptr)) {
    GST_WARNING("custom variable %s: cannot split command line", name.c_str());
    return;
  }
  for (gchar** a = argv; *a; ++a) req.argv.emplace_back(*a);
  g_strfreev(argv);
  req.extra = {{"MIST_CUSTOM_VARIABLE", name}};
  e.run = StartExecHandler(req, std::move(done));
}

void VariableStore::Apply(const std::string& name, const HandlerResult& r) {
  auto it = vars_.find(name);
  if (it == vars_.end()) return;
  Entry& e = *it->second;
  HandlerRunPtr finished = std::move(e.run);
  if (r.usable) {
    e.var.value = TrimResponse(r.output);
    e.var.last_unix = g_get_real_time() / G_USEC_PER_SEC;
    values_[name] = e.var.value;
    if (changed_) changed_();
  } else {
    GST_WARNING("custom variable %s: refresh failed: %s", name.c_str(), r.error.c_str());
  }
  Schedule(e);
}

void VariableStore::Schedule(Entry& e) {
  if (e.timer) {
    g_source_destroy(e.timer);
    g_source_unref(e.timer);
    e.timer = nullptr;
  }
  if (e.var.interval == 0) return;
  struct Ctx {
    VariableStore* store;
    std::string name;
  };
  e.timer = g_timeout_source_new_seconds(e.var.interval);
  g_source_set_callback(
      e.timer,
      [](gpointer p) -> gboolean {
        auto* c = static_cast<Ctx*>(p);
        c->store->Refresh(c->name);
        return G_SOURCE_REMOVE;
      },
      new Ctx{this, e.var.name}, [](gpointer p) { delete static_cast<Ctx*>(p); });
  g_source_attach(e.timer, g_main_context_get_thread_default());
}

}  // namespace haze::triggers
