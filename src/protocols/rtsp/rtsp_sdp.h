// A publisher's ANNOUNCE SDP -> its media sections (kind and RTP encoding name), for the RECORD
// launch (rtsp_launch.h). Reads network input: fuzzed (tests/fuzz/rtsp_sdp_fuzz.cpp).
// Thread: any.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/rtsp/rtsp_launch.h"

namespace haze::rtsp {

// The encoding name of an rtpmap attribute value ("96 H264/90000" -> "H264"), upper case; ""
// when there is none.
std::string EncodingName(std::string_view rtpmap);

// nullopt when |sdp| is not an SDP message; media sections without an rtpmap keep "" as encoding.
std::optional<std::vector<AnnouncedMedia>> ParseAnnouncedSdp(std::span<const uint8_t> sdp);

}  // namespace haze::rtsp
