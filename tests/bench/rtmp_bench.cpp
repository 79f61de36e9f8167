// rtmp_bench: RTMP server cost per player. A forked child runs RtmpServer (with the dummy stream
// host) alone, so its CPU and RSS are the server's. The parent publishes one synthetic 600 kbps
// H.264+AAC stream in real time and attaches N minimal players (1, 100, 1000) that read and
// discard bytes. Prints CPU % of one core per 100 players, memory per player, whether all players
// keep up, the first-frame time of a joining player and the publish-to-play delay.
// Usage: rtmp_bench [max_players=1000] [seconds_per_step=4] [merge_write_ms=100]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <glib-unix.h>
#include <gst/gst.h>

#include "bench_server.h"
#include "base/log.h"
#include "protocols/rtmp/amf0.h"
#include "protocols/rtmp/chunk.h"
#include "protocols/rtmp/handshake.h"
#include "protocols/rtmp/rtmp_server.h"

namespace haze::rtmp {
namespace {

using amf0::Value;

int64_t NowUs() { return g_get_monotonic_time(); }

// ---- parent: clients ----
int Dial(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool WriteAll(int fd, std::string_view d) {
  while (!d.empty()) {
    ssize_t n = write(fd, d.data(), d.size());
    if (n <= 0) return false;
    d.remove_prefix(size_t(n));
  }
  return true;
}

bool ReadExact(int fd, size_t n, std::string* out) {
  out->resize(n);
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, out->data() + got, n - got);
    if (r <= 0) return false;
    got += size_t(r);
  }
  return true;
}

std::string Command(uint32_t sid, std::vector<Value> v) {
  std::string out;
  WriteChunks(3, kCommandAmf0, sid, 0, amf0::EncodeAll(v), kDefaultChunkSize, &out);
  return out;
}

// Handshake + connect + createStream, then publish or play |stream|. Returns the socket.
int OpenSession(uint16_t port, bool publish, const std::string& stream) {
  int fd = Dial(port);
  if (fd < 0) return -1;
  std::string hello = handshake::ClientHello(false, 0), reply;
  if (!WriteAll(fd, hello) || !ReadExact(fd, 1 + 2 * handshake::kPacketSize, &reply)) {
    close(fd);
    return -1;
  }
  std::string out = reply.substr(1, handshake::kPacketSize);  // C2 = S1
  out += Command(0, {Value::String("connect"), Value::Number(1),
                     Value::Object({{"app", Value::String(publish ? "live" : "play")},
                                    {"tcUrl", Value::String("rtmp://127.0.0.1/live")}})});
  out += Command(0, {Value::String("createStream"), Value::Number(2), Value::Null()});
  out += Command(1, {Value::String(publish ? "publish" : "play"), Value::Number(0), Value::Null(),
                     Value::String(stream), Value::String("live")});
  if (!WriteAll(fd, out)) {
    close(fd);
    return -1;
  }
  return fd;
}

// A synthetic 600 kbps stream: 25 fps video (keyframe every 2 s), 43 fps AAC.
class Publisher {
 public:
  explicit Publisher(int fd) : fd_(fd), start_(NowUs()) {
    std::string set;
    set += std::string("\x00\x00\x10\x00", 4);
    std::string out;
    WriteChunks(2, kSetChunkSize, 0, 0, set, kDefaultChunkSize, &out);
    static const char kAvcc[] = "\x01\x64\x00\x1f\xff\xe1\x00\x04\x67\x64\x00\x1f\x01\x00\x04\x68\xee\x3c\x80";
    WriteChunks(6, kVideo, 1, 0, std::string("\x17\x00\x00\x00\x00", 5) + std::string(kAvcc, 19),
                4096, &out);
    WriteChunks(4, kAudio, 1, 0, std::string("\xaf\x00\x12\x10", 4), 4096, &out);
    WriteAll(fd_, out);
  }
  // Sends every frame that is due; returns microseconds until the next one.
  int64_t Pump() {
    int64_t now = NowUs() - start_;
    std::string out;
    while (true) {
      int64_t v_at = video_n_ * 40000, a_at = audio_n_ * 23220;
      int64_t at = std::min(v_at, a_at);
      if (at > now) {
        if (!out.empty()) WriteAll(fd_, out);
        return at - now;
      }
      if (v_at <= a_at) {
        bool key = video_n_ % 50 == 0;
        size_t size = key ? 20000 : 2450;
        std::string body = std::string(key ? "\x17\x01" : "\x27\x01", 2) + std::string(3, '\0') +
                           std::string(size, char(video_n_));
        uint32_t ts = uint32_t(video_n_ * 40);
        WriteChunks(6, kVideo, 1, ts, body, 4096, &out);
        sent_at_[ts] = NowUs();
        ++video_n_;
      } else {
        std::string body = std::string("\xaf\x01", 2) + std::string(120, 'a');
        WriteChunks(4, kAudio, 1, uint32_t(audio_n_ * 23.22), body, 4096, &out);
        ++audio_n_;
      }
    }
  }
  int64_t SentAt(uint32_t ts) const {
    auto it = sent_at_.find(ts);
    return it == sent_at_.end() ? 0 : it->second;
  }
  int fd() const { return fd_; }

