// http_bench: figures for the HTTP layer (run once, prints numbers, asserts nothing).
//  1. active_streams with 1000 configured streams: time per request (router and over HTTP).
//  2. N concurrent HTTP-FLV viewers of one ~600 kbps stream on loopback: server CPU % per 100
//     viewers and memory per viewer (deltas against a single viewer), and whether every viewer
//     kept up. The viewers are a minimal reader in a child process (this binary, --client).
// Usage: http_bench [viewers=1000] [seconds=10]
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include <glib/gstdio.h>

#include "base/log.h"
#include "http/api/api_router.h"
#include "support/fake_stream_backend.h"
#include "support/http_client.h"
#include "support/server_thread.h"
#include "support/test_sources.h"
#include "http/http_layer.h"
#include "http/progressive/progressive_endpoint.h"

using namespace haze;

namespace {

constexpr int kWarmupS = 4;

void RaiseFdLimit() {
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
}

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

long RssKiB() {
  long pages = 0, rss = 0;
  FILE* f = fopen("/proc/self/statm", "r");
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
    fclose(f);
  }
  return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

// Child: |n| sockets read /videogen.flv for |secs| seconds; prints "min avg" bytes per viewer.
int RunClient(int port, int n, int secs) {
  RaiseFdLimit();
  int ep = epoll_create1(0);
  std::vector<long> got(n, 0);
  std::vector<int> fds(n, -1);
  const char req[] = "GET /videogen.flv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  for (int i = 0; i < n; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      perror("connect");
      close(fd);
      continue;
    }
    if (write(fd, req, sizeof req - 1) < 0) perror("write");
    fcntl(fd, F_SETFL, O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(i);
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    fds[i] = fd;
  }
  std::vector<epoll_event> evs(256);
  char buf[65536];
  auto pump = [&](std::chrono::steady_clock::time_point end) {
    while (std::chrono::steady_clock::now() < end) {
      int k = epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), 100);
      for (int j = 0; j < k; ++j) {
        uint32_t i = evs[j].data.u32;
        for (;;) {
          ssize_t r = read(fds[i], buf, sizeof buf);
          if (r > 0) {
            got[i] += r;
            continue;
          }
          if (r == 0) epoll_ctl(ep, EPOLL_CTL_DEL, fds[i], nullptr);
          break;
        }
      }
    }
  };
  // Warm up (every viewer joins and drains its first keyframe), then count for |secs|.
  pump(std::chrono::steady_clock::now() + std::chrono::seconds(kWarmupS));
  std::fill(got.begin(), got.end(), 0);
  pump(std::chrono::steady_clock::now() + std::chrono::seconds(secs));
  long mn = *std::min_element(got.begin(), got.end());
  long sum = 0;
  for (long g : got) sum += g;
  printf("%ld %ld\n", mn, sum / std::max(1, n));
  fflush(stdout);
  for (int fd : fds)
    if (fd >= 0) close(fd);
  return 0;
}

struct ClientRun {
  long min_bytes = 0, avg_bytes = 0;
};

// Starts the client child; returns its pid and a pipe to read the result from.
GSubprocess* StartClient(const char* self, int port, int n, int secs) {
  std::string p = std::to_string(port), nn = std::to_string(n), s = std::to_string(secs);
  const char* argv[] = {self, "--client", p.c_str(), nn.c_str(), s.c_str(), nullptr};
  return g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, nullptr);
}

ClientRun FinishClient(GSubprocess* child) {
  char* out = nullptr;
  g_subprocess_communicate_utf8(child, nullptr, nullptr, &out, nullptr, nullptr);
  ClientRun r;
  if (out && sscanf(out, "%ld %ld", &r.min_bytes, &r.avg_bytes) != 2) r = {};
  g_free(out);
  g_object_unref(child);
  return r;
}

void BenchActiveStreams() {
  testing::ServerThread server;
  gchar* dir = g_dir_make_tmp("haze-bench-XXXXXX", nullptr);
  std::string path = std::string(dir) + "/config.json";
  std::unique_ptr<config::ConfigStore> store;
  testing::FakeStreamBackend backend;
  core::LogRing log;
  std::unique_ptr<http::HttpLayer> layer;
  uint16_t api_port = 0;
  server.Run([&] {
    store = std::move(config::ConfigStore::Open(path, config::ConfigRw::kOff).value());
    JsonObject* streams = store->Section("streams");
    for (int i = 0; i < 1000; ++i) {
      std::string name = "stream" + std::to_string(i);
      JsonObject* s = json_object_new();
      json_object_set_string_member(s, "source", "push://");
      json_object_set_object_member(streams, name.c_str(), s);
      backend.AddLive(name);
      backend.streams[name].snap.viewers = static_cast<uint64_t>(i % 7);
    }
    if (!store->Changed().ok()) printf("config refused\n");
    layer = std::make_unique<http::HttpLayer>(*store, backend, log);
    api_port = layer->Start(server.context(), "127.0.0.1", 0, 0)->first;
  });
  const std::string url = "http://127.0.0.1:" + std::to_string(api_port) + "/api2";
  const char* bodies[] = {
      R"({"active_streams": true})",
      R"({"active_streams": ["status", "viewers", "inputs", "outputs", "tracks", "lastms", "health"]})",
      R"({"active_streams": {"fields": ["status", "viewers", "upbytes", "downbytes"], "longform": true}})"};
  for (const char* body : bodies) {
    double best = 1e9, total = 0;
    const int kRuns = 20;
    for (int i = 0; i < kRuns; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      testing::HttpResult r = testing::HttpRequest("POST", url, body);
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      if (r.status != 200) printf("status %u\n", r.status);
      best = std::min(best, ms);
      total += ms;
    }
    printf("active_streams, 1000 streams, %-70s best %.2f ms, mean %.2f ms (over HTTP)\n", body, best,
           total / kRuns);
  }
  server.Run([&] {
    layer.reset();
    store.reset();
  });
  server.Stop();
  g_remove(path.c_str());
  g_rmdir(dir);
  g_free(dir);
}

