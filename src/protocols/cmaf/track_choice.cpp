#include "protocols/cmaf/track_choice.h"

#include <algorithm>

#include "dtsc/track_selector.h"

namespace haze::cmaf {

bool TrackChoice::Allows(uint32_t id, bool video_track) const {
  if (!active) return true;
  const auto& ids = video_track ? video : audio;
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

TrackChoice ChooseTracks(const std::vector<dtsc::TrackInfo>& tracks, const HttpRequest& req) {
  TrackChoice c;
  c.active = req.query.count("audio") > 0 || req.query.count("video") > 0;
  if (!c.active) return c;
  c.video = dtsc::SelectKind(tracks, dtsc::TrackKind::kVideo, req.Query("video"));
  c.audio = dtsc::SelectKind(tracks, dtsc::TrackKind::kAudio, req.Query("audio"));
  return c;
}

std::vector<std::vector<uint32_t>> TsVariantsFor(const TrackChoice& choice) {
  std::vector<std::vector<uint32_t>> out;
  for (uint32_t v : choice.video)
    out.push_back(choice.audio.empty() ? std::vector<uint32_t>{v}
                                       : std::vector<uint32_t>{v, choice.audio.front()});
  if (choice.video.empty() && !choice.audio.empty()) out.push_back({choice.audio.front()});
  return out;
}

}  // namespace haze::cmaf
