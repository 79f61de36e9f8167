// FdWatch / IoPoller: non-blocking fd readiness for many connections. One IoPoller owns an epoll
// fd that is a single GSource on the server's GMainContext, so a main-loop wakeup costs O(ready
// fds), not O(all connections) as with one GSource per socket. Watches are looked up by id at
// dispatch, so a callback may destroy any watch (its own included).
// Thread: the GMainContext the poller is attached to. The server owns the poller; connections
// own their watches.
#pragma once

#include <glib.h>

#include <cstdint>
#include <functional>
#include <unordered_map>

namespace haze::rtmp {

class FdWatch;

class IoPoller {
 public:
  explicit IoPoller(GMainContext* context);
  ~IoPoller();
  IoPoller(const IoPoller&) = delete;
  IoPoller& operator=(const IoPoller&) = delete;

 private:
  friend class FdWatch;
  uint64_t Add(FdWatch* watch, int fd, GIOCondition events);
  void Modify(uint64_t id, int fd, GIOCondition events);
  void Remove(uint64_t id, int fd);
  static gboolean Dispatch(int fd, GIOCondition, gpointer data);

  int epfd_ = -1;
  GSource* source_ = nullptr;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, FdWatch*> watches_;
};

class FdWatch {
 public:
  using Callback = std::function<void(GIOCondition)>;
  FdWatch(IoPoller& poller, int fd, GIOCondition events, Callback callback);
  ~FdWatch();
  FdWatch(const FdWatch&) = delete;
  FdWatch& operator=(const FdWatch&) = delete;

  void SetEvents(GIOCondition events);
  GIOCondition events() const { return events_; }

 private:
  friend class IoPoller;
  IoPoller& poller_;
  int fd_;
  uint64_t id_;
  GIOCondition events_;
  Callback callback_;
};

}  // namespace haze::rtmp