void BenchFlvViewers(const char* self, int viewers, int secs) {
  testing::ServerThread server;
  gchar* dir = g_dir_make_tmp("haze-bench-XXXXXX", nullptr);
  std::string path = std::string(dir) + "/config.json";
  std::unique_ptr<config::ConfigStore> store;
  testing::FakeStreamBackend backend;
  core::LogRing log;
  std::unique_ptr<http::HttpLayer> layer;
  uint16_t http_port = 0;
  server.Run([&] {
    store = std::move(config::ConfigStore::Open(path, config::ConfigRw::kOff).value());
    backend.AddLive("videogen");
    layer = std::make_unique<http::HttpLayer>(*store, backend, log);
    layer->progressive().set_source_factory(
        [](const http::MuxOptions& o) { return testing::MakeTestSource(o, false, "snow"); });
    http_port = layer->Start(server.context(), "127.0.0.1", 0, 0)->second;
  });
  auto measure = [&](int n, long* rss, double* cpu, ClientRun* run, http::ProgressiveStats* st) {
    GSubprocess* child = StartClient(self, http_port, n, secs);
    g_usleep((kWarmupS - 1) * G_USEC_PER_SEC);
    server.Run([&] { *st = layer->progressive().stats(); });
    g_usleep(G_USEC_PER_SEC);
    *rss = RssKiB();
    double c0 = CpuSeconds();
    auto t0 = std::chrono::steady_clock::now();
    g_usleep(static_cast<gulong>(secs) * G_USEC_PER_SEC);
    *cpu = (CpuSeconds() - c0) /
           std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    *run = FinishClient(child);
  };
  long rss1 = 0, rssn = 0;
  double cpu1 = 0, cpun = 0;
  ClientRun r1, rn;
  http::ProgressiveStats st1, stn, end;
  // Baseline: test encoder + muxer + a single viewer; then |viewers| readers.
  measure(1, &rss1, &cpu1, &r1, &st1);
  measure(viewers, &rssn, &cpun, &rn, &stn);
  server.Run([&] { end = layer->progressive().stats(); });
  double rate = r1.avg_bytes / double(secs);
  printf("FLV viewers: %d requested, %zu attached after warm-up, %zu muxer session(s)\n", viewers,
         stn.viewers, stn.sessions);
  printf("  stream rate seen by a single viewer: %.0f kbit/s\n", rate * 8 / 1000);
  printf("  each of %d viewers over %d s: min %.0f kbit/s, mean %.0f kbit/s\n", viewers, secs,
         rn.min_bytes * 8.0 / secs / 1000, rn.avg_bytes * 8.0 / secs / 1000);
  printf("  slow-viewer skips %" G_GUINT64_FORMAT ", drops %" G_GUINT64_FORMAT "\n", end.skips, end.drops);
  printf("  server process CPU: %.1f %% of a core with 1 viewer (incl. test encoder), %.1f %% with %d\n",
         cpu1 * 100, cpun * 100, viewers);
  printf("  => %.2f %% of one core per 100 viewers\n", (cpun - cpu1) * 100 * 100 / viewers);
  printf("  memory: RSS %ld KiB -> %ld KiB => %.1f KiB per viewer\n", rss1, rssn,
         double(rssn - rss1) / viewers);
  server.Run([&] {
    layer.reset();
    store.reset();
  });
  server.Stop();
  g_rmdir(dir);
  g_free(dir);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 5 && std::strcmp(argv[1], "--client") == 0)
    return RunClient(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
  RaiseFdLimit();
  gst_init(&argc, &argv);
  haze::InitLogging();
  int viewers = argc > 1 ? atoi(argv[1]) : 1000;
  int secs = argc > 2 ? atoi(argv[2]) : 10;
  BenchActiveStreams();
  BenchFlvViewers(argv[0], viewers, secs);
  return 0;
}
