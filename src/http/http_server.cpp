#include "http/http_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "base/inherited_socket.h"
#include "base/log.h"
#include "http/body_limit.h"
#include "http/glob.h"

GST_DEBUG_CATEGORY_STATIC(haze_http_access_debug);
#define GST_CAT_DEFAULT haze_http_debug

namespace haze::http {

namespace {

void InitAccessLog() {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(haze_http_access_debug, "haze-http-access", 0,
                            "Haze HTTP access log");
    g_once_init_leave(&once, 1);
  }
}

constexpr int kListenBacklog = 1024;

bool EndsWith(const std::string& s, const char* suffix) {
  size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

}  // namespace

std::string Request::Query(const char* key) const {
  if (!query) return {};
  auto* v = static_cast<const char*>(g_hash_table_lookup(query, key));
  return v ? v : "";
}

bool Request::HasQuery(const char* key) const {
  return query && g_hash_table_contains(query, key);
}

std::string Request::Header(const char* name) const {
  const char* v = soup_message_headers_get_one(soup_server_message_get_request_headers(msg), name);
  return v ? v : "";
}

const char* Request::Method() const { return soup_server_message_get_method(msg); }

std::string Request::ClientIp() const {
  const char* host = soup_server_message_get_remote_host(msg);
  return host ? host : "";
}

bool Request::IsLocalDirect() const {
  if (!Header("X-Forwarded-For").empty() || !Header("X-Real-IP").empty()) return false;
  GSocketAddress* addr = soup_server_message_get_remote_address(msg);
  if (!addr || !G_IS_INET_SOCKET_ADDRESS(addr)) return false;
  GInetAddress* ia = g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(addr));
  return ia && g_inet_address_get_is_loopback(ia);
}

std::string Request::Body() const {
  SoupMessageBody* body = soup_server_message_get_request_body(msg);
  if (!body) return {};
  GBytes* bytes = soup_message_body_flatten(body);
  gsize size = 0;
  const char* data = static_cast<const char*>(g_bytes_get_data(bytes, &size));
  std::string out(data ? data : "", size);
  g_bytes_unref(bytes);
  return out;
}

void AddCors(SoupServerMessage* msg) {
  auto* h = soup_server_message_get_response_headers(msg);
  soup_message_headers_replace(h, "Access-Control-Allow-Origin", "*");
  soup_message_headers_replace(h, "Access-Control-Allow-Methods", "GET, POST, HEAD, OPTIONS");
  soup_message_headers_replace(h, "Access-Control-Allow-Headers", "*");
}

void RespondText(SoupServerMessage* msg, guint status, const std::string& body,
                 const char* content_type) {
  soup_server_message_set_status(msg, status, nullptr);
  soup_server_message_set_response(msg, content_type, SOUP_MEMORY_COPY, body.data(), body.size());
}

void RespondError(SoupServerMessage* msg, guint status, const std::string& reason) {
  RespondText(msg, status, reason + "\n");
}

const char* MimeForPath(const std::string& path) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"}, {".js", "application/javascript"},
      {".mjs", "application/javascript"},    {".css", "text/css"},
      {".json", "application/json"},         {".svg", "image/svg+xml"},
      {".png", "image/png"},                 {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},              {".txt", "text/plain; charset=utf-8"},
      {".flv", "video/x-flv"},               {".ts", "video/mp2t"},
      {".mp4", "video/mp4"},                 {".mkv", "video/x-matroska"},
      {".webm", "video/webm"},               {".m3u8", "application/vnd.apple.mpegurl"},
      {".mpd", "application/dash+xml"},
  };
  for (const auto& [ext, type] : kTypes)
    if (EndsWith(path, ext)) return type;
  return "application/octet-stream";
}

HttpServer::HttpServer(std::string name) : name_(std::move(name)) {
  InitLogging();
  InitAccessLog();
  server_ = GRef<SoupServer>::Adopt(
      SOUP_SERVER(g_object_new(SOUP_TYPE_SERVER, "server-header", "Haze", nullptr)));
  soup_server_add_handler(server_.get(), nullptr, &HttpServer::OnRequest, this, nullptr);
  soup_server_add_websocket_handler(server_.get(), nullptr, nullptr, nullptr,
                                    &HttpServer::OnWebSocket, this, nullptr);
  g_signal_connect(server_.get(), "request-finished", G_CALLBACK(&HttpServer::OnFinished), this);
  g_signal_connect(server_.get(), "request-aborted", G_CALLBACK(&HttpServer::OnFinished), this);
  g_signal_connect(server_.get(), "request-started", G_CALLBACK(&HttpServer::OnStarted), this);
}

HttpServer::~HttpServer() {
  g_signal_handlers_disconnect_by_data(server_.get(), this);
  soup_server_remove_handler(server_.get(), "/");
  soup_server_disconnect(server_.get());
}

