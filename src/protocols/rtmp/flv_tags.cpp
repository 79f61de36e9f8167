#include "protocols/rtmp/flv_tags.h"

#include "protocols/rtmp/bytes.h"

namespace haze::rtmp::flv {

namespace {

Error Fail(std::string msg) { return Error{ErrorCode::kParse, "flv: " + std::move(msg)}; }

constexpr uint32_t FourCC(const char (&s)[5]) {
  return (uint32_t(uint8_t(s[0])) << 24) | (uint32_t(uint8_t(s[1])) << 16) |
         (uint32_t(uint8_t(s[2])) << 8) | uint32_t(uint8_t(s[3]));
}
constexpr uint32_t kHvc1 = FourCC("hvc1");
constexpr uint32_t kAv01 = FourCC("av01");
constexpr uint32_t kVp09 = FourCC("vp09");

// Enhanced RTMP video packet types.
enum ExPacket { kSequenceStart = 0, kCodedFrames = 1, kSequenceEnd = 2, kCodedFramesX = 3 };
constexpr int kFrameKey = 1;
constexpr int kFrameCommand = 5;

Result<Tag> ParseEnhancedVideo(std::string_view body) {
  const uint8_t* p = U8(body);
  Tag tag;
  tag.video = true;
  if (body.size() < 5) return Fail("short enhanced video header");
  int frame_type = (p[0] >> 4) & 7;
  int packet = p[0] & 0x0f;
  tag.codec_id = ReadU32(p + 1);
  tag.keyframe = frame_type == kFrameKey;
  size_t pos = 5;
  switch (tag.codec_id) {
    case kHvc1: tag.codec = Codec::kH265; break;
    case kAv01: tag.codec = Codec::kAV1; break;
    case kVp09: tag.codec = Codec::kVP9; break;
    default: return tag;  // unknown FourCC: skipped
  }
  if (frame_type == kFrameCommand) return tag;
  if (packet == kSequenceStart) {
    tag.kind = PacketKind::kConfig;
  } else if (packet == kCodedFrames || packet == kCodedFramesX) {
    tag.kind = PacketKind::kFrame;
    if (packet == kCodedFrames && tag.codec == Codec::kH265) {
      if (body.size() < pos + 3) return Fail("short hevc composition time");
      tag.cts_ms = ReadS24(p + pos);
      pos += 3;
    }
  } else {
    return tag;  // sequence end, metadata, MPEG-2 TS sequence start, multitrack
  }
  tag.data = body.substr(pos);
  return tag;
}

}  // namespace

const char* CodecName(Codec codec) {
  switch (codec) {
    case Codec::kH264: return "H264";
    case Codec::kH265: return "HEVC";
    case Codec::kAV1: return "AV1";
    case Codec::kVP9: return "VP9";
    case Codec::kAAC: return "AAC";
    case Codec::kMP3: return "MP3";
    case Codec::kUnknown: break;
  }
  return "unknown";
}

Result<Tag> ParseVideo(std::string_view body) {
  if (body.empty()) return Fail("empty video message");
  const uint8_t* p = U8(body);
  if (p[0] & 0x80) return ParseEnhancedVideo(body);
  Tag tag;
  tag.video = true;
  int frame_type = p[0] >> 4;
  tag.codec_id = p[0] & 0x0f;
  tag.keyframe = frame_type == kFrameKey;
  // 7 = AVC; 12 = HEVC in the pre-enhanced layout some encoders still send.
  if (tag.codec_id != 7 && tag.codec_id != 12) return tag;
  if (frame_type == kFrameCommand) return tag;
  tag.codec = tag.codec_id == 7 ? Codec::kH264 : Codec::kH265;
  if (body.size() < 5) return Fail("short avc video header");
  if (p[1] == 0) {
    tag.kind = PacketKind::kConfig;
  } else if (p[1] == 1) {
    tag.kind = PacketKind::kFrame;
    tag.cts_ms = ReadS24(p + 2);
  } else {
    return tag;  // end of sequence
  }
  tag.data = body.substr(5);
  return tag;
}

Result<Tag> ParseAudio(std::string_view body) {
  if (body.empty()) return Fail("empty audio message");
  const uint8_t* p = U8(body);
  Tag tag;
  int format = p[0] >> 4;
  static constexpr int kRates[4] = {5512, 11025, 22050, 44100};
  tag.rate = kRates[(p[0] >> 2) & 3];
  tag.channels = (p[0] & 1) + 1;
  tag.codec_id = uint32_t(format);
  tag.keyframe = true;
  if (format == 10) {
    if (body.size() < 2) return Fail("short aac header");
    tag.codec = Codec::kAAC;
    tag.kind = p[1] == 0 ? PacketKind::kConfig : PacketKind::kFrame;
    tag.data = body.substr(2);
  } else if (format == 2 || format == 14) {
    tag.codec = Codec::kMP3;
    tag.kind = PacketKind::kFrame;
    if (format == 14) tag.rate = 8000;
    tag.data = body.substr(1);
  }
  return tag;
}

Result<AudioConfig> ParseAudioSpecificConfig(std::string_view asc) {
  static constexpr int kRates[13] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                     22050, 16000, 12000, 11025, 8000,  7350};
  if (asc.size() < 2) return Fail("short AudioSpecificConfig");
  const uint8_t* p = U8(asc);
  // Read bit fields MSB first.
  size_t bit = 0;
  auto bits = [&](int n) -> int64_t {
    int64_t v = 0;
    for (int i = 0; i < n; ++i, ++bit) {
      if (bit / 8 >= asc.size()) return -1;
      v = (v << 1) | ((p[bit / 8] >> (7 - bit % 8)) & 1);
    }
    return v;
  };
  AudioConfig c;
  c.object_type = int(bits(5));
  if (c.object_type == 31) c.object_type = 32 + int(bits(6));
  int64_t idx = bits(4);
  if (idx == 15) {
    c.rate = int(bits(24));
  } else if (idx >= 0 && idx < 13) {
    c.rate = kRates[idx];
  }
  c.channels = int(bits(4));
  if (c.rate <= 0 || c.channels < 0 || c.object_type <= 0) return Fail("bad AudioSpecificConfig");
  return c;
}

