// GET /cmaf/<stream>/...: fMP4 HLS with LL-HLS (unless ?llhls=0) and DASH, as MistServer names
// them: index.m3u8 (master), index.mpd, <track>/index.m3u8 (media playlist, blocking reload with
// _HLS_msn/_HLS_part), <track>/init.mp4, <track>/<n>.m4s and LL-HLS parts <track>/<n>.<k>.m4s.
// Thread: the SegmentService's main context; |respond| may be called later (blocking requests).
#pragma once

#include "protocols/cmaf/http_types.h"
#include "protocols/cmaf/segment_service.h"

namespace haze::cmaf {

void HandleCmaf(SegmentService& service, const HttpRequest& request, const Respond& respond);

// Last media sequence number and part index (-1: none) of a track's playlist.
struct PlaylistEdge {
  int64_t msn = -1;
  int64_t part = -1;
};
PlaylistEdge TrackEdge(const CmafTrack& track);

}  // namespace haze::cmaf
