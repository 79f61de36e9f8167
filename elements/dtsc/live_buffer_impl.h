// Internal state of LiveBuffer, shared by live_buffer*.cpp. Not part of the API.
// Everything here is guarded by Impl::mutex; listeners are copied out and called without it.
// The log owns its frames (GstBuffer refs); Frame copies handed to readers take their own refs.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dtsc/live_buffer.h"

namespace haze::dtsc {

inline constexpr int64_t kMs = 1000000;  // ns per ms
inline constexpr size_t kMinFragments = 3;  // never trim below this many fragments
inline constexpr int64_t kJitterLimitMs = 500;

// Caps -> codec/kind/init/geometry. Returns false for caps the buffer cannot store.
bool FillTrackFromCaps(const GstCaps* caps, TrackInfo* info);

struct TrackState {
  TrackInfo info;
  std::deque<uint64_t> keys;  // seqs of keyframes still in the log
  bool released = false;      // writer let go of it (resume may reuse it)
  int64_t window_bytes = 0;   // bytes of this track in the log
  uint64_t frag_bytes = 0;    // bytes in the open fragment
  int64_t first_frag = -1;    // number of the first fragment with data of this track
  // Jitter: delta = arrival clock - media time; jitter = delta - min(delta) over ~2 fragments.
  int64_t min_delta = INT64_MAX, prev_min_delta = INT64_MAX;
  int64_t max_jitter = 0, prev_max_jitter = 0;
  int64_t jitter = 0;  // ns
};

struct ListenerEntry {
  uint64_t id;
  LiveBuffer::Listener fn;
};
using ListenerList = std::vector<ListenerEntry>;

struct LiveBuffer::Impl {
  mutable std::mutex mutex;
  std::condition_variable cv;
  BufferOptions options;

  std::deque<Frame> log;  // log[i].seq == base_seq + i
  PageWriter pages;       // where new payloads are copied
  uint64_t base_seq = 0;
  std::vector<TrackState> tracks;
  std::deque<Fragment> fragments;  // back() may be open
  uint64_t next_fragment = 0;
  bool continued = false;  // ContinueNumbering(): the first fragment is a discontinuity
  int main_track = -1;

  BufferState state = BufferState::kBooting;
  std::string issues;
  bool full_once = false;
  uint64_t bytes_in = 0, frames_in = 0, dropped = 0;
  uint64_t readers = 0, reader_skips = 0;
  int64_t last_ts = kNone;  // newest media time (max over tracks)
  int64_t unix_offset_ms = 0;
  int64_t epoch = kNone;

  int writers = 0;            // attached writers
  bool writer_gone = false;   // no writer attached (after one was there)
  bool pending_discont = false;
  int64_t gone_at = 0;        // clock() when the writer went away
  bool closed = false;        // EMPTY: no more frames will come
  uint64_t wake_epoch = 0;    // bumped on every notify (frames, state, interrupts)

  std::shared_ptr<const ListenerList> listeners = std::make_shared<ListenerList>();
  uint64_t next_listener = 1;
  std::function<int64_t()> clock;

  // Takes the lock, checks the frame, lets |fill| copy its bytes into |pages| and indexes it;
  // then wakes readers and calls listeners without the lock.
  bool Append(uint32_t track, int64_t dts, int64_t pts, bool keyframe, int64_t duration,
              const std::function<Payload(PageWriter&)>& fill);

  // --- helpers, mutex held ---
  const Frame* At(uint64_t seq) const {
    return seq >= base_seq && seq - base_seq < log.size() ? &log[seq - base_seq] : nullptr;
  }
  uint64_t EndSeq() const { return base_seq + log.size(); }
  void ChooseMainTrack();
  void CutFragment(const Frame& frame);
  void Trim();
  void UpdateJitter(TrackState& track, int64_t media);
  // Recomputes issues and state; true if the state changed.
  bool UpdateState();
  std::string ComputeIssues() const;
  bool PlayableLocked() const;
  // Newest keyframe seq of |track| (or of any track when none), or nullopt.
  std::optional<uint64_t> NewestKey(uint32_t track) const;
  std::optional<uint64_t> KeyAtOrBefore(uint32_t track, int64_t media) const;
  bool Finished() const;  // no more frames will come (EOS, closed, or resume grace over)
  int64_t Now() const { return clock(); }
};

}  // namespace haze::dtsc
