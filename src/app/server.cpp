#include "app/server.h"

#include <glib-unix.h>
#include <unistd.h>

#include <algorithm>
#include <string_view>
#include <vector>

#include <gst/gst.h>

#include "app/listen_plan.h"
#include "base/log.h"
#include "http/stream_info.h"
#include "protocols/cmaf/segment_routes.h"
#include "protocols/cmaf/soup_bridge.h"
#include "elements.h"
#include "haze_build_config.h"

#define GST_CAT_DEFAULT haze_core_debug

namespace haze::app {

void RegisterStaticPlugin() {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    gst_plugin_register_static(GST_VERSION_MAJOR, GST_VERSION_MINOR, "haze",
                               "Haze media server elements", haze_register_elements, HAZE_VERSION,
                               "LGPL", "haze", "Haze", "https://haze.invalid/");
    g_once_init_leave(&once, 1);
  }
}

Server::Server(CliOptions options) : options_(std::move(options)) {}

Server::~Server() {
  Shutdown("server destroyed");
  if (loop_) g_main_loop_unref(loop_);
}

Status Server::Start() {
  auto rw = config::ParseConfigRw(options_.configrw);
  if (!rw) return rw.error();
  auto store = config::ConfigStore::Open(options_.config_path, rw.value());
  if (!store) return store.error();
  config_ = std::move(store.value());
  templates_.Load(config_->typed().templates_dir);
  registry_ = std::make_unique<core::StreamRegistry>(templates_);
  config_sub_ = config_->AddObserver([this](const config::ServerConfig& c) {
    templates_.Load(c.templates_dir);
    registry_->Reconcile(c);
  });

  const config::ServerConfig& cfg = config_->typed();
  int api_port = options_.api_port >= 0 ? options_.api_port
                 : cfg.api_port >= 0      ? cfg.api_port
                                          : 4242;
  std::string api_iface = !options_.interface.empty() ? options_.interface : cfg.interface;
  auto plan = [&](const char* connector, int cli_port, uint16_t fallback) {
    auto spec = PlanListener(cfg, options_.interface, connector, cli_port, fallback);
    if (!spec) GST_INFO("%s: not in config.protocols, not listening", connector);
    return spec;
  };
  auto any = [](const std::string& iface) { return iface.empty() ? "0.0.0.0" : iface; };
  log_ring_.Install();
  // After a SIGHUP restart: the previous process's listeners and fragment numbers.
  Handover inherited;
  if (const char* text = g_getenv(kHandoverEnv)) {
    if (auto h = ParseHandover(text)) inherited = std::move(*h);
    g_unsetenv(kHandoverEnv);
    GST_INFO("restarted: %zu listeners and %zu streams handed over", inherited.sockets.size(),
             inherited.fragments.size());
  }
  auto take_fd = [&](const char* connector) {
    auto it = inherited.sockets.find(connector);
    if (it == inherited.sockets.end()) return -1;
    int fd = it->second;
    inherited.sockets.erase(it);
    return fd;
  };
  registry_->ContinueNumbering(std::move(inherited.fragments));
  http_ = std::make_unique<http::HttpLayer>(*config_, *registry_, log_ring_);
  http_->SetInheritedListeners(take_fd("API"), take_fd("HTTP"));
  auto http_spec = plan("HTTP", options_.http_port, 8080);
  auto http_ports = http_->Start(g_main_context_default(), api_iface,
                                 static_cast<uint16_t>(api_port), http_spec ? http_spec->iface : "",
                                 http_spec ? std::optional<uint16_t>(http_spec->port) : std::nullopt);
  if (!http_ports) return http_ports.error();
  ports_.api = http_ports->first;
  ports_.http = http_ports->second;
  GST_INFO("API and web UI on port %u, HTTP media on port %u", ports_.api, ports_.http);
  // HLS (/hls/), CMAF HLS and DASH (/cmaf/), /time: stores open streams like any viewer.
  cmaf::ServiceOptions segment_options;
  segment_options.canonical_name = cmaf::CanonicalStreamName;
  segments_ = std::make_unique<cmaf::SegmentService>(cmaf::HostOpener(*registry_), segment_options);
  cmaf::RegisterSegmentRoutes(http_->media_server(), *segments_);
  if (auto spec = plan("RTMP", options_.rtmp_port, 1935)) {
    rtmp::RtmpConfig rtmp_config;
    rtmp_config.max_message_size = uint32_t(cfg.limits.rtmp_message_bytes);
    if (const config::ProtocolConfig* p = cfg.FindProtocol("RTMP")) {
      auto set = [](int64_t v, uint32_t& out) {
        if (v >= 0) out = uint32_t(std::min<int64_t>(v, UINT32_MAX));
      };
      set(p->merge_write_ms, rtmp_config.merge_write_ms);
      set(p->merge_write_players, rtmp_config.merge_write_players);
      set(p->ping_interval_ms, rtmp_config.ping_interval_ms);
      set(p->ping_timeout_ms, rtmp_config.ping_timeout_ms);
    }
    rtmp_ = std::make_unique<rtmp::RtmpServer>(*registry_, rtmp_config);
    auto rtmp_port =
        rtmp_->Start(g_main_context_default(), any(spec->iface), spec->port, take_fd("RTMP"));
    if (!rtmp_port) return rtmp_port.error();
    ports_.rtmp = rtmp_port.value();
    GST_INFO("RTMP on port %u", ports_.rtmp);
  }
  if (auto spec = plan("RTSP", options_.rtsp_port, 5554)) {
    rtsp_ = std::make_unique<rtsp::RtspServer>(*registry_);
    auto rtsp_port = rtsp_->Start(g_main_context_default(), any(spec->iface), spec->port);
    if (!rtsp_port) return rtsp_port.error();
    ports_.rtsp = rtsp_port.value();
    GST_INFO("RTSP on port %u", ports_.rtsp);
  }

  http_->stream_info().set_play_ports(ports_.rtmp, ports_.rtsp);
  for (const auto& [connector, fd] : inherited.sockets) close(fd);  // no longer configured
  auto& bound = http_->api_context().listen_ports;
  bound = {{"API", ports_.api}};
  if (ports_.http) bound.emplace_back("HTTP", ports_.http);
  if (ports_.rtmp) bound.emplace_back("RTMP", ports_.rtmp);
  if (ports_.rtsp) bound.emplace_back("RTSP", ports_.rtsp);
  control_ = std::make_unique<ControlPlane>(*config_, *registry_, *http_);
  control_->Start();
  registry_->Reconcile(config_->typed());
  return OkStatus();
}

