// FLV audio/video tag bodies as RTMP carries them, including Enhanced RTMP (FourCC hvc1, av01,
// vp09): parsing into a frame or codec configuration, and building the headers for play.
// Pure C++, no GObject. Thread: any.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace haze::rtmp::flv {

enum class Codec { kUnknown, kH264, kH265, kAV1, kVP9, kAAC, kMP3 };
const char* CodecName(Codec codec);

enum class PacketKind {
  kFrame,   // coded media
  kConfig,  // sequence header: avcC / hvcC / av1C / vpcC / AudioSpecificConfig
  kSkip,    // sequence end, metadata, command frames, codecs we do not store
};

struct Tag {
  PacketKind kind = PacketKind::kSkip;
  Codec codec = Codec::kUnknown;
  bool video = false;
  bool keyframe = false;
  int32_t cts_ms = 0;     // composition time offset: pts = dts + cts
  std::string_view data;  // payload after the tag headers (points into the input)
  // Audio only, from the FLV flags (MP3 has no other source; AAC uses its config instead).
  int rate = 0;
  int channels = 0;
  uint32_t codec_id = 0;  // legacy codec id or FourCC, for logging unsupported codecs
};

Result<Tag> ParseVideo(std::string_view body);
Result<Tag> ParseAudio(std::string_view body);

struct AudioConfig {
  int object_type = 0;
  int rate = 0;
  int channels = 0;
};
// AAC AudioSpecificConfig: object type, sampling rate and channel configuration.
Result<AudioConfig> ParseAudioSpecificConfig(std::string_view asc);
// First MPEG audio frame header: sampling rate and channels.
Result<AudioConfig> ParseMpegAudioHeader(std::string_view frame);

// Tag header bytes to put before a frame or config payload when playing out.
std::string VideoHeader(Codec codec, bool keyframe, bool config, int32_t cts_ms);
std::string AudioHeader(Codec codec, bool config, int rate, int channels);

}  // namespace haze::rtmp::flv
