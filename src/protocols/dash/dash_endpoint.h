// DASH MPD for a stream's SegmentStore: one adaptation set per CMAF track, SegmentTimeline
// built from the stored segments, served at /cmaf/<stream>/index.mpd by the CMAF endpoint.
// Thread: the SegmentService's main context.
#pragma once

#include <string>

#include "protocols/cmaf/segment_store.h"
#include "protocols/cmaf/track_choice.h"

namespace haze::dash {

// Empty when no track has a complete segment yet. |choice|: audio=/video= selection.
std::string RenderStoreMpd(const cmaf::SegmentStore& store, const std::string& utc_timing_url,
                           int64_t now_ms, const cmaf::TrackChoice& choice = {});

}  // namespace haze::dash
