// Forks a child process that runs only RtmpServer (dummy stream host, stream base "bench"), so
// benches can measure the server's CPU and memory apart from their clients.
#pragma once

#include <glib-unix.h>
#include <gst/gst.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdint>

#include "../integration/dummy_stream_host.h"
#include "base/log.h"
#include "protocols/rtmp/rtmp_server.h"

namespace haze::rtmp {

struct BenchServer {
  pid_t pid = -1;
  uint16_t port = 0;
  int pipe_fd = -1;  // closing it ends the child
};

// Must be called before any threads exist (fork).
inline BenchServer ForkBenchServer(const RtmpConfig& config) {
  BenchServer s;
  int fds[2];
  if (pipe(fds) != 0) return s;
  s.pid = fork();
  if (s.pid == 0) {
    close(fds[0]);
    gst_init(nullptr, nullptr);
    InitLogging();
    testing::DummyStreamHost host;
    host.push_bases = {"bench"};
    RtmpServer server(host, config);
    GMainContext* ctx = g_main_context_default();
    auto port = server.Start(ctx, "127.0.0.1", 0);
    uint16_t p = port.ok() ? port.value() : 0;
    if (write(fds[1], &p, sizeof p) != sizeof p) _exit(1);
    g_unix_fd_add(fds[1], GIOCondition(G_IO_HUP | G_IO_ERR), [](int, GIOCondition, gpointer) {
      _exit(0);
      return G_SOURCE_REMOVE;
    }, nullptr);
    for (;;) g_main_context_iteration(ctx, TRUE);
  }
  close(fds[1]);
  s.pipe_fd = fds[0];
  if (read(fds[0], &s.port, sizeof s.port) != sizeof s.port) s.port = 0;
  return s;
}

}  // namespace haze::rtmp
