// Segmented delivery benchmark (prints figures, asserts nothing). Usage: segment_bench
// [seconds of load, default 5] ["http" = only the HTTP comparison]:
//  1. segment production cost per stream (TS + CMAF/LL-HLS parts), CPU ms per media second;
//  2. serving cost: 1000 viewers fetching the same segment reuse the produced bytes;
//  3. first published frame -> first playable segment in the playlist (real-time publish);
//  4. segment GETs, 200 keep-alive connections, Haze (one thread; with the segment fast path,
//     then libsoup only) vs nginx (one worker) serving the same bytes from disk; the load comes from wrk when installed (a separate process),
//     else from the built-in client in http_load.h (a thread of this process).
#include <glib/gstdio.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <cstdio>
#include <fstream>
#include <atomic>
#include <sstream>
#include <thread>

#include "../support/segment_http_fixture.h"
#include "../support/media_fixture.h"
#include "http_load.h"
#include "http/http_server.h"
#include "protocols/cmaf/cmaf_endpoint.h"
#include "protocols/cmaf/segment_routes.h"
#include "protocols/hls/hls_endpoint.h"

using haze::cmaf::SegmentService;
using haze::cmaf::SegmentStore;
using haze::testing::EncodedMedia;
using haze::testing::FakeSource;

namespace {

double ThreadCpuMs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double MediaSeconds(const EncodedMedia& m) {
  int64_t end = 0;
  for (const auto& f : m.frames) end = std::max(end, f.dts);
  return end / 1e9;
}

// Live-like: Update() after every frame, as the buffer listener would trigger it.
void ProductionCost(const EncodedMedia& media, bool ts, bool cmaf, const char* label) {
  double best = 1e9;
  uint64_t bytes = 0;
  for (int run = 0; run < 3; ++run) {
    auto source = std::make_shared<FakeSource>(media.tracks);
    SegmentStore store("bench", source);
    if (ts) store.EnableTs();
    if (cmaf) store.EnableCmaf();
    double t0 = ThreadCpuMs();
    for (const auto& f : media.frames) {
      source->Push(f);
      store.Update();
    }
    best = std::min(best, ThreadCpuMs() - t0);
    bytes = store.bytes_produced();
    while (g_main_context_iteration(nullptr, FALSE)) {
    }
  }
  double secs = MediaSeconds(media);
  std::printf("production %-10s: %7.2f CPU-ms per media-s (%.3f%% of a core), %.1f MB out\n", label,
              best / secs, best / secs / 10, bytes / 1e6);
}

void ViewerCost(const EncodedMedia& media) {
  auto source = std::make_shared<FakeSource>(media.tracks);
  for (const auto& f : media.frames) source->Push(f);
  SegmentService service([&](const std::string&) { return source; });
  haze::cmaf::HttpRequest playlist{"s", "0_1/index.m3u8", {}, {}};
  haze::cmaf::HttpRequest segment{"s", "0_1/2000_4000.ts", {}, {}};
  haze::hls::HandleHls(service, playlist, [](haze::cmaf::HttpResponse) {});
  uint64_t produced = service.Acquire("s")->bytes_produced();
  double t0 = ThreadCpuMs();
  size_t served = 0;
  for (int viewer = 0; viewer < 1000; ++viewer) {
    haze::hls::HandleHls(service, playlist, [&](haze::cmaf::HttpResponse r) { served += r.body.size(); });
    haze::hls::HandleHls(service, segment, [&](haze::cmaf::HttpResponse r) { served += r.body.size(); });
  }
  double ms = ThreadCpuMs() - t0;
  std::printf("1000 viewers (playlist + segment each): %.2f CPU-ms total in the endpoints, "
              "%.1f MB served, segment bytes produced before %.1f MB, after %.1f MB\n",
              ms, served / 1e6, produced / 1e6, service.Acquire("s")->bytes_produced() / 1e6);
}

void FirstSegmentLatency(const EncodedMedia& media) {
  auto source = std::make_shared<FakeSource>(media.tracks);
  SegmentService service([&](const std::string&) { return source; });
  size_t next = 0;
  gint64 start = g_get_monotonic_time();
  double ready_ms = -1;
  while (next < media.frames.size() && ready_ms < 0) {
    int64_t now_ns = (g_get_monotonic_time() - start) * 1000;
    while (next < media.frames.size() && media.frames[next].dts <= now_ns) source->Push(media.frames[next++]);
    while (g_main_context_iteration(nullptr, FALSE)) {
    }
    haze::hls::HandleHls(service, {"s", "0_1/index.m3u8", {}, {}}, [&](haze::cmaf::HttpResponse r) {
      if (r.body.view().find("#EXTINF") != std::string_view::npos)
        ready_ms = (g_get_monotonic_time() - start) / 1000.0;
    });
    g_usleep(5000);
  }
  std::printf("first frame -> first playable TS segment listed: %.0f ms (segment 2.0 s)\n", ready_ms);
}

// Blocking GET on a fresh connection; returns the body ("" on failure).
std::string HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return {};
  }
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  if (write(fd, req.data(), req.size()) < 0) return {};
  std::string all;
  char buf[65536];
  for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) all.append(buf, static_cast<size_t>(n));
  close(fd);
  size_t body = all.find("\r\n\r\n");
  return body == std::string::npos ? std::string() : all.substr(body + 4);
}

