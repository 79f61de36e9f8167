// MPEG-TS segment muxer for HLS: PAT/PMT at the start of every segment, H.264/H.265 converted
// from length-prefixed to Annex B (AUD, parameter sets before each keyframe), AAC in ADTS, PCR
// on the video PID. One muxer per stream variant: continuity counters carry over between the
// segments it writes, in order. Pure C++. Thread: one owner.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "protocols/cmaf/media_track.h"

namespace haze::ts {

inline constexpr uint16_t kPmtPid = 0x1000;
inline constexpr uint16_t kFirstEsPid = 0x100;
inline constexpr int64_t kTimestampOffset90k = 126000;  // 1.4 s, keeps PCR < DTS positive

struct TsSample {
  size_t track = 0;  // index into the muxer's tracks
  cmaf::Sample sample;
};

class TsMuxer {
 public:
  // Tracks that TS cannot carry (Opus) are ignored; PIDs are kFirstEsPid + index.
  explicit TsMuxer(std::vector<cmaf::MediaTrack> tracks);

  // One segment. |samples| may interleave tracks in any order; they are written in dts order.
  std::vector<uint8_t> WriteSegment(std::span<const TsSample> samples);
  bool Carries(size_t track) const;
  static uint8_t StreamType(cmaf::MediaCodec codec);  // 0 when TS cannot carry it

 private:
  struct Track {
    cmaf::MediaTrack info;
    uint16_t pid = 0;
    uint8_t stream_type = 0;
    std::vector<std::vector<uint8_t>> parameter_sets;  // Annex B without start codes
    size_t nal_length_size = 4;
  };
  void WritePsi(std::vector<uint8_t>& out);
  void WriteVideo(std::vector<uint8_t>& out, Track& t, const cmaf::Sample& s);
  void WriteAudio(std::vector<uint8_t>& out, Track& t, std::span<const cmaf::Sample> group);
  void WritePes(std::vector<uint8_t>& out, uint16_t pid, uint8_t stream_id,
                std::span<const uint8_t> payload, int64_t pts, int64_t dts, bool key, bool pcr);
  uint8_t NextCc(uint16_t pid);

  std::vector<Track> tracks_;
  uint16_t pcr_pid_ = 0;
  std::array<uint8_t, 0x2000> cc_{};
};

// MPEG-2 CRC-32 of PSI sections.
uint32_t Crc32Mpeg(std::span<const uint8_t> data);

}  // namespace haze::ts
