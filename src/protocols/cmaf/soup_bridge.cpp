#include "protocols/cmaf/soup_bridge.h"

#include <memory>

#include "protocols/cmaf/cmaf_endpoint.h"
#include "protocols/hls/hls_endpoint.h"

namespace haze::cmaf {
namespace {

struct Exchange {
  SoupServerMessage* msg = nullptr;  // own reference until answered
  gulong finished_id = 0;
  bool paused = false;
  bool answered = false;
  bool finished = false;
};

void OnFinished(SoupServerMessage*, gpointer data) { static_cast<Exchange*>(data)->finished = true; }

std::map<std::string, std::string> QueryMap(GHashTable* query) {
  std::map<std::string, std::string> out;
  if (!query) return out;
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, query);
  while (g_hash_table_iter_next(&it, &k, &v))
    out[static_cast<const char*>(k)] = v ? static_cast<const char*>(v) : "";
  return out;
}

struct Routes {
  SegmentService* service;
  std::unique_ptr<SegmentFastPath> fast;
};

void Handle(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable* query,
            gpointer data) {
  auto& routes = **static_cast<std::shared_ptr<Routes>*>(data);
  ServeSegmentRequest(msg, path, query, *routes.service, routes.fast.get());
}

void DeleteRoutes(gpointer data) { delete static_cast<std::shared_ptr<Routes>*>(data); }

}  // namespace

bool SplitSegmentPath(std::string_view path, std::string_view prefix, std::string& stream,
                      std::string& rest) {
  if (path.size() < prefix.size() + 2 || path.substr(0, prefix.size()) != prefix ||
      path[prefix.size()] != '/')
    return false;
  path.remove_prefix(prefix.size() + 1);
  size_t slash = path.find('/');
  if (slash == std::string_view::npos || slash == 0) return false;
  std::string encoded(path.substr(0, slash));
  char* decoded = g_uri_unescape_string(encoded.c_str(), "/");
  if (!decoded) return false;
  stream = decoded;
  g_free(decoded);
  rest = std::string(path.substr(slash + 1));
  if (stream.size() > 100 || stream == "." || stream.find("..") != std::string::npos) return false;
  for (char c : stream)
    if (static_cast<unsigned char>(c) < 0x20) return false;
  return rest.find("..") == std::string::npos;
}

void ApplyResponse(SoupServerMessage* msg, const HttpResponse& r) {
  soup_server_message_set_status(msg, static_cast<guint>(r.status), nullptr);
  SoupMessageHeaders* headers = soup_server_message_get_response_headers(msg);
  for (const auto& [k, v] : r.headers) soup_message_headers_replace(headers, k.c_str(), v.c_str());
  if (!r.content_type.empty())
    soup_message_headers_set_content_type(headers, r.content_type.c_str(), nullptr);
  // A parked (paused) request may already carry a body: libsoup's catch-all WebSocket handler
  // answers a non-upgrade request with a "400 ... handshake expected" page while it waits.
  SoupMessageBody* body = soup_server_message_get_response_body(msg);
  soup_message_body_truncate(body);
  if (r.body) soup_message_body_append_bytes(body, r.body.get());
}

void Dispatch(SoupServerMessage* msg, HttpRequest request,
              const std::function<void(const HttpRequest&, const Respond&)>& handler) {
  auto ex = std::make_shared<Exchange>();
  ex->msg = SOUP_SERVER_MESSAGE(g_object_ref(msg));
  ex->finished_id = g_signal_connect(msg, "finished", G_CALLBACK(OnFinished), ex.get());
  Respond respond = [ex](HttpResponse r) {
    if (ex->answered) return;
    ex->answered = true;
    if (!ex->finished) {
      ApplyResponse(ex->msg, r);
      if (ex->paused) soup_server_message_unpause(ex->msg);
    }
    g_signal_handler_disconnect(ex->msg, ex->finished_id);
    g_object_unref(ex->msg);
  };
  handler(request, respond);
  if (!ex->answered) {
    soup_server_message_pause(msg);
    ex->paused = true;
  }
}

void ServeSegmentRequest(SoupServerMessage* msg, const std::string& path, GHashTable* query,
                         SegmentService& service, SegmentFastPath* fast) {
  if (fast && fast->TakeOver(msg, path, query)) return;
  const char* method = soup_server_message_get_method(msg);
  if (g_strcmp0(method, "GET") != 0 && g_strcmp0(method, "HEAD") != 0) {
    soup_server_message_set_status(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, nullptr);
    return;
  }
  bool hls = path.starts_with("/hls/");
  HttpRequest req;
  if (!SplitSegmentPath(path, hls ? "/hls" : "/cmaf", req.stream, req.path)) {
    ApplyResponse(msg, NotFound());
    return;
  }
  req.query = QueryMap(query);
  const char* inm = soup_message_headers_get_one(soup_server_message_get_request_headers(msg),
                                                 "If-None-Match");
  if (inm) req.if_none_match = inm;
  SegmentService* svc = &service;
  Dispatch(msg, std::move(req), [svc, hls](const HttpRequest& r, const Respond& respond) {
    if (hls)
      hls::HandleHls(*svc, r, respond);
    else
      HandleCmaf(*svc, r, respond);
  });
}

void AddSegmentRoutes(SoupServer* server, SegmentService* service) {
  auto routes = std::make_shared<Routes>();
  routes->service = service;
  if (service->options().fast_path)
    routes->fast = std::make_unique<SegmentFastPath>(server, service);
  for (const char* prefix : {"/hls", "/cmaf"})
    soup_server_add_handler(server, prefix, Handle, new std::shared_ptr<Routes>(routes),
                            DeleteRoutes);
  soup_server_add_handler(
      server, "/time",
      [](SoupServer*, SoupServerMessage* m, const char*, GHashTable*, gpointer) {
        ApplyResponse(m, HandleTime());
      },
      nullptr, nullptr);
}

}  // namespace haze::cmaf
