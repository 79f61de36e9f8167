#include "protocols/cmaf/codec_string.h"

#include <array>
#include <cstdio>

namespace haze::cmaf {
namespace {

constexpr std::array<int, 13> kAacRates = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                           22050, 16000, 12000, 11025, 8000,  7350};

std::string Avc(std::span<const uint8_t> avcc) {
  if (avcc.size() < 4) return "avc1.42e01e";
  char s[32];
  std::snprintf(s, sizeof(s), "avc1.%02x%02x%02x", avcc[1], avcc[2], avcc[3]);
  return s;
}

uint32_t ReverseBits32(uint32_t v) {
  uint32_t r = 0;
  for (int i = 0; i < 32; ++i) r |= ((v >> i) & 1u) << (31 - i);
  return r;
}

// hvcC: profile_space(2) tier(1) profile_idc(5), 32 compat flags, 48 constraint bits, level.
std::string Hevc(std::span<const uint8_t> h) {
  if (h.size() < 13) return "hvc1.1.6.L93.B0";
  int space = h[1] >> 6, tier = (h[1] >> 5) & 1, profile = h[1] & 0x1f;
  uint32_t compat = (static_cast<uint32_t>(h[2]) << 24) | (h[3] << 16) | (h[4] << 8) | h[5];
  std::string s = "hvc1.";
  if (space > 0) s += static_cast<char>('A' + space - 1);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%d.%x.%c%d", profile, ReverseBits32(compat), tier ? 'H' : 'L',
                h[12]);
  s += buf;
  int last = 5;  // strip trailing zero constraint bytes
  while (last >= 0 && h[6 + last] == 0) --last;
  for (int i = 0; i <= last; ++i) {
    std::snprintf(buf, sizeof(buf), ".%X", h[6 + i]);
    s += buf;
  }
  return s;
}

}  // namespace

AudioSpecificConfig ParseAsc(std::span<const uint8_t> asc) {
  AudioSpecificConfig c;
  if (asc.size() < 2) return c;
  c.object_type = asc[0] >> 3;
  c.rate_index = ((asc[0] & 0x07) << 1) | (asc[1] >> 7);
  c.channels = (asc[1] >> 3) & 0x0f;
  if (c.rate_index < static_cast<int>(kAacRates.size())) {
    c.rate = kAacRates[c.rate_index];
  } else if (c.rate_index == 15 && asc.size() >= 5) {
    c.rate = ((asc[1] & 0x7f) << 17) | (asc[2] << 9) | (asc[3] << 1) | (asc[4] >> 7);
    c.channels = (asc[4] >> 3) & 0x0f;
  }
  return c;
}

std::string CodecString(const MediaTrack& t) {
  switch (t.codec) {
    case MediaCodec::kH264:
      return Avc(t.init);
    case MediaCodec::kH265:
      return Hevc(t.init);
    case MediaCodec::kAAC: {
      int aot = t.init.empty() ? 2 : ParseAsc(t.init).object_type;
      return "mp4a.40." + std::to_string(aot == 0 ? 2 : aot);
    }
    case MediaCodec::kOpus:
      return "opus";
    case MediaCodec::kMP3:
      return "mp4a.40.34";
    case MediaCodec::kUnknown:
      break;
  }
  return "";
}

}  // namespace haze::cmaf
