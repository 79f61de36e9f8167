#include "protocols/rtmp/rtmp_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <unordered_map>
#include <vector>

#include "base/inherited_socket.h"
#include "base/log.h"
#include "protocols/rtmp/fd_watch.h"
#include "protocols/rtmp/rtmp_connection.h"

#define GST_CAT_DEFAULT haze_rtmp_debug

namespace haze::rtmp {

class RtmpServer::Impl final : public ServerContext, public std::enable_shared_from_this<Impl> {
 public:
  Impl(core::StreamHost& host, RtmpConfig config) : host_(host), config_(config) {}
  ~Impl() override { Stop(); }

  Result<uint16_t> Start(GMainContext* context, const std::string& address, uint16_t port,
                         int inherited_fd);
  Result<uint16_t> Listening(GMainContext* context, int fd);
  int listen_fd() const { return listen_fd_; }
  void Stop();
  uint16_t port() const { return port_; }
  RtmpStats Stats() const;

  // ServerContext
  core::StreamHost& stream_host() override { return host_; }
  const RtmpConfig& config() const override { return config_; }
  GMainContext* context() const override { return context_; }
  IoPoller& poller() override { return *poller_; }
  std::weak_ptr<ServerContext> weak() override { return shared_from_this(); }
  RtmpConnection* Find(uint64_t id) override {
    auto it = connections_.find(id);
    return it == connections_.end() || it->second->closed() ? nullptr : it->second.get();
  }
  void Reap(uint64_t id) override;
  std::shared_ptr<StreamFanout> AcquireFanout(std::shared_ptr<dtsc::LiveBuffer> buffer) override;
  void ReleaseFanout(const std::shared_ptr<StreamFanout>& fanout) override;
  void CountBytes(uint64_t in, uint64_t out) override {
    bytes_in_ += in;
    bytes_out_ += out;
  }

 private:
  void OnAccept();
  void Accept(int fd, const std::string& ip);
  static gboolean ReapCallback(gpointer data);
  static gboolean TickCallback(gpointer data);

  core::StreamHost& host_;
  RtmpConfig config_;
  GMainContext* context_ = nullptr;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::unique_ptr<IoPoller> poller_;
  std::unique_ptr<FdWatch> accept_watch_;
  GSource* tick_ = nullptr;
  GSource* reaper_ = nullptr;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<RtmpConnection>> connections_;
  std::map<std::string, uint32_t> per_ip_;
  std::vector<uint64_t> reap_;
  std::unordered_map<dtsc::LiveBuffer*, std::shared_ptr<StreamFanout>> fanouts_;
  uint64_t bytes_in_ = 0, bytes_out_ = 0, refused_ = 0, old_skips_ = 0;
  bool stopping_ = false;
};

Result<uint16_t> RtmpServer::Impl::Start(GMainContext* context, const std::string& address,
                                         uint16_t port, int inherited_fd) {
  InitLogging();
  if (listen_fd_ >= 0) return Error{ErrorCode::kAlreadyExists, "rtmp: already started"};
  if (inherited_fd >= 0) {
    if (AdoptListener(inherited_fd, port)) {
      GST_INFO("rtmp: adopted the listener handed over by the previous process");
      return Listening(context, inherited_fd);
    }
    ::close(inherited_fd);
  }
  bool v6 = address.find(':') != std::string::npos;
  sockaddr_storage ss = {};
  socklen_t len;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    if (inet_pton(AF_INET6, address.c_str(), &a->sin6_addr) != 1)
      return Error{ErrorCode::kInvalidArgument, "rtmp: bad listen address " + address};
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    if (inet_pton(AF_INET, address.c_str(), &a->sin_addr) != 1)
      return Error{ErrorCode::kInvalidArgument, "rtmp: bad listen address " + address};
    len = sizeof *a;
  }
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{ErrorCode::kIo, std::string("rtmp: socket: ") + strerror(errno)};
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) < 0 || ::listen(fd, 1024) < 0) {
    std::string err = strerror(errno);
    ::close(fd);
    return Error{ErrorCode::kIo, "rtmp: cannot listen on " + address + ":" +
                                     std::to_string(port) + ": " + err};
  }
  return Listening(context, fd);
}

Result<uint16_t> RtmpServer::Impl::Listening(GMainContext* context, int fd) {
  port_ = static_cast<uint16_t>(BoundPort(fd));
  listen_fd_ = fd;
  context_ = g_main_context_ref(context);
  poller_ = std::make_unique<IoPoller>(context_);
  accept_watch_ = std::make_unique<FdWatch>(*poller_, fd, G_IO_IN, [this](GIOCondition) {
    OnAccept();
  });
  // Timeouts are checked once a second, or more often for short ping settings (tests).
  uint32_t tick_ms = 1000;
  for (uint32_t v : {config_.ping_interval_ms, config_.ping_timeout_ms})
    if (v > 0) tick_ms = std::clamp(v / 2, 10u, tick_ms);
  tick_ = g_timeout_source_new(tick_ms);
  g_source_set_callback(tick_, &Impl::TickCallback, this, nullptr);
  g_source_attach(tick_, context_);
  GST_INFO("rtmp: listening on port %u", port_);
  return port_;
}

