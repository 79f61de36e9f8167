// FdWatch: a GSource watching one non-blocking fd whose event mask can change cheaply
// (g_source_modify_unix_fd), so a connection toggles G_IO_OUT without allocating a new source.
// Thread: the GMainContext it is attached to. Owned by the connection; destroys its source.
#pragma once

#include <glib.h>

#include <functional>

namespace haze::rtmp {

class FdWatch {
 public:
  using Callback = std::function<void(GIOCondition)>;
  FdWatch(GMainContext* context, int fd, GIOCondition events, Callback callback);
  ~FdWatch();
  FdWatch(const FdWatch&) = delete;
  FdWatch& operator=(const FdWatch&) = delete;

  void SetEvents(GIOCondition events);
  GIOCondition events() const { return events_; }

 private:
  struct Source;
  static gboolean Dispatch(GSource* source, GSourceFunc, gpointer);
  GSource* source_ = nullptr;
  gpointer tag_ = nullptr;
  GIOCondition events_;
  Callback callback_;
};

}  // namespace haze::rtmp
