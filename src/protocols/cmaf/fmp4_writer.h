// ISO BMFF / CMAF writer: per-track init segments (ftyp + moov with mvex) and media chunks
// (moof + mdat). Pure C++; the output is a byte vector. Thread: stateless functions.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "protocols/cmaf/media_track.h"

namespace haze::cmaf {

// ftyp + moov for one track (avc1+avcC, hvc1+hvcC, mp4a+esds, Opus+dOps), empty sample tables,
// mvex/trex. Empty when the codec cannot be carried.
std::vector<uint8_t> WriteInitSegment(const MediaTrack& track);

// One CMAF chunk: moof(mfhd, traf(tfhd, tfdt, trun)) + mdat for |samples| (decode order).
// Sample durations come from consecutive dts; the last one lasts until |end_dts| (ns), which
// the caller sets to the next sample's dts when known, or kUnknownEnd to repeat the previous
// duration.
inline constexpr int64_t kUnknownEnd = INT64_MIN;
std::vector<uint8_t> WriteMediaChunk(const MediaTrack& track, uint32_t sequence,
                                     std::span<const Sample> samples, int64_t end_dts);

}  // namespace haze::cmaf
