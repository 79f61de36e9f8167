// Real senders for the pull/receive ingest templates: gst-launch-1.0 processes (SRT listener,
// RIST sender), python's HTTP server (HLS pull, HTTP-TS) and an in-process gst-rtsp-server.
// Each peer stops when destroyed. Thread: the test's thread (the RTSP server runs on the default
// main context, which RunUntil iterates).
#pragma once

#include <arpa/inet.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace haze::test {

// A free loopback port of |type| (SOCK_STREAM/SOCK_DGRAM); |even| for RTP-style ports.
inline int FreePort(int type, bool even = false) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    int fd = socket(AF_INET, type, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    close(fd);
    const int port = ntohs(a.sin_port);
    if (!even || port % 2 == 0) return port;
  }
  return 0;
}

inline bool TcpConnects(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

// A child process started without a shell; SIGTERM then reaped on destruction.
class PeerProcess {
 public:
  explicit PeerProcess(std::vector<std::string> argv) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    GError* err = nullptr;
    if (!g_spawn_async(nullptr, args.data(), nullptr,
                       GSpawnFlags(G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                                   G_SPAWN_STDOUT_TO_DEV_NULL),
                       nullptr, nullptr, &pid_, &err)) {
      g_printerr("cannot start %s: %s\n", argv[0].c_str(), err->message);
      g_clear_error(&err);
      pid_ = 0;
    }
  }
  ~PeerProcess() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  PeerProcess(const PeerProcess&) = delete;
  PeerProcess& operator=(const PeerProcess&) = delete;
  bool running() const { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }

 private:
  GPid pid_ = 0;
};

// Live H.264 test video encoded by gst-launch-1.0, ending in |sink| (a gst-launch fragment).
inline std::vector<std::string> GstSender(const std::string& sink) {
  std::vector<std::string> argv = {"gst-launch-1.0", "-q"};
  const std::string line =
      "videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=25/1 ! "
      "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 ! h264parse ! "
      "mpegtsmux alignment=7 ! " +
      sink;
  gchar** tokens = nullptr;
  g_shell_parse_argv(line.c_str(), nullptr, &tokens, nullptr);  // test-owned text, no shell run
  for (gchar** t = tokens; t && *t; ++t) argv.emplace_back(*t);
  g_strfreev(tokens);
  return argv;
}

// gst-rtsp-server on 127.0.0.1:<free port> serving live H.264 at /cam.
class RtspPeer {
 public:
  RtspPeer() {
    server_ = gst_rtsp_server_new();
    gst_rtsp_server_set_address(server_, "127.0.0.1");
    gst_rtsp_server_set_service(server_, "0");
    GstRTSPMediaFactory* factory = gst_rtsp_media_factory_new();
    gst_rtsp_media_factory_set_launch(
        factory,
        "( videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=25/1 ! "
        "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 ! "
        "rtph264pay name=pay0 pt=96 config-interval=1 )");
    gst_rtsp_media_factory_set_shared(factory, TRUE);
    GstRTSPMountPoints* mounts = gst_rtsp_server_get_mount_points(server_);
    gst_rtsp_mount_points_add_factory(mounts, "/cam", factory);
    g_object_unref(mounts);
    source_ = gst_rtsp_server_attach(server_, nullptr);
    port_ = gst_rtsp_server_get_bound_port(server_);
  }
  ~RtspPeer() {
    if (source_) g_source_remove(source_);
    g_object_unref(server_);
  }
  std::string url() const { return "rtsp://127.0.0.1:" + std::to_string(port_) + "/cam"; }

 private:
  GstRTSPServer* server_ = nullptr;
  guint source_ = 0;
  int port_ = 0;
};

}  // namespace haze::test
