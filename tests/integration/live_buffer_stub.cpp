// Minimal stand-in for elements/dtsc/live_buffer.cpp, compiled into the RTMP tests and bench
// only while main has no implementation of the DTSC buffer contract. Keeps every frame of the
// last few seconds in one log; readers start at the newest video keyframe.
#include <algorithm>

#include "dtsc/live_buffer.h"

namespace haze::dtsc {

const char* CodecName(Codec c) {
  static const char* const kNames[] = {"unknown", "H264", "HEVC", "AV1", "VP8",
                                       "VP9",     "AAC",  "opus", "MP3", "subtitle"};
  return kNames[int(c)];
}
const char* KindName(TrackKind k) {
  static const char* const kNames[] = {"video", "audio", "subtitle", "meta"};
  return kNames[int(k)];
}
const char* BufferStateName(BufferState s) {
  static const char* const kNames[] = {"BOOTING", "FULL", "DRY", "RECOVER", "EMPTY"};
  return kNames[int(s)];
}

struct LiveBuffer::Impl {
  mutable std::mutex mutex;
  BufferOptions options;
  std::vector<TrackInfo> tracks;
  std::deque<Frame> log;
  uint64_t next_seq = 0;
  bool eos = false;
  bool discont_next = false;
  uint64_t next_listener = 1;
  std::vector<std::pair<uint64_t, Listener>> listeners;
  uint64_t readers = 0;
};

namespace {
void Describe(TrackInfo* t, const GstCaps* caps) {
  t->caps = MiniRef<GstCaps>::Borrow(caps);
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  std::string name = gst_structure_get_name(s);
  t->kind = name.rfind("video/", 0) == 0 ? TrackKind::kVideo : TrackKind::kAudio;
  int v = 0;
  gst_structure_get_int(s, "mpegversion", &v);
  t->codec = name == "video/x-h264"   ? Codec::kH264
             : name == "video/x-h265" ? Codec::kH265
             : name == "video/x-av1"  ? Codec::kAV1
             : name == "video/x-vp9"  ? Codec::kVP9
             : name == "audio/mpeg"   ? (v == 1 ? Codec::kMP3 : Codec::kAAC)
                                      : Codec::kUnknown;
  const GValue* cd = gst_structure_get_value(s, "codec_data");
  t->init = cd ? MiniRef<GstBuffer>::Borrow(gst_value_get_buffer(cd)) : MiniRef<GstBuffer>();
  gst_structure_get_int(s, "width", &t->width);
  gst_structure_get_int(s, "height", &t->height);
  gst_structure_get_int(s, "rate", &t->rate);
  gst_structure_get_int(s, "channels", &t->channels);
}
}  // namespace

LiveBuffer::LiveBuffer(std::string name, BufferOptions options)
    : name_(std::move(name)), impl_(std::make_unique<Impl>()) {
  impl_->options = options;
}
LiveBuffer::~LiveBuffer() = default;
void LiveBuffer::SetOptions(const BufferOptions& o) {
  std::lock_guard l(impl_->mutex);
  impl_->options = o;
}
BufferOptions LiveBuffer::options() const {
  std::lock_guard l(impl_->mutex);
  return impl_->options;
}

std::optional<uint32_t> LiveBuffer::AddTrack(const GstCaps* caps) {
  std::lock_guard l(impl_->mutex);
  TrackInfo t;
  t.id = uint32_t(impl_->tracks.size());
  Describe(&t, caps);
  impl_->tracks.push_back(t);
  return t.id;
}

void LiveBuffer::UpdateCaps(uint32_t track, const GstCaps* caps) {
  std::lock_guard l(impl_->mutex);
  if (track < impl_->tracks.size()) Describe(&impl_->tracks[track], caps);
}

bool LiveBuffer::Push(uint32_t track, MiniRef<GstBuffer> buffer, int64_t dts, int64_t pts,
                      bool keyframe) {
  std::vector<Listener> calls;
  {
    std::lock_guard l(impl_->mutex);
    if (track >= impl_->tracks.size()) return false;
    TrackInfo& t = impl_->tracks[track];
    if (t.last_ts != kNone && dts < t.last_ts) {
      ++t.dropped;
      return false;
    }
    Frame f{std::move(buffer), track, dts, pts, kNone, keyframe, impl_->discont_next,
            impl_->next_seq++};
    impl_->discont_next = false;
    impl_->eos = false;
    if (t.first_ts == kNone) t.first_ts = dts;
    t.last_ts = dts;
    ++t.frames;
    impl_->log.push_back(std::move(f));
    while (impl_->log.size() > 1500) impl_->log.pop_front();
    for (auto& [id, fn] : impl_->listeners) calls.push_back(fn);
  }
  for (auto& fn : calls) fn();
  return true;
}

void LiveBuffer::WriterGone() {
  std::vector<Listener> calls;
  {
    std::lock_guard l(impl_->mutex);
    if (!impl_->options.resume) impl_->eos = true;
    for (auto& [id, fn] : impl_->listeners) calls.push_back(fn);
  }
  for (auto& fn : calls) fn();
}

void LiveBuffer::WriterBack() {
  std::lock_guard l(impl_->mutex);
  impl_->eos = false;
  impl_->discont_next = true;
}

std::vector<TrackInfo> LiveBuffer::Tracks() const {
  std::lock_guard l(impl_->mutex);
  return impl_->tracks;
}
std::optional<TrackInfo> LiveBuffer::Track(uint32_t id) const {
  std::lock_guard l(impl_->mutex);
  if (id >= impl_->tracks.size()) return std::nullopt;
  return impl_->tracks[id];
}
std::vector<Fragment> LiveBuffer::Fragments() const { return {}; }
std::vector<Frame> LiveBuffer::FragmentFrames(uint64_t, uint32_t) const { return {}; }

std::unique_ptr<Reader> LiveBuffer::NewReader(const ReaderOptions& options) {
  std::lock_guard l(impl_->mutex);
  std::unique_ptr<Reader> r(new Reader(shared_from_this(), options.tracks, options.stop));
  bool has_video = false;
  for (const auto& t : impl_->tracks) has_video |= t.kind == TrackKind::kVideo;
  r->cursor_ = impl_->next_seq;
  if (options.start != kNone) {
    r->cursor_ = impl_->log.empty() ? impl_->next_seq : impl_->log.front().seq;
    has_video = false;
  }
  for (auto it = impl_->log.rbegin(); has_video && it != impl_->log.rend(); ++it) {
    if (it->keyframe && impl_->tracks[it->track].kind == TrackKind::kVideo) {
      r->cursor_ = it->seq;
      break;
    }
  }
  ++impl_->readers;
  return r;
}

BufferStats LiveBuffer::Stats() const {
  std::lock_guard l(impl_->mutex);
  BufferStats s;
  s.readers = impl_->readers;
  s.eos = impl_->eos;
  return s;
}

bool LiveBuffer::Playable() const {
  std::lock_guard l(impl_->mutex);
  return !impl_->log.empty();
}

uint64_t LiveBuffer::AddListener(Listener listener) {
  std::lock_guard l(impl_->mutex);
  uint64_t id = impl_->next_listener++;
  impl_->listeners.emplace_back(id, std::move(listener));
  return id;
}

void LiveBuffer::RemoveListener(uint64_t id) {
  std::lock_guard l(impl_->mutex);
  auto& v = impl_->listeners;
  v.erase(std::remove_if(v.begin(), v.end(), [id](auto& p) { return p.first == id; }), v.end());
}

Reader::Reader(std::shared_ptr<LiveBuffer> buffer, std::vector<uint32_t> tracks, int64_t stop)
    : buffer_(std::move(buffer)), tracks_(std::move(tracks)), stop_(stop) {}
Reader::~Reader() {
  std::lock_guard l(buffer_->impl_->mutex);
  --buffer_->impl_->readers;
}

std::optional<Frame> Reader::Next() {
  auto& impl = *buffer_->impl_;
  std::lock_guard l(impl.mutex);
  while (!impl.log.empty() && cursor_ < impl.next_seq) {
    uint64_t front = impl.log.front().seq;
    if (cursor_ < front) {
      skipped_ += front - cursor_;
      cursor_ = front;
    }
    const Frame& f = impl.log[cursor_ - front];
    ++cursor_;
    if (!tracks_.empty() && std::find(tracks_.begin(), tracks_.end(), f.track) == tracks_.end())
      continue;
    return f;
  }
  return std::nullopt;
}

std::optional<Frame> Reader::WaitNext(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto f = Next()) return f;
    g_usleep(2000);
  }
  return std::nullopt;
}

