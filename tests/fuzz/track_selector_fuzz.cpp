// libFuzzer entry for the track selector grammar (selectors come from URL query strings).
// Input: up to three selectors (video, audio, subtitle) separated by '\n'.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dtsc/track_selector.h"

namespace {

std::vector<haze::dtsc::TrackInfo> FuzzTracks() {
  using haze::dtsc::Codec;
  using haze::dtsc::TrackKind;
  std::vector<haze::dtsc::TrackInfo> tracks(6);
  const TrackKind kinds[] = {TrackKind::kVideo, TrackKind::kVideo,    TrackKind::kAudio,
                             TrackKind::kAudio, TrackKind::kSubtitle, TrackKind::kMeta};
  const Codec codecs[] = {Codec::kH264, Codec::kH265, Codec::kAAC,
                          Codec::kOpus, Codec::kText, Codec::kUnknown};
  for (uint32_t i = 0; i < tracks.size(); ++i) {
    tracks[i].id = i;
    tracks[i].kind = kinds[i];
    tracks[i].codec = codecs[i];
    tracks[i].width = 640 * (i + 1);
    tracks[i].height = 360 * (i + 1);
    tracks[i].channels = static_cast<int>(i);
    tracks[i].bps = 100000 * (i + 1);
    tracks[i].lang = i % 2 ? "eng" : "nld";
  }
  return tracks;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto tracks = FuzzTracks();
  std::string in(reinterpret_cast<const char*>(data), size);
  std::string parts[3];
  size_t part = 0;
  for (char c : in) {
    if (c == '\n' && part < 2) {
      ++part;
      continue;
    }
    parts[part] += c;
  }
  const auto ids = haze::dtsc::SelectTracks(tracks, parts[1], parts[0], parts[2]);
  for (uint32_t id : ids)
    if (id >= tracks.size()) __builtin_trap();
  return 0;
}
