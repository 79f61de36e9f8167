// HttpLayer: the composition of Haze's HTTP side. The API port serves /api, /api2, /ws, the
// Prometheus path and the web UI; the HTTP port serves progressive media, stream info, the embed
// page and whatever other modules register (HLS/DASH, WHEP) through media_server().
// Thread: main GMainContext (the one passed to Start). Borrows config, backend and log ring.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "config/config_store.h"
#include "core/log_ring.h"
#include "core/stream_registry.h"
#include "http/api/api_context.h"
#include "http/http_server.h"
#include "http/stream_backend.h"

namespace haze::http {

class ApiRouter;
class WsApi;
class StreamInfoEndpoint;
class ProgressiveEndpoint;

class HttpLayer {
 public:
  HttpLayer(config::ConfigStore& config, StreamBackend& streams, core::LogRing& log);
  // Production wiring over the stream registry (adapter in registry_backend.cpp).
  HttpLayer(config::ConfigStore& config, core::StreamRegistry& registry, core::LogRing& log);
  ~HttpLayer();
  HttpLayer(const HttpLayer&) = delete;
  HttpLayer& operator=(const HttpLayer&) = delete;

  // Binds both listeners on |iface| ("" = all); port 0 picks a free one. Returns the bound
  // (api, http) ports. A port in use is an error, nothing stays bound.
  Result<std::pair<uint16_t, uint16_t>> Start(GMainContext* context, const std::string& iface,
                                              uint16_t api_port, uint16_t http_port) {
    return Start(context, iface, api_port, iface, http_port);
  }
  // The same with the media port on its own interface, or not at all (|http_port| empty: the
  // HTTP connector is not configured; the returned http port is then 0).
  Result<std::pair<uint16_t, uint16_t>> Start(GMainContext* context, const std::string& api_iface,
                                              uint16_t api_port, const std::string& http_iface,
                                              std::optional<uint16_t> http_port);
  void Stop();
  // Restart handover: listeners handed over by the previous process, adopted by Start() when
  // they fit (-1: none); and copies of this process's listeners for the next one.
  void SetInheritedListeners(int api_fd, int http_fd) {
    inherited_api_ = api_fd;
    inherited_http_ = http_fd;
  }
  std::pair<int, int> DupListenersForExec() const;

  // For other modules: register routes on the media port (e.g. prefix "/hls/", "/cmaf/").
  HttpServer& media_server() { return *media_; }
  HttpServer& api_server() { return *api_; }
  void set_trigger_stats(TriggerStatsFn fn) { ctx_.trigger_stats = std::move(fn); }
  // API commands of other modules (or replacements of ours); see ApiRouter::AddCommand.
  void AddApiCommand(const std::string& name, Command command);
  // STREAM_ADD / STREAM_CONFIG / STREAM_REMOVE notifications from the API.
  void set_stream_event(decltype(ApiContext::stream_event) fn) { ctx_.stream_event = std::move(fn); }
  ApiContext& api_context() { return ctx_; }
  ProgressiveEndpoint& progressive() { return *progressive_; }
  StreamInfoEndpoint& stream_info() { return *info_; }

 private:
  void ServeApiPort(const Request& request);
  void SampleTotals();

 public:
  // Takes a `totals` sample now (the timer takes one every 5 s). Tests use it.
  void SampleTotalsForTesting() { SampleTotals(); }

  std::unique_ptr<StreamBackend> owned_backend_;
  ApiContext ctx_;
  std::unique_ptr<HttpServer> api_;
  std::unique_ptr<HttpServer> media_;
  std::unique_ptr<ApiRouter> router_;
  std::unique_ptr<WsApi> ws_;
  std::unique_ptr<StreamInfoEndpoint> info_;
  std::unique_ptr<ProgressiveEndpoint> progressive_;
  GSource* totals_timer_ = nullptr;
  std::string web_root_;
  int inherited_api_ = -1;
  int inherited_http_ = -1;
};

}  // namespace haze::http
