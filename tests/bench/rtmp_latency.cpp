// rtmp_latency: publish-to-play latency with the wall-clock stripe probe (test-clients.md §1a).
// The same ffmpeg encoder (lat_pub.sh settings) feeds (a) an ffmpeg reader straight through a
// pipe (FLV), and (b) our RTMP server, read back over RTMP by the same ffmpeg reader. The reader
// decodes the 32-bit wall-clock ms stripe of each frame and compares it with the clock.
// Usage: rtmp_latency [seconds=10]
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_server.h"

namespace haze::rtmp {
namespace {

pid_t Spawn(const std::vector<std::string>& argv, int in_fd, int out_fd) {
  pid_t pid = fork();
  if (pid == 0) {
    if (in_fd >= 0) dup2(in_fd, 0);
    if (out_fd >= 0) dup2(out_fd, 1);
    int devnull = open("/dev/null", O_RDWR);
    if (in_fd < 0) dup2(devnull, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

std::vector<std::string> Publisher(const std::vector<std::string>& out) {
  std::vector<std::string> a = {
      "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-use_wallclock_as_timestamps",
      "1", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25,realtime", "-copyts",
      "-filter_complex",
      "[0:v]split[a][b];[b]crop=640:16:0:0,geq=lum='if(mod(floor(T*1000/pow(2,floor(X/20))),2),"
      "235,16)':cb=128:cr=128[s];[a][s]overlay=0:0,setpts=PTS-STARTPTS[v]",
      "-map", "[v]", "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-g", "50",
      "-keyint_min", "50", "-sc_threshold", "0", "-b:v", "1000k", "-pix_fmt", "yuv420p"};
  a.insert(a.end(), out.begin(), out.end());
  return a;
}

std::vector<std::string> Reader(const std::string& input) {
  return {"ffmpeg", "-nostdin", "-loglevel", "error", "-fflags", "nobuffer", "-flags", "low_delay",
          "-i", input, "-an", "-vf", "crop=640:16:0:0,scale=32:1:flags=area,format=gray", "-f",
          "rawvideo", "-"};
}

// Reads 32-byte stripe frames for |seconds|; returns the latencies in ms.
std::vector<int64_t> ReadStripes(int fd, int seconds) {
  std::vector<int64_t> lat;
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  unsigned char f[32];
  while (std::chrono::steady_clock::now() < end) {
    size_t got = 0;
    while (got < sizeof f) {
      ssize_t n = read(fd, f + got, sizeof f - got);
      if (n <= 0) return lat;
      got += size_t(n);
    }
    uint32_t now = uint32_t(g_get_real_time() / 1000);
    uint32_t v = 0;
    for (int k = 0; k < 32; ++k)
      if (f[k] > 128) v |= 1u << k;
    uint32_t d = now - v;
    if (d < 600000) lat.push_back(d);
  }
  return lat;
}

void Report(const char* what, std::vector<int64_t> lat) {
  if (lat.size() < 4) {
    std::printf("%s: no frames\n", what);
    return;
  }
  std::vector<int64_t> tail(lat.begin() + long(lat.size() / 2), lat.end());  // after catch-up
  std::sort(tail.begin(), tail.end());
  std::printf("%s: frames=%zu median_ms=%lld p95_ms=%lld max_ms=%lld (2nd half)\n", what,
              lat.size(), (long long)tail[tail.size() / 2],
              (long long)tail[tail.size() * 95 / 100], (long long)tail.back());
  std::fflush(stdout);
}

void Stop(pid_t pid) {
  kill(pid, SIGINT);
  int status;
  for (int i = 0; i < 50; ++i) {
    if (waitpid(pid, &status, WNOHANG) == pid) return;
    g_usleep(100000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
}

}  // namespace
}  // namespace haze::rtmp

int main(int argc, char** argv) {
  using namespace haze::rtmp;
  int seconds = argc > 1 ? std::atoi(argv[1]) : 10;
  signal(SIGPIPE, SIG_IGN);
  BenchServer server = ForkBenchServer(RtmpConfig());
  if (server.port == 0) return 1;

  {  // (a) encoder piped straight to the reader
    int enc[2], dec[2];
    if (pipe2(enc, O_CLOEXEC) != 0 || pipe2(dec, O_CLOEXEC) != 0) return 1;
    pid_t pub = Spawn(Publisher({"-f", "flv", "-"}), -1, enc[1]);
    pid_t rd = Spawn(Reader("-"), enc[0], dec[1]);
    close(enc[0]);
    close(enc[1]);
    close(dec[1]);
    Report("pipe (encoder | reader)", ReadStripes(dec[0], seconds));
    close(dec[0]);
    Stop(pub);
    Stop(rd);
  }
  {  // (b) encoder -> RTMP publish -> server -> RTMP play -> reader
    std::string base = "rtmp://127.0.0.1:" + std::to_string(server.port);
    pid_t pub = Spawn(Publisher({"-f", "flv", base + "/live/bench"}), -1, -1);
    g_usleep(1500000);  // publishing has started
    int dec[2];
    if (pipe2(dec, O_CLOEXEC) != 0) return 1;
    pid_t rd = Spawn(Reader(base + "/play/bench"), -1, dec[1]);
    close(dec[1]);
    Report("rtmp (publish -> haze -> play)", ReadStripes(dec[0], seconds));
    close(dec[0]);
    Stop(rd);
    Stop(pub);
  }
  close(server.pipe_fd);
  int status;
  waitpid(server.pid, &status, 0);
  return 0;
}
