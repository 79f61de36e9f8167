#include "protocols/rtsp/rtsp_launch.h"

namespace haze::rtsp {

std::optional<std::string> PayloaderFor(const dtsc::TrackInfo& track) {
  using dtsc::Codec;
  switch (track.codec) {
    case Codec::kH264: return "rtph264pay config-interval=0";  // parameter sets in the SDP
    case Codec::kH265: return "rtph265pay config-interval=0";
    case Codec::kVP8: return "rtpvp8pay";
    case Codec::kVP9: return "rtpvp9pay";
    case Codec::kAAC: return "rtpmp4gpay";
    case Codec::kOpus: return "rtpopuspay";
    case Codec::kMP3: return "rtpmpapay";
    default: return std::nullopt;
  }
}

std::optional<std::string> LaunchFor(const std::string& stream,
                                     const std::vector<dtsc::TrackInfo>& tracks) {
  std::string out = "( dtscsrc stream=\"" + stream + "\" name=src";
  int n = 0;
  for (const auto& t : tracks) {
    if (t.kind != dtsc::TrackKind::kVideo && t.kind != dtsc::TrackKind::kAudio) continue;
    auto pay = PayloaderFor(t);
    if (!pay) continue;
    out += " src.src_" + std::to_string(t.id) + " ! queue ! " + *pay + " name=pay" +
           std::to_string(n) + " pt=" + std::to_string(96 + n);
    n++;
  }
  if (n == 0) return std::nullopt;
  return out + " )";
}

}  // namespace haze::rtsp
