// Plain descriptions of a track and its samples, as the pure writers (fMP4, MPEG-TS, playlists,
// MPD) take them. Built from dtsc::TrackInfo/Frame by the segment store. No GLib types.
// Thread: value types. Samples borrow their payload bytes from the caller.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace haze::cmaf {

enum class MediaCodec { kUnknown, kH264, kH265, kAAC, kOpus, kMP3 };

struct MediaTrack {
  uint32_t id = 1;  // ISO BMFF track_ID (>= 1)
  bool video = true;
  MediaCodec codec = MediaCodec::kUnknown;
  std::vector<uint8_t> init;  // avcC / hvcC / AudioSpecificConfig / OpusHead
  int width = 0, height = 0;
  int fps_n = 0, fps_d = 1;
  int rate = 0, channels = 0;
  std::string lang = "und";
  uint64_t bandwidth = 0;      // bits per second, peak
  uint64_t avg_bandwidth = 0;  // bits per second, average
  uint32_t timescale() const {
    if (video) return 90000u;
    if (codec == MediaCodec::kOpus || rate <= 0) return 48000u;
    return static_cast<uint32_t>(rate);
  }
};

// One access unit. Times in ns of media time.
struct Sample {
  std::span<const uint8_t> data;
  int64_t dts = 0;
  int64_t pts = 0;
  bool keyframe = false;
};

// Converts ns to |timescale| units, rounding to nearest, without overflow for any stream age.
inline int64_t ToTimescale(int64_t ns, uint32_t timescale) {
  constexpr int64_t kSecond = 1000000000;
  int64_t whole = ns / kSecond, rest = ns % kSecond;
  if (rest < 0) {
    whole -= 1;
    rest += kSecond;
  }
  return whole * timescale + (rest * timescale + kSecond / 2) / kSecond;
}

}  // namespace haze::cmaf
