#include "protocols/hls/playlist.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace haze::hls {
namespace {

constexpr int64_t kNsPerS = 1000000000;

int64_t CeilSeconds(int64_t ns) { return (ns + kNsPerS - 1) / kNsPerS; }

void AppendPart(std::string& out, const PlaylistPart& part) {
  out += "#EXT-X-PART:DURATION=" + Seconds(part.duration_ns) + ",URI=\"" + part.uri + "\"";
  if (part.independent) out += ",INDEPENDENT=YES";
  out += "\n";
}

int64_t PartTarget(const MediaPlaylist& p) {
  int64_t target = p.part_target_ns;
  for (const auto& s : p.segments)
    for (const auto& part : s.parts) target = std::max(target, part.duration_ns);
  for (const auto& part : p.open_parts) target = std::max(target, part.duration_ns);
  return (target + 999999) / 1000000 * 1000000;  // whole ms, rounded up
}

void AppendHeader(std::string& out, const MediaPlaylist& p, int64_t part_target) {
  bool ll = p.part_target_ns > 0;
  out += "#EXTM3U\n#EXT-X-VERSION:" + std::to_string(ll ? 9 : p.map_uri.empty() ? 3 : 7) + "\n";
  out += "#EXT-X-TARGETDURATION:" + std::to_string(TargetDurationSeconds(p)) + "\n";
  if (ll) {
    int64_t hold = p.part_hold_back_ns > 0 ? std::max(p.part_hold_back_ns, 2 * part_target)
                                           : 3 * part_target;
    out += "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=" + Seconds(hold) + "\n";
    out += "#EXT-X-PART-INF:PART-TARGET=" + Seconds(part_target) + "\n";
  }
  uint64_t first = p.segments.empty() ? 0 : p.segments.front().msn;
  out += "#EXT-X-MEDIA-SEQUENCE:" + std::to_string(first) + "\n";
  if (p.discontinuity_sequence > 0)
    out += "#EXT-X-DISCONTINUITY-SEQUENCE:" + std::to_string(p.discontinuity_sequence) + "\n";
  if (p.vod) out += "#EXT-X-PLAYLIST-TYPE:VOD\n";
  if (!p.map_uri.empty()) out += "#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI=\"" + p.map_uri + "\"\n";
}

}  // namespace

std::string Seconds(int64_t ns) {
  int64_t ms = (ns + 500000) / 1000000;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%lld.%03lld", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  return buf;
}

std::string IsoTime(int64_t unix_ms) {
  time_t secs = static_cast<time_t>(unix_ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(unix_ms % 1000));
  return buf;
}

int64_t TargetDurationSeconds(const MediaPlaylist& p) {
  int64_t longest = p.min_target_ns;
  for (const auto& s : p.segments) longest = std::max(longest, s.duration_ns);
  // EXTINF is written rounded to ms; the target must cover the rounded value too.
  return std::max<int64_t>(1, CeilSeconds((longest + 500000) / 1000000 * 1000000));
}

std::string RenderMediaPlaylist(const MediaPlaylist& p) {
  std::string out;
  out.reserve(128 + p.segments.size() * 96);
  int64_t part_target = p.part_target_ns > 0 ? PartTarget(p) : 0;
  AppendHeader(out, p, part_target);
  // Parts are listed for segments within three target durations of the playlist's end.
  int64_t part_window = 3 * TargetDurationSeconds(p) * kNsPerS, tail = 0;
  size_t parts_from = p.segments.size();
  while (part_target > 0 && parts_from > 0 && tail < part_window)
    tail += p.segments[--parts_from].duration_ns;
  bool need_date = true;
  for (size_t i = 0; i < p.segments.size(); ++i) {
    const PlaylistSegment& s = p.segments[i];
    // A leading one too (after a restart the previous segments were in the playlist before).
    if (s.discontinuity && (i > 0 || s.msn > 0)) out += "#EXT-X-DISCONTINUITY\n";
    if ((need_date || s.discontinuity) && s.unix_ms != kNoTime) {
      out += "#EXT-X-PROGRAM-DATE-TIME:" + IsoTime(s.unix_ms) + "\n";
      need_date = false;
    }
    if (i >= parts_from)
      for (const auto& part : s.parts) AppendPart(out, part);
    out += "#EXTINF:" + Seconds(s.duration_ns) + ",\n" + s.uri + "\n";
  }
  if (part_target > 0) {
    for (const auto& part : p.open_parts) AppendPart(out, part);
    if (!p.preload_hint_uri.empty())
      out += "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"" + p.preload_hint_uri + "\"\n";
    for (const auto& r : p.reports) {
      out += "#EXT-X-RENDITION-REPORT:URI=\"" + r.uri + "\",LAST-MSN=" + std::to_string(r.last_msn);
      if (r.last_part >= 0) out += ",LAST-PART=" + std::to_string(r.last_part);
      out += "\n";
    }
  }
  if (p.vod) out += "#EXT-X-ENDLIST\n";
  return out;
}

std::string RenderMasterPlaylist(const std::vector<Variant>& variants,
                                 const std::vector<AudioRendition>& audio, bool independent) {
  std::string out = "#EXTM3U\n#EXT-X-VERSION:6\n";
  if (independent) out += "#EXT-X-INDEPENDENT-SEGMENTS\n";
  for (const auto& a : audio) {
    out += "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"" + a.group + "\",NAME=\"" + a.name + "\"";
    if (!a.lang.empty() && a.lang != "und") out += ",LANGUAGE=\"" + a.lang + "\"";
    out += std::string(",AUTOSELECT=YES,DEFAULT=") + (a.is_default ? "YES" : "NO");
    if (a.channels > 0) out += ",CHANNELS=\"" + std::to_string(a.channels) + "\"";
    out += ",URI=\"" + a.uri + "\"\n";
  }
  for (const auto& v : variants) {
    out += "#EXT-X-STREAM-INF:BANDWIDTH=" + std::to_string(std::max<uint64_t>(v.bandwidth, 1));
    if (v.average_bandwidth > 0)
      out += ",AVERAGE-BANDWIDTH=" + std::to_string(v.average_bandwidth);
    if (!v.codecs.empty()) out += ",CODECS=\"" + v.codecs + "\"";
    if (v.width > 0 && v.height > 0)
      out += ",RESOLUTION=" + std::to_string(v.width) + "x" + std::to_string(v.height);
    if (v.frame_rate > 0) {
      char fr[32];
      std::snprintf(fr, sizeof(fr), "%.3f", v.frame_rate);
      out += std::string(",FRAME-RATE=") + fr;
    }
    if (!v.audio_group.empty()) out += ",AUDIO=\"" + v.audio_group + "\"";
    out += "\n" + v.uri + "\n";
  }
  return out;
}

std::string RenderErrorPlaylist(const std::string& message) {
  return "#EXTM3U\n#EXT-X-ERROR: " + message + "\n";
}

}  // namespace haze::hls
