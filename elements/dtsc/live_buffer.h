// The DTSC buffer: one in-process live buffer per stream, written by dtscsink (or by a protocol
// server directly) and read by dtscsrc and by every output through Reader. Pure C++, no GObject.
//
// Storage is one arrival-ordered log of frames per stream (all tracks interleaved), with a
// per-track keyframe index and a per-stream fragment index. The writer copies each payload once
// into shared pages (frame_pages.h); readers get refs of those pages: nothing is copied per reader. Threads: Push/AddTrack from any writer thread; readers from any thread. One
// mutex per buffer, never held while calling out; the writer never waits for a reader.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/gst_ref.h"
#include "dtsc/frame_pages.h"

namespace haze::dtsc {

inline constexpr int64_t kNone = INT64_MIN;  // "no timestamp"

enum class TrackKind { kVideo, kAudio, kSubtitle, kMeta };
enum class Codec { kUnknown, kH264, kH265, kAV1, kVP8, kVP9, kAAC, kOpus, kMP3, kText };

// MistServer-style codec names ("H264", "HEVC", "AV1", "VP8", "VP9", "AAC", "opus", "MP3",
// "subtitle") and kinds ("video", "audio", "subtitle", "meta").
const char* CodecName(Codec codec);
const char* KindName(TrackKind kind);

// Metadata of one track. Snapshot: copied out under the buffer lock.
struct TrackInfo {
  uint32_t id = 0;  // index in the stream, stable for the buffer's lifetime
  TrackKind kind = TrackKind::kVideo;
  Codec codec = Codec::kUnknown;
  MiniRef<GstCaps> caps;       // as negotiated on the writer's pad
  MiniRef<GstBuffer> init;     // avcC / hvcC / AudioSpecificConfig / OpusHead, or null
  int width = 0, height = 0;   // video
  int fps_n = 0, fps_d = 1;    // video, 0 if unknown
  int rate = 0, channels = 0;  // audio
  std::string lang;            // ISO-639-2, "" if unknown
  uint64_t bps = 0;            // bytes per second over the last fragments
  uint64_t max_bps = 0;        // peak of bps
  int64_t first_ts = kNone;    // media time (ns) of the oldest frame still in the buffer
  int64_t last_ts = kNone;     // media time (ns) of the newest frame
  uint64_t frames = 0;         // frames written in total
  uint64_t keyframes = 0;
  uint64_t dropped = 0;        // out-of-order frames refused
  bool bframes = false;        // video: pts != dts seen
};

// One frame in the log. Canonical payloads: H.264 avc/au, H.265 hvc1/au, AV1 obu-stream/tu,
// AAC raw, everything else as its parser outputs it.
struct Frame {
  Payload payload;  // the bytes, in a page shared with neighbouring frames
  uint32_t track = 0;
  int64_t dts = kNone;  // media time, ns; media time 0 = first frame of the stream
  int64_t pts = kNone;
  int64_t duration = kNone;
  bool keyframe = false;
  bool discont = false;  // first frame after a publisher reconnect (resume)
  uint64_t seq = 0;      // position in the stream log, increases by one per frame
};

// A fragment starts at a keyframe of the main track once at least segment_ms have passed since
// the previous fragment's start. HLS/DASH segments are fragments.
struct Fragment {
  uint64_t number = 0;  // increases by one; survives trimming (HLS media sequence)
  uint64_t first_seq = 0;
  uint64_t end_seq = 0;  // one past the last frame; 0 while open
  int64_t start = kNone;  // media time (ns) of the starting keyframe
  int64_t duration = 0;   // ns; 0 while open
  uint64_t bytes = 0;
  bool complete = false;
  bool discont = false;
};

struct BufferOptions {
  int64_t dvr_ms = 50000;          // DVR window ("DVR")
  int64_t segment_ms = 1900;       // minimum fragment duration ("segmentsize")
  int64_t max_keepaway_ms = 45000;  // how far a live reader may lag ("maxkeepaway")
  bool resume = false;             // keep the buffer across a publisher reconnect
  bool vod = false;                // whole-file buffer: never trimmed, complete at EOS
  int64_t resume_grace_ms = 30000;  // with resume: how long readers wait for the writer to return
};

enum class BufferState { kBooting, kFull, kDry, kRecover, kEmpty };
const char* BufferStateName(BufferState state);  // "BOOTING", "FULL", "DRY", "RECOVER", "EMPTY"

struct BufferStats {
  BufferState state = BufferState::kBooting;
  std::string issues;       // DRY reason, "" when healthy
  int64_t window_ns = 0;    // newest - oldest media time
  int64_t jitter_ms = 0;
  uint64_t bytes_in = 0;
  uint64_t frames_in = 0;
  uint64_t readers = 0;
  uint64_t reader_skips = 0;  // total catch-up jumps by slow readers
  bool eos = false;           // writer finished (VoD complete, or source gone)
  int64_t unix_offset_ms = 0;  // unix ms at media time 0
  uint64_t fragments = 0;      // fragments in the window
  uint64_t dropped = 0;        // out-of-order frames refused (all tracks)
  int64_t last_ts = kNone;     // newest media time (ns)
  int writers = 0;             // attached writers
};

// Where a new reader starts.
struct ReaderOptions {
  std::vector<uint32_t> tracks;  // empty = all tracks, including tracks added later
  // kNone = live edge (newest usable keyframe); otherwise a media time (ns) inside the window,
  // rounded down to a keyframe of the main selected track.
  int64_t start = kNone;
  int64_t stop = kNone;  // media time (ns) after which the reader ends; kNone = no end
};

class LiveBuffer;

// A cursor into the log. Thread: one thread at a time per reader.
class Reader {
 public:
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // The next frame of the selected tracks, or nullopt when none is available yet (or at the end).
  std::optional<Frame> Next();
  // Waits up to |timeout| for the next frame.
  std::optional<Frame> WaitNext(std::chrono::milliseconds timeout);
  // True once the reader reached its stop, or the writer finished and all frames were read.
  bool AtEnd() const;
  // Moves to the keyframe of the main selected track at or before |media_time|.
  void Seek(int64_t media_time);
  uint64_t skipped() const { return skipped_; }
  const std::vector<uint32_t>& tracks() const { return tracks_; }
  // The main selected track (first video, else first audio, else first selected).
  uint32_t main_track() const { return main_track_; }
  // Makes a pending or later WaitNext return at once (from any thread); sticky until Resume().
  void Interrupt();
  void Resume();
  const std::shared_ptr<LiveBuffer>& buffer() const { return buffer_; }

