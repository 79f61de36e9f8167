// Server: the composition root. Loads the config, the pipeline templates and the stream registry,
// starts the protocol listeners, and runs the main loop until SIGINT/SIGTERM.
// Thread: main (the default GMainContext).
#pragma once

#include <glib.h>

#include <memory>
#include <optional>
#include <string>

#include "app/cli_options.h"
#include "app/control_plane.h"
#include "app/handover.h"
#include "base/result.h"
#include "config/config_store.h"
#include "core/pipeline_template.h"
#include "core/log_ring.h"
#include "core/stream_registry.h"
#include "protocols/rtsp/rtsp_server.h"
#include "http/http_layer.h"
#include "protocols/cmaf/segment_service.h"
#include "protocols/rtmp/rtmp_server.h"

namespace haze::app {

struct BoundPorts {
  uint16_t api = 0;
  uint16_t http = 0;
  uint16_t rtmp = 0;
  uint16_t rtsp = 0;
};

class Server {
 public:
  explicit Server(CliOptions options);
  ~Server();

  // Everything up to listening; a port in use or a bad config is an error.
  Status Start();
  // Runs until SIGINT/SIGTERM (or Quit()), then shuts down (Shutdown()).
  void Run();
  void Quit();
  // Shutdown sequence, bounded by kShutdownWaitUs of waiting for pushes and triggers:
  // SYSTEM_STOP -> stop accepting and close connections -> stop streams (recordings finish, end
  // triggers fire) -> wait for pushes and handlers -> save config -> free. Idempotent.
  void Shutdown(const std::string& reason);
  // After Run(): the handover for the process to re-execute (SIGHUP), or empty (exit).
  const std::optional<std::string>& restart_handover() const { return handover_; }
  // Signal handling (main context): SIGTERM/SIGINT start the shutdown, SIGHUP a restart (the
  // shutdown, then main() re-executes haze with the listeners handed over); a second signal
  // exits at once.
  void OnSignal(const char* name);
  static constexpr int64_t kShutdownWaitUs = 3500 * 1000;
  // Lines with the URLs to open, for the console.
  std::string Banner() const;
  const BoundPorts& ports() const { return ports_; }

  // --print-pipeline: the gst-launch-1.0 command for |stream|.
  static Result<std::string> GstLaunchCommand(const config::ServerConfig& config,
                                              const std::string& stream);

 private:
  CliOptions options_;
  std::unique_ptr<config::ConfigStore> config_;
  core::TemplateSet templates_;
  std::unique_ptr<core::StreamRegistry> registry_;
  core::LogRing log_ring_;
  std::unique_ptr<http::HttpLayer> http_;
  std::unique_ptr<cmaf::SegmentService> segments_;  // HLS, CMAF/LL-HLS, DASH
  std::unique_ptr<rtmp::RtmpServer> rtmp_;
  std::unique_ptr<rtsp::RtspServer> rtsp_;
  std::unique_ptr<ControlPlane> control_;
  Subscription config_sub_;
  GMainLoop* loop_ = nullptr;
  std::string quit_reason_;
  bool shut_down_ = false;
  bool restart_ = false;
  std::optional<std::string> handover_;
  BoundPorts ports_;
};

// Registers the haze plugin's elements statically (no plugin search path needed).
void RegisterStaticPlugin();

}  // namespace haze::app
