// LiveBuffer writer side: tracks, the frame log, fragments, trimming and the buffer state.
// Thread: any writer thread; one mutex, listeners called after it is released.
#include "dtsc/live_buffer.h"

#include <algorithm>
#include <utility>

#include "dtsc/live_buffer_impl.h"

namespace haze::dtsc {

namespace {

bool NeedsInit(Codec codec) {
  return codec == Codec::kH264 || codec == Codec::kH265 || codec == Codec::kAAC;
}

bool IsContinuous(TrackKind kind) { return kind == TrackKind::kVideo || kind == TrackKind::kAudio; }

int64_t MonotonicNs() { return g_get_monotonic_time() * 1000; }

}  // namespace

LiveBuffer::LiveBuffer(std::string name, BufferOptions options)
    : name_(std::move(name)), impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  impl_->clock = MonotonicNs;
}

LiveBuffer::~LiveBuffer() = default;

void LiveBuffer::SetOptions(const BufferOptions& options) {
  std::lock_guard lock(impl_->mutex);
  impl_->options = options;
  impl_->Trim();
}

BufferOptions LiveBuffer::options() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->options;
}

void LiveBuffer::ContinueNumbering(uint64_t next) {
  std::lock_guard lock(impl_->mutex);
  if (!impl_->fragments.empty() || impl_->next_fragment > 0 || next == 0) return;
  impl_->next_fragment = next;
  impl_->continued = true;
}

uint64_t LiveBuffer::NextFragmentNumber() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->next_fragment;
}

void LiveBuffer::SetClockForTesting(std::function<int64_t()> clock) {
  std::lock_guard lock(impl_->mutex);
  impl_->clock = std::move(clock);
}

// --- tracks ---

std::optional<uint32_t> LiveBuffer::AddTrack(const GstCaps* caps) {
  TrackInfo info;
  if (!caps || !FillTrackFromCaps(caps, &info)) return std::nullopt;
  std::shared_ptr<const ListenerList> listeners;
  uint32_t id = 0;
  {
    std::lock_guard lock(impl_->mutex);
    auto& tracks = impl_->tracks;
    auto reuse = std::find_if(tracks.begin(), tracks.end(), [&](const TrackState& t) {
      return t.released && t.info.kind == info.kind && t.info.codec == info.codec;
    });
    if (reuse != tracks.end()) {
      id = reuse->info.id;
      reuse->released = false;
      reuse->info.caps = info.caps;
      reuse->info.init = info.init;
      reuse->info.width = info.width;
      reuse->info.height = info.height;
      reuse->info.fps_n = info.fps_n;
      reuse->info.fps_d = info.fps_d;
      reuse->info.rate = info.rate;
      reuse->info.channels = info.channels;
    } else {
      id = static_cast<uint32_t>(tracks.size());
      info.id = id;
      tracks.push_back(TrackState{.info = std::move(info)});
      impl_->ChooseMainTrack();
    }
    impl_->wake_epoch++;
    listeners = impl_->listeners;
  }
  impl_->cv.notify_all();
  for (const auto& l : *listeners) l.fn();
  return id;
}

void LiveBuffer::UpdateCaps(uint32_t track, const GstCaps* caps) {
  TrackInfo info;
  if (!caps || !FillTrackFromCaps(caps, &info)) return;
  std::lock_guard lock(impl_->mutex);
  if (track >= impl_->tracks.size()) return;
  TrackInfo& t = impl_->tracks[track].info;
  t.caps = info.caps;
  if (info.init) t.init = info.init;
  t.codec = info.codec;
  t.width = info.width;
  t.height = info.height;
  t.fps_n = info.fps_n;
  t.fps_d = info.fps_d;
  t.rate = info.rate;
  t.channels = info.channels;
}

void LiveBuffer::ReleaseTrack(uint32_t track) {
  std::lock_guard lock(impl_->mutex);
  if (track < impl_->tracks.size()) impl_->tracks[track].released = true;
}

