// Per-stream segment store: turns the DTSC buffer's fragments into HLS/DASH segments once
// (MPEG-TS per variant, CMAF per track with LL-HLS parts), keeps them in memory as GBytes while
// their fragment is in the window, and serves them to every viewer. Also parks blocking requests
// (LL-HLS) until a segment or part exists. Thread: the main context it was created on; the
// source's listener only schedules Update() there. Owns its segments; borrows nothing.
#pragma once

#include <glib.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "protocols/cmaf/bytes_ref.h"
#include "protocols/cmaf/fragment_source.h"
#include "protocols/cmaf/media_track.h"

namespace haze::ts {
class TsMuxer;
}

namespace haze::cmaf {

struct StoreOptions {
  // LL-HLS part target and PART-HOLD-BACK (where hls.js sits behind live; at least 2 x target).
  // Measured with hls.js 1.7 in lowLatencyMode (hls.latency): 0.5 s / 1.0 s -> 1.72 s,
  // 0.4 s / 0.8 s -> 1.64 s, 1/3 s / 0.7 s -> 1.29 s. The default meets the 1.5 s goal.
  int64_t part_target_ns = 333333333;
  int64_t part_hold_back_ns = 700000000;
  size_t parts_kept = 4;               // complete segments that keep their parts
  int64_t block_timeout_ms = 0;        // LL-HLS blocking requests; 0 = 3 segments + 1 s
};

struct SegmentData {
  BytesRef bytes;
  std::string etag;  // strong, quoted
  int64_t created_ms = 0;  // unix ms (Last-Modified)
};

struct CmafPart {
  SegmentData data;
  int64_t duration_ns = 0;
  bool independent = false;
};

struct CmafSegment {
  uint64_t number = 0;  // fragment number = HLS media sequence number = DASH $Number$
  int64_t start_ns = 0;
  int64_t duration_ns = 0;
  int64_t base_ts = 0, duration_ts = 0;  // in the track's timescale (DASH timeline)
  bool discontinuity = false;
  bool complete = false;
  std::vector<CmafPart> parts;
  SegmentData full;  // set once complete: the concatenated parts
};

struct CmafTrack {
  uint32_t id = 0;  // DTSC track id
  MediaTrack info;
  std::string codecs;
  SegmentData init;
  std::deque<CmafSegment> segments;  // complete ones, then possibly the open one
  // production cursor
  uint64_t cursor = 0;
  size_t consumed = 0;
  std::vector<dtsc::Frame> pending;
  int64_t last_delta = 0;
  uint32_t sequence = 0;
  bool started = false;
  // Decode times are shifted by the first keyframe's composition offset, so that a segment's
  // decode time (tfdt, DASH S@t) equals its earliest presentation time; B-frames then get
  // negative composition offsets (trun v1).
  int64_t dts_shift = dtsc::kNone;
  const CmafSegment* Find(uint64_t number) const;
  const CmafSegment* LastComplete() const;
};

struct TsSegment {
  uint64_t number = 0;
  int64_t start_ns = 0;
  int64_t duration_ns = 0;
  bool discontinuity = false;
  std::string name;  // "<start_ms>_<end_ms>.ts"
  SegmentData data;
};

struct TsVariant {
  std::string key;  // "1_2": DTSC track ids joined by '_'
  std::vector<uint32_t> tracks;
  std::vector<MediaTrack> infos;  // same order as tracks
  std::unique_ptr<ts::TsMuxer> muxer;
  std::deque<TsSegment> segments;
  uint64_t cursor = 0;
  bool started = false;
  TsVariant();
  ~TsVariant();
  TsVariant(TsVariant&&) noexcept;
};

class SegmentStore {
 public:
  using WaitDone = std::function<void(bool ready)>;

  SegmentStore(std::string stream, std::shared_ptr<FragmentSource> source,
               StoreOptions options = {}, GMainContext* context = nullptr);
  ~SegmentStore();
  SegmentStore(const SegmentStore&) = delete;
  SegmentStore& operator=(const SegmentStore&) = delete;

