// StreamInfoEndpoint: json_/info_ routes, the json_ WebSocket, the embed page and /player.js.
#include <memory>

#include "base/log.h"
#include "config/config_loader.h"
#include "http/static_files.h"
#include "http/stream_info.h"

#define GST_CAT_DEFAULT haze_http_debug

namespace haze::http {

namespace {

constexpr unsigned kStartWaitMs = 3000;

std::string Html(const std::string& s) {
  gchar* e = g_markup_escape_text(s.c_str(), -1);
  std::string out(e);
  g_free(e);
  return out;
}

}  // namespace

struct StreamInfoEndpoint::Watcher {
  StreamInfoEndpoint* owner;
  GRef<SoupWebsocketConnection> conn;
  std::string stream;
  UrlBase base;
  std::string last;
  GSource* timer = nullptr;
  gulong closed = 0;
};

StreamInfoEndpoint::StreamInfoEndpoint(config::ConfigStore& config, StreamBackend& streams,
                                       int http_port)
    : config_(config), streams_(streams), http_port_(http_port) {}

StreamInfoEndpoint::~StreamInfoEndpoint() {
  while (!watchers_.empty()) DropWatcher(watchers_.back());
}

void StreamInfoEndpoint::Register(HttpServer& server) {
  server.AddRoute({RouteMatch::kPattern, "/json_*.js", [this](const Request& r) { ServeInfo(r, false); },
                   [this](const Request& r, SoupWebsocketConnection* c) { ServeWebSocket(r, c); }});
  server.AddRoute({RouteMatch::kPattern, "/info_*.js", [this](const Request& r) { ServeInfo(r, true); }, {}});
  server.AddRoute({RouteMatch::kPattern, "/*.html", [this](const Request& r) { ServeEmbed(r); }, {}});
  server.AddRoute({RouteMatch::kExact, "/player.js",
                   [](const Request& r) {
                     AddCors(r.msg);
                     ServeStatic(WebRoot(), r);
                   },
                   {}});
  // The vendored hls.js / dash.js under MistServer's names (web/vendor/README.md).
  for (auto [path, file] : {std::pair{"/hlsjs.js", "/vendor/hls.min.js"},
                            std::pair{"/dashjs.js", "/vendor/dash.all.min.js"}}) {
    std::string vendored = file;
    server.AddRoute({RouteMatch::kExact, path,
                     [vendored](const Request& r) {
                       AddCors(r.msg);
                       Request mapped = r;
                       mapped.path = vendored;
                       ServeStatic(WebRoot(), mapped);
                     },
                     {}});
  }
}

UrlBase StreamInfoEndpoint::BaseFor(const Request& request) const {
  UrlBase base = MakeUrlBase(request.Header("X-Mst-Path"), config_.typed().public_address,
                             request.Header("Host"), http_port_);
  base.rtmp_port = rtmp_port_;
  base.rtsp_port = rtsp_port_;
  return base;
}

std::pair<guint, std::string> StreamInfoEndpoint::InfoText(const std::string& stream,
                                                           const Request& request) {
  auto error = [](guint status, const char* reason) {
    JsonNode* n = BuildStreamInfoError(reason);
    std::string text = config::ToJsonText(n, false);
    json_node_unref(n);
    return std::make_pair(status, text);
  };
  if (stream.empty()) return error(SOUP_STATUS_NOT_FOUND, "Stream name is invalid");
  auto media = streams_.Media(stream);
  if (!media && !streams_.IsConfigured(stream))
    return error(SOUP_STATUS_NOT_FOUND, "Stream not found: it is not configured");
  if (!media || !media->playable)
    return error(SOUP_STATUS_SERVICE_UNAVAILABLE, "Stream is booting");
  auto snap = streams_.Snapshot(stream);
  const auto* cfg = config_.typed().FindStream(stream.substr(0, stream.find('+')));
  JsonNode* n = BuildStreamInfo(stream, *media, snap && snap->vod, BaseFor(request),
                                cfg ? cfg->max_keepaway_ms : 45000);
  std::string text = config::ToJsonText(n, false);
  json_node_unref(n);
  return {SOUP_STATUS_OK, text};
}

void StreamInfoEndpoint::ServeInfo(const Request& request, bool js_assignment) {
  std::string stream = StreamFromPath(request.path, js_assignment ? "/info_" : "/json_", ".js");
  AddCors(request.msg);
  const char* ctype = js_assignment ? "application/javascript" : "application/json";
  auto wrap = [stream, js_assignment](const std::string& text) {
    return js_assignment ? "if (!mistvideo) var mistvideo = {};\nmistvideo['" + stream + "'] = " + text + ";\n"
                         : text;
  };
  auto [status, text] = InfoText(stream, request);
  if (status != SOUP_STATUS_SERVICE_UNAVAILABLE) {
    RespondText(request.msg, status, wrap(text), ctype);
    return;
  }
  // Configured but not ready: start it and wait briefly, then answer or 503 + Retry-After.
  auto deferred = std::make_shared<DeferredResponse>(request.msg);
  WhenPlayable(alive_, streams_, stream, kStartWaitMs, [this, deferred, stream, wrap, ctype](bool) {
    if (deferred->gone()) return;
    Request r{deferred->msg(), "", nullptr};
    auto [st, body] = InfoText(stream, r);
    if (st == SOUP_STATUS_SERVICE_UNAVAILABLE)
      soup_message_headers_replace(soup_server_message_get_response_headers(deferred->msg()),
                                   "Retry-After", "2");
    deferred->Finish(st, wrap(body), ctype);
  });
}

void StreamInfoEndpoint::ServeEmbed(const Request& request) {
  std::string stream = StreamFromPath(request.path, "/", ".html");
  if (stream.empty() || (!streams_.IsConfigured(stream) && !streams_.Media(stream))) {
    RespondError(request.msg, SOUP_STATUS_NOT_FOUND, "Stream not found");
    return;
  }
  UrlBase base = BaseFor(request);
  std::string s = Html(stream), b = Html(base.http);
  gchar* js_name = g_strescape(stream.c_str(), nullptr);
  std::string page =
      "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" + s +
      "</title>\n<style>body{margin:0;background:#000}#p{width:100vw;height:100vh}</style>\n"
      "</head><body>\n<div class=\"mistvideo\" id=\"p\"></div>\n<script src=\"" + b +
      "player.js\"></script>\n<script>mistPlay(\"" + Html(js_name) +
      "\", {target: document.getElementById('p'), host: \"" + b + "\"});</script>\n<noscript><video controls autoplay muted src=\"" + b + s +
      ".mp4\"></video></noscript>\n</body></html>\n";
  g_free(js_name);
  RespondText(request.msg, SOUP_STATUS_OK, page, "text/html; charset=utf-8");
}

gboolean StreamInfoEndpoint::OnWatchTick(gpointer data) noexcept {
  auto* w = static_cast<Watcher*>(data);
  if (soup_websocket_connection_get_state(w->conn.get()) != SOUP_WEBSOCKET_STATE_OPEN)
    return G_SOURCE_CONTINUE;
  StreamInfoEndpoint* o = w->owner;
  auto media = o->streams_.Media(w->stream);
  std::string text;
  if (!media || !media->playable) {
    text = "{\"error\":\"Stream is offline\"}";
  } else {
    auto snap = o->streams_.Snapshot(w->stream);
    JsonNode* n = BuildStreamInfo(w->stream, *media, snap && snap->vod, w->base, 45000);
    text = config::ToJsonText(n, false);
    json_node_unref(n);
  }
  if (text != w->last) {
    w->last = text;
    soup_websocket_connection_send_text(w->conn.get(), text.c_str());
  }
  return G_SOURCE_CONTINUE;
}

void StreamInfoEndpoint::DropWatcher(Watcher* w) {
  std::erase(watchers_, w);
  if (w->timer) {
    g_source_destroy(w->timer);
    g_source_unref(w->timer);
  }
  g_signal_handler_disconnect(w->conn.get(), w->closed);
  delete w;
}

void StreamInfoEndpoint::ServeWebSocket(const Request& request, SoupWebsocketConnection* conn) {
  auto* w = new Watcher{this, GRef<SoupWebsocketConnection>::Borrow(conn),
                        StreamFromPath(request.path, "/json_", ".js"), BaseFor(request)};
  watchers_.push_back(w);
  w->timer = g_timeout_source_new(1000);
  g_source_set_callback(w->timer, &StreamInfoEndpoint::OnWatchTick, w, nullptr);
  g_source_attach(w->timer, g_main_context_get_thread_default());
  w->closed = g_signal_connect(conn, "closed", G_CALLBACK(+[](SoupWebsocketConnection*, gpointer data) {
    auto* w = static_cast<Watcher*>(data);
    w->owner->DropWatcher(w);
  }), w);
  OnWatchTick(w);
}

}  // namespace haze::http