 private:
  friend class LiveBuffer;
  Reader(std::shared_ptr<LiveBuffer> buffer, std::vector<uint32_t> tracks, int64_t stop);
  bool Selected(uint32_t track) const {
    return track < selected_.size() && selected_[track];
  }
  std::optional<Frame> NextLocked();  // buffer mutex held
  void AdoptNewTracksLocked();        // all-tracks readers: select tracks added since
  void CatchUpLocked();
  std::shared_ptr<LiveBuffer> buffer_;
  std::vector<uint32_t> tracks_;
  int64_t stop_ = kNone;
  uint64_t cursor_ = 0;  // next seq to read
  uint64_t skipped_ = 0;
  bool at_end_ = false;
  uint32_t main_track_ = 0;
  bool live_ = true;              // started at the live edge: maxkeepaway applies
  bool all_tracks_ = false;       // no explicit selection: new tracks are read too
  std::vector<bool> selected_;    // by track id
  std::vector<bool> need_key_;    // by track id: skip until this track's next keyframe
  std::atomic<bool> interrupted_{false};
};

class LiveBuffer : public std::enable_shared_from_this<LiveBuffer> {
 public:
  using Listener = std::function<void()>;

  explicit LiveBuffer(std::string name, BufferOptions options = {});
  ~LiveBuffer();
  const std::string& name() const { return name_; }

  void SetOptions(const BufferOptions& options);
  BufferOptions options() const;

