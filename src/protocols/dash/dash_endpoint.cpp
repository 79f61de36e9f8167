#include "protocols/dash/dash_endpoint.h"

#include <algorithm>

#include "protocols/dash/mpd.h"

namespace haze::dash {

std::string RenderStoreMpd(const cmaf::SegmentStore& store, const std::string& utc_timing_url,
                           int64_t now_ms, const cmaf::TrackChoice& choice) {
  constexpr int64_t kMsNs = 1000000;
  Mpd mpd;
  mpd.dynamic = !store.ended();
  mpd.availability_start_ms = store.stats().unix_offset_ms;
  mpd.publish_ms = now_ms;
  mpd.time_shift_buffer_ns = store.buffer_options().dvr_ms * kMsNs;
  mpd.utc_timing_url = utc_timing_url;
  int64_t longest = 0;
  for (const auto& t : store.cmaf_tracks()) {
    if (!choice.Allows(t.id, t.info.video)) continue;
    Representation r;
    r.id = std::to_string(t.id);
    r.video = t.info.video;
    r.codecs = t.codecs;
    r.width = t.info.width;
    r.height = t.info.height;
    r.fps_n = t.info.fps_n;
    r.fps_d = t.info.fps_d;
    r.sample_rate = t.info.rate;
    r.channels = t.info.channels;
    r.lang = t.info.lang;
    r.timescale = t.info.timescale();
    r.init_template = "$RepresentationID$/init.mp4";
    r.media_template = "$RepresentationID$/$Number$.m4s";
    std::vector<const cmaf::CmafSegment*> done;
    for (const auto& s : t.segments)
      if (s.complete) done.push_back(&s);
    if (mpd.dynamic && done.size() > 3) done.erase(done.begin());  // leaving the window
    if (done.empty()) continue;
    uint64_t bytes = 0;
    int64_t total = 0;
    for (const auto* s : done) {
      r.timeline.push_back({s->base_ts, s->duration_ts});
      bytes += s->full.bytes.size();
      total += s->duration_ns;
      longest = std::max(longest, s->duration_ns);
    }
    r.start_number = done.front()->number;
    r.bandwidth = total > 0 ? bytes * 8000000000ULL / static_cast<uint64_t>(total) : 0;
    mpd.duration_ns = std::max(mpd.duration_ns, done.back()->start_ns + done.back()->duration_ns);
    mpd.representations.push_back(std::move(r));
  }
  if (mpd.representations.empty()) return {};
  mpd.max_segment_ns = longest;
  mpd.min_update_period_ns = std::max<int64_t>(store.buffer_options().segment_ms * kMsNs / 2, 500 * kMsNs);
  mpd.min_buffer_ns = std::max<int64_t>(longest, 1000 * kMsNs);
  return RenderMpd(mpd);
}

}  // namespace haze::dash
