#include "http/stream_backend.h"

namespace haze::http {

namespace {

struct PlayableWait {
  std::weak_ptr<void> alive;  // the caller's lifetime token
  StreamBackend* backend;
  std::string name;
  int64_t deadline_us;
  std::function<void(bool)> done;
};

gboolean PollPlayable(gpointer data) {
  auto* w = static_cast<PlayableWait*>(data);
  if (w->alive.expired()) return G_SOURCE_REMOVE;  // the caller (and maybe the backend) is gone
  auto media = w->backend->Media(w->name);
  bool ready = media && media->playable;
  if (!ready && g_get_monotonic_time() < w->deadline_us) return G_SOURCE_CONTINUE;
  auto done = std::move(w->done);
  done(ready);
  return G_SOURCE_REMOVE;
}

}  // namespace

void WhenPlayable(const std::shared_ptr<void>& alive, StreamBackend& backend,
                  const std::string& name, unsigned timeout_ms,
                  std::function<void(bool ready)> done) {
  auto media = backend.Media(name);
  if (media && media->playable) {
    done(true);
    return;
  }
  if (!media) (void)backend.Start(name);
  auto* w = new PlayableWait{alive, &backend, name, g_get_monotonic_time() + timeout_ms * 1000LL,
                             std::move(done)};
  GSource* src = g_timeout_source_new(100);
  g_source_set_callback(src, &PollPlayable, w,
                        [](gpointer p) { delete static_cast<PlayableWait*>(p); });
  g_source_attach(src, g_main_context_get_thread_default());
  g_source_unref(src);
}

const char* StatusText(core::StreamStatus status) { return core::StreamStatusName(status); }

int StatusOnline(core::StreamStatus status) {
  switch (status) {
    case core::StreamStatus::kOnline:
      return 1;
    case core::StreamStatus::kBooting:
    case core::StreamStatus::kWaiting:
      return 2;
    default:
      return 0;
  }
}

const char* CodecText(dtsc::Codec codec) { return dtsc::CodecName(codec); }

const char* KindText(dtsc::TrackKind kind) { return dtsc::KindName(kind); }

const char* BufferStateText(dtsc::BufferState state) { return dtsc::BufferStateName(state); }

}  // namespace haze::http
