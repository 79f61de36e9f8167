#include "http/api/api_router.h"

#include <cstring>

#include "base/log.h"
#include "config/config_loader.h"
#include "http/api/auth.h"

#define GST_CAT_DEFAULT haze_http_debug

namespace haze::http {

namespace {

// Request keys that are not commands.
bool IsTransportKey(const char* key) {
  static const char* kKeys[] = {"authorize", "minimal", "callback", "jsonp", "logout"};
  for (const char* k : kKeys)
    if (std::strcmp(k, key) == 0) return true;
  return false;
}

bool Truthy(JsonObject* o, const char* key) {
  if (!json_object_has_member(o, key)) return false;
  JsonNode* n = json_object_get_member(o, key);
  if (!JSON_NODE_HOLDS_VALUE(n)) return !JSON_NODE_HOLDS_NULL(n);
  GType t = json_node_get_value_type(n);
  if (t == G_TYPE_BOOLEAN) return json_node_get_boolean(n);
  if (t == G_TYPE_INT64) return json_node_get_int(n) != 0;
  if (t == G_TYPE_DOUBLE) return json_node_get_double(n) != 0;
  if (t == G_TYPE_STRING) return std::strlen(json_node_get_string(n)) > 0;
  return false;
}

void Send(const Request& req, guint status, JsonNode* answer) {
  std::string text = config::ToJsonText(answer, false);
  std::string cb = req.Query("callback");
  if (cb.empty()) cb = req.Query("jsonp");
  // Only identifier-like callback names are echoed (no script injection).
  bool safe = !cb.empty() && cb.size() < 64;
  for (char c : cb)
    if (!g_ascii_isalnum(c) && c != '_' && c != '.' && c != '$') safe = false;
  if (safe) text = cb + "(" + text + ");";
  AddCors(req.msg);
  RespondText(req.msg, status, text, "text/javascript");
}

// The `Authorization: json {...}` header holds a username and a password hash: small and flat.
constexpr JsonShapeLimits kAuthHeaderLimits{4096, 4};

}  // namespace

ApiRouter::ApiRouter(ApiContext& ctx) : ctx_(ctx) {
  RegisterConfigApi(table_);
  RegisterStreamsApi(table_);
  RegisterVariablesApi(table_);
  RegisterStatsApi(table_);
  RegisterPushApi(table_);
  RegisterLogApi(table_);
  RegisterSystemApi(table_);
}

bool ApiRouter::CheckAuth(JsonObject* credentials, const std::string& client_ip,
                          bool local_direct, JsonObject* answer, std::string* challenge) {
  JsonObject* auth = nullptr;
  JsonNode* auth_node = NewObjectNode(&auth);
  json_object_set_member(answer, "authorize", auth_node);
  if (local_direct && ctx_.config.typed().local_auto_auth) {
    json_object_set_string_member(auth, "status", "OK");
    json_object_set_boolean_member(auth, "local", TRUE);
    return true;
  }
  AuthResult r = Authorize(ctx_.config.typed().accounts, credentials, client_ip,
                           g_get_real_time() / G_USEC_PER_SEC);
  if (r.status == AuthStatus::kAccountMade) {
    JsonObject* accounts = ctx_.config.Section("account");
    JsonObject* acc = nullptr;
    JsonNode* acc_node = NewObjectNode(&acc);
    json_object_set_string_member(acc, "password", r.new_password_md5.c_str());
    json_object_set_member(accounts, r.new_user.c_str(), acc_node);
    if (auto st = ctx_.config.Changed(); !st) {
      GST_WARNING("could not store the new account: %s", st.error().ToString().c_str());
      r.status = AuthStatus::kNoAccount;
    } else {
      GST_INFO("API account created");
    }
  }
  json_object_set_string_member(auth, "status", AuthStatusText(r.status));
  if (!r.authorized()) json_object_set_string_member(auth, "challenge", r.challenge.c_str());
  if (challenge) *challenge = r.challenge;
  return r.authorized();
}

JsonNode* ApiRouter::Execute(JsonObject* request, bool minimal) {
  JsonObject* answer = nullptr;
  JsonNode* answer_node = NewObjectNode(&answer);
  ctx_.streams_changed = false;
  // Edits first, then "save", so {"addstream": ..., "save": true} saves the new stream.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& [name, command] : table_.commands()) {
      if ((name == "save") != (pass == 1)) continue;
      if (!json_object_has_member(request, name.c_str())) continue;
      JsonNode* result = command(ctx_, json_object_get_member(request, name.c_str()));
      if (result) json_object_set_member(answer, name.c_str(), result);
    }
  }
  GList* members = json_object_get_members(request);
  for (GList* m = members; m; m = m->next) {
    const char* key = static_cast<const char*>(m->data);
    if (IsTransportKey(key) || table_.Has(key)) continue;
    json_object_set_member(answer, key, ErrorNode(std::string("unknown command: ") + key));
  }
  g_list_free(members);
  if ((!minimal || ctx_.streams_changed) && !json_object_has_member(answer, "streams"))
    json_object_set_member(answer, "streams", StreamsAnswer(ctx_));
  if (!minimal) {
    if (!json_object_has_member(answer, "config"))
      json_object_set_member(answer, "config", ConfigAnswer(ctx_));
    if (!json_object_has_member(answer, "log"))
      json_object_set_member(answer, "log", LogAnswer(ctx_, 100));
  }
  json_object_set_int_member(answer, "LTS", 1);
  return answer_node;
}

