#include "protocols/cmaf/segment_store.h"

#include <algorithm>
#include <atomic>

#include "base/log.h"
#include "protocols/cmaf/codec_string.h"
#include "protocols/cmaf/fmp4_writer.h"
#include "protocols/ts/ts_muxer.h"

#define GST_CAT_DEFAULT haze_hls_debug

namespace haze::cmaf {
namespace {

constexpr int64_t kMsNs = 1000000;

int64_t NowMs() { return g_get_real_time() / 1000; }

MediaCodec ToMediaCodec(dtsc::Codec c) {
  switch (c) {
    case dtsc::Codec::kH264: return MediaCodec::kH264;
    case dtsc::Codec::kH265: return MediaCodec::kH265;
    case dtsc::Codec::kAAC: return MediaCodec::kAAC;
    case dtsc::Codec::kOpus: return MediaCodec::kOpus;
    case dtsc::Codec::kMP3: return MediaCodec::kMP3;
    default: return MediaCodec::kUnknown;
  }
}

// The bytes of a list of frames (payloads live in the buffer's pages: nothing to map).
class MappedFrames {
 public:
  explicit MappedFrames(const std::vector<dtsc::Frame>& frames) : frames_(frames) {}
  std::span<const uint8_t> data(size_t i) const { return frames_[i].payload.bytes(); }