void HttpServer::AddRoute(Route route) { routes_.push_back(std::move(route)); }

void HttpServer::RemoveRoutes(const std::string& path) {
  std::erase_if(routes_, [&](const Route& r) { return r.path == path; });
}

const Route* HttpServer::Find(const std::string& path) const {
  for (const auto& r : routes_)
    if (r.match == RouteMatch::kExact && r.path == path) return &r;
  const Route* best = nullptr;
  for (const auto& r : routes_) {
    if (r.match != RouteMatch::kPrefix || path.compare(0, r.path.size(), r.path) != 0) continue;
    if (!best || r.path.size() > best->path.size()) best = &r;
  }
  // A directory prefix ("/hls/") owns its subtree, even against patterns such as "/*.ts".
  if (best && best->path.size() > 1 && best->path.back() == '/') return best;
  // A pattern matches paths with as many segments as it has: "/*.ts" is "/STREAM.ts" only.
  auto segments = [](const std::string& p) { return std::count(p.begin(), p.end(), '/'); };
  for (const auto& r : routes_)
    if (r.match == RouteMatch::kPattern && segments(r.path) == segments(path) &&
        GlobMatch(r.path, path))
      return &r;
  return best;
}

Result<uint16_t> HttpServer::Listen(GMainContext* context, const std::string& iface,
                                    uint16_t port) {
  return Listen(context, iface, port, -1);
}

int HttpServer::DupListenerForExec() const {
  GSList* sockets = soup_server_get_listeners(server_.get());
  int fd = sockets ? DupForExec(g_socket_get_fd(G_SOCKET(sockets->data))) : -1;
  g_slist_free(sockets);
  return fd;
}

Result<uint16_t> HttpServer::Listen(GMainContext* context, const std::string& iface,
                                    uint16_t port, int inherited_fd) {
  g_main_context_push_thread_default(context);
  GError* err = nullptr;
  gboolean ok;
  GRef<GSocket> inherited;
  if (inherited_fd >= 0) {
    if (AdoptListener(inherited_fd, port))
      inherited = GRef<GSocket>::Adopt(g_socket_new_from_fd(inherited_fd, nullptr));
    if (!inherited) ::close(inherited_fd);
  }
  if (inherited) {
    ok = soup_server_listen_socket(server_.get(), inherited.get(),
                                   static_cast<SoupServerListenOptions>(0), &err);
    if (ok) GST_INFO("%s: adopted the listener handed over by the previous process", name_.c_str());
  } else if (iface.empty() || iface == "0.0.0.0" || iface == "::") {
    ok = soup_server_listen_all(server_.get(), port, SOUP_SERVER_LISTEN_IPV4_ONLY, &err);
  } else if (iface == "localhost") {
    ok = soup_server_listen_local(server_.get(), port, SOUP_SERVER_LISTEN_IPV4_ONLY, &err);
  } else {
    auto addr = GRef<GSocketAddress>::Adopt(g_inet_socket_address_new_from_string(iface.c_str(),
                                                                                  port));
    if (!addr) {
      g_main_context_pop_thread_default(context);
      return Error{ErrorCode::kInvalidArgument, "not an IP address: " + iface, name_};
    }
    ok = soup_server_listen(server_.get(), addr.get(), static_cast<SoupServerListenOptions>(0),
                            &err);
  }
  g_main_context_pop_thread_default(context);
  if (!ok) {
    Error e = Error::FromGError(err, ErrorCode::kUnavailable,
                                name_ + " port " + std::to_string(port));
    g_error_free(err);
    return e;
  }
  // GSocket's default backlog (10) drops SYNs when hundreds of players connect at once.
  // The bound port comes from the socket itself (soup_server_get_uris() leaks an address).
  uint16_t bound = port;
  GSList* sockets = soup_server_get_listeners(server_.get());
  for (GSList* l = sockets; l; l = l->next) {
    int fd = g_socket_get_fd(G_SOCKET(l->data));
    listen(fd, kListenBacklog);  // Linux applies it again
    if (int p = BoundPort(fd); p > 0 && l == sockets) bound = static_cast<uint16_t>(p);
  }
  g_slist_free(sockets);
  GST_INFO("%s listening on %s:%u", name_.c_str(), iface.empty() ? "*" : iface.c_str(), bound);
  return bound;
}

void HttpServer::Disconnect() { soup_server_disconnect(server_.get()); }

void HttpServer::OnStarted(SoupServer*, SoupServerMessage* msg, gpointer self) noexcept {
  g_signal_connect(msg, "got-headers", G_CALLBACK(&HttpServer::OnGotHeaders), self);
}