Result<AudioConfig> ParseMpegAudioHeader(std::string_view frame) {
  if (frame.size() < 4) return Fail("short mpeg audio header");
  const uint8_t* p = U8(frame);
  if (p[0] != 0xff || (p[1] & 0xe0) != 0xe0) return Fail("no mpeg audio sync");
  int version = (p[1] >> 3) & 3;  // 0 = 2.5, 2 = 2, 3 = 1
  int rate_idx = (p[2] >> 2) & 3;
  static constexpr int kRates[3] = {44100, 48000, 32000};
  if (version == 1 || rate_idx == 3) return Fail("bad mpeg audio header");
  AudioConfig c;
  c.rate = kRates[rate_idx] >> (version == 3 ? 0 : version == 2 ? 1 : 2);
  c.channels = ((p[3] >> 6) & 3) == 3 ? 1 : 2;
  c.object_type = 1;
  return c;
}

std::string VideoHeader(Codec codec, bool keyframe, bool config, int32_t cts_ms) {
  std::string out;
  int frame_type = keyframe || config ? 1 : 2;
  if (codec == Codec::kH264) {
    PutU8(&out, (frame_type << 4) | 7);
    PutU8(&out, config ? 0 : 1);
    PutU24(&out, uint32_t(cts_ms) & 0xffffff);
    return out;
  }
  uint32_t fourcc = codec == Codec::kH265 ? kHvc1 : codec == Codec::kAV1 ? kAv01 : kVp09;
  bool with_cts = !config && codec == Codec::kH265 && cts_ms != 0;
  int packet = config ? kSequenceStart : with_cts ? kCodedFrames : kCodedFramesX;
  if (!config && codec != Codec::kH265) packet = kCodedFrames;
  PutU8(&out, 0x80 | (frame_type << 4) | packet);
  PutU32(&out, fourcc);
  if (with_cts) PutU24(&out, uint32_t(cts_ms) & 0xffffff);
  return out;
}

std::string AudioHeader(Codec codec, bool config, int rate, int channels) {
  std::string out;
  if (codec == Codec::kAAC) {
    PutU8(&out, 0xaf);  // AAC, 44 kHz, 16 bit, stereo: fixed for AAC
    PutU8(&out, config ? 0 : 1);
    return out;
  }
  int rate_idx = rate >= 44100 ? 3 : rate >= 22050 ? 2 : rate >= 11025 ? 1 : 0;
  PutU8(&out, (2 << 4) | (rate_idx << 2) | (1 << 1) | (channels > 1 ? 1 : 0));
  return out;
}

}  // namespace haze::rtmp::flv
