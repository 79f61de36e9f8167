// Test fixture: a SoupServer on 127.0.0.1:<ephemeral> serving a SegmentService through the
// soup bridge, and a runner for third-party tools (ffmpeg, ffprobe, xmllint) that keeps the main
// context turning while they talk to the server. Header-only, tests and benchmarks only.
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include <string>
#include <vector>

#include "protocols/cmaf/soup_bridge.h"
#include "soup_listen.h"

namespace haze::testing {

class SegmentHttpServer {
 public:
  explicit SegmentHttpServer(cmaf::SegmentService* service) {
    server_ = soup_server_new("server-header", "haze-test", nullptr);
    cmaf::AddSegmentRoutes(server_, service);
    GError* error = nullptr;
    port_ = ListenLoopback(server_, 0, &error);
    if (!port_) {
      g_printerr("listen: %s\n", error ? error->message : "?");
      g_clear_error(&error);
    }
  }
  ~SegmentHttpServer() {
    soup_server_disconnect(server_);
    g_object_unref(server_);
  }
  int port() const { return port_; }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  SoupServer* server_ = nullptr;
  int port_ = 0;
};

struct ToolResult {
  int status = -1;
  std::string out, err;
};

// Runs argv (no shell) until it exits or |timeout_s| passes, iterating the default main context.
inline ToolResult RunTool(const std::vector<std::string>& args, int timeout_s = 30) {
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  ToolResult result;
  GError* error = nullptr;
  GSubprocess* proc = g_subprocess_newv(
      argv.data(), static_cast<GSubprocessFlags>(G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                 G_SUBPROCESS_FLAGS_STDERR_PIPE),
      &error);
  if (!proc) {
    result.err = error->message;
    g_clear_error(&error);
    return result;
  }
  struct State {
    bool done = false;
    gchar* out = nullptr;
    gchar* err = nullptr;
  } state;
  g_subprocess_communicate_utf8_async(
      proc, nullptr, nullptr,
      [](GObject* src, GAsyncResult* res, gpointer data) {
        auto* s = static_cast<State*>(data);
        g_subprocess_communicate_utf8_finish(G_SUBPROCESS(src), res, &s->out, &s->err, nullptr);
        s->done = true;
      },
      &state);
  gint64 until = g_get_monotonic_time() + static_cast<gint64>(timeout_s) * 1000000;
  while (!state.done && g_get_monotonic_time() < until) g_main_context_iteration(nullptr, TRUE);
  if (!state.done) {
    g_subprocess_force_exit(proc);
    while (!state.done) g_main_context_iteration(nullptr, TRUE);
    result.err = "timeout; ";
  }
  g_subprocess_wait(proc, nullptr, nullptr);
  result.status = g_subprocess_get_if_exited(proc) ? g_subprocess_get_exit_status(proc) : -1;
  result.out = state.out ? state.out : "";
  result.err += state.err ? state.err : "";
  g_free(state.out);
  g_free(state.err);
  g_object_unref(proc);
  return result;
}

// Decoded frames reported by "ffmpeg -progress" (last "frame=" line), or -1.
inline int FfmpegFrames(const std::string& progress) {
  size_t at = progress.rfind("frame=");
  return at == std::string::npos ? -1 : std::atoi(progress.c_str() + at + 6);
}

}  // namespace haze::testing
