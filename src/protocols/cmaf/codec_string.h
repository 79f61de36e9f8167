// RFC 6381 "codecs" strings (HLS CODECS, DASH @codecs) and MPEG-4 audio config parsing, from
// the codec configuration records. Pure C++. Thread: stateless functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "protocols/cmaf/media_track.h"

namespace haze::cmaf {

// "avc1.64001f", "hvc1.1.6.L93.B0", "mp4a.40.2", "opus", "mp4a.40.34"; "" if unknown.
std::string CodecString(const MediaTrack& track);

struct AudioSpecificConfig {
  int object_type = 2;  // AAC LC
  int rate_index = 4;   // 44100
  int rate = 44100;
  int channels = 2;
};
// Parses the start of an AudioSpecificConfig; defaults when it is too short.
AudioSpecificConfig ParseAsc(std::span<const uint8_t> asc);

}  // namespace haze::cmaf