namespace {

struct SignalData {
  Server* server;
  const char* name;
};

gboolean OnSignal(gpointer data) {
  auto* s = static_cast<SignalData*>(data);
  s->server->OnSignal(s->name);
  return G_SOURCE_CONTINUE;  // removed by Run()
}

}  // namespace

void Server::OnSignal(const char* name) {
  if (quit_reason_.empty() && std::string_view(name) == "SIGHUP") {
    g_printerr("haze: SIGHUP: restarting (listeners are kept)\n");
    quit_reason_ = "restart";
    restart_ = true;
    Quit();
    return;
  }
  if (quit_reason_.empty()) {
    g_printerr("haze: %s: shutting down (send it again to exit at once)\n", name);
    quit_reason_ = name;
    Quit();
    return;
  }
  // A second signal while the first one's shutdown runs: exit now, as the operator asked.
  static const char kMsg[] = "haze: second signal: exiting at once\n";
  ssize_t ignored = write(STDERR_FILENO, kMsg, sizeof(kMsg) - 1);
  (void)ignored;
  _exit(1);
}

void Server::Run() {
  loop_ = g_main_loop_new(nullptr, FALSE);
  SignalData term{this, "SIGTERM"}, intr{this, "SIGINT"}, hup{this, "SIGHUP"};
  guint sigint = g_unix_signal_add(SIGINT, ::haze::app::OnSignal, &intr);
  guint sigterm = g_unix_signal_add(SIGTERM, ::haze::app::OnSignal, &term);
  guint sighup = g_unix_signal_add(SIGHUP, ::haze::app::OnSignal, &hup);
  g_main_loop_run(loop_);
  // The signal sources stay during the shutdown: a second signal exits at once.
  Shutdown(quit_reason_.empty() ? "quit" : quit_reason_);
  g_source_remove(sigint);
  g_source_remove(sigterm);
  g_source_remove(sighup);
}

void Server::Quit() {
  if (quit_reason_.empty()) quit_reason_ = "quit";
  if (loop_) g_main_loop_quit(loop_);
}

// The shutdown sequence (README, "Lifecycle"). Every step runs once; later steps skip what an
// earlier failed start never made.
void Server::Shutdown(const std::string& reason) {
  if (shut_down_) return;
  shut_down_ = true;
  int64_t start = g_get_monotonic_time();
  GST_INFO("shutting down (%s)", reason.c_str());
  if (restart_) {
    // Copies of the listeners survive exec; the new process adopts them, so connection
    // attempts wait in the backlog meanwhile. RTSP (gst-rtsp-server binds its own) rebinds.
    Handover h;
    if (http_) {
      auto [api, media] = http_->DupListenersForExec();
      if (api >= 0) h.sockets["API"] = api;
      if (media >= 0) h.sockets["HTTP"] = media;
    }
    if (rtmp_)
      if (int fd = rtmp_->DupListenerForExec(); fd >= 0) h.sockets["RTMP"] = fd;
    if (registry_) h.fragments = registry_->NextFragmentNumbers();
    handover_ = SerializeHandover(h);
  }
  // 1. Stop accepting, 2. close publishers and viewers: each protocol closes its listener and
  // its connections; publishers' streams end (without resume) and viewers' sessions close.
  if (control_) control_->BeginShutdown(reason);  // SYSTEM_STOP; no push starts any more
  if (http_) http_->Stop();
  segments_.reset();  // the segment stores' viewer sessions
  if (rtmp_) rtmp_->Stop();
  if (rtsp_) rtsp_->Stop();
  // 3. Stop pushes and finalize recordings, 4. end triggers: every stream stops; its buffer's
  // end is the pushes' EOS (muxers write their last fragment and index), STREAM_END, PUSH_END,
  // RECORDING_END fire. Wait for pushes and trigger handlers within a bound.
  if (registry_) registry_->StopAll("server shutting down");
  if (control_) {
    int64_t deadline = start + kShutdownWaitUs;
    GMainContext* ctx = g_main_context_default();
    while (control_->Busy() && g_get_monotonic_time() < deadline) {
      if (!g_main_context_iteration(ctx, FALSE)) g_usleep(2000);
    }
    if (control_->Busy())
      GST_WARNING("shutdown: gave up waiting for pushes and trigger handlers after %d ms",
                  int(kShutdownWaitUs / 1000));
  }
  // 5. Save the config (an API edit still waiting for its auto-save delay).
  if (config_) {
    if (auto st = config_->FlushPendingSave(); !st)
      GST_WARNING("shutdown: config not saved: %s", st.error().ToString().c_str());
  }
  // 6. Stop pipelines and free, users before what they use. The control plane unsubscribes
  // from the registry and the config; the dispatcher kills handlers still running.
  control_.reset();
  rtmp_.reset();
  rtsp_.reset();
  http_.reset();
  registry_.reset();
  config_sub_.Reset();
  GST_INFO("shut down in %d ms", int((g_get_monotonic_time() - start) / 1000));
}

