// GET /hls/<stream>/...: MPEG-TS HLS as MistServer names it. index.m3u8 (master), then
// <tracks>/index.m3u8 (media playlist, e.g. "1_2" = video 1 + audio 2) and
// <tracks>/<start_ms>_<end_ms>.ts segments, all served from the stream's SegmentStore.
// Thread: the main context of the SegmentService.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "protocols/cmaf/http_types.h"
#include "protocols/cmaf/segment_service.h"

namespace haze::hls {

// MistServer's text for a stream that cannot be opened.
inline constexpr const char* kStreamOpenFailed = "Stream open failed";

void HandleHls(cmaf::SegmentService& service, const cmaf::HttpRequest& request,
               const cmaf::Respond& respond);

// Bits per second (peak, average) of a list of segments.
struct Bandwidth {
  uint64_t peak = 0;
  uint64_t average = 0;
};
template <typename Segments, typename SizeOf>
Bandwidth MeasureBandwidth(const Segments& segments, SizeOf size_of) {
  Bandwidth b;
  uint64_t bytes = 0;
  int64_t ns = 0;
  for (const auto& s : segments) {
    uint64_t n = size_of(s);
    if (n == 0 || s.duration_ns <= 0) continue;
    bytes += n;
    ns += s.duration_ns;
    b.peak = std::max<uint64_t>(b.peak, n * 8000000000ULL / static_cast<uint64_t>(s.duration_ns));
  }
  if (ns > 0) b.average = bytes * 8000000000ULL / static_cast<uint64_t>(ns);
  return b;
}

}  // namespace haze::hls
