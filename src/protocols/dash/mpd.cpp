#include "protocols/dash/mpd.h"

#include <cstdio>

#include "protocols/hls/playlist.h"

namespace haze::dash {
namespace {

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Attr(const char* name, const std::string& value) {
  return std::string(" ") + name + "=\"" + Escape(value) + "\"";
}

void AppendTimeline(std::string& out, const Representation& r) {
  out += "        <SegmentTimeline>\n";
  for (size_t i = 0; i < r.timeline.size();) {
    const TimelineEntry& e = r.timeline[i];
    size_t repeat = 0;
    while (i + repeat + 1 < r.timeline.size() && r.timeline[i + repeat + 1].duration == e.duration &&
           r.timeline[i + repeat + 1].start == e.start + static_cast<int64_t>(repeat + 1) * e.duration)
      ++repeat;
    out += "          <S t=\"" + std::to_string(e.start) + "\" d=\"" + std::to_string(e.duration) + "\"";
    if (repeat) out += " r=\"" + std::to_string(repeat) + "\"";
    out += "/>\n";
    i += repeat + 1;
  }
  out += "        </SegmentTimeline>\n";
}

void AppendRepresentation(std::string& out, const Representation& r) {
  out += "    <AdaptationSet" + Attr("id", r.id) + Attr("contentType", r.video ? "video" : "audio") +
         Attr("mimeType", r.video ? "video/mp4" : "audio/mp4") +
         " segmentAlignment=\"true\" startWithSAP=\"1\"";
  if (!r.video && !r.lang.empty() && r.lang != "und") out += Attr("lang", r.lang);
  out += ">\n      <Representation" + Attr("id", r.id) + Attr("codecs", r.codecs) +
         Attr("bandwidth", std::to_string(r.bandwidth ? r.bandwidth : 1));
  if (r.video) {
    out += Attr("width", std::to_string(r.width)) + Attr("height", std::to_string(r.height));
    if (r.fps_n > 0)
      out += Attr("frameRate", std::to_string(r.fps_n) + (r.fps_d != 1 ? "/" + std::to_string(r.fps_d) : ""));
  } else {
    out += Attr("audioSamplingRate", std::to_string(r.sample_rate));
  }
  out += ">\n";
  if (!r.video)
    out += "        <AudioChannelConfiguration schemeIdUri=\"urn:mpeg:dash:23003:3:audio_channel_configuration:2011\"" +
           Attr("value", std::to_string(r.channels > 0 ? r.channels : 2)) + "/>\n";
  out += "        <SegmentTemplate" + Attr("timescale", std::to_string(r.timescale)) +
         Attr("initialization", r.init_template) + Attr("media", r.media_template) +
         Attr("startNumber", std::to_string(r.start_number)) + ">\n";
  AppendTimeline(out, r);
  out += "        </SegmentTemplate>\n      </Representation>\n    </AdaptationSet>\n";
}

}  // namespace

std::string XsDuration(int64_t ns) { return "PT" + hls::Seconds(ns) + "S"; }

std::string RenderMpd(const Mpd& m) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\"";
  out += m.dynamic ? " profiles=\"urn:mpeg:dash:profile:isoff-live:2011\" type=\"dynamic\""
                   : " profiles=\"urn:mpeg:dash:profile:isoff-live:2011\" type=\"static\"";
  if (m.dynamic) {
    out += Attr("availabilityStartTime", hls::IsoTime(m.availability_start_ms)) +
           Attr("publishTime", hls::IsoTime(m.publish_ms)) +
           Attr("timeShiftBufferDepth", XsDuration(m.time_shift_buffer_ns)) +
           Attr("minimumUpdatePeriod", XsDuration(m.min_update_period_ns));
    if (m.suggested_delay_ns > 0)
      out += Attr("suggestedPresentationDelay", XsDuration(m.suggested_delay_ns));
  } else {
    out += Attr("mediaPresentationDuration", XsDuration(m.duration_ns));
  }
  if (m.max_segment_ns > 0) out += Attr("maxSegmentDuration", XsDuration(m.max_segment_ns));
  out += Attr("minBufferTime", XsDuration(m.min_buffer_ns)) + ">\n";
  out += "  <Period id=\"0\" start=\"PT0S\">\n";
  for (const auto& r : m.representations) AppendRepresentation(out, r);
  out += "  </Period>\n";
  if (!m.utc_timing_url.empty())
    out += "  <UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:http-iso:2014\"" +
           Attr("value", m.utc_timing_url) + "/>\n";
  out += "</MPD>\n";
  return out;
}

}  // namespace haze::dash
