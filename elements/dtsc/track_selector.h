// SelectTracks: MistServer's track selector grammar (audio=, video=, subtitle=) over a track list.
// Pure logic, no GObject. Thread: any. Returns track ids in selection order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dtsc/live_buffer.h"

namespace haze::dtsc {

// An empty selector string means the MistServer default: all audio and all video tracks, no
// subtitles. Selectors are comma-separated and evaluated left to right (see compat 1.5).
std::vector<uint32_t> SelectTracks(const std::vector<TrackInfo>& tracks, const std::string& audio,
                                   const std::string& video, const std::string& subtitle);

// One kind only: the tracks of |kind| that |selector| picks ("" = the default for |kind|).
std::vector<uint32_t> SelectKind(const std::vector<TrackInfo>& tracks, TrackKind kind,
                                 const std::string& selector);

}  // namespace haze::dtsc