// "n.k" of the playlist's EXT-X-PRELOAD-HINT.
std::string PreloadHint(const std::string& playlist) {
  size_t at = playlist.find("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"");
  if (at == std::string::npos) return {};
  at += 35;
  return playlist.substr(at, playlist.find(".m4s", at) - at);
}

// A real-time publisher and an LL-HLS client (preload-hint GETs + blocking reloads over HTTP):
// how long after its last frame was published does each part reach the client?
void LowLatencyDelay(const EncodedMedia& media, double seconds) {
  auto source = std::make_shared<FakeSource>(media.tracks);
  SegmentService service([&](const std::string&) { return source; });
  haze::testing::SegmentHttpServer server(&service);
  service.Acquire("s")->EnableCmaf();
  size_t next = 0;
  gint64 start = g_get_monotonic_time();
  std::vector<std::pair<std::string, gint64>> received;  // "n.k", monotonic us
  std::atomic<bool> done{false}, client_done{false};
  std::thread client([&] {
    std::string hint;
    while (hint.empty() && !done) {
      hint = PreloadHint(HttpGet(server.port(), "/cmaf/s/0/index.m3u8"));
      g_usleep(100000);
    }
    while (!done && !hint.empty()) {
      std::string part = HttpGet(server.port(), "/cmaf/s/0/" + hint + ".m4s");
      if (!part.empty()) received.emplace_back(hint, g_get_monotonic_time());
      size_t dot = hint.find('.');
      std::string q = "?_HLS_msn=" + hint.substr(0, dot) + "&_HLS_part=" + hint.substr(dot + 1);
      hint = PreloadHint(HttpGet(server.port(), "/cmaf/s/0/index.m3u8" + q));
    }
    client_done = true;
    g_main_context_wakeup(nullptr);
  });
  while (g_get_monotonic_time() - start < static_cast<gint64>(seconds * 1e6)) {
    int64_t now_ns = (g_get_monotonic_time() - start) * 1000;
    while (next < media.frames.size() && media.frames[next].dts <= now_ns) source->Push(media.frames[next++]);
    g_main_context_iteration(nullptr, FALSE);
    g_usleep(2000);
  }
  done = true;
  source->Finish(media.frames[next - 1].dts + 40000000);  // wakes the parked requests
  while (!client_done) g_main_context_iteration(nullptr, TRUE);
  client.join();
  const auto* track = service.Acquire("s")->FindCmafTrack(0);
  std::vector<double> delays;
  for (const auto& [name, at] : received) {
    uint64_t n = std::stoull(name.substr(0, name.find('.')));
    size_t k = std::stoul(name.substr(name.find('.') + 1));
    const auto* seg = track->Find(n);
    if (!seg || k >= seg->parts.size()) continue;
    int64_t end = seg->start_ns - track->dts_shift;
    for (size_t i = 0; i <= k; ++i) end += seg->parts[i].duration_ns;
    int64_t last_frame_published_us = start + (end - 40000000) / 1000;
    delays.push_back((at - last_frame_published_us) / 1000.0);
  }
  std::sort(delays.begin(), delays.end());
  if (delays.empty()) {
    std::printf("LL-HLS: no parts received\n");
    return;
  }
  std::printf("LL-HLS over HTTP: %zu parts via preload hint + blocking reload; delivered after "
              "their last frame was published: median %.1f ms, max %.1f ms "
              "(PART-HOLD-BACK %.2f s)\n",
              delays.size(), delays[delays.size() / 2], delays.back(),
              service.options().store.part_hold_back_ns / 1e9);
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

void Report(const char* who, const haze::bench::LoadResult& r) {
  std::printf("%-28s: %8.0f req/s  %7.0f MB/s  p50 %6.2f ms  p99 %6.2f ms  max %6.1f ms  errors %llu\n",
              who, r.rps, r.mbps, r.p50_ms, r.p99_ms, r.max_ms,
              static_cast<unsigned long long>(r.errors));
}

// "12.5ms" / "830.00us" / "1.02s" -> milliseconds.
double WrkMs(const std::string& text) {
  double v = std::atof(text.c_str());
  if (text.find("us") != std::string::npos) return v / 1e3;
  if (text.find("ms") != std::string::npos) return v;
  if (text.find('s') != std::string::npos) return v * 1e3;
  return v;
}

// The value after |label| on its line in wrk's output ("" if absent).
std::string WrkField(const std::string& out, const std::string& label) {
  size_t at = out.find(label);
  if (at == std::string::npos) return {};
  at += label.size();
  size_t end = out.find('\n', at);
  std::string v = out.substr(at, end - at);
  v.erase(0, v.find_first_not_of(' '));
  return v;
}

// wrk (a separate process, 2 threads) when installed; the main context keeps turning meanwhile.
bool RunWrk(int port, const std::string& path, int conns, double secs,
            haze::bench::LoadResult& r) {
  if (!g_find_program_in_path("wrk")) return false;
  auto tool = haze::testing::RunTool(
      {"wrk", "-t2", "-c" + std::to_string(conns), "-d" + std::to_string(static_cast<int>(secs)) + "s",
       "--latency", "http://127.0.0.1:" + std::to_string(port) + path},
      static_cast<int>(secs) + 30);
  std::string rps = WrkField(tool.out, "Requests/sec:");
  if (tool.status != 0 || rps.empty()) {
    std::printf("wrk failed: %s\n", tool.err.c_str());
    return false;
  }
  std::string sock = WrkField(tool.out, "Socket errors:");
  r.rps = std::atof(rps.c_str());
  std::string transfer = WrkField(tool.out, "Transfer/sec:");
  r.mbps = std::atof(transfer.c_str()) * (transfer.find("GB") != std::string::npos ? 1073.741824 : 1.048576);
  r.p50_ms = WrkMs(WrkField(tool.out, " 50%"));
  r.p99_ms = WrkMs(WrkField(tool.out, " 99%"));
  size_t lat = tool.out.find("Latency ");
  if (lat != std::string::npos) {
    std::istringstream line(tool.out.substr(lat + 8, tool.out.find('\n', lat) - lat - 8));
    std::string avg, stdev, max;
    line >> avg >> stdev >> max;
    r.max_ms = WrkMs(max);
  }
  if (!sock.empty()) std::printf("wrk socket errors: %s\n", sock.c_str());
  std::string errs = WrkField(tool.out, "Non-2xx or 3xx responses:");
  r.errors = errs.empty() ? 0 : std::strtoull(errs.c_str(), nullptr, 10);
  if (!sock.empty()) r.errors += 1;
  return true;
}

haze::bench::LoadResult LoadAgainst(int port, const std::string& path, int conns, double secs,
                                    bool pump) {
  haze::bench::LoadResult result;
  if (RunWrk(port, path, conns, secs, result)) return result;
  std::printf("(wrk not installed: built-in load client)\n");
  bool done = false;
  std::thread client([&] {
    result = haze::bench::HttpLoad::Run(port, path, conns, secs);
    done = true;
    g_main_context_wakeup(nullptr);
  });
  while (!done) {
    if (pump) g_main_context_iteration(nullptr, TRUE);
    else g_usleep(10000);
  }
  client.join();
  return result;
}

void HttpBench(const EncodedMedia& media, int conns, double secs) {
  auto source = std::make_shared<FakeSource>(media.tracks);
  for (const auto& f : media.frames) source->Push(f);
  SegmentService service([&](const std::string&) { return source; });
  // The production wiring: Haze's HttpServer (listen backlog 1024) with the segment routes.
  haze::http::HttpServer server("bench");
  haze::cmaf::RegisterSegmentRoutes(server, service);
  auto bound = server.Listen(g_main_context_default(), "127.0.0.1", 0);
  if (!bound) return;
  int haze_port = bound.value();
  SegmentStore* store = service.Acquire("s");
  store->EnableTs();
  const auto& seg = store->ts_variants()[0].segments[1];
  std::string path = "/hls/s/0_1/" + seg.name;
  std::printf("segment %s: %.2f MB\n", seg.name.c_str(), seg.data.bytes.size() / 1e6);
  Report("haze (1 thread)", LoadAgainst(haze_port, path, conns, secs, true));
  {
    // The same without the segment fast path: every request through libsoup.
    haze::cmaf::ServiceOptions options;
    options.fast_path = false;
    SegmentService plain([&](const std::string&) { return source; }, options);
    haze::http::HttpServer plain_server("bench-libsoup");
    haze::cmaf::RegisterSegmentRoutes(plain_server, plain);
    auto plain_port = plain_server.Listen(g_main_context_default(), "127.0.0.1", 0);
    plain.Acquire("s")->EnableTs();
    if (plain_port)
      Report("haze, libsoup only", LoadAgainst(plain_port.value(), path, conns, secs, true));
  }

  std::string dir = std::string(g_get_tmp_dir()) + "/haze-bench-" + std::to_string(getpid());
  g_mkdir_with_parents((dir + "/www/hls/s/0_1").c_str(), 0755);
  std::ofstream(dir + "/www" + path, std::ios::binary)
      .write(reinterpret_cast<const char*>(seg.data.bytes.data()),
             static_cast<std::streamsize>(seg.data.bytes.size()));
  int port = FreePort();
  std::ofstream(dir + "/nginx.conf")
      << "worker_processes 1; daemon off; pid " << dir << "/nginx.pid; error_log " << dir
      << "/error.log;\nevents { worker_connections 4096; }\nhttp { access_log off; sendfile on;"
      << " tcp_nopush on; keepalive_requests 1000000; server { listen 127.0.0.1:" << port
      << "; root " << dir << "/www; } }\n";
  const char* argv[] = {"nginx", "-c", nullptr, "-p", nullptr, nullptr};
  std::string conf = dir + "/nginx.conf";
  argv[2] = conf.c_str();
  argv[4] = dir.c_str();
  GSubprocess* nginx = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDERR_SILENCE, nullptr);
  if (!nginx) {
    std::printf("nginx: not available\n");
    return;
  }
  g_usleep(300000);
  Report("nginx (1 worker, sendfile)", LoadAgainst(port, path, conns, secs, false));
  g_subprocess_send_signal(nginx, SIGQUIT);
  g_subprocess_wait(nginx, nullptr, nullptr);
  g_object_unref(nginx);
  for (const char* f : {"/www/hls/s/0_1/", "/nginx.conf", "/error.log"})
    g_remove((dir + f + (std::string(f).back() == '/' ? seg.name : "")).c_str());
  for (const char* d : {"/www/hls/s/0_1", "/www/hls/s", "/www/hls", "/www", ""}) g_rmdir((dir + d).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  setvbuf(stdout, nullptr, _IOLBF, 0);
  double secs = argc > 1 ? std::atof(argv[1]) : 5.0;
  std::printf("encoding 20 s of 640x360p25 H.264 (~2 Mbps) + AAC...\n");
  EncodedMedia media = haze::testing::EncodeTestMedia(20, 640, 360, 2000, "snow");
  bool http_only = argc > 2 && std::string(argv[2]) == "http";
  if (!http_only) {
    ProductionCost(media, true, false, "TS");
    ProductionCost(media, false, true, "CMAF+parts");
    ProductionCost(media, true, true, "both");
    ViewerCost(media);
    FirstSegmentLatency(media);
    LowLatencyDelay(media, 6);
  }
  HttpBench(media, 200, secs);
  return 0;
}