void RtmpServer::Impl::Stop() {
  if (stopping_) return;
  stopping_ = true;
  accept_watch_.reset();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
  connections_.clear();  // closes sockets, ends publishes, detaches players
  per_ip_.clear();
  reap_.clear();
  fanouts_.clear();
  poller_.reset();
  for (GSource** s : {&tick_, &reaper_}) {
    if (*s) {
      g_source_destroy(*s);
      g_source_unref(*s);
      *s = nullptr;
    }
  }
  if (context_) g_main_context_unref(context_);
  context_ = nullptr;
  stopping_ = false;
}

void RtmpServer::Impl::OnAccept() {
  for (int i = 0; i < 64; ++i) {
    sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        GST_WARNING("rtmp: accept: %s", strerror(errno));
      return;
    }
    char ip[INET6_ADDRSTRLEN] = "?";
    if (ss.ss_family == AF_INET)
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr, ip, sizeof ip);
    else if (ss.ss_family == AF_INET6)
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr, ip, sizeof ip);
    Accept(fd, ip);
  }
}

void RtmpServer::Impl::Accept(int fd, const std::string& ip) {
  uint32_t& count = per_ip_[ip];
  if (connections_.size() >= config_.max_connections ||
      (config_.max_connections_per_ip && count >= config_.max_connections_per_ip)) {
    ++refused_;
    GST_WARNING("rtmp: refusing connection from %s: connection limit reached", ip.c_str());
    ::close(fd);
    if (count == 0) per_ip_.erase(ip);
    return;
  }
  ++count;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  uint64_t id = next_id_++;
  auto conn = std::make_unique<RtmpConnection>(*this, id, fd, ip);
  RtmpConnection* c = conn.get();
  connections_.emplace(id, std::move(conn));
  c->Start();
  GST_DEBUG("rtmp: connection %" G_GUINT64_FORMAT " from %s", id, ip.c_str());
}

void RtmpServer::Impl::Reap(uint64_t id) {
  if (stopping_) return;
  reap_.push_back(id);
  if (reaper_) return;
  reaper_ = g_idle_source_new();
  g_source_set_callback(reaper_, &Impl::ReapCallback, this, nullptr);
  g_source_attach(reaper_, context_);
}

gboolean RtmpServer::Impl::ReapCallback(gpointer data) {
  auto* self = static_cast<Impl*>(data);
  g_source_unref(self->reaper_);
  self->reaper_ = nullptr;
  std::vector<uint64_t> ids;
  ids.swap(self->reap_);
  for (uint64_t id : ids) {
    auto it = self->connections_.find(id);
    if (it == self->connections_.end()) continue;
    auto pit = self->per_ip_.find(it->second->ip());
    if (pit != self->per_ip_.end() && --pit->second == 0) self->per_ip_.erase(pit);
    self->connections_.erase(it);
  }
  return G_SOURCE_REMOVE;
}

gboolean RtmpServer::Impl::TickCallback(gpointer data) {
  auto* self = static_cast<Impl*>(data);
  int64_t now = g_get_monotonic_time();
  for (auto& [id, conn] : self->connections_) conn->Tick(now);
  return G_SOURCE_CONTINUE;
}

std::shared_ptr<StreamFanout> RtmpServer::Impl::AcquireFanout(
    std::shared_ptr<dtsc::LiveBuffer> buffer) {
  auto& slot = fanouts_[buffer.get()];
  if (!slot) {
    slot = std::make_shared<StreamFanout>(std::move(buffer), config_, context_);
    slot->Start();
  }
  return slot;
}

void RtmpServer::Impl::ReleaseFanout(const std::shared_ptr<StreamFanout>& fanout) {
  if (fanout->players() > 0) return;
  auto it = fanouts_.find(fanout->buffer());
  if (it != fanouts_.end() && it->second == fanout) {
    old_skips_ += fanout->skips();
    fanouts_.erase(it);
  }
}

RtmpStats RtmpServer::Impl::Stats() const {
  RtmpStats s;
  s.connections = connections_.size();
  for (const auto& [id, c] : connections_) {
    s.publishers += c->publishing();
    s.players += c->playing();
  }
  s.bytes_in = bytes_in_;
  s.bytes_out = bytes_out_;
  s.refused = refused_;
  s.player_skips = old_skips_;
  for (const auto& [b, f] : fanouts_) s.player_skips += f->skips();
  return s;
}

RtmpServer::RtmpServer(core::StreamHost& host, RtmpConfig config)
    : impl_(std::make_shared<Impl>(host, config)) {}
RtmpServer::~RtmpServer() { impl_->Stop(); }
Result<uint16_t> RtmpServer::Start(GMainContext* context, const std::string& address,
                                   uint16_t port, int inherited_fd) {
  return impl_->Start(context, address, port, inherited_fd);
}

int RtmpServer::DupListenerForExec() const {
  return impl_->listen_fd() >= 0 ? DupForExec(impl_->listen_fd()) : -1;
}
void RtmpServer::Stop() { impl_->Stop(); }
uint16_t RtmpServer::port() const { return impl_->port(); }
RtmpStats RtmpServer::Stats() const { return impl_->Stats(); }

}  // namespace haze::rtmp