void HttpServer::OnGotHeaders(SoupServerMessage* msg, gpointer self) noexcept {
  auto* s = static_cast<HttpServer*>(self);
  g_signal_handlers_disconnect_by_func(msg, reinterpret_cast<gpointer>(&HttpServer::OnGotHeaders),
                                       self);
  if (soup_message_headers_get_encoding(soup_server_message_get_request_headers(msg)) ==
      SOUP_ENCODING_NONE)
    return;  // no body (a GET): nothing to guard
  GUri* uri = soup_server_message_get_uri(msg);
  Request req{msg, uri ? g_uri_get_path(uri) : "/", nullptr};
  const Route* route = s->Find(req.path);
  size_t limit = s->default_body_limit_;
  if (route && route->body_limit) {
    try {
      limit = route->body_limit(req);
    } catch (const std::exception& e) {
      GST_ERROR("%s %s: body limit: %s", s->name_.c_str(), req.path.c_str(), e.what());
    }
  }
  GuardRequestBody(msg, limit, s->name_ + " " + req.path);
}

void HttpServer::OnRequest(SoupServer*, SoupServerMessage* msg, const char* path,
                           GHashTable* query, gpointer self) noexcept {
  auto* s = static_cast<HttpServer*>(self);
  Request req{msg, path ? path : "/", query};
  if (std::strcmp(req.Method(), "OPTIONS") == 0) {
    AddCors(msg);
    soup_server_message_set_status(msg, SOUP_STATUS_NO_CONTENT, nullptr);
    return;
  }
  if (BodyRefused(msg)) return;  // answered (413) while the body arrived
  const Route* route = s->Find(req.path);
  if (!route) {
    RespondError(msg, SOUP_STATUS_NOT_FOUND, "not found");
    return;
  }
  // An upgrade request on a WebSocket route: leave the status unset so libsoup does the
  // handshake and calls OnWebSocket.
  if (route->websocket && !req.Header("Sec-WebSocket-Key").empty()) return;
  try {
    route->handler(req);
  } catch (const std::exception& e) {
    GST_ERROR("%s %s: %s", s->name_.c_str(), req.path.c_str(), e.what());
    RespondError(msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal error");
  }
}

void HttpServer::OnWebSocket(SoupServer*, SoupServerMessage* msg, const char* path,
                             SoupWebsocketConnection* conn, gpointer self) noexcept {
  auto* s = static_cast<HttpServer*>(self);
  std::string p = path ? path : "/";
  GUri* uri = soup_server_message_get_uri(msg);
  GHashTable* query = uri && g_uri_get_query(uri) ? soup_form_decode(g_uri_get_query(uri)) : nullptr;
  Request req{msg, p, query};
  const Route* route = s->Find(p);
  if (!route || !route->websocket) {
    soup_websocket_connection_close(conn, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "no route");
    return;
  }
  try {
    route->websocket(req, conn);
  } catch (const std::exception& e) {
    GST_ERROR("%s ws %s: %s", s->name_.c_str(), p.c_str(), e.what());
  }
  if (query) g_hash_table_unref(query);
}

DeferredResponse::DeferredResponse(SoupServerMessage* msg)
    : msg_(GRef<SoupServerMessage>::Borrow(msg)) {
  soup_server_message_pause(msg);
  handler_ = g_signal_connect(msg, "finished", G_CALLBACK(&DeferredResponse::OnFinished), this);
}

DeferredResponse::~DeferredResponse() {
  g_signal_handler_disconnect(msg_.get(), handler_);
  if (!done_ && !gone_) Finish(SOUP_STATUS_SERVICE_UNAVAILABLE, "unavailable\n", "text/plain");
}

void DeferredResponse::OnFinished(SoupServerMessage*, gpointer self) noexcept {
  static_cast<DeferredResponse*>(self)->gone_ = true;
}

void DeferredResponse::Finish(guint status, const std::string& body, const char* content_type) {
  if (done_ || gone_) return;
  done_ = true;
  // While parked, libsoup's catch-all WebSocket handler may have put a 400 page in the body.
  soup_message_body_truncate(soup_server_message_get_response_body(msg_.get()));
  RespondText(msg_.get(), status, body, content_type);
  soup_server_message_unpause(msg_.get());
}

void HttpServer::OnFinished(SoupServer*, SoupServerMessage* msg, gpointer self) noexcept {
  auto* s = static_cast<HttpServer*>(self);
  GUri* uri = soup_server_message_get_uri(msg);
  const char* host = soup_server_message_get_remote_host(msg);
  // The query is not logged: it may carry tokens.
  GST_CAT_INFO(haze_http_access_debug, "%s %s %s %s %u", s->name_.c_str(), host ? host : "-",
               soup_server_message_get_method(msg), uri ? g_uri_get_path(uri) : "-",
               soup_server_message_get_status(msg));
}

}  // namespace haze::http
