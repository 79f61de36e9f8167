// ChunkRing: the muxed bytes of one shared progressive output. Header bytes (everything before
// the first sync point) plus a bounded ring of chunks; a chunk flagged `sync` starts at a
// keyframe, so a viewer may start (or skip) there. Chunks are GBytes shared by every viewer.
// Also the per-format sync-point detectors. Pure logic (GLib only). Thread: one owner thread.
#pragma once

#include <glib.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

namespace haze::http {

enum class MuxFormat { kFlv, kTs, kMkv, kWebm, kMp4 };

// Whether the muxer output buffer |data| starts a keyframe unit a viewer can start from.
// |has_video|: without video every unit (FLV audio tag, cluster, moof) is a sync point.
bool IsSyncPoint(MuxFormat format, const uint8_t* data, size_t size, bool has_video,
                 uint32_t video_track_id);

struct Chunk {
  GBytes* bytes = nullptr;  // owned ref
  bool sync = false;
  uint64_t seq = 0;
};

class ChunkRing {
 public:
  // With |chunked_framing| every chunk and the header are stored as HTTP/1.1 chunks
  // ("<hex size>\r\n" data "\r\n"), so viewers send them with one writev and no copy.
  explicit ChunkRing(size_t max_bytes = 4 << 20, bool chunked_framing = false);
  ~ChunkRing();
  ChunkRing(const ChunkRing&) = delete;
  ChunkRing& operator=(const ChunkRing&) = delete;

  // Adds muxer output. Before the first sync point the bytes go to the header. Consecutive
  // non-sync pieces are coalesced into the open chunk up to |coalesce_bytes| until Seal().
  void Append(const uint8_t* data, size_t size, bool sync);
  // Closes the open chunk so it becomes visible to viewers.
  void Seal();

  bool ready() const { return newest_sync_.has_value(); }
  GBytes* header() const { return header_; }  // borrowed; null until ready
  std::optional<uint64_t> newest_sync() const { return newest_sync_; }
  uint64_t first_seq() const { return first_seq_; }
  uint64_t end_seq() const { return first_seq_ + chunks_.size(); }  // one past the newest
  const Chunk* Get(uint64_t seq) const;
  size_t bytes() const { return bytes_; }
  uint64_t total_bytes() const { return total_bytes_; }

 private:
  void Trim();
  GBytes* Frame(const std::string& data) const;
  size_t max_bytes_;
  bool framing_ = false;
  size_t coalesce_bytes_ = 64 * 1024;
  std::string pending_header_;
  GBytes* header_ = nullptr;
  std::string open_;  // the chunk being built
  bool open_sync_ = false;
  std::deque<Chunk> chunks_;
  uint64_t first_seq_ = 0;
  std::optional<uint64_t> newest_sync_;
  size_t bytes_ = 0;
  uint64_t total_bytes_ = 0;
};

}  // namespace haze::http
