// Stream info (MistServer json_<s>.js / info_<s>.js): the pure builder, and the endpoint that
// serves it on the HTTP port together with the embed page (/<s>.html), /player.js and the
// json_ WebSocket that pushes updates. Thread: main GMainContext.
#pragma once

#include <json-glib/json-glib.h>

#include <memory>
#include <optional>
#include <string>

#include "config/config_store.h"
#include "http/http_server.h"
#include "http/output_catalog.h"
#include "http/stream_backend.h"

namespace haze::http {

// Builds the info object for a running stream (transfer full).
JsonNode* BuildStreamInfo(const std::string& stream, const MediaInfo& media, bool vod,
                          const UrlBase& base, int64_t max_keepaway_ms);
// {"error": reason} (+ "on_error" hints are left to the player).
JsonNode* BuildStreamInfoError(const std::string& reason);
// The key MistServer uses for a track in meta.tracks ("video_H264_640x360_25fps_1").
std::string TrackKey(const dtsc::TrackInfo& t);

// Extracts the stream name from "/json_NAME.js" style paths; "" when invalid.
std::string StreamFromPath(const std::string& path, const std::string& prefix,
                           const std::string& suffix);

class StreamInfoEndpoint {
 public:
  StreamInfoEndpoint(config::ConfigStore& config, StreamBackend& streams, int http_port);
  ~StreamInfoEndpoint();
  void Register(HttpServer& server);
  void set_http_port(int port) { http_port_ = port; }
  // Bound RTMP/RTSP ports for the advertised play URLs (defaults 1935/5554 until set).
  void set_play_ports(int rtmp, int rtsp) {
    rtmp_port_ = rtmp;
    rtsp_port_ = rtsp;
  }

  // Stream info JSON text for |stream| as seen by |request| (URL base from its headers), and
  // the HTTP status to answer with.
  std::pair<guint, std::string> InfoText(const std::string& stream, const Request& request);
  UrlBase BaseFor(const Request& request) const;

 private:
  void ServeInfo(const Request& request, bool js_assignment);
  void ServeEmbed(const Request& request);
  void ServeWebSocket(const Request& request, SoupWebsocketConnection* conn);
  struct Watcher;
  static gboolean OnWatchTick(gpointer watcher) noexcept;
  void DropWatcher(Watcher* w);

  config::ConfigStore& config_;
  StreamBackend& streams_;
  int http_port_;
  int rtmp_port_ = 1935;
  int rtsp_port_ = 5554;
  std::vector<Watcher*> watchers_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // for pending waits
};

}  // namespace haze::http
