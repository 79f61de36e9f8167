// Minimal HTTP/1.1 keep-alive load generator (epoll, one thread), wrk-style: N connections
// each send GET, read the whole response (Content-Length), repeat, for a fixed time. Reports
// requests/s, bytes/s and latency percentiles. Benchmarks only.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

namespace haze::bench {

struct LoadResult {
  double rps = 0, mbps = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  uint64_t requests = 0, errors = 0;
};

class HttpLoad {
 public:
  using Clock = std::chrono::steady_clock;

  static LoadResult Run(int port, const std::string& path, int connections, double seconds) {
    int ep = epoll_create1(0);
    std::vector<Conn> conns(connections);
    std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    for (int i = 0; i < connections; ++i) {
      conns[i].fd = Connect(port);
      epoll_event ev{EPOLLIN, {.u32 = static_cast<uint32_t>(i)}};
      epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
    }
    std::vector<double> latencies;
    latencies.reserve(1 << 20);
    uint64_t bytes = 0, errors = 0;
    auto start = Clock::now();
    auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    for (auto& c : conns) Send(c, request);
    std::vector<char> buf(1 << 20);
    std::vector<epoll_event> events(connections);
    while (Clock::now() < end) {
      int n = epoll_wait(ep, events.data(), connections, 100);
      for (int e = 0; e < n; ++e) {
        Conn& c = conns[events[e].data.u32];
        ssize_t got = read(c.fd, buf.data(), buf.size());
        if (got <= 0) {
          ++errors;
          epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
          close(c.fd);
          c.fd = Connect(port);
          epoll_event ev{EPOLLIN, events[e].data};
          epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
          c.Reset();
          Send(c, request);
          continue;
        }
        bytes += static_cast<uint64_t>(got);
        if (!c.Consume(buf.data(), static_cast<size_t>(got))) continue;
        if (c.status != 200) ++errors;
        latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - c.sent).count());
        c.Reset();
        Send(c, request);
      }
    }
    double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    for (auto& c : conns) close(c.fd);
    close(ep);
    LoadResult r;
    r.requests = latencies.size();
    r.errors = errors;
    r.rps = static_cast<double>(latencies.size()) / elapsed;
    r.mbps = static_cast<double>(bytes) / elapsed / 1e6;
    if (!latencies.empty()) {
      std::sort(latencies.begin(), latencies.end());
      r.p50_ms = latencies[latencies.size() / 2];
      r.p99_ms = latencies[latencies.size() * 99 / 100];
      r.max_ms = latencies.back();
    }
    return r;
  }

 private:
  struct Conn {
    int fd = -1;
    Clock::time_point sent;
    std::string head;
    bool in_body = false;
    size_t body_left = 0;
    int status = 0;
    void Reset() {
      head.clear();
      in_body = false;
      body_left = 0;
      status = 0;
    }
    // Returns true when a whole response has been read.
    bool Consume(const char* data, size_t n) {
      while (n > 0) {
        if (in_body) {
          size_t take = std::min(n, body_left);
          body_left -= take;
          data += take;
          n -= take;
          if (body_left == 0) return true;
          continue;
        }
        head.append(data, n);
        n = 0;
        size_t end = head.find("\r\n\r\n");
        if (end == std::string::npos) return false;
        status = std::atoi(head.c_str() + 9);
        size_t cl = head.find("Content-Length: ");
        if (cl == std::string::npos) cl = head.find("content-length: ");
        body_left = cl == std::string::npos || cl > end ? 0 : std::strtoul(head.c_str() + cl + 16, nullptr, 10);
        size_t extra = head.size() - end - 4;
        in_body = true;
        if (extra > 0) {
          std::string rest = head.substr(end + 4);
          head.clear();
          if (extra >= body_left) return true;  // no pipelining: extra is this body only
          body_left -= extra;
        }
        if (body_left == 0) return true;
      }
      return false;
    }
  };

  static int Connect(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    return fd;
  }
  static void Send(Conn& c, const std::string& request) {
    c.sent = Clock::now();
    ssize_t ignored = write(c.fd, request.data(), request.size());
    (void)ignored;
  }
};

}  // namespace haze::bench