void LiveBuffer::SetLanguage(uint32_t track, const std::string& lang) {
  std::lock_guard lock(impl_->mutex);
  if (track < impl_->tracks.size()) impl_->tracks[track].info.lang = lang;
}

void LiveBuffer::MarkDiscont() {
  std::lock_guard lock(impl_->mutex);
  impl_->pending_discont = impl_->frames_in > 0;
}

int64_t LiveBuffer::Epoch(int64_t proposed) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->epoch == kNone) impl_->epoch = proposed;
  return impl_->epoch;
}

void LiveBuffer::Impl::ChooseMainTrack() {
  auto first_of = [&](TrackKind kind) -> int {
    for (const auto& t : tracks)
      if (t.info.kind == kind) return static_cast<int>(t.info.id);
    return -1;
  };
  int video = first_of(TrackKind::kVideo);
  main_track = video >= 0 ? video : first_of(TrackKind::kAudio);
}

// --- frames ---

bool LiveBuffer::Push(uint32_t track, const MiniRef<GstBuffer>& buffer, int64_t dts, int64_t pts,
                      bool keyframe) {
  if (!buffer) return false;
  const GstClockTime dur = GST_BUFFER_DURATION(buffer.get());
  return impl_->Append(track, dts, pts, keyframe,
                       GST_CLOCK_TIME_IS_VALID(dur) ? static_cast<int64_t>(dur) : kNone,
                       [&](PageWriter& pages) { return pages.Append(buffer.get()); });
}

bool LiveBuffer::Push(uint32_t track, std::span<const uint8_t> bytes, int64_t dts, int64_t pts,
                      bool keyframe, int64_t duration) {
  return impl_->Append(track, dts, pts, keyframe, duration,
                       [&](PageWriter& pages) { return pages.Append(bytes); });
}

bool LiveBuffer::Impl::Append(uint32_t track, int64_t dts, int64_t pts, bool keyframe,
                              int64_t duration, const std::function<Payload(PageWriter&)>& fill) {
  if (dts == kNone) dts = pts;
  if (pts == kNone) pts = dts;
  std::shared_ptr<const ListenerList> listeners;
  {
    std::lock_guard lock(mutex);
    if (track >= tracks.size() || dts == kNone) return false;
    TrackState& t = tracks[track];
    if (t.info.last_ts != kNone && dts < t.info.last_ts) {
      t.info.dropped++;
      dropped++;
      return false;
    }
    Payload payload = fill(pages);
    if (!payload) return false;
    if (writer_gone || closed) {  // a writer came back without WriterBack()
      writer_gone = closed = false;
      writers = std::max(writers, 1);
      pending_discont = frames_in > 0;
    }
    t.released = false;
    if (t.info.kind != TrackKind::kVideo) keyframe = true;
    const uint64_t size = payload.size;
    Frame frame{.payload = std::move(payload),
                .track = track,
                .dts = dts,
                .pts = pts,
                .duration = duration,
                .keyframe = keyframe,
                .discont = pending_discont,
                .seq = EndSeq()};
    pending_discont = false;
    if (frames_in == 0) unix_offset_ms = g_get_real_time() / 1000 - dts / kMs;
    frames_in++;
    bytes_in += size;
    t.info.frames++;
    if (keyframe) t.info.keyframes++;
    if (pts != dts && t.info.kind == TrackKind::kVideo) t.info.bframes = true;
    if (t.info.first_ts == kNone) t.info.first_ts = dts;
    t.info.last_ts = dts;
    last_ts = last_ts == kNone ? dts : std::max(last_ts, dts);
    CutFragment(frame);
    if (keyframe) t.keys.push_back(frame.seq);
    if (!fragments.empty()) {
      fragments.back().bytes += size;
      if (t.first_frag < 0) t.first_frag = static_cast<int64_t>(fragments.back().number);
    }
    t.frag_bytes += size;
    t.window_bytes += static_cast<int64_t>(size);
    if (!options.vod) UpdateJitter(t, dts);
    log.push_back(std::move(frame));
    Trim();
    UpdateState();
    wake_epoch++;
    listeners = this->listeners;
  }
  cv.notify_all();
  for (const auto& l : *listeners) l.fn();
  return true;
}

