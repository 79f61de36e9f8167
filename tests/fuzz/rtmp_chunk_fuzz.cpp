// libFuzzer entry point: the RTMP chunk stream reader fed in pieces, then every message through
// the parser the server would use for it (AMF0 commands, FLV audio/video, codec configs).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/rtmp/amf0.h"
#include "protocols/rtmp/chunk.h"
#include "protocols/rtmp/flv_tags.h"

namespace {

void ParseMessage(const haze::rtmp::Message& m) {
  using namespace haze::rtmp;
  switch (m.type) {
    case kCommandAmf0:
    case kDataAmf0:
      (void)amf0::DecodeAll(m.payload);
      break;
    case kVideo:
      (void)flv::ParseVideo(m.payload);
      break;
    case kAudio: {
      auto tag = flv::ParseAudio(m.payload);
      if (tag.ok() && tag->kind == flv::PacketKind::kConfig)
        (void)flv::ParseAudioSpecificConfig(tag->data);
      if (tag.ok() && tag->codec == flv::Codec::kMP3) (void)flv::ParseMpegAudioHeader(tag->data);
      break;
    }
    default:
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace haze::rtmp;
  if (size < 1) return 0;
  // The first byte picks the read size, so partial chunks get exercised.
  size_t step = 1 + data[0] % 64;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  ChunkLimits limits;
  limits.max_message_size = 1 << 16;
  ChunkReader reader(limits);
  std::string pending;
  std::vector<Message> out;
  for (size_t i = 0; i < in.size(); i += step) {
    pending.append(in.substr(i, step));
    auto used = reader.Parse(pending, &out);
    if (!used.ok()) break;
    pending.erase(0, used.value());
    for (const auto& m : out) ParseMessage(m);
    out.clear();
  }
  return 0;
}
