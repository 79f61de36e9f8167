#include "config/config_loader.h"

#include <utility>
#include <vector>

#include "base/gst_ref.h"

namespace haze::config {
namespace {

Error TypeError(const std::string& path, const char* expected) {
  return Error{ErrorCode::kParse, std::string("expected ") + expected, path};
}

// Reads an integer that MistServer configs may store as number, bool or numeric string.
Result<int64_t> ReadInt(JsonObject* o, const char* key, int64_t def, const std::string& path) {
  JsonNode* n = json_object_get_member(o, key);
  if (!n || JSON_NODE_HOLDS_NULL(n)) return def;
  if (!JSON_NODE_HOLDS_VALUE(n)) return TypeError(path + "/" + key, "a number");
  GType t = json_node_get_value_type(n);
  if (t == G_TYPE_INT64) return json_node_get_int(n);
  if (t == G_TYPE_DOUBLE) return static_cast<int64_t>(json_node_get_double(n));
  if (t == G_TYPE_BOOLEAN) return json_node_get_boolean(n) ? 1 : 0;
  if (t == G_TYPE_STRING) {
    const char* s = json_node_get_string(n);
    char* end = nullptr;
    int64_t v = g_ascii_strtoll(s, &end, 10);
    if (end && *end == '\0' && end != s) return v;
  }
  return TypeError(path + "/" + key, "a number");
}

Result<bool> ReadBool(JsonObject* o, const char* key, bool def, const std::string& path) {
  auto v = ReadInt(o, key, def ? 1 : 0, path);
  if (!v) return TypeError(path + "/" + key, "a boolean");
  return v.value() != 0;
}

Result<std::string> ReadString(JsonObject* o, const char* key, const std::string& path) {
  JsonNode* n = json_object_get_member(o, key);
  if (!n || JSON_NODE_HOLDS_NULL(n)) return std::string();
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
    return TypeError(path + "/" + key, "a string");
  return std::string(json_node_get_string(n));
}

Status ParseProtocols(JsonObject* cfg, ServerConfig& out) {
  JsonNode* n = json_object_get_member(cfg, "protocols");
  if (!n || JSON_NODE_HOLDS_NULL(n)) return OkStatus();
  if (!JSON_NODE_HOLDS_ARRAY(n)) return TypeError("/config/protocols", "an array");
  out.protocols_listed = true;
  JsonArray* arr = json_node_get_array(n);
  for (guint i = 0; i < json_array_get_length(arr); ++i) {
    std::string path = "/config/protocols/" + std::to_string(i);
    JsonNode* e = json_array_get_element(arr, i);
    if (!JSON_NODE_HOLDS_OBJECT(e)) return TypeError(path, "an object");
    JsonObject* o = json_node_get_object(e);
    ProtocolConfig p;
    auto connector = ReadString(o, "connector", path);
    if (!connector) return connector.error();
    p.connector = connector.value();
    auto port = ReadInt(o, "port", -1, path);
    if (!port) return port.error();
    p.port = static_cast<int>(port.value());
    auto iface = ReadString(o, "interface", path);
    if (!iface) return iface.error();
    p.interface = iface.value();
    for (auto [key, field] : {std::pair{"merge_write_ms", &p.merge_write_ms},
                              std::pair{"merge_write_players", &p.merge_write_players},
                              std::pair{"ping_interval_ms", &p.ping_interval_ms},
                              std::pair{"ping_timeout_ms", &p.ping_timeout_ms}}) {
      auto v = ReadInt(o, key, -1, path);
      if (!v) return v.error();
      *field = v.value();
    }
    out.protocols.push_back(std::move(p));
  }
  return OkStatus();
}

Status ParseControllerSection(JsonObject* cfg, ServerConfig& out) {
  JsonNode* n = json_object_get_member(cfg, "controller");
  if (!n || JSON_NODE_HOLDS_NULL(n)) return OkStatus();
  if (!JSON_NODE_HOLDS_OBJECT(n)) return TypeError("/config/controller", "an object");
  JsonObject* c = json_node_get_object(n);
  auto iface = ReadString(c, "interface", "/config/controller");
  if (!iface) return iface.error();
  out.interface = iface.value();
  auto port = ReadInt(c, "port", -1, "/config/controller");
  if (!port) return port.error();
  out.api_port = static_cast<int>(port.value());
  auto local = ReadBool(c, "local_auto_auth", true, "/config/controller");
  if (!local) return local.error();
  out.local_auto_auth = local.value();
  return OkStatus();
}

Status ParseLimits(JsonObject* cfg, ServerConfig& out) {
  JsonNode* n = json_object_get_member(cfg, "limits");
  if (!n || JSON_NODE_HOLDS_NULL(n)) return OkStatus();
  if (!JSON_NODE_HOLDS_OBJECT(n)) return TypeError("/config/limits", "an object");
  JsonObject* o = json_node_get_object(n);
  InputLimits& l = out.limits;
  struct {
    const char* key;
    int64_t* dst;
    int64_t min, max;
  } fields[] = {
      {"json_depth", &l.json_depth, 4, 512},
      {"api_body_bytes", &l.api_body_bytes, 1024, int64_t{1} << 30},
      {"api_preauth_body_bytes", &l.api_preauth_body_bytes, 1024, int64_t{1} << 30},
      {"http_body_bytes", &l.http_body_bytes, 1024, int64_t{1} << 30},
      {"ws_message_bytes", &l.ws_message_bytes, 1024, int64_t{1} << 30},
      {"rtmp_message_bytes", &l.rtmp_message_bytes, 64 * 1024, 0xffffff},
  };
  for (auto& f : fields) {
    auto v = ReadInt(o, f.key, *f.dst, "/config/limits");
    if (!v) return v.error();
    if (v.value() < f.min || v.value() > f.max)
      return Error{ErrorCode::kInvalidArgument,
                   "must be between " + std::to_string(f.min) + " and " + std::to_string(f.max),
                   std::string("/config/limits/") + f.key};
    *f.dst = v.value();
  }
  return OkStatus();
}

Status ParseConfigSection(JsonObject* root, ServerConfig& out) {
  JsonNode* n = json_object_get_member(root, "config");
  if (!n || JSON_NODE_HOLDS_NULL(n)) return OkStatus();
  if (!JSON_NODE_HOLDS_OBJECT(n)) return TypeError("/config", "an object");
  JsonObject* cfg = json_node_get_object(n);
  struct {
    const char* key;
    std::string* dst;
  } strings[] = {{"serverid", &out.serverid},
                 {"prometheus", &out.prometheus},
                 {"public_address", &out.public_address},
                 {"templates_dir", &out.templates_dir}};
  for (auto& s : strings) {
    auto v = ReadString(cfg, s.key, "/config");
    if (!v) return v.error();
    *s.dst = v.value();
  }
  if (auto st = ParseProtocols(cfg, out); !st) return st;
  if (auto st = ParseLimits(cfg, out); !st) return st;
  return ParseControllerSection(cfg, out);
}

Status ParseAccounts(JsonObject* root, ServerConfig& out) {
  JsonNode* n = json_object_get_member(root, "account");
  if (!n || JSON_NODE_HOLDS_NULL(n)) return OkStatus();
  if (!JSON_NODE_HOLDS_OBJECT(n)) return TypeError("/account", "an object");
  JsonObject* acc = json_node_get_object(n);
  GList* names = json_object_get_members(acc);
  Status st = OkStatus();
  for (GList* l = names; l; l = l->next) {
    const char* name = static_cast<const char*>(l->data);
    JsonNode* e = json_object_get_member(acc, name);
    if (!JSON_NODE_HOLDS_OBJECT(e)) {
      st = TypeError(std::string("/account/") + name, "an object");
      break;
    }
    auto pw = ReadString(json_node_get_object(e), "password", std::string("/account/") + name);
    if (!pw) {
      st = pw.error();
      break;
    }
    out.accounts[name] = pw.value();
  }
  g_list_free(names);
  return st;
}

}  // namespace

Result<StreamConfig> ParseStreamConfig(const std::string& name, JsonNode* node) {
  std::string path = "/streams/" + name;
  if (!node || !JSON_NODE_HOLDS_OBJECT(node)) return TypeError(path, "an object");
  JsonObject* o = json_node_get_object(node);
  StreamConfig s;
  s.name = name;
  auto source = ReadString(o, "source", path);
  if (!source) return source.error();
  s.source = source.value();
  auto pipeline = ReadString(o, "pipeline", path);
  if (!pipeline) return pipeline.error();
  s.pipeline = pipeline.value();
  if (s.source.empty() && s.pipeline.empty())
    return Error{ErrorCode::kInvalidArgument, "a stream needs a source or a pipeline", path};
  struct {
    const char* key;
    int64_t* dst;
    int64_t min;
  } ints[] = {{"DVR", &s.dvr_ms, 1000},
              {"segmentsize", &s.segment_ms, 100},
              {"maxkeepaway", &s.max_keepaway_ms, 0},
              {"inputtimeout", &s.input_timeout_s, 1},
              {"resume_grace", &s.resume_grace_s, 0}};
  for (auto& f : ints) {
    auto v = ReadInt(o, f.key, *f.dst, path);
    if (!v) return v.error();
    if (v.value() < f.min)
      return Error{ErrorCode::kInvalidArgument,
                   "must be at least " + std::to_string(f.min), path + "/" + f.key};
    *f.dst = v.value();
  }
  auto always_on = ReadBool(o, "always_on", false, path);
  if (!always_on) return always_on.error();
  s.always_on = always_on.value();
  auto resume = ReadBool(o, "resume", false, path);
  if (!resume) return resume.error();
  s.resume = resume.value();
  if (JsonNode* tags = json_object_get_member(o, "tags"); tags && JSON_NODE_HOLDS_ARRAY(tags)) {
    JsonArray* arr = json_node_get_array(tags);
    for (guint i = 0; i < json_array_get_length(arr); ++i) {
      const char* t = json_array_get_string_element(arr, i);
      if (t) s.tags.emplace_back(t);
    }
  }
  return s;
}

Result<ServerConfig> ParseServerConfig(JsonNode* root) {
  if (!root || !JSON_NODE_HOLDS_OBJECT(root)) return TypeError("", "a JSON object");
  JsonObject* r = json_node_get_object(root);
  ServerConfig out;
  if (JsonNode* streams = json_object_get_member(r, "streams");
      streams && !JSON_NODE_HOLDS_NULL(streams)) {
    if (!JSON_NODE_HOLDS_OBJECT(streams)) return TypeError("/streams", "an object");
    JsonObject* so = json_node_get_object(streams);
    GList* names = json_object_get_members(so);
    for (GList* l = names; l; l = l->next) {
      const char* name = static_cast<const char*>(l->data);
      auto s = ParseStreamConfig(name, json_object_get_member(so, name));
      if (!s) {
        g_list_free(names);
        return s.error();
      }
      out.streams.emplace(name, std::move(s.value()));
    }
    g_list_free(names);
  }
  if (auto st = ParseConfigSection(r, out); !st) return st.error();
  if (auto st = ParseAccounts(r, out); !st) return st.error();
  if (JsonNode* keys = json_object_get_member(r, "streamkeys"); keys && JSON_NODE_HOLDS_OBJECT(keys)) {
    JsonObject* ko = json_node_get_object(keys);
    GList* names = json_object_get_members(ko);
    for (GList* l = names; l; l = l->next) {
      const char* key = static_cast<const char*>(l->data);
      JsonNode* v = json_object_get_member(ko, key);
      if (JSON_NODE_HOLDS_VALUE(v) && json_node_get_value_type(v) == G_TYPE_STRING)
        out.stream_keys[key] = json_node_get_string(v);
    }
    g_list_free(names);
  }
  return out;
}

namespace {

using JsonNodePtr = GUnique<JsonNode, json_node_unref>;

// A text holds one JSON value. json-glib before 1.10 parses every further top-level object or
// array ("{}{}", "1[2]") and then drops it unfreed (json-glib#74): when one starts, the value
// before it is taken out of the parser (freed after parsing, as the parser may still use it),
// and the text is refused.
void OnContainerStart(JsonParser* parser, gpointer taken) noexcept {
  if (!json_parser_get_root(parser)) return;  // the first value, or one inside a value
  static_cast<std::vector<JsonNodePtr>*>(taken)->emplace_back(json_parser_steal_root(parser));
}

}  // namespace

Result<JsonNode*> ParseJsonText(const std::string& text, const std::string& context,
                                const JsonShapeLimits& limits) {
  if (std::string why = CheckJsonShape(text, limits); !why.empty())
    return Error{ErrorCode::kInvalidArgument, why, context};
  auto parser = GRef<JsonParser>::Adopt(json_parser_new());
  std::vector<JsonNodePtr> taken;
  g_signal_connect(parser.get(), "object-start", G_CALLBACK(OnContainerStart), &taken);
  g_signal_connect(parser.get(), "array-start", G_CALLBACK(OnContainerStart), &taken);
  GError* err = nullptr;
  if (!json_parser_load_from_data(parser.get(), text.data(), static_cast<gssize>(text.size()),
                                  &err)) {
    GErrorPtr e(err);
    return Error::FromGError(e.get(), ErrorCode::kParse, context);
  }
  if (!taken.empty()) return Error{ErrorCode::kParse, "more than one top-level value", context};
  JsonNode* root = json_parser_get_root(parser.get());
  if (!root) return Error{ErrorCode::kParse, "empty document", context};
  return json_node_copy(root);
}

std::string ToJsonText(JsonNode* node, bool pretty) {
  auto gen = GRef<JsonGenerator>::Adopt(json_generator_new());
  json_generator_set_root(gen.get(), node);
  json_generator_set_pretty(gen.get(), pretty);
  GCharPtr text(json_generator_to_data(gen.get(), nullptr));
  return text ? text.get() : "";
}

JsonNode* DeepCopyJson(JsonNode* node) {
  if (!node) return json_node_new(JSON_NODE_NULL);
  switch (JSON_NODE_TYPE(node)) {
    case JSON_NODE_OBJECT: {
      JsonObject* src = json_node_get_object(node);
      JsonObject* dst = json_object_new();
      GList* members = json_object_get_members(src);
      for (GList* l = members; l; l = l->next) {
        const char* key = static_cast<const char*>(l->data);
        json_object_set_member(dst, key, DeepCopyJson(json_object_get_member(src, key)));
      }
      g_list_free(members);
      JsonNode* out = json_node_new(JSON_NODE_OBJECT);
      json_node_take_object(out, dst);
      return out;
    }
    case JSON_NODE_ARRAY: {
      JsonArray* src = json_node_get_array(node);
      JsonArray* dst = json_array_sized_new(json_array_get_length(src));
      for (guint i = 0; i < json_array_get_length(src); ++i)
        json_array_add_element(dst, DeepCopyJson(json_array_get_element(src, i)));
      JsonNode* out = json_node_new(JSON_NODE_ARRAY);
      json_node_take_array(out, dst);
      return out;
    }
    default:
      return json_node_copy(node);
  }
}

}  // namespace haze::config
