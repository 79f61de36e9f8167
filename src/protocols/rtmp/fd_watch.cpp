#include "protocols/rtmp/fd_watch.h"

#include <glib-unix.h>
#include <sys/epoll.h>
#include <unistd.h>

namespace haze::rtmp {

namespace {

uint32_t ToEpoll(GIOCondition c) {
  uint32_t e = 0;
  if (c & G_IO_IN) e |= EPOLLIN;
  if (c & G_IO_OUT) e |= EPOLLOUT;
  return e;
}

GIOCondition FromEpoll(uint32_t e) {
  int c = 0;
  if (e & EPOLLIN) c |= G_IO_IN;
  if (e & EPOLLOUT) c |= G_IO_OUT;
  if (e & EPOLLHUP) c |= G_IO_HUP;
  if (e & EPOLLERR) c |= G_IO_ERR;
  return GIOCondition(c);
}

}  // namespace

IoPoller::IoPoller(GMainContext* context) : epfd_(epoll_create1(EPOLL_CLOEXEC)) {
  source_ = g_unix_fd_source_new(epfd_, G_IO_IN);
  g_source_set_callback(source_, reinterpret_cast<GSourceFunc>(+[](int fd, GIOCondition c,
                                                                    gpointer d) -> gboolean {
                          return IoPoller::Dispatch(fd, c, d);
                        }),
                        this, nullptr);
  g_source_attach(source_, context);
}

IoPoller::~IoPoller() {
  g_source_destroy(source_);
  g_source_unref(source_);
  close(epfd_);
}

uint64_t IoPoller::Add(FdWatch* watch, int fd, GIOCondition events) {
  uint64_t id = next_id_++;
  watches_[id] = watch;
  epoll_event ev = {};
  ev.events = ToEpoll(events);
  ev.data.u64 = id;
  epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
  return id;
}

void IoPoller::Modify(uint64_t id, int fd, GIOCondition events) {
  epoll_event ev = {};
  ev.events = ToEpoll(events);
  ev.data.u64 = id;
  epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev);
}

void IoPoller::Remove(uint64_t id, int fd) {
  watches_.erase(id);
  epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
}

gboolean IoPoller::Dispatch(int, GIOCondition, gpointer data) {
  auto* self = static_cast<IoPoller*>(data);
  epoll_event events[128];
  int n = epoll_wait(self->epfd_, events, 128, 0);
  for (int i = 0; i < n; ++i) {
    auto it = self->watches_.find(events[i].data.u64);
    if (it == self->watches_.end()) continue;  // destroyed by an earlier callback
    it->second->callback_(FromEpoll(events[i].events));
  }
  return G_SOURCE_CONTINUE;
}

FdWatch::FdWatch(IoPoller& poller, int fd, GIOCondition events, Callback callback)
    : poller_(poller), fd_(fd), events_(events), callback_(std::move(callback)) {
  id_ = poller_.Add(this, fd, events);
}

FdWatch::~FdWatch() { poller_.Remove(id_, fd_); }

void FdWatch::SetEvents(GIOCondition events) {
  if (events == events_) return;
  events_ = events;
  poller_.Modify(id_, fd_, events);
}

}  // namespace haze::rtmp