void LiveBuffer::Impl::CutFragment(const Frame& frame) {
  if (static_cast<int>(frame.track) != main_track || !frame.keyframe) return;
  if (!fragments.empty() && !frame.discont &&
      frame.dts - fragments.back().start < options.segment_ms * kMs)
    return;
  if (!fragments.empty()) {
    Fragment& open = fragments.back();
    open.end_seq = frame.seq;
    open.duration = frame.dts - open.start;
    open.complete = true;
    for (auto& t : tracks) {
      if (open.duration > 0) {
        uint64_t bps = t.frag_bytes * 1000000000ull / static_cast<uint64_t>(open.duration);
        t.info.max_bps = std::max(t.info.max_bps, bps);
      }
      t.frag_bytes = 0;
      t.prev_min_delta = t.min_delta;
      t.min_delta = INT64_MAX;
      t.prev_max_jitter = t.max_jitter;
      t.max_jitter = 0;
    }
  }
  fragments.push_back(Fragment{.number = next_fragment++,
                               .first_seq = frame.seq,
                               .start = frame.dts,
                               .discont = frame.discont || std::exchange(continued, false)});
}

void LiveBuffer::Impl::Trim() {
  if (options.vod) return;
  const int64_t dvr = std::max<int64_t>(options.dvr_ms, 1000) * kMs;
  while (fragments.size() > kMinFragments && last_ts - fragments.front().start > dvr) {
    fragments.pop_front();
    const uint64_t keep = fragments.front().first_seq;
    while (!log.empty() && log.front().seq < keep) {
      Frame& f = log.front();
      TrackState& t = tracks[f.track];
      if (!t.keys.empty() && t.keys.front() == f.seq) t.keys.pop_front();
      t.window_bytes -= static_cast<int64_t>(f.payload.size);
      log.pop_front();
      base_seq++;
    }
  }
  for (auto& t : tracks) {
    const Frame* first = t.keys.empty() ? nullptr : At(t.keys.front());
    if (first) t.info.first_ts = first->dts;
  }
}

void LiveBuffer::Impl::UpdateJitter(TrackState& t, int64_t media) {
  const int64_t delta = Now() - media;
  t.min_delta = std::min(t.min_delta, delta);
  const int64_t base = std::min(t.min_delta, t.prev_min_delta);
  t.max_jitter = std::max(t.max_jitter, delta - base);
  t.jitter = std::max(t.max_jitter, t.prev_max_jitter);
}

// --- writer lifecycle ---

void LiveBuffer::WriterGone() {
  std::shared_ptr<const ListenerList> listeners;
  {
    std::lock_guard lock(impl_->mutex);
    Impl& d = *impl_;
    d.writers = std::max(0, d.writers - 1);
    if (d.writers > 0 || d.writer_gone) return;
    d.writer_gone = true;
    d.gone_at = d.Now();
    for (auto& t : d.tracks) t.released = true;
    if (!d.options.resume && !d.options.vod) d.closed = true;
    d.UpdateState();
    d.wake_epoch++;
    listeners = d.listeners;
  }
  impl_->cv.notify_all();
  for (const auto& l : *listeners) l.fn();
}

void LiveBuffer::WriterBack() {
  std::shared_ptr<const ListenerList> listeners;
  {
    std::lock_guard lock(impl_->mutex);
    Impl& d = *impl_;
    d.writers++;
    if (!d.writer_gone && !d.closed) return;
    d.writer_gone = d.closed = false;
    d.pending_discont = d.frames_in > 0;
    d.UpdateState();
    d.wake_epoch++;
    listeners = d.listeners;
  }
  impl_->cv.notify_all();
  for (const auto& l : *listeners) l.fn();
}

void LiveBuffer::Close() {
  std::shared_ptr<const ListenerList> listeners;
  {
    std::lock_guard lock(impl_->mutex);
    Impl& d = *impl_;
    if (d.closed) return;
    d.closed = true;
    d.writers = 0;
    d.UpdateState();
    d.wake_epoch++;
    listeners = d.listeners;
  }
  impl_->cv.notify_all();
  for (const auto& l : *listeners) l.fn();
}

