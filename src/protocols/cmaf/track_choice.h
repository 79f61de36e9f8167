// audio=/video= track selection on HLS, CMAF and DASH URLs, as MistServer's HTTP outputs take
// them from the query string (compat 1.5, dtsc/track_selector.h): which DTSC track ids a
// playlist or MPD lists. Thread: any (pure over the store's track list).
#pragma once

#include <cstdint>
#include <vector>

#include "dtsc/live_buffer.h"
#include "protocols/cmaf/http_types.h"

namespace haze::cmaf {

struct TrackChoice {
  bool active = false;                 // the request carried audio= or video=
  std::vector<uint32_t> video, audio;  // selected ids, in selection order
  bool Allows(uint32_t id, bool video_track) const;
};

TrackChoice ChooseTracks(const std::vector<dtsc::TrackInfo>& tracks, const HttpRequest& req);

// The TS variants (DTSC ids) for |choice|: each selected video track with the first selected
// audio track, or the first selected audio track alone when no video is selected.
std::vector<std::vector<uint32_t>> TsVariantsFor(const TrackChoice& choice);

}  // namespace haze::cmaf