bool Reader::AtEnd() const {
  auto& impl = *buffer_->impl_;
  std::lock_guard l(impl.mutex);
  return impl.eos && cursor_ >= impl.next_seq;
}

void Reader::Seek(int64_t) {}

BufferRegistry& BufferRegistry::Get() {
  static BufferRegistry* registry = new BufferRegistry;
  return *registry;
}
std::shared_ptr<LiveBuffer> BufferRegistry::Acquire(const std::string& name) {
  std::lock_guard l(mutex_);
  for (auto& [n, b] : entries_)
    if (n == name) return b;
  entries_.emplace_back(name, std::make_shared<LiveBuffer>(name));
  return entries_.back().second;
}
std::shared_ptr<LiveBuffer> BufferRegistry::Find(const std::string& name) const {
  std::lock_guard l(mutex_);
  for (auto& [n, b] : entries_)
    if (n == name) return b;
  return nullptr;
}
void BufferRegistry::Remove(const std::string& name) {
  std::lock_guard l(mutex_);
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [&](auto& e) { return e.first == name; }),
                 entries_.end());
}
std::vector<std::string> BufferRegistry::Names() const {
  std::lock_guard l(mutex_);
  std::vector<std::string> out;
  for (auto& [n, b] : entries_) out.push_back(n);
  return out;
}

}  // namespace haze::dtsc
