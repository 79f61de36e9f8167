// LiveBuffer reader side: Reader cursors, keyframe lookup, fragment queries, snapshots.
// Thread: any; each Reader is used by one thread at a time. Frames returned hold their own refs.
#include <algorithm>

#include "dtsc/live_buffer.h"
#include "dtsc/live_buffer_impl.h"

namespace haze::dtsc {

std::optional<uint64_t> LiveBuffer::Impl::NewestKey(uint32_t track) const {
  if (track >= tracks.size() || tracks[track].keys.empty()) return std::nullopt;
  return tracks[track].keys.back();
}

std::optional<uint64_t> LiveBuffer::Impl::KeyAtOrBefore(uint32_t track, int64_t media) const {
  if (track >= tracks.size() || tracks[track].keys.empty()) return std::nullopt;
  const auto& keys = tracks[track].keys;
  auto it = std::upper_bound(keys.begin(), keys.end(), media, [&](int64_t m, uint64_t seq) {
    return m < At(seq)->dts;
  });
  if (it == keys.begin()) return keys.front();
  return *std::prev(it);
}

// --- Reader ---

Reader::Reader(std::shared_ptr<LiveBuffer> buffer, std::vector<uint32_t> tracks, int64_t stop)
    : buffer_(std::move(buffer)), tracks_(std::move(tracks)), stop_(stop) {}

Reader::~Reader() {
  std::lock_guard lock(buffer_->impl_->mutex);
  buffer_->impl_->readers--;
}

std::unique_ptr<Reader> LiveBuffer::NewReader(const ReaderOptions& options) {
  std::lock_guard lock(impl_->mutex);
  Impl& d = *impl_;
  std::vector<uint32_t> ids;
  if (options.tracks.empty()) {
    for (const auto& t : d.tracks) ids.push_back(t.info.id);
  } else {
    for (uint32_t id : options.tracks)
      if (id < d.tracks.size() && std::find(ids.begin(), ids.end(), id) == ids.end())
        ids.push_back(id);
  }
  std::unique_ptr<Reader> r(new Reader(shared_from_this(), ids, options.stop));
  r->selected_.assign(d.tracks.size(), false);
  r->need_key_.assign(d.tracks.size(), false);
  for (uint32_t id : ids) r->selected_[id] = true;
  // Main selected track: first video, else first audio, else the first selected.
  auto pick = [&](TrackKind kind) -> std::optional<uint32_t> {
    for (uint32_t id : ids)
      if (d.tracks[id].info.kind == kind) return id;
    return std::nullopt;
  };
  r->main_track_ = pick(TrackKind::kVideo).value_or(
      pick(TrackKind::kAudio).value_or(ids.empty() ? 0 : ids.front()));
  r->live_ = options.start == kNone;
  r->all_tracks_ = options.tracks.empty();
  std::optional<uint64_t> key = r->live_ ? d.NewestKey(r->main_track_)
                                         : d.KeyAtOrBefore(r->main_track_, options.start);
  r->cursor_ = key.value_or(d.base_seq);
  for (uint32_t id : ids) r->need_key_[id] = d.tracks[id].info.kind == TrackKind::kVideo;
  d.readers++;
  return r;
}

std::optional<Frame> Reader::NextLocked() {
  LiveBuffer::Impl& d = *buffer_->impl_;
  if (at_end_) return std::nullopt;
  CatchUpLocked();
  while (cursor_ < d.EndSeq()) {
    const Frame& f = *d.At(cursor_++);
    if (all_tracks_ && f.track >= selected_.size()) AdoptNewTracksLocked();
    if (!Selected(f.track)) continue;
    if (need_key_[f.track]) {
      if (!f.keyframe) continue;
      need_key_[f.track] = false;
    }
    if (stop_ != kNone && f.dts > stop_) {
      at_end_ = true;
      return std::nullopt;
    }
    return f;
  }
  if (d.Finished()) at_end_ = true;
  return std::nullopt;
}

void Reader::AdoptNewTracksLocked() {
  const LiveBuffer::Impl& d = *buffer_->impl_;
  for (uint32_t id = static_cast<uint32_t>(selected_.size()); id < d.tracks.size(); ++id) {
    selected_.push_back(true);
    need_key_.push_back(d.tracks[id].info.kind == TrackKind::kVideo);
    tracks_.push_back(id);
  }
}

void Reader::CatchUpLocked() {
  LiveBuffer::Impl& d = *buffer_->impl_;
  bool jump = cursor_ < d.base_seq;
  if (!jump && live_ && !d.options.vod && d.options.max_keepaway_ms > 0) {
    const Frame* f = d.At(cursor_);
    jump = f && d.last_ts - f->dts > d.options.max_keepaway_ms * kMs;
  }
  if (!jump) return;
  cursor_ = d.NewestKey(main_track_).value_or(d.EndSeq());
  if (cursor_ < d.base_seq) cursor_ = d.base_seq;
  for (uint32_t id : tracks_) need_key_[id] = d.tracks[id].info.kind == TrackKind::kVideo;
  skipped_++;
  d.reader_skips++;
}

std::optional<Frame> Reader::Next() {
  std::lock_guard lock(buffer_->impl_->mutex);
  return NextLocked();
}

std::optional<Frame> Reader::WaitNext(std::chrono::milliseconds timeout) {
  LiveBuffer::Impl& d = *buffer_->impl_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(d.mutex);
  while (!interrupted_.load()) {
    if (auto f = NextLocked()) return f;
    if (at_end_) return std::nullopt;
    const uint64_t seen = d.wake_epoch;
    if (!d.cv.wait_until(lock, deadline,
                         [&] { return d.wake_epoch != seen || interrupted_.load(); }))
      return std::nullopt;
  }
  return std::nullopt;
}

bool Reader::AtEnd() const {
  std::lock_guard lock(buffer_->impl_->mutex);
  const LiveBuffer::Impl& d = *buffer_->impl_;
  return at_end_ || (d.Finished() && cursor_ >= d.EndSeq());
}

void Reader::Seek(int64_t media_time) {
  std::lock_guard lock(buffer_->impl_->mutex);
  LiveBuffer::Impl& d = *buffer_->impl_;
  cursor_ = d.KeyAtOrBefore(main_track_, media_time).value_or(d.base_seq);
  for (uint32_t id : tracks_) need_key_[id] = d.tracks[id].info.kind == TrackKind::kVideo;
  at_end_ = false;
  live_ = false;
}

void Reader::Interrupt() {
  interrupted_ = true;
  std::lock_guard lock(buffer_->impl_->mutex);
  buffer_->impl_->wake_epoch++;
  buffer_->impl_->cv.notify_all();
}

void Reader::Resume() { interrupted_ = false; }

// --- snapshots ---

namespace {

TrackInfo Snapshot(const TrackState& t) {
  TrackInfo info = t.info;
  if (info.last_ts != kNone && info.first_ts != kNone && info.last_ts > info.first_ts) {
    info.bps = static_cast<uint64_t>(t.window_bytes) * 1000000000ull /
               static_cast<uint64_t>(info.last_ts - info.first_ts);
  }
  info.max_bps = std::max(info.max_bps, info.bps);
  return info;
}

}  // namespace

std::vector<TrackInfo> LiveBuffer::Tracks() const {
  std::lock_guard lock(impl_->mutex);
  std::vector<TrackInfo> out;
  out.reserve(impl_->tracks.size());
  for (const auto& t : impl_->tracks) out.push_back(Snapshot(t));
  return out;
}

std::optional<TrackInfo> LiveBuffer::Track(uint32_t id) const {
  std::lock_guard lock(impl_->mutex);
  if (id >= impl_->tracks.size()) return std::nullopt;
  return Snapshot(impl_->tracks[id]);
}

std::vector<Fragment> LiveBuffer::Fragments() const {
  std::lock_guard lock(impl_->mutex);
  return {impl_->fragments.begin(), impl_->fragments.end()};
}

std::vector<Frame> LiveBuffer::FragmentFrames(uint64_t number, uint32_t track) const {
  std::lock_guard lock(impl_->mutex);
  const Impl& d = *impl_;
  std::vector<Frame> out;
  if (d.fragments.empty() || number < d.fragments.front().number) return out;
  const uint64_t index = number - d.fragments.front().number;
  if (index >= d.fragments.size()) return out;
  const Fragment& frag = d.fragments[index];
  const uint64_t end = frag.complete ? frag.end_seq : d.EndSeq();
  for (uint64_t seq = std::max(frag.first_seq, d.base_seq); seq < end; ++seq) {
    const Frame* f = d.At(seq);
    if (f && f->track == track) out.push_back(*f);
  }
  return out;
}

BufferStats LiveBuffer::Stats() const {
  std::lock_guard lock(impl_->mutex);
  const Impl& d = *impl_;
  BufferStats s;
  s.state = d.state;
  s.issues = d.issues;
  if (!d.log.empty()) s.window_ns = d.last_ts - d.log.front().dts;
  for (const auto& t : d.tracks) s.jitter_ms = std::max(s.jitter_ms, t.jitter / kMs);
  s.bytes_in = d.bytes_in;
  s.frames_in = d.frames_in;
  s.readers = d.readers;
  s.reader_skips = d.reader_skips;
  s.eos = d.Finished();
  s.unix_offset_ms = d.unix_offset_ms;
  s.fragments = d.fragments.size();
  s.dropped = d.dropped;
  s.last_ts = d.last_ts;
  s.writers = d.writers;
  return s;
}

}  // namespace haze::dtsc