 private:
  const std::vector<dtsc::Frame>& frames_;
};

int64_t DefaultDeltaNs(const MediaTrack& t) {
  switch (t.codec) {
    case MediaCodec::kAAC: return 1024LL * 1000000000 / std::max(t.rate, 1);
    case MediaCodec::kMP3: return 1152LL * 1000000000 / std::max(t.rate, 1);
    case MediaCodec::kOpus: return 20 * kMsNs;
    default: break;
  }
  if (t.fps_n > 0 && t.fps_d > 0) return 1000000000LL * t.fps_d / t.fps_n;
  return 40 * kMsNs;
}

bool Supported(const MediaTrack& t) {
  if (t.codec == MediaCodec::kUnknown) return false;
  return t.codec == MediaCodec::kMP3 || !t.init.empty();
}

}  // namespace

MediaTrack ToMediaTrack(const dtsc::TrackInfo& info) {
  MediaTrack t;
  t.id = info.id + 1;
  t.video = info.kind == dtsc::TrackKind::kVideo;
  t.codec = ToMediaCodec(info.codec);
  if (info.init) {
    GstMapInfo map;
    if (gst_buffer_map(info.init.get(), &map, GST_MAP_READ)) {
      t.init.assign(map.data, map.data + map.size);
      gst_buffer_unmap(info.init.get(), &map);
    }
  }
  t.width = info.width;
  t.height = info.height;
  t.fps_n = info.fps_n;
  t.fps_d = info.fps_d > 0 ? info.fps_d : 1;
  t.rate = info.rate;
  t.channels = info.channels;
  if (t.codec == MediaCodec::kAAC && !t.init.empty()) {
    auto asc = ParseAsc(t.init);
    if (t.rate <= 0) t.rate = asc.rate;
    if (t.channels <= 0) t.channels = asc.channels;
  }
  if (!info.lang.empty()) t.lang = info.lang;
  t.bandwidth = std::max(info.max_bps, info.bps) * 8;
  t.avg_bandwidth = info.bps * 8;
  return t;
}

const CmafSegment* CmafTrack::Find(uint64_t number) const {
  for (const auto& s : segments)
    if (s.number == number) return &s;
  return nullptr;
}

const CmafSegment* CmafTrack::LastComplete() const {
  for (auto it = segments.rbegin(); it != segments.rend(); ++it)
    if (it->complete) return &*it;
  return nullptr;
}

TsVariant::TsVariant() = default;
TsVariant::~TsVariant() = default;
TsVariant::TsVariant(TsVariant&&) noexcept = default;

struct SegmentStore::Handle {
  SegmentStore* store = nullptr;  // only dereferenced on the store's context
  std::atomic<bool> pending{false};
  GMainContext* context = nullptr;
};

struct SegmentStore::Waiter {
  std::function<bool()> ready;
  WaitDone done;
  GSource* timeout = nullptr;
};

SegmentStore::SegmentStore(std::string stream, std::shared_ptr<FragmentSource> source,
                           StoreOptions options, GMainContext* context)
    : stream_(std::move(stream)), source_(std::move(source)), options_(options) {
  context_ = context ? context : g_main_context_ref_thread_default();
  if (context) g_main_context_ref(context_);
  handle_ = std::make_shared<Handle>();
  handle_->store = this;
  handle_->context = context_;
  etag_prefix_ = "\"" + std::to_string(g_random_int()) + "-";
  std::weak_ptr<Handle> weak = handle_;
  listener_id_ = source_->AddListener([weak] {
    auto h = weak.lock();
    if (!h || h->pending.exchange(true)) return;
    GSource* idle = g_idle_source_new();
    g_source_set_callback(
        idle,
        [](gpointer data) -> gboolean {
          auto h = static_cast<std::weak_ptr<Handle>*>(data)->lock();
          if (h && h->store) {
            h->pending = false;
            h->store->Update();
          }
          return G_SOURCE_REMOVE;
        },
        new std::weak_ptr<Handle>(h),
        [](gpointer data) { delete static_cast<std::weak_ptr<Handle>*>(data); });
    g_source_attach(idle, h->context);
    g_source_unref(idle);
  });
  last_access_ms_ = NowMs();
  InitLogging();
  Update();
}

SegmentStore::~SegmentStore() {
  source_->RemoveListener(listener_id_);
  handle_->store = nullptr;
  WakeWaiters(true);
  g_main_context_unref(context_);
}

void SegmentStore::Touch() { last_access_ms_ = NowMs(); }

void SegmentStore::EnableTs() {
  if (ts_enabled_) return;
  ts_enabled_ = true;
  Update();
}

void SegmentStore::WantTsVariant(const std::vector<uint32_t>& ids) {
  if (ids.empty() || std::find(wanted_ts_.begin(), wanted_ts_.end(), ids) != wanted_ts_.end())
    return;
  constexpr size_t kMaxExtraVariants = 16;  // selections come from URLs: bound the work
  if (wanted_ts_.size() >= kMaxExtraVariants) return;
  wanted_ts_.push_back(ids);
  Update();
}

void SegmentStore::EnableCmaf() {
  if (cmaf_enabled_) return;
  cmaf_enabled_ = true;
  Update();
}

const CmafTrack* SegmentStore::FindCmafTrack(uint32_t id) const {
  for (const auto& t : cmaf_)
    if (t.id == id) return &t;
  return nullptr;
}

const TsVariant* SegmentStore::FindTsVariant(const std::string& key) const {
  for (const auto& v : ts_)
    if (v.key == key) return &v;
  return nullptr;
}

SegmentData SegmentStore::MakeData(std::vector<uint8_t>&& bytes, const std::string& tag) {
  bytes_produced_ += bytes.size();
  return SegmentData{BytesRef::FromVector(std::move(bytes)), etag_prefix_ + tag + "\"", NowMs()};
}

void SegmentStore::SyncTracks() {
  tracks_ = source_->Tracks();
  std::vector<uint32_t> video, audio;
  for (const auto& info : tracks_) {
    MediaTrack m = ToMediaTrack(info);
    if (!Supported(m)) continue;
    (m.video ? video : audio).push_back(info.id);
    if (cmaf_enabled_ && !FindCmafTrack(info.id)) {
      CmafTrack t;
      t.id = info.id;
      t.codecs = CodecString(m);
      t.init = MakeData(WriteInitSegment(m), "i" + std::to_string(info.id));
      t.info = std::move(m);
      cmaf_.push_back(std::move(t));
    }
  }
  if (!ts_enabled_) return;
  std::vector<std::vector<uint32_t>> wanted;
  for (uint32_t v : video) wanted.push_back(audio.empty() ? std::vector{v} : std::vector{v, audio[0]});
  if (video.empty() && !audio.empty()) wanted.push_back({audio[0]});
  for (const auto& ids : wanted_ts_) {
    bool ok = true;  // only supported tracks the source has
    for (uint32_t id : ids)
      ok = ok && (std::find(video.begin(), video.end(), id) != video.end() ||
                  std::find(audio.begin(), audio.end(), id) != audio.end());
    if (ok) wanted.push_back(ids);
  }
  for (const auto& ids : wanted) {
    std::string key;
    for (uint32_t id : ids) key += (key.empty() ? "" : "_") + std::to_string(id);
    if (FindTsVariant(key)) continue;
    std::vector<MediaTrack> infos;
    for (uint32_t id : ids)
      for (const auto& info : tracks_)
        if (info.id == id) infos.push_back(ToMediaTrack(info));
    TsVariant v;
    v.key = key;
    v.tracks = ids;
    v.infos = infos;
    v.muxer = std::make_unique<ts::TsMuxer>(std::move(infos));
    ts_.push_back(std::move(v));
  }
}

// The buffer leaves the last fragment open when its writer ends; an ended stream closes it here.
void SegmentStore::CloseLastFragment(std::vector<dtsc::Fragment>& fragments) const {
  if (!stats_.eos || fragments.empty() || fragments.back().complete) return;
  dtsc::Fragment& f = fragments.back();
  int64_t end = f.start;
  for (const auto& info : tracks_) {
    auto frames = source_->FragmentFrames(f.number, info.id);
    if (frames.empty()) continue;
    const dtsc::Frame& last = frames.back();
    int64_t delta = last.duration != dtsc::kNone && last.duration > 0
                        ? last.duration
                        : DefaultDeltaNs(ToMediaTrack(info));
    end = std::max(end, last.dts + delta);
    if (info.kind == dtsc::TrackKind::kVideo) break;  // the main track decides
  }
  f.complete = true;
  f.duration = end - f.start;
}

void SegmentStore::Update() {
  auto fragments = source_->Fragments();
  stats_ = source_->Stats();
  buffer_options_ = source_->Options();
  SyncTracks();
  CloseLastFragment(fragments);
  for (const auto& f : fragments)
    if (f.discont && f.number > 0) discontinuities_.insert(f.number);
  if (!fragments.empty()) Evict(fragments.front().number);
  for (auto& t : cmaf_) ProduceCmaf(t, fragments);
  for (auto& v : ts_) ProduceTs(v, fragments);
  WakeWaiters(false);
}

void SegmentStore::Evict(uint64_t oldest) {
  for (auto& t : cmaf_)
    while (!t.segments.empty() && t.segments.front().number < oldest) t.segments.pop_front();
  for (auto& v : ts_)
    while (!v.segments.empty() && v.segments.front().number < oldest) v.segments.pop_front();
  while (!discontinuities_.empty() && *discontinuities_.begin() < oldest) {
    discontinuities_.erase(discontinuities_.begin());
    ++discontinuity_sequence_;
  }
  oldest_ = oldest;
}

void SegmentStore::ProduceCmaf(CmafTrack& t, const std::vector<dtsc::Fragment>& fragments) {
  for (const auto& f : fragments) {
    if (t.started && f.number < t.cursor) continue;
    if (!t.started || f.number > t.cursor) {  // first run, or the cursor fell out of the window
      t.started = true;
      t.cursor = f.number;
      t.consumed = 0;
      t.pending.clear();
      if (!t.segments.empty() && !t.segments.back().complete) t.segments.pop_back();
    }
    auto frames = source_->FragmentFrames(f.number, t.id);
    if (t.segments.empty() || t.segments.back().number != f.number) {
      CmafSegment seg;
      seg.number = f.number;
      seg.discontinuity = f.discont;
      t.segments.push_back(std::move(seg));
    }
    if (t.dts_shift == dtsc::kNone && !frames.empty()) {
      const dtsc::Frame& first = frames.front();
      t.dts_shift = first.pts == dtsc::kNone ? 0 : std::max<int64_t>(first.pts - first.dts, 0);
    }
    CmafSegment& seg = t.segments.back();
    const int64_t target = options_.part_target_ns;
    for (size_t i = t.consumed; i < frames.size(); ++i) {
      const dtsc::Frame& fr = frames[i];
      if (!t.pending.empty()) {
        int64_t delta = fr.dts - t.pending.back().dts;
        if (delta > 0) t.last_delta = delta;
        if (fr.dts - t.pending.front().dts + t.last_delta > target) EmitPart(t, seg, fr.dts);
      }
      t.pending.push_back(fr);
    }
    t.consumed = frames.size();
    if (!f.complete) break;
    int64_t end = kUnknownEnd;
    auto next = source_->FragmentFrames(f.number + 1, t.id);
    if (!next.empty()) end = next.front().dts;
    if (!t.pending.empty()) EmitPart(t, seg, end);
    if (seg.parts.empty()) {
      t.segments.pop_back();  // no frames of this track in the fragment
    } else {
      FinishSegment(t, seg);
    }
    t.cursor = f.number + 1;
    t.consumed = 0;
  }
}

void SegmentStore::EmitPart(CmafTrack& t, CmafSegment& seg, int64_t end_dts) {
  MappedFrames mapped(t.pending);
  std::vector<Sample> samples;
  samples.reserve(t.pending.size());
  const int64_t shift = t.dts_shift == dtsc::kNone ? 0 : t.dts_shift;
  for (size_t i = 0; i < t.pending.size(); ++i) {
    const auto& f = t.pending[i];
    samples.push_back({mapped.data(i), f.dts + shift, f.pts == dtsc::kNone ? f.dts : f.pts,
                       f.keyframe});
  }
  int64_t last = t.pending.back().dts;
  if (end_dts == kUnknownEnd || end_dts <= last)
    end_dts = last + (t.last_delta > 0 ? t.last_delta : DefaultDeltaNs(t.info));
  end_dts += shift;
  if (seg.parts.empty()) seg.start_ns = t.pending.front().dts + shift;
  CmafPart part;
  part.duration_ns = end_dts - (t.pending.front().dts + shift);
  part.independent = !t.info.video || t.pending.front().keyframe;
  std::string tag = "c" + std::to_string(t.id) + "-" + std::to_string(seg.number) + "." +
                    std::to_string(seg.parts.size());
  part.data = MakeData(WriteMediaChunk(t.info, ++t.sequence, samples, end_dts), tag);
  seg.parts.push_back(std::move(part));
  seg.duration_ns = end_dts - seg.start_ns;
  uint32_t scale = t.info.timescale();
  seg.base_ts = ToTimescale(seg.start_ns, scale);
  seg.duration_ts = ToTimescale(end_dts, scale) - seg.base_ts;
  t.pending.clear();
}

void SegmentStore::FinishSegment(CmafTrack& t, CmafSegment& seg) {
  size_t total = 0;
  for (const auto& p : seg.parts) total += p.data.bytes.size();
  std::vector<uint8_t> whole;
  whole.reserve(total);
  for (const auto& p : seg.parts)
    whole.insert(whole.end(), p.data.bytes.data(), p.data.bytes.data() + p.data.bytes.size());
  bytes_produced_ -= total;  // counted once as parts already
  seg.full = MakeData(std::move(whole), "c" + std::to_string(t.id) + "-" + std::to_string(seg.number));
  seg.complete = true;
  GST_LOG("%s: CMAF track %u segment %" G_GUINT64_FORMAT " (%zu parts, %zu bytes)", stream_.c_str(),
          t.id, seg.number, seg.parts.size(), seg.full.bytes.size());
  size_t complete = 0;
  for (auto it = t.segments.rbegin(); it != t.segments.rend(); ++it) {
    if (!it->complete) continue;
    if (++complete > options_.parts_kept) it->parts.clear();
  }
}

void SegmentStore::ProduceTs(TsVariant& v, const std::vector<dtsc::Fragment>& fragments) {
  for (const auto& f : fragments) {
    if (!f.complete) break;
    if (v.started && f.number < v.cursor) continue;
    v.started = true;
    std::vector<dtsc::Frame> frames;
    std::vector<size_t> track_of;
    for (size_t i = 0; i < v.tracks.size(); ++i) {
      auto part = source_->FragmentFrames(f.number, v.tracks[i]);
      track_of.insert(track_of.end(), part.size(), i);
      frames.insert(frames.end(), std::make_move_iterator(part.begin()),
                    std::make_move_iterator(part.end()));
    }
    MappedFrames mapped(frames);
    std::vector<ts::TsSample> samples;
    samples.reserve(frames.size());
    for (size_t i = 0; i < frames.size(); ++i) {
      const auto& fr = frames[i];
      samples.push_back({track_of[i], Sample{mapped.data(i), fr.dts,
                                             fr.pts == dtsc::kNone ? fr.dts : fr.pts, fr.keyframe}});
    }
    TsSegment seg;
    seg.number = f.number;
    seg.start_ns = f.start;
    seg.duration_ns = f.duration;
    seg.discontinuity = f.discont;
    seg.name = std::to_string(f.start / kMsNs) + "_" + std::to_string((f.start + f.duration) / kMsNs) + ".ts";
    seg.data = MakeData(v.muxer->WriteSegment(samples), "t" + v.key + "-" + std::to_string(f.number));
    GST_LOG("%s: TS %s segment %s (%zu bytes)", stream_.c_str(), v.key.c_str(), seg.name.c_str(),
            seg.data.bytes.size());
    v.segments.push_back(std::move(seg));
    v.cursor = f.number + 1;
  }
}

void SegmentStore::WaitFor(std::function<bool()> ready, int64_t timeout_ms, WaitDone done) {
  if (ready()) {
    done(true);
    return;
  }
  auto waiter = std::make_unique<Waiter>();
  waiter->ready = std::move(ready);
  waiter->done = std::move(done);
  waiter->timeout = g_timeout_source_new(static_cast<guint>(std::max<int64_t>(timeout_ms, 1)));
  struct Ctx {
    SegmentStore* store;
    Waiter* waiter;
  };
  g_source_set_callback(
      waiter->timeout,
      [](gpointer data) -> gboolean {
        auto* ctx = static_cast<Ctx*>(data);
        auto& list = ctx->store->waiters_;
        auto it = std::find_if(list.begin(), list.end(),
                               [&](const auto& w) { return w.get() == ctx->waiter; });
        if (it == list.end()) return G_SOURCE_REMOVE;
        std::unique_ptr<Waiter> w = std::move(*it);
        list.erase(it);
        g_source_unref(w->timeout);
        w->timeout = nullptr;
        w->done(false);
        return G_SOURCE_REMOVE;
      },
      new Ctx{this, waiter.get()}, [](gpointer data) { delete static_cast<Ctx*>(data); });
  g_source_attach(waiter->timeout, context_);
  waiters_.push_back(std::move(waiter));
}

void SegmentStore::WakeWaiters(bool all_fail) {
  if (waiters_.empty()) return;
  std::vector<std::unique_ptr<Waiter>> fire;
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (all_fail || (*it)->ready()) {
      fire.push_back(std::move(*it));
      it = waiters_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& w : fire) {
    if (w->timeout) {
      g_source_destroy(w->timeout);
      g_source_unref(w->timeout);
      w->timeout = nullptr;
    }
    w->done(!all_fail);
  }
}

}  // namespace haze::cmaf
