// Fuzz target: codec configuration records and frame payloads come from publishers (network).
// Feeds arbitrary avcC/hvcC/ASC/OpusHead bytes and samples through the codec-string parser,
// the fMP4 init/chunk writers and the MPEG-TS muxer (length-prefixed NAL parsing).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "protocols/cmaf/codec_string.h"
#include "protocols/cmaf/fmp4_writer.h"
#include "protocols/ts/ts_muxer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace haze;
  if (size < 2) return 0;
  cmaf::MediaTrack t;
  t.codec = static_cast<cmaf::MediaCodec>(1 + data[0] % 5);
  t.video = t.codec == cmaf::MediaCodec::kH264 || t.codec == cmaf::MediaCodec::kH265;
  t.rate = 48000;
  t.channels = 2;
  size_t init_len = std::min<size_t>(data[1], size - 2);
  t.init.assign(data + 2, data + 2 + init_len);
  std::span<const uint8_t> rest(data + 2 + init_len, size - 2 - init_len);
  (void)cmaf::CodecString(t);
  (void)cmaf::ParseAsc(t.init);
  (void)cmaf::WriteInitSegment(t);
  std::vector<cmaf::Sample> samples;
  for (size_t at = 0, i = 0; at < rest.size(); ++i) {
    size_t len = std::min<size_t>(rest[at] + 1, rest.size() - at);
    samples.push_back({rest.subspan(at, len), static_cast<int64_t>(i) * 40000000,
                       static_cast<int64_t>(i + i % 3) * 40000000, i == 0});
    at += len;
  }
  (void)cmaf::WriteMediaChunk(t, 1, samples, cmaf::kUnknownEnd);
  ts::TsMuxer mux({t});
  std::vector<ts::TsSample> in;
  for (const auto& s : samples) in.push_back({0, s});
  (void)mux.WriteSegment(in);
  return 0;
}
