#include "http/ws_api.h"

#include <unistd.h>

#include "base/log.h"
#include "config/config_loader.h"

#define GST_CAT_DEFAULT haze_http_debug

namespace haze::http {

namespace {

constexpr guint kAuthTimeoutS = 10;

JsonNode* Frame(const char* kind, JsonNode* payload) {
  JsonArray* a = nullptr;
  JsonNode* n = NewArrayNode(&a);
  json_array_add_string_element(a, kind);
  json_array_add_element(a, payload);
  return n;
}

JsonNode* LogPayload(const core::LogLine& l) {
  JsonArray* e = nullptr;
  JsonNode* n = NewArrayNode(&e);
  json_array_add_int_element(e, l.unix_s);
  json_array_add_string_element(e, l.kind.c_str());
  json_array_add_string_element(e, l.message.c_str());
  json_array_add_string_element(e, l.stream.c_str());
  json_array_add_int_element(e, getpid());
  json_array_add_string_element(e, "haze");
  json_array_add_string_element(e, (l.file + ":" + std::to_string(l.line)).c_str());
  return n;
}

}  // namespace

struct WsApi::Client {
  WsApi* owner;
  GRef<SoupWebsocketConnection> conn;
  std::string client_ip;
  bool authorized = false;
  bool streams = false;
  int logs = 100;
  GSource* auth_timer = nullptr;
  gulong closed = 0, message = 0, error = 0;
};

WsApi::WsApi(ApiRouter& router, GMainContext* context) : router_(router), context_(context) {
  std::weak_ptr<bool> alive = alive_;
  GMainContext* ctx = context_;
  log_listener_ = router_.context().log.AddListener([this, alive, ctx](const core::LogLine& line) {
    auto* job = new std::pair<WsApi*, core::LogLine>(this, line);
    auto* guard = new std::weak_ptr<bool>(alive);
    struct Job {
      std::pair<WsApi*, core::LogLine>* job;
      std::weak_ptr<bool>* guard;
    };
    g_main_context_invoke_full(
        ctx, G_PRIORITY_DEFAULT,
        [](gpointer d) -> gboolean {
          auto* j = static_cast<Job*>(d);
          if (auto a = j->guard->lock(); a && *a) j->job->first->BroadcastLog(j->job->second);
          return G_SOURCE_REMOVE;
        },
        new Job{job, guard},
        [](gpointer d) {
          auto* j = static_cast<Job*>(d);
          delete j->job;
          delete j->guard;
          delete j;
        });
  });
  status_sub_ = router_.context().streams.AddStatusObserver(
      [this, alive](const std::string& name, core::StreamStatus, const std::string&) {
        if (auto a = alive.lock(); a && *a) BroadcastStream(name);
      });
}

WsApi::~WsApi() {
  *alive_ = false;
  router_.context().log.RemoveListener(log_listener_);
  while (!clients_.empty()) Drop(clients_.back());
}

void WsApi::Send(Client* c, JsonNode* frame) {
  if (soup_websocket_connection_get_state(c->conn.get()) == SOUP_WEBSOCKET_STATE_OPEN) {
    std::string text = config::ToJsonText(frame, false);
    soup_websocket_connection_send_text(c->conn.get(), text.c_str());
  }
  json_node_unref(frame);
}

void WsApi::Accept(const Request& request, SoupWebsocketConnection* conn) {
  const config::InputLimits& limits = router_.context().config.typed().limits;
  // A larger message closes the connection (libsoup answers 1009, "message too big").
  soup_websocket_connection_set_max_incoming_payload_size(conn, guint64(limits.ws_message_bytes));
  auto* c = new Client{this, GRef<SoupWebsocketConnection>::Borrow(conn), request.ClientIp()};
  c->streams = request.Query("streams") == "1";
  std::string logs = request.Query("logs");
  if (!logs.empty() && g_ascii_isdigit(logs[0])) c->logs = static_cast<int>(g_ascii_strtoll(logs.c_str(), nullptr, 10));
  clients_.push_back(c);
  c->closed = g_signal_connect(conn, "closed", G_CALLBACK(+[](SoupWebsocketConnection*, gpointer d) {
    auto* c = static_cast<Client*>(d);
    c->owner->Drop(c);
  }), c);
  // Protocol errors (a message over the size limit, a bad frame): libsoup closes the socket.
  c->error = g_signal_connect(conn, "error", G_CALLBACK(+[](SoupWebsocketConnection*, GError* e, gpointer d) {
    GST_WARNING("ws: %s: %s; closing", static_cast<Client*>(d)->client_ip.c_str(), e->message);
  }), c);
  c->message = g_signal_connect(conn, "message", G_CALLBACK(+[](SoupWebsocketConnection*, gint type, GBytes* msg, gpointer d) {
    if (type != SOUP_WEBSOCKET_DATA_TEXT) return;
    gsize size = 0;
    const char* data = static_cast<const char*>(g_bytes_get_data(msg, &size));
    auto* c = static_cast<Client*>(d);
    c->owner->OnMessage(c, std::string(data ? data : "", size));
  }), c);
  bool local = request.IsLocalDirect() && router_.context().config.typed().local_auto_auth;
  Send(c, Frame("auth", json_node_init_boolean(json_node_alloc(), local)));
  if (local) {
    Authorized(c);
    return;
  }
  c->auth_timer = g_timeout_source_new_seconds(kAuthTimeoutS);
  g_source_set_callback(c->auth_timer, [](gpointer d) -> gboolean {
    auto* c = static_cast<Client*>(d);
    soup_websocket_connection_close(c->conn.get(), SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "auth timeout");
    return G_SOURCE_REMOVE;
  }, c, nullptr);
  g_source_attach(c->auth_timer, context_);
}

void WsApi::OnMessage(Client* c, const std::string& text) {
  if (c->authorized) return;
  const config::InputLimits& limits = router_.context().config.typed().limits;
  auto parsed = config::ParseJsonText(
      text, "ws", JsonShapeLimits{size_t(limits.ws_message_bytes), int(limits.json_depth)});
  if (!parsed) return;
  JsonNode* n = parsed.value();
  JsonObject* creds = nullptr;
  if (JSON_NODE_HOLDS_ARRAY(n) && json_array_get_length(json_node_get_array(n)) == 2) {
    JsonArray* a = json_node_get_array(n);
    JsonNode* kind = json_array_get_element(a, 0);
    JsonNode* body = json_array_get_element(a, 1);
    if (JSON_NODE_HOLDS_VALUE(kind) && json_node_get_value_type(kind) == G_TYPE_STRING &&
        g_strcmp0(json_node_get_string(kind), "auth") == 0 && JSON_NODE_HOLDS_OBJECT(body))
      creds = json_node_get_object(body);
  }
  JsonObject* answer = nullptr;
  JsonNode* answer_node = NewObjectNode(&answer);
  bool ok = creds && router_.CheckAuth(creds, c->client_ip, false, answer, nullptr);
  json_node_unref(answer_node);
  json_node_unref(n);
  Send(c, Frame("auth", json_node_init_boolean(json_node_alloc(), ok)));
  if (ok) Authorized(c);
}

void WsApi::Authorized(Client* c) {
  c->authorized = true;
  if (c->auth_timer) {
    g_source_destroy(c->auth_timer);
    g_source_unref(c->auth_timer);
    c->auth_timer = nullptr;
  }
  for (const auto& l : router_.context().log.Last(static_cast<size_t>(std::max(0, c->logs))))
    Send(c, Frame("log", LogPayload(l)));
  if (c->streams)
    for (const auto& s : router_.context().streams.Snapshots()) BroadcastStream(s.name);
}

void WsApi::Drop(Client* c) {
  std::erase(clients_, c);
  if (c->auth_timer) {
    g_source_destroy(c->auth_timer);
    g_source_unref(c->auth_timer);
  }
  g_signal_handler_disconnect(c->conn.get(), c->closed);
  g_signal_handler_disconnect(c->conn.get(), c->message);
  g_signal_handler_disconnect(c->conn.get(), c->error);
  delete c;
}

void WsApi::BroadcastLog(const core::LogLine& line) {
  for (Client* c : clients_)
    if (c->authorized) Send(c, Frame("log", LogPayload(line)));
}

void WsApi::BroadcastStream(const std::string& name) {
  auto snap = router_.context().streams.Snapshot(name);
  for (Client* c : clients_) {
    if (!c->authorized || !c->streams) continue;
    JsonArray* a = nullptr;
    JsonNode* n = NewArrayNode(&a);
    json_array_add_string_element(a, name.c_str());
    json_array_add_string_element(a, snap ? StatusText(snap->status) : "Offline");
    json_array_add_int_element(a, snap ? static_cast<int64_t>(snap->viewers) : 0);
    json_array_add_int_element(a, snap ? static_cast<int64_t>(snap->inputs) : 0);
    json_array_add_int_element(a, snap ? static_cast<int64_t>(snap->outputs) : 0);
    JsonArray* tags = nullptr;
    json_array_add_element(a, NewArrayNode(&tags));
    if (snap)
      for (const auto& t : snap->tags) json_array_add_string_element(tags, t.c_str());
    Send(c, Frame("stream", n));
  }
}

}  // namespace haze::http
