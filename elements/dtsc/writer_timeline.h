// WriterTimeline: maps a writer session's running times to the stream's media time (ns).
// Pure logic, no GObject. Thread: the owner serialises calls (dtscsink holds its own mutex).
// Media time 0 is the stream's first frame; every writer shares the wall-clock epoch.
#pragma once

#include <cstdint>
#include <functional>

namespace haze::dtsc {

class WriterTimeline {
 public:
  // |epoch| is LiveBuffer::Epoch: it returns the established epoch or sets the proposed one.
  using EpochFn = std::function<int64_t(int64_t proposed)>;

  // Starts a new session (new writer, or after a flush): the next frame re-anchors.
  void Reset() { anchored_ = false; }
  // Forces the next anchored frame to land at or after |floor| (media ns), e.g. after a flush.
  void SetFloor(int64_t floor) { floor_ = floor; }

  // |running| is the frame's running time, |base| the clock time of running time 0 in this
  // session (element base time), or -1 when no clock is known yet and |now| (clock time) anchors.
  int64_t ToMedia(int64_t running, int64_t base, int64_t now, const EpochFn& epoch) {
    if (!anchored_) {
      session_base_ = base >= 0 ? base : now - running;
      epoch_ = epoch(session_base_ + running);
      anchored_ = true;
      shift_ = 0;
      const int64_t first = session_base_ + running - epoch_;
      if (floor_ != INT64_MIN && first < floor_) shift_ = floor_ - first;
      floor_ = INT64_MIN;
    }
    return session_base_ + running - epoch_ + shift_;
  }
  bool anchored() const { return anchored_; }

 private:
  bool anchored_ = false;
  int64_t session_base_ = 0;
  int64_t epoch_ = 0;
  int64_t shift_ = 0;
  int64_t floor_ = INT64_MIN;
};

}  // namespace haze::dtsc
