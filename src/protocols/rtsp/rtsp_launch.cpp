#include "protocols/rtsp/rtsp_launch.h"

namespace haze::rtsp {

std::optional<std::string> PayloaderFor(const dtsc::TrackInfo& track) {
  using dtsc::Codec;
  switch (track.codec) {
    case Codec::kH264:
      return "rtph264pay config-interval=0";  // parameter sets in the SDP
    case Codec::kH265:
      return "rtph265pay config-interval=0";
    case Codec::kVP8:
      return "rtpvp8pay";
    case Codec::kVP9:
      return "rtpvp9pay";
    case Codec::kAAC:
      return "rtpmp4gpay";
    case Codec::kOpus:
      return "rtpopuspay";
    case Codec::kMP3:
      return "rtpmpapay";
    default:
      return std::nullopt;
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

std::optional<std::string> DepayloaderFor(const AnnouncedMedia& m) {
  const std::string& e = m.encoding;
  if (m.media == "video") {
    if (e == "H264") return "rtph264depay ! h264parse";
    if (e == "H265") return "rtph265depay ! h265parse";
    if (e == "VP8") return "rtpvp8depay";
    if (e == "VP9") return "rtpvp9depay";
  } else if (m.media == "audio") {
    if (e == "MPEG4-GENERIC") return "rtpmp4gdepay ! aacparse";
    if (e == "MP4A-LATM") return "rtpmp4adepay ! aacparse";
    if (e == "OPUS") return "rtpopusdepay ! opusparse";
    if (e == "MPA") return "rtpmpadepay ! mpegaudioparse";
  }
  return std::nullopt;
}

std::optional<std::string> RecordLaunchFor(const std::string& stream,
                                           const std::vector<AnnouncedMedia>& medias) {
  std::string out = "(";
  int stored = 0;
  for (size_t i = 0; i < medias.size(); ++i) {
    const std::string name = " name=depay" + std::to_string(i);
    auto depay = DepayloaderFor(medias[i]);
    if (!depay) {
      out += " fakesink async=false" + name;
      continue;
    }
    // The name belongs to the first element of the chain (the one receiving RTP).
    const size_t first_end = depay->find(' ');
    out += " " + depay->substr(0, first_end) + name +
           (first_end == std::string::npos ? "" : depay->substr(first_end)) + " ! queue ! sink.";
    stored++;
  }
  if (stored == 0) return std::nullopt;
  return out + " dtscsink name=sink stream=\"" + stream + "\" )";
}

}  // namespace haze::rtsp