 private:
  int fd_;
  int64_t start_;
  int64_t video_n_ = 0, audio_n_ = 0;
  std::map<uint32_t, int64_t> sent_at_;
};

struct Player {
  int fd;
  uint64_t bytes = 0;
};

struct ProcStat {
  double cpu_s = 0;
  double sys_s = 0;
  long rss_kb = 0;
};

ProcStat ReadProc(pid_t pid) {
  ProcStat st;
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  size_t p = s.rfind(')');
  if (p != std::string::npos) {
    std::vector<std::string> fields;
    char* save = nullptr;
    std::string rest = s.substr(p + 2);
    for (char* t = strtok_r(rest.data(), " ", &save); t; t = strtok_r(nullptr, " ", &save))
      fields.push_back(t);
    if (fields.size() > 13) {
      st.cpu_s = double(std::stoll(fields[11]) + std::stoll(fields[12])) / sysconf(_SC_CLK_TCK);
      st.sys_s = double(std::stoll(fields[12])) / sysconf(_SC_CLK_TCK);
    }
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) st.rss_kb = std::stol(line.substr(6));
  return st;
}

class Bench {
 public:
  Bench(uint16_t port, pid_t server) : port_(port), server_(server), ep_(epoll_create1(0)) {}

  bool StartPublisher() {
    int fd = OpenSession(port_, true, "bench");
    if (fd < 0) return false;
    pub_ = std::make_unique<Publisher>(fd);
    Watch(fd, -1);
    return true;
  }
  bool AddPlayers(size_t n) {
    for (size_t i = 0; i < n; ++i) {
      int fd = OpenSession(port_, false, "bench");
      if (fd < 0) return false;
      players_.push_back(Player{fd});
      Watch(fd, int(players_.size() - 1));
      if (i % 50 == 49) Run(5000);  // keep everyone drained while joining
    }
    return true;
  }
  // Runs publisher and readers for |us|.
  void Run(int64_t us) {
    int64_t end = NowUs() + us;
    epoll_event ev[256];
    char buf[65536];
    while (NowUs() < end) {
      int64_t wait = std::min<int64_t>(pub_->Pump(), end - NowUs());
      int n = epoll_wait(ep_, ev, 256, int(std::max<int64_t>(0, wait / 1000)));
      for (int i = 0; i < n; ++i) {
        int idx = int(ev[i].data.u64 & 0xffffffff) - 1;
        int fd = idx < 0 ? pub_->fd() : players_[size_t(idx)].fd;
        ssize_t r;
        while ((r = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0)
          if (idx >= 0) players_[size_t(idx)].bytes += uint64_t(r);
      }
    }
  }
  void Measure(size_t n, int seconds) {
    Run(1500000);  // settle
    std::vector<uint64_t> before;
    for (auto& p : players_) before.push_back(p.bytes);
    ProcStat a = ReadProc(server_);
    int64_t t0 = NowUs();
    Run(int64_t(seconds) * 1000000);
    double wall = double(NowUs() - t0) / 1e6;
    ProcStat b = ReadProc(server_);
    double cpu_pct = 100.0 * (b.cpu_s - a.cpu_s) / wall;
    double sys_pct = 100.0 * (b.sys_s - a.sys_s) / wall;
    size_t slow = 0;
    double min_kbps = 1e9;
    for (size_t i = 0; i < players_.size(); ++i) {
      double kbps = double(players_[i].bytes - before[i]) * 8 / 1000 / wall;
      min_kbps = std::min(min_kbps, kbps);
      if (kbps < 540) ++slow;  // 90 % of the 600 kbps stream
    }
    double per_player_kb = n ? double(b.rss_kb - base_rss_kb_) / double(n) : 0;
    std::printf("players=%zu cpu=%.2f%% (sys %.2f%%) cpu_per_100=%.2f%% rss=%ldKB mem_per_player=%.1fKB "
                "min_rate=%.0fkbps behind=%zu\n",
                n, cpu_pct, sys_pct, n ? cpu_pct * 100.0 / double(n) : 0.0, b.rss_kb, per_player_kb,
                min_kbps, slow);
    std::fflush(stdout);
  }
  void Baseline() {
    Run(1500000);
    base_rss_kb_ = ReadProc(server_).rss_kb;
    std::printf("baseline (publisher only): rss=%ldKB\n", base_rss_kb_);
  }
  // Joins one more player; returns the ms until its first video frame, and the median
  // publish-to-play delay of the next frames.
  void FirstFrame(int samples) {
    std::vector<double> first, delay;
    for (int s = 0; s < samples; ++s) {
      Run(300000 + 137000 * s);  // join at different points of the GOP
      int64_t t0 = NowUs();
      int fd = OpenSession(port_, false, "bench");
      if (fd < 0) return;
      ChunkReader reader;
      std::string pending;
      bool got_first = false;
      int64_t stop = NowUs() + 3000000;
      char buf[65536];
      while (NowUs() < stop) {
        int64_t wait = pub_->Pump();
        pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, int(std::max<int64_t>(1, wait / 1000))) <= 0) continue;
        ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (r <= 0) break;
        int64_t now = NowUs();
        pending.append(buf, size_t(r));
        std::vector<Message> msgs;
        auto used = reader.Parse(pending, &msgs);
        if (!used.ok()) break;
        pending.erase(0, used.value());
        for (auto& m : msgs) {
          if (m.type != kVideo || m.payload.size() < 2 || m.payload[1] != 1) continue;
          if (!got_first) {
            first.push_back(double(now - t0) / 1000);
            got_first = true;
          } else if (int64_t sent = pub_->SentAt(m.timestamp); sent > t0) {
            delay.push_back(double(now - sent) / 1000);
          }
        }
        if (got_first && delay.size() > size_t(20 * (s + 1))) break;
      }
      close(fd);
      Run(100000);
    }
    auto median = [](std::vector<double> v) {
      if (v.empty()) return -1.0;
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    std::printf("joining player: first_frame_median=%.1fms first_frame_max=%.1fms "
                "publish_to_play_median=%.2fms (%zu frames)\n",
                median(first), first.empty() ? -1.0 : *std::max_element(first.begin(), first.end()),
                median(delay), delay.size());
  }
  void CloseAll() {
    for (auto& p : players_) close(p.fd);
    players_.clear();
  }

