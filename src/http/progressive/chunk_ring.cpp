#include "http/progressive/chunk_ring.h"

#include <cstring>

namespace haze::http {

namespace {

uint32_t Be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

// First-sample sync flag of the traf for |track_id| in a moof; nullopt if absent.
std::optional<bool> MoofTrackStartsWithSync(const uint8_t* p, size_t size, uint32_t track_id) {
  size_t moof_end = std::min<size_t>(size, Be32(p));
  for (size_t off = 8; off + 8 <= moof_end;) {
    uint32_t box = Be32(p + off);
    if (box < 8 || off + box > moof_end) return std::nullopt;
    if (std::memcmp(p + off + 4, "traf", 4) == 0) {
      uint32_t tid = 0, default_flags = 0;
      std::optional<uint32_t> first_flags;
      for (size_t t = off + 8; t + 8 <= off + box;) {
        uint32_t sub = Be32(p + t);
        if (sub < 8 || t + sub > off + box) break;
        uint32_t vflags = sub >= 12 ? Be32(p + t + 8) & 0xFFFFFF : 0;
        if (std::memcmp(p + t + 4, "tfhd", 4) == 0 && sub >= 16) {
          tid = Be32(p + t + 12);
          size_t q = t + 16;
          if (vflags & 0x01) q += 8;  // base data offset
          if (vflags & 0x02) q += 4;  // sample description index
          if (vflags & 0x08) q += 4;  // default duration
          if (vflags & 0x10) q += 4;  // default size
          if ((vflags & 0x20) && q + 4 <= t + sub) default_flags = Be32(p + q);
        } else if (std::memcmp(p + t + 4, "trun", 4) == 0 && sub >= 16) {
          size_t q = t + 16;
          if (vflags & 0x01) q += 4;  // data offset
          if ((vflags & 0x04) && q + 4 <= t + sub) {
            first_flags = Be32(p + q);
          } else if (vflags & 0x400) {
            q += (vflags & 0x100) ? 4 : 0;
            q += (vflags & 0x200) ? 4 : 0;
            if (q + 4 <= t + sub) first_flags = Be32(p + q);
          }
        }
        t += sub;
      }
      if (tid == track_id) {
        uint32_t flags = first_flags.value_or(default_flags);
        return (flags & 0x10000) == 0;  // sample_is_non_sync_sample clear
      }
    }
    off += box;
  }
  return std::nullopt;
}

}  // namespace

bool IsSyncPoint(MuxFormat format, const uint8_t* d, size_t size, bool has_video,
                 uint32_t video_track_id) {
  switch (format) {
    case MuxFormat::kFlv:
      // A tag header is 11 bytes; byte 11 holds the codec flags, byte 12 the packet type
      // (0 = sequence header, which belongs to the stream header, 1 = media).
      if (size < 13) return false;
      if (!has_video) return d[0] == 8 && d[12] == 1;
      return d[0] == 9 && (d[11] >> 4) == 1 && d[12] == 1;
    case MuxFormat::kTs:
      // A packet that starts a PES with the random access indicator set.
      for (size_t off = 0; off + 188 <= size; off += 188) {
        const uint8_t* p = d + off;
        if (p[0] != 0x47 || !(p[1] & 0x40)) continue;
        if ((p[3] & 0x20) && p[4] > 0 && (p[5] & 0x40)) return true;
      }
      return false;
    case MuxFormat::kMkv:
    case MuxFormat::kWebm:
      return size >= 4 && d[0] == 0x1F && d[1] == 0x43 && d[2] == 0xB6 && d[3] == 0x75;
    case MuxFormat::kMp4: {
      if (size < 16 || std::memcmp(d + 4, "moof", 4) != 0) return false;
      if (!has_video) return true;
      return MoofTrackStartsWithSync(d, size, video_track_id).value_or(false);
    }
  }
  return false;
}

ChunkRing::ChunkRing(size_t max_bytes, bool chunked_framing)
    : max_bytes_(max_bytes), framing_(chunked_framing) {}

GBytes* ChunkRing::Frame(const std::string& data) const {
  if (!framing_) return g_bytes_new(data.data(), data.size());
  char head[20];
  int n = g_snprintf(head, sizeof head, "%zx\r\n", data.size());
  std::string framed;
  framed.reserve(data.size() + static_cast<size_t>(n) + 2);
  framed.append(head, static_cast<size_t>(n)).append(data).append("\r\n");
  return g_bytes_new(framed.data(), framed.size());
}

ChunkRing::~ChunkRing() {
  if (header_) g_bytes_unref(header_);
  for (auto& c : chunks_) g_bytes_unref(c.bytes);
}

void ChunkRing::Append(const uint8_t* data, size_t size, bool sync) {
  total_bytes_ += size;
  if (!ready() && !sync && open_.empty()) {
    pending_header_.append(reinterpret_cast<const char*>(data), size);
    return;
  }
  if (!header_ && sync) {
    header_ = pending_header_.empty() ? g_bytes_new(nullptr, 0) : Frame(pending_header_);
    pending_header_.clear();
  }
  if (sync || open_.size() >= coalesce_bytes_) Seal();
  if (open_.empty()) open_sync_ = sync;
  open_.append(reinterpret_cast<const char*>(data), size);
}

void ChunkRing::Seal() {
  if (open_.empty()) return;
  Chunk c;
  c.bytes = Frame(open_);
  c.sync = open_sync_;
  c.seq = end_seq();
  bytes_ += g_bytes_get_size(c.bytes);
  if (c.sync) newest_sync_ = c.seq;
  chunks_.push_back(c);
  open_.clear();
  open_sync_ = false;
  Trim();
}

const Chunk* ChunkRing::Get(uint64_t seq) const {
  if (seq < first_seq_ || seq >= end_seq()) return nullptr;
  return &chunks_[seq - first_seq_];
}

void ChunkRing::Trim() {
  // Keep at least everything from the newest sync point.
  while (bytes_ > max_bytes_ && !chunks_.empty() && newest_sync_ && first_seq_ < *newest_sync_) {
    bytes_ -= g_bytes_get_size(chunks_.front().bytes);
    g_bytes_unref(chunks_.front().bytes);
    chunks_.pop_front();
    ++first_seq_;
  }
}

}  // namespace haze::http