std::string Server::Banner() const {
  std::string host = options_.interface.empty() ? "127.0.0.1" : options_.interface;
  std::string api = "http://" + host + ":" + std::to_string(ports_.api);
  std::string http = "http://" + host + ":" + std::to_string(ports_.http);
  std::string out = "Haze " HAZE_VERSION " is running.\n";
  out += "  Web UI and API:  " + api + "/\n";
  if (ports_.http) out += "  Media over HTTP: " + http + "/\n";
  if (ports_.rtmp)
    out += "  RTMP publish:    rtmp://" + host + ":" + std::to_string(ports_.rtmp) + "/live/STREAM\n";
  if (ports_.rtsp)
    out += "  RTSP play/push:  rtsp://" + host + ":" + std::to_string(ports_.rtsp) + "/STREAM\n";
  for (const auto& [name, cfg] : config_->typed().streams) {
    if (cfg.source.rfind("push://", 0) == 0 || !ports_.http) continue;
    out += "  Stream " + name + ": " + http + "/" + name + ".html  " + http + "/hls/" + name +
           "/index.m3u8\n";
  }
  return out;
}

namespace {

// Quotes |arg| for a POSIX shell only when it needs it.
std::string ShellArg(const std::string& arg) {
  bool plain = !arg.empty() && std::all_of(arg.begin(), arg.end(), [](char c) {
    return g_ascii_isalnum(c) || std::string_view("_-./:=,+@%!").find(c) != std::string_view::npos;
  });
  if (plain) return arg;
  GCharPtr q(g_shell_quote(arg.c_str()));
  return q.get();
}

// Splits a gst-launch description into arguments (whitespace outside double quotes):
// gst-launch-1.0 treats each argument as one token.
std::vector<std::string> LaunchTokens(const std::string& launch) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < launch.size(); ++i) {
    char c = launch[i];
    if (c == '\\' && i + 1 < launch.size()) {
      cur += c;
      cur += launch[++i];
      continue;
    }
    if (c == '"') quoted = !quoted;
    if (!quoted && g_ascii_isspace(c)) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    cur += c;
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

}  // namespace

Result<std::string> Server::GstLaunchCommand(const config::ServerConfig& config,
                                             const std::string& stream) {
  core::TemplateSet templates;
  templates.Load(config.templates_dir);
  core::StreamRegistry registry(templates);
  registry.Reconcile([&] {
    auto c = config;
    for (auto& [n, s] : c.streams) s.always_on = false;  // describe only, start nothing
    return c;
  }());
  auto described = registry.DescribePipeline(stream);
  if (!described) return described.error();
  std::string plugin_dir = HAZE_PLUGIN_BUILD_DIR;
  std::string env;
  if (g_file_test((plugin_dir + "/libgsthaze.so").c_str(), G_FILE_TEST_EXISTS)) {
    env = "GST_PLUGIN_PATH=" + ShellArg(plugin_dir) + " ";
  }
  std::string cmd = env + "gst-launch-1.0 -e";
  for (const auto& token : LaunchTokens(described->launch)) cmd += " " + ShellArg(token);
  if (!described->exec.empty()) {
    // The source command's stdout becomes gst-launch's stdin (fdsrc fd=0).
    gchar** argv = nullptr;
    if (g_shell_parse_argv(described->exec.c_str(), nullptr, &argv, nullptr)) {
      std::string quoted;
      for (gchar** a = argv; *a; ++a) quoted += (quoted.empty() ? "" : " ") + ShellArg(*a);
      g_strfreev(argv);
      cmd = quoted + " | " + cmd;
    }
  }
  return cmd;
}

}  // namespace haze::app
