#include "protocols/rtmp/fd_watch.h"

namespace haze::rtmp {

struct FdWatch::Source {
  GSource base;
  FdWatch* owner;
};

gboolean FdWatch::Dispatch(GSource* source, GSourceFunc, gpointer) {
  auto* s = reinterpret_cast<Source*>(source);
  FdWatch* self = s->owner;
  GIOCondition got = g_source_query_unix_fd(source, self->tag_);
  if (got) self->callback_(got);  // may destroy |self|; the source stays valid (own ref)
  return G_SOURCE_CONTINUE;
}

FdWatch::FdWatch(GMainContext* context, int fd, GIOCondition events, Callback callback)
    : events_(events), callback_(std::move(callback)) {
  static GSourceFuncs funcs = {nullptr, nullptr, &FdWatch::Dispatch, nullptr, nullptr, nullptr};
  source_ = g_source_new(&funcs, sizeof(Source));
  reinterpret_cast<Source*>(source_)->owner = this;
  tag_ = g_source_add_unix_fd(source_, fd, events);
  g_source_attach(source_, context);
}

FdWatch::~FdWatch() {
  g_source_destroy(source_);
  g_source_unref(source_);
}

void FdWatch::SetEvents(GIOCondition events) {
  if (events == events_) return;
  events_ = events;
  g_source_modify_unix_fd(source_, tag_, events);
}

}  // namespace haze::rtmp
