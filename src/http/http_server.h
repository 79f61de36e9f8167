// HttpServer: one SoupServer listener with a route table (exact, prefix, glob pattern), an access
// log on the haze-http-access category and small response helpers. WebSocket upgrades are routed
// through the same table (Route::websocket). Thread: main GMainContext (the context that was
// thread-default at Listen()); handlers run there. The server owns its SoupServer.
#pragma once

#include <libsoup/soup.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/gst_ref.h"
#include "base/result.h"

namespace haze::http {

// A borrowed view of one request, valid during the handler call.
struct Request {
  SoupServerMessage* msg = nullptr;
  std::string path;         // decoded path, starts with '/'
  GHashTable* query = nullptr;  // may be null

  std::string Query(const char* key) const;
  bool HasQuery(const char* key) const;
  std::string Header(const char* name) const;
  const char* Method() const;
  // Peer address ("127.0.0.1", "::1").
  std::string ClientIp() const;
  // A loopback peer that did not come through a proxy (no X-Forwarded-For / X-Real-IP).
  bool IsLocalDirect() const;
  std::string Body() const;
};

using Handler = std::function<void(const Request&)>;
// Called after libsoup accepted a WebSocket upgrade; |conn| is borrowed (ref it to keep it).
// The request's headers and query are readable during the call.
using WsHandler = std::function<void(const Request& request, SoupWebsocketConnection* conn)>;

// The most request-body bytes a route reads before its handler runs, decided when the request's
// headers arrive (Request::query and Body() are not available yet). Unset: the server's default.
using BodyLimit = std::function<size_t(const Request& headers_only)>;

enum class RouteMatch { kExact, kPrefix, kPattern };  // kPattern: a GlobMatch glob (glob.h)

struct Route {
  RouteMatch match = RouteMatch::kExact;
  std::string path;
  Handler handler;
  WsHandler websocket;  // optional: handles upgrade requests on this route
  BodyLimit body_limit;  // optional: see BodyLimit
};

// Response helpers (all set Content-Type and keep the connection alive).
void RespondText(SoupServerMessage* msg, guint status, const std::string& body,
                 const char* content_type = "text/plain; charset=utf-8");
void RespondError(SoupServerMessage* msg, guint status, const std::string& reason);
void AddCors(SoupServerMessage* msg);
const char* MimeForPath(const std::string& path);

// Keeps a paused message for an answer given later (on-demand stream start, waits). Finish()
// is a no-op when the client went away meanwhile. Thread: main context.
class DeferredResponse {
 public:
  explicit DeferredResponse(SoupServerMessage* msg);
  ~DeferredResponse();
  DeferredResponse(const DeferredResponse&) = delete;
  DeferredResponse& operator=(const DeferredResponse&) = delete;
  bool gone() const { return gone_; }
  SoupServerMessage* msg() const { return msg_.get(); }
  void Finish(guint status, const std::string& body, const char* content_type);

 private:
  static void OnFinished(SoupServerMessage*, gpointer self) noexcept;
  GRef<SoupServerMessage> msg_;
  gulong handler_ = 0;
  bool gone_ = false;
  bool done_ = false;
};

class HttpServer {
 public:
  explicit HttpServer(std::string name);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Routes are tried exact first, then the longest directory prefix longer than "/" (ending in
  // '/', e.g. "/hls/"), then patterns (in order added), then the longest prefix.
  void AddRoute(Route route);
  void RemoveRoutes(const std::string& path);
  // Request bodies larger than this (routes without a BodyLimit) are refused with 413 as they
  // arrive, before any handler runs (body_limit.h).
  void set_default_body_limit(size_t bytes) { default_body_limit_ = bytes; }

  // Listens on |iface| ("" or "0.0.0.0" = all, "127.0.0.1", "::1", "localhost") and |port|
  // (0 = pick one). Pushes |context| as thread-default while binding. Returns the bound port.
  Result<uint16_t> Listen(GMainContext* context, const std::string& iface, uint16_t port);
  // The same, adopting |inherited_fd| (a listener handed over across a restart) when it is
  // listening on |port|; otherwise it is closed and a new socket is bound.
  Result<uint16_t> Listen(GMainContext* context, const std::string& iface, uint16_t port,
                          int inherited_fd);
  // A copy of the listening socket that survives exec, or -1 (restart handover).
  int DupListenerForExec() const;
  void Disconnect();
  SoupServer* soup() const { return server_.get(); }
  const std::string& name() const { return name_; }

 private:
  static void OnRequest(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable* query,
                        gpointer self) noexcept;
  static void OnWebSocket(SoupServer*, SoupServerMessage* msg, const char* path,
                          SoupWebsocketConnection* conn, gpointer self) noexcept;
  static void OnFinished(SoupServer*, SoupServerMessage* msg, gpointer self) noexcept;
  static void OnStarted(SoupServer*, SoupServerMessage* msg, gpointer self) noexcept;
  static void OnGotHeaders(SoupServerMessage* msg, gpointer self) noexcept;
  const Route* Find(const std::string& path) const;

  std::string name_;
  GRef<SoupServer> server_;
  std::vector<Route> routes_;
  size_t default_body_limit_ = 64 * 1024;
};

}  // namespace haze::http
