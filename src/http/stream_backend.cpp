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

const char* StatusText(core::StreamStatus status) {
  switch (status) {
    case core::StreamStatus::kOffline:
      return "Offline";
    case core::StreamStatus::kBooting:
      return "Booting";
    case core::StreamStatus::kWaiting:
      return "Waiting for data";
    case core::StreamStatus::kOnline:
      return "Online";
    case core::StreamStatus::kShuttingDown:
      return "Shutting down";
    case core::StreamStatus::kFailed:
      return "Failed";
  }
  return "Offline";
}

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

const char* CodecText(dtsc::Codec codec) {
  switch (codec) {
    case dtsc::Codec::kH264:
      return "H264";
    case dtsc::Codec::kH265:
      return "HEVC";
    case dtsc::Codec::kAV1:
      return "AV1";
    case dtsc::Codec::kVP8:
      return "VP8";
    case dtsc::Codec::kVP9:
      return "VP9";
    case dtsc::Codec::kAAC:
      return "AAC";
    case dtsc::Codec::kOpus:
      return "opus";
    case dtsc::Codec::kMP3:
      return "MP3";
    case dtsc::Codec::kText:
      return "subtitle";
    case dtsc::Codec::kUnknown:
      break;
  }
  return "unknown";
}

const char* KindText(dtsc::TrackKind kind) {
  switch (kind) {
    case dtsc::TrackKind::kVideo:
      return "video";
    case dtsc::TrackKind::kAudio:
      return "audio";
    case dtsc::TrackKind::kSubtitle:
      return "subtitle";
    case dtsc::TrackKind::kMeta:
      return "meta";
  }
  return "meta";
}

const char* BufferStateText(dtsc::BufferState state) {
  switch (state) {
    case dtsc::BufferState::kBooting:
      return "BOOTING";
    case dtsc::BufferState::kFull:
      return "FULL";
    case dtsc::BufferState::kDry:
      return "DRY";
    case dtsc::BufferState::kRecover:
      return "RECOVER";
    case dtsc::BufferState::kEmpty:
      return "EMPTY";
  }
  return "EMPTY";
}

}  // namespace haze::http