  // --- writer side ---
  // Adds a track for |caps| (or updates the track's caps when |track| already exists).
  // Returns the track id, or nullopt for caps it cannot store.
  std::optional<uint32_t> AddTrack(const GstCaps* caps);
  void UpdateCaps(uint32_t track, const GstCaps* caps);
  // Appends a frame (its bytes are copied into the buffer's pages; the duration comes from the
  // buffer). Out-of-order frames are refused and counted. |dts|/|pts| are media times in ns.
  bool Push(uint32_t track, const MiniRef<GstBuffer>& buffer, int64_t dts, int64_t pts,
            bool keyframe);
  // The same for frames that are not in a GstBuffer (protocol servers).
  bool Push(uint32_t track, std::span<const uint8_t> bytes, int64_t dts, int64_t pts,
            bool keyframe, int64_t duration = kNone);
  // The writer went away: with resume, the buffer waits for a new writer (whose first frame is
  // marked discont); without, it is complete (VoD) or empty (live).
  void WriterGone();
  void WriterBack();
  // A writer (an element or a protocol server) attaches; WriterGone detaches. The stream's
  // writer is gone when the last attached writer detached. WriterBack is the same call.
  void AttachWriter() { WriterBack(); }
  // The writer no longer feeds |track| (pad released); a reconnecting writer with the same kind
  // and codec reuses the track (resume).
  void ReleaseTrack(uint32_t track);
  void SetLanguage(uint32_t track, const std::string& lang);
  // Marks the next frame discont (the writer flushed or restarted its timeline).
  void MarkDiscont();
  // Shared wall-clock origin of the stream (a GstClock time, ns) for writers that map running
  // time to media time: the first caller sets it, later callers get the established value.
  int64_t Epoch(int64_t proposed);
  // Ends the buffer for good (the resume grace period ran out, or the server unloads it).
  void Close();
  // Restart handover: a buffer that has no fragment yet numbers its fragments from |next| on and
  // marks the first one a discontinuity (HLS media sequence / DASH $Number$ go on across a
  // server restart). Ignored once fragments exist.
  void ContinueNumbering(uint64_t next);
  // The number the next fragment will get.
  uint64_t NextFragmentNumber() const;

  // --- reader side ---
  std::vector<TrackInfo> Tracks() const;
  std::optional<TrackInfo> Track(uint32_t id) const;
  std::vector<Fragment> Fragments() const;
  // Frames of |track| inside fragment |number| (in dts order), for segmenters.
  std::vector<Frame> FragmentFrames(uint64_t number, uint32_t track) const;
  std::unique_ptr<Reader> NewReader(const ReaderOptions& options = {});
  BufferStats Stats() const;
  // MistServer-like health JSON (per-track buffer/jitter/kbits/codec, top-level buffer, jitter,
  // maxkeepaway, issues).
  std::string HealthJson() const;
  // True when a reader would get a keyframe with codec data right now.
  bool Playable() const;
  // MistServer's "ready for play" rule for generic outputs: Playable() and (>= 2 tracks with
  // data, or >= 500 ms of data, or |waited_ms| >= 5000).
  bool ReadyForPlay(int64_t waited_ms) const;
  // The main track of the stream (first video, else first audio), or nullopt.
  std::optional<uint32_t> MainTrack() const;
  // Tests only: replaces the monotonic clock (ns) used for jitter.
  void SetClockForTesting(std::function<int64_t()> clock);

  // Called on the writer's thread after every frame and state change, without the lock held.
  // Must not block. Returns an id for RemoveListener.
  uint64_t AddListener(Listener listener);
  void RemoveListener(uint64_t id);

 private:
  friend class Reader;
  // Implementation-defined state lives here.
  struct Impl;
  std::string name_;
  std::unique_ptr<Impl> impl_;
};

// Process-global name -> buffer registry. Readers may look a name up before its writer exists
// (the entry is created empty). Thread: any.
class BufferRegistry {
 public:
  static BufferRegistry& Get();
  // Returns the buffer for |name|, creating it if needed.
  std::shared_ptr<LiveBuffer> Acquire(const std::string& name);
  std::shared_ptr<LiveBuffer> Find(const std::string& name) const;
  // Drops the registry's reference; readers keep theirs until they end.
  void Remove(const std::string& name);
  std::vector<std::string> Names() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, std::shared_ptr<LiveBuffer>>> entries_;
};

}  // namespace haze::dtsc
