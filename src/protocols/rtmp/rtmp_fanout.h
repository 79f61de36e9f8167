// StreamFanout: one per played stream. Reads the stream's LiveBuffer with a single Reader,
// serializes every frame into RTMP chunks once (one GBytes shared by all players), keeps the
// messages since the last keyframe so a joining player starts at once, and hands the shared
// bytes to each player's bounded queue; a congested player skips to the next keyframe. With many
// players (merged writes) the messages of up to merge_write_ms go to each player as one GBytes.
// Thread: the server's GMainContext (buffer listeners marshal onto it). Owned by the server
// (shared_ptr, so queued wake-ups can check it is still alive); players are borrowed.
#pragma once

#include <glib.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "base/gst_ref.h"
#include "dtsc/live_buffer.h"
#include "protocols/rtmp/flv_tags.h"
#include "protocols/rtmp/rtmp_config.h"

namespace haze::rtmp {

class FanoutPlayer {
 public:
  virtual ~FanoutPlayer() = default;
  // Queues shared chunk bytes (the player takes its own ref). Media is droppable.
  virtual void QueueShared(GBytes* bytes, bool droppable) = 0;
  virtual bool Congested() const = 0;
  virtual void DropQueuedMedia() = 0;
  // May close the player (it then calls RemovePlayer from inside this call).
  virtual void FlushOutput() = 0;
  // Queues the end-of-stream messages; the player closes after its next flush. Must not call
  // back into the fanout.
  virtual void OnStreamEnd() = 0;
};

class StreamFanout : public std::enable_shared_from_this<StreamFanout> {
 public:
  StreamFanout(std::shared_ptr<dtsc::LiveBuffer> buffer, const RtmpConfig& config,
               GMainContext* context);
  ~StreamFanout();
  // Registers with the buffer and reads what it already holds (the current GOP). The reader is
  // created once the buffer is playable, so it sees every track of the publish.
  void Start();

  // Queues the player's first messages; with merged writes the caller flushes the new player.
  void AddPlayer(FanoutPlayer* player);
  void RemovePlayer(FanoutPlayer* player);
  size_t players() const { return players_.size() - removed_; }
  uint64_t skips() const { return skips_; }
  dtsc::LiveBuffer* buffer() const { return buffer_.get(); }

 private:
  struct PlayerState {
    FanoutPlayer* player;
    bool synced;  // got sequence headers and a keyframe; receives every message
    // Synced at the last commit: gets batch_ as one merged GBytes at the next commit instead of
    // each message as it comes (merged writes).
    bool in_batch;
  };
  struct TrackOut {
    uint32_t id = 0;
    flv::Codec codec = flv::Codec::kUnknown;
    bool video = false;
    int rate = 0, channels = 0, width = 0, height = 0;
    double fps = 0;
    std::string init;
  };

  static gboolean DrainCallback(gpointer data);
  void Drain();
  void Distribute(const dtsc::Frame& frame);
  void RefreshTracks();
  const TrackOut* FindTrack(uint32_t id) const;
  GBytes* Headers(uint32_t timestamp);
  GBytes* SerializeFrame(const TrackOut& track, const dtsc::Frame& frame);
  void ClearGop();
  // Hands the messages batched since the last commit to the players in the batch as one GBytes,
  // then makes every synced player part of the next batch (if merging).
  void CommitBatch();
  bool Merging() const;  // enough players for merged writes
  void ScheduleFlush(bool urgent);
  void CancelFlush();
  static gboolean FlushCallback(gpointer data);

  std::shared_ptr<dtsc::LiveBuffer> buffer_;
  RtmpConfig config_;
  GMainContext* context_;
  std::unique_ptr<dtsc::Reader> reader_;
  uint64_t listener_ = 0;
  // Shared with the buffer listener, which may still run on a writer thread while we go away.
  std::shared_ptr<std::atomic<bool>> drain_pending_ = std::make_shared<std::atomic<bool>>(false);
  GSource* flush_source_ = nullptr;
  bool flush_urgent_ = false;  // flush_source_ is an idle, not a batching timer
  bool flushing_ = false;      // FlushCallback is walking players_
  size_t removed_ = 0;         // entries of players_ cleared while flushing

  std::vector<TrackOut> tracks_;
  bool has_video_ = false;
  GBytes* headers_ = nullptr;  // onMetaData + sequence headers, rebuilt when tracks change
  uint32_t headers_ts_ = 0;
  std::vector<GBytes*> gop_;   // messages since the last video keyframe
  size_t gop_bytes_ = 0;
  bool gop_overflow_ = false;
  std::vector<GBytes*> batch_;  // messages since the last commit (merged writes)
  size_t batch_bytes_ = 0;
  std::vector<PlayerState> players_;
  uint64_t skips_ = 0;
  bool ended_ = false;
};

}  // namespace haze::rtmp