bool LiveBuffer::Impl::Finished() const {
  if (closed) return true;
  if (!writer_gone) return false;
  if (options.vod || !options.resume) return true;
  return Now() - gone_at > options.resume_grace_ms * kMs;
}

// --- state ---

std::string LiveBuffer::Impl::ComputeIssues() const {
  std::string out;
  auto add = [&](const std::string& s) {
    if (out.find(s) != std::string::npos) return;
    if (!out.empty()) out += ", ";
    out += s;
  };
  if (writer_gone && !closed) add("source disconnected");
  const int64_t stall = std::max<int64_t>(2000, 2 * options.segment_ms) * kMs;
  for (const auto& t : tracks) {
    if (t.released || t.info.last_ts == kNone) continue;
    if (!IsContinuous(t.info.kind)) continue;  // subtitles and metadata are sparse
    if (last_ts - t.info.last_ts > stall)
      add("track " + std::to_string(t.info.id) + " (" + CodecName(t.info.codec) + ") stalled");
    if (t.jitter > kJitterLimitMs * kMs) add("High jitter (>500ms)");
  }
  return out;
}

bool LiveBuffer::Impl::UpdateState() {
  issues = ComputeIssues();
  BufferState next = state;
  if (closed) {
    next = BufferState::kEmpty;
  } else if (!full_once) {
    bool all = !tracks.empty() && !fragments.empty();
    for (const auto& t : tracks) {
      if (t.released || !IsContinuous(t.info.kind)) continue;
      if (t.first_frag < 0 ||
          static_cast<int64_t>(fragments.back().number) - t.first_frag + 1 < 3)
        all = false;
    }
    if (all) {
      full_once = true;
      next = BufferState::kFull;
    }
  } else if (!issues.empty()) {
    next = BufferState::kDry;
  } else if (state == BufferState::kDry || state == BufferState::kEmpty) {
    next = BufferState::kRecover;
  }
  const bool changed = next != state;
  state = next;
  return changed;
}

bool LiveBuffer::Impl::PlayableLocked() const {
  if (main_track < 0) return false;
  const TrackState& m = tracks[main_track];
  if (m.keys.empty()) return false;
  return !NeedsInit(m.info.codec) || m.info.init;
}

bool LiveBuffer::Playable() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->PlayableLocked();
}

bool LiveBuffer::ReadyForPlay(int64_t waited_ms) const {
  std::lock_guard lock(impl_->mutex);
  const Impl& d = *impl_;
  if (!d.PlayableLocked()) return false;
  if (waited_ms >= 5000 || d.Finished()) return true;
  int with_data = 0;
  int64_t span = 0;
  for (const auto& t : d.tracks) {
    if (t.info.frames == 0) continue;
    with_data++;
    span = std::max(span, t.info.last_ts - t.info.first_ts);
  }
  return with_data >= 2 || span >= 500 * kMs;
}

std::optional<uint32_t> LiveBuffer::MainTrack() const {
  std::lock_guard lock(impl_->mutex);
  if (impl_->main_track < 0) return std::nullopt;
  return static_cast<uint32_t>(impl_->main_track);
}

// --- listeners ---

uint64_t LiveBuffer::AddListener(Listener listener) {
  std::lock_guard lock(impl_->mutex);
  auto list = std::make_shared<ListenerList>(*impl_->listeners);
  const uint64_t id = impl_->next_listener++;
  list->push_back({id, std::move(listener)});
  impl_->listeners = std::move(list);
  return id;
}

void LiveBuffer::RemoveListener(uint64_t id) {
  std::lock_guard lock(impl_->mutex);
  auto list = std::make_shared<ListenerList>(*impl_->listeners);
  std::erase_if(*list, [id](const ListenerEntry& e) { return e.id == id; });
  impl_->listeners = std::move(list);
}

}  // namespace haze::dtsc