  // Output kinds are produced only once someone asked for them.
  void EnableTs();
  void EnableCmaf();
  // Also produces the TS variant of these DTSC track ids (audio=/video= selections); the
  // default variants (each video track with the first audio track) are always produced.
  void WantTsVariant(const std::vector<uint32_t>& ids);
  // Pulls new frames/fragments, produces segments and parts, evicts, wakes waiters.
  void Update();

  const std::string& stream() const { return stream_; }
  const std::vector<CmafTrack>& cmaf_tracks() const { return cmaf_; }
  const std::vector<TsVariant>& ts_variants() const { return ts_; }
  const CmafTrack* FindCmafTrack(uint32_t id) const;
  const TsVariant* FindTsVariant(const std::string& key) const;
  const dtsc::BufferStats& stats() const { return stats_; }
  const dtsc::BufferOptions& buffer_options() const { return buffer_options_; }
  const StoreOptions& options() const { return options_; }
  // The source's tracks as of the last Update().
  const std::vector<dtsc::TrackInfo>& source_tracks() const { return tracks_; }
  uint64_t discontinuity_sequence() const { return discontinuity_sequence_; }
  // A discontinuity at or before fragment |number| that is still counted in the window (not yet
  // in discontinuity_sequence()): a playlist whose first listed segment is |number| tags it, so
  // a discontinuity on an unlisted fragment (a restart's first, still partial one) is not lost.
  bool DiscontinuityUpTo(uint64_t number) const {
    return !discontinuities_.empty() && *discontinuities_.begin() <= number;
  }
  bool vod() const { return buffer_options_.vod; }
  // Whole stream finished (VoD, or live source gone): playlists get ENDLIST.
  bool ended() const { return stats_.eos; }
  int64_t last_access_ms() const { return last_access_ms_; }
  void Touch();
  // Bytes produced in total (for stats and the benchmark).
  uint64_t bytes_produced() const { return bytes_produced_; }

  // Calls |done(true)| once |ready()| holds (checked now and after every Update), or
  // |done(false)| after |timeout_ms| or when the store goes away.
  void WaitFor(std::function<bool()> ready, int64_t timeout_ms, WaitDone done);
  size_t waiter_count() const { return waiters_.size(); }

 private:
  struct Handle;
  struct Waiter;
  void SyncTracks();
  void CloseLastFragment(std::vector<dtsc::Fragment>& fragments) const;
  void Evict(uint64_t oldest);
  void ProduceCmaf(CmafTrack& t, const std::vector<dtsc::Fragment>& fragments);
  void EmitPart(CmafTrack& t, CmafSegment& seg, int64_t end_dts);
  void FinishSegment(CmafTrack& t, CmafSegment& seg);
  void ProduceTs(TsVariant& v, const std::vector<dtsc::Fragment>& fragments);
  SegmentData MakeData(std::vector<uint8_t>&& bytes, const std::string& tag);
  void WakeWaiters(bool all_fail);

  std::string stream_;
  std::shared_ptr<FragmentSource> source_;
  StoreOptions options_;
  GMainContext* context_ = nullptr;
  std::shared_ptr<Handle> handle_;
  uint64_t listener_id_ = 0;
  std::string etag_prefix_;
  bool ts_enabled_ = false, cmaf_enabled_ = false;
  std::vector<dtsc::TrackInfo> tracks_;
  std::vector<CmafTrack> cmaf_;
  std::vector<TsVariant> ts_;
  std::vector<std::vector<uint32_t>> wanted_ts_;  // extra variants asked for by selections
  dtsc::BufferStats stats_;
  dtsc::BufferOptions buffer_options_;
  uint64_t oldest_ = 0;
  uint64_t discontinuity_sequence_ = 0;
  std::set<uint64_t> discontinuities_;  // fragment numbers marked discont, still in the window
  uint64_t bytes_produced_ = 0;
  int64_t last_access_ms_ = 0;
  std::vector<std::unique_ptr<Waiter>> waiters_;
};

// MediaTrack for a DTSC track (codec, config record, geometry, bitrates).
MediaTrack ToMediaTrack(const dtsc::TrackInfo& info);

}  // namespace haze::cmaf