 private:
  void Watch(int fd, int idx) {
    epoll_event ev = {};
    ev.events = EPOLLIN;
    ev.data.u64 = uint64_t(idx + 1);
    epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
  }
  uint16_t port_;
  pid_t server_;
  int ep_;
  std::unique_ptr<Publisher> pub_;
  std::vector<Player> players_;
  long base_rss_kb_ = 0;
};

}  // namespace
}  // namespace haze::rtmp

int main(int argc, char** argv) {
  using namespace haze::rtmp;
  size_t max_players = argc > 1 ? size_t(std::atol(argv[1])) : 1000;
  int seconds = argc > 2 ? std::atoi(argv[2]) : 4;
  uint32_t batch_ms = argc > 3 ? uint32_t(std::atoi(argv[3])) : RtmpConfig().merge_write_ms;
  signal(SIGPIPE, SIG_IGN);
  RtmpConfig config;
  config.max_connections_per_ip = 0;
  config.merge_write_ms = batch_ms;
  config.ping_interval_ms = 0;  // the minimal players never answer pings
  BenchServer server = ForkBenchServer(config);
  pid_t child = server.pid;
  uint16_t port = server.port;
  if (port == 0) {
    std::fprintf(stderr, "server did not start\n");
    return 1;
  }
  int rc = 0;
  {
    Bench bench(port, child);
    if (!bench.StartPublisher()) {
      std::fprintf(stderr, "publish failed\n");
      rc = 1;
    } else {
      bench.Baseline();
      size_t have = 0;
      for (size_t n : {size_t(1), size_t(100), size_t(1000)}) {
        if (n > max_players) break;
        if (!bench.AddPlayers(n - have)) {
          std::fprintf(stderr, "could not add players\n");
          rc = 1;
          break;
        }
        have = n;
        bench.Measure(n, seconds);
      }
      bench.FirstFrame(5);
      bench.CloseAll();
    }
  }
  close(server.pipe_fd);
  int status = 0;
  waitpid(child, &status, 0);
  return rc;
}