void ApiRouter::Handle(const Request& req, bool minimal_path) {
  std::string text;
  std::string body = req.Body();
  const char* method = req.Method();
  if (req.HasQuery("command")) {
    text = req.Query("command");
  } else if (std::strcmp(method, "POST") == 0 && !body.empty()) {
    text = body;
    // A form POST (command=...) carries the JSON as a form field.
    std::string ctype = req.Header("Content-Type");
    // Clients that POST raw JSON without a content type (curl -d, urllib) get it as JSON.
    bool json_body = body.find_first_not_of(" \t\r\n") != std::string::npos &&
                     body[body.find_first_not_of(" \t\r\n")] == '{';
    if (!json_body && ctype.find("application/x-www-form-urlencoded") != std::string::npos) {
      GHashTable* form = soup_form_decode(body.c_str());
      auto* c = static_cast<const char*>(g_hash_table_lookup(form, "command"));
      text = c ? c : "{}";
      g_hash_table_unref(form);
    }
  }
  if (text.empty()) text = "{}";

  JsonObject* err = nullptr;
  JsonNode* err_node = nullptr;
  const config::InputLimits& limits = ctx_.config.typed().limits;
  auto parsed = config::ParseJsonText(
      text, "request",
      JsonShapeLimits{size_t(limits.api_body_bytes), int(limits.json_depth)});
  if (!parsed || !JSON_NODE_HOLDS_OBJECT(parsed.value())) {
    if (parsed) json_node_unref(parsed.value());
    err_node = NewObjectNode(&err);
    json_object_set_string_member(
        err, "error", parsed ? "the request must be a JSON object" : parsed.error().ToString().c_str());
    json_object_set_int_member(err, "LTS", 1);
    Send(req, SOUP_STATUS_BAD_REQUEST, err_node);
    json_node_unref(err_node);
    return;
  }
  JsonNode* request_node = parsed.value();
  JsonObject* request = json_node_get_object(request_node);

  // Credentials: the `Authorization: json {...}` header, else the request's `authorize`.
  JsonNode* header_creds = HeaderCredentials(req);
  JsonObject* creds = header_creds ? json_node_get_object(header_creds) : nullptr;
  if (!creds && json_object_has_member(request, "authorize") &&
      JSON_NODE_HOLDS_OBJECT(json_object_get_member(request, "authorize")))
    creds = json_object_get_object_member(request, "authorize");

  JsonObject* auth_answer = nullptr;
  JsonNode* auth_node = NewObjectNode(&auth_answer);
  std::string challenge;
  bool ok = CheckAuth(creds, req.ClientIp(), req.IsLocalDirect(), auth_answer, &challenge);
  if (ok) recent_peers_.Remember(req.ClientIp(), g_get_monotonic_time());
  if (!ok) {
    json_object_set_int_member(auth_answer, "LTS", 1);
    if (header_creds) {
      std::string www = "json {\"challenge\":\"" + challenge + "\"}";
      soup_message_headers_replace(soup_server_message_get_response_headers(req.msg),
                                   "WWW-Authenticate", www.c_str());
      Send(req, SOUP_STATUS_FORBIDDEN, auth_node);
    } else {
      Send(req, SOUP_STATUS_OK, auth_node);
    }
  } else {
    bool minimal = minimal_path || Truthy(request, "minimal");
    JsonNode* answer_node = Execute(request, minimal);
    json_object_set_member(json_node_get_object(answer_node), "authorize",
                           json_object_dup_member(auth_answer, "authorize"));
    Send(req, SOUP_STATUS_OK, answer_node);
    json_node_unref(answer_node);
  }
  json_node_unref(auth_node);
  json_node_unref(request_node);
  if (header_creds) json_node_unref(header_creds);
}

JsonNode* ApiRouter::HeaderCredentials(const Request& req) const {
  std::string auth_header = req.Header("Authorization");
  if (!g_str_has_prefix(auth_header.c_str(), "json ")) return nullptr;
  auto h = config::ParseJsonText(auth_header.substr(5), "Authorization", kAuthHeaderLimits);
  if (h && JSON_NODE_HOLDS_OBJECT(h.value())) return h.value();
  if (h) json_node_unref(h.value());
  return nullptr;
}

size_t ApiRouter::BodyLimit(const Request& req) {
  const config::ServerConfig& cfg = ctx_.config.typed();
  auto full = size_t(cfg.limits.api_body_bytes);
  if (req.IsLocalDirect() && cfg.local_auto_auth) return full;
  std::string ip = req.ClientIp();
  if (recent_peers_.Contains(ip, g_get_monotonic_time())) return full;
  if (JsonNode* creds = HeaderCredentials(req)) {
    AuthResult r = Authorize(cfg.accounts, json_node_get_object(creds), ip,
                             g_get_real_time() / G_USEC_PER_SEC);
    json_node_unref(creds);
    if (r.status == AuthStatus::kOk) return full;
  }
  return size_t(cfg.limits.api_preauth_body_bytes);
}

JsonNode* NewObjectNode(JsonObject** out) {
  JsonObject* o = json_object_new();
  JsonNode* n = json_node_init_object(json_node_alloc(), o);
  json_object_unref(o);
  if (out) *out = o;
  return n;
}

JsonNode* NewArrayNode(JsonArray** out) {
  JsonArray* a = json_array_new();
  JsonNode* n = json_node_init_array(json_node_alloc(), a);
  json_array_unref(a);
  if (out) *out = a;
  return n;
}

JsonNode* StringNode(const std::string& s) {
  return json_node_init_string(json_node_alloc(), s.c_str());
}

JsonNode* IntNode(int64_t v) { return json_node_init_int(json_node_alloc(), v); }

JsonNode* ErrorNode(const std::string& message) {
  JsonObject* o = nullptr;
  JsonNode* n = NewObjectNode(&o);
  json_object_set_string_member(o, "error", message.c_str());
  return n;
}

}  // namespace haze::http
