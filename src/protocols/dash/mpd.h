// DASH MPD rendering: dynamic (live, SegmentTimeline, availabilityStartTime,
// timeShiftBufferDepth, minimumUpdatePeriod, UTCTiming) or static (VoD). Pure C++: values in,
// XML text out. Thread: stateless functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace haze::dash {

struct TimelineEntry {
  int64_t start = 0;     // timescale units (equals the segment's tfdt)
  int64_t duration = 0;  // timescale units
};

struct Representation {
  std::string id;
  bool video = true;
  std::string codecs;
  uint64_t bandwidth = 0;  // bits/s
  int width = 0, height = 0;
  int fps_n = 0, fps_d = 1;
  int sample_rate = 0, channels = 0;
  std::string lang;
  uint32_t timescale = 90000;
  std::string init_template;   // e.g. "$RepresentationID$/init.mp4"
  std::string media_template;  // e.g. "$RepresentationID$/$Number$.m4s"
  uint64_t start_number = 0;
  std::vector<TimelineEntry> timeline;
};

struct Mpd {
  bool dynamic = true;
  int64_t availability_start_ms = 0;  // unix ms of media time 0
  int64_t publish_ms = 0;             // unix ms, now
  int64_t time_shift_buffer_ns = 0;   // the DVR window
  int64_t min_update_period_ns = 2000000000;
  int64_t min_buffer_ns = 2000000000;
  int64_t suggested_delay_ns = 0;  // 0: omitted
  int64_t max_segment_ns = 0;
  int64_t duration_ns = 0;  // static: mediaPresentationDuration
  std::string utc_timing_url;  // http-iso time source; "" to omit
  std::vector<Representation> representations;
};

// xs:duration ("PT2.000S").
std::string XsDuration(int64_t ns);
std::string RenderMpd(const Mpd& mpd);

}  // namespace haze::dash
