// HLS playlist rendering (RFC 8216 / 8216bis): media playlists (with LL-HLS parts, preload hint,
// server control, rendition reports), master playlists and MistServer's error playlist.
// Pure C++: values in, text out. Thread: stateless functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace haze::hls {

inline constexpr int64_t kNoTime = INT64_MIN;

struct PlaylistPart {
  int64_t duration_ns = 0;
  std::string uri;
  bool independent = false;
};

struct PlaylistSegment {
  uint64_t msn = 0;
  int64_t duration_ns = 0;
  std::string uri;
  bool discontinuity = false;
  int64_t unix_ms = kNoTime;  // EXT-X-PROGRAM-DATE-TIME, kNoTime to omit
  std::vector<PlaylistPart> parts;  // LL-HLS; only rendered near the live edge
};

struct RenditionReport {
  std::string uri;
  uint64_t last_msn = 0;
  int64_t last_part = -1;  // -1: omit LAST-PART
};

struct MediaPlaylist {
  std::vector<PlaylistSegment> segments;
  uint64_t discontinuity_sequence = 0;
  int64_t min_target_ns = 0;  // TARGETDURATION is at least this, and never under a segment
  std::string map_uri;        // EXT-X-MAP (fMP4), "" for TS
  bool vod = false;           // PLAYLIST-TYPE:VOD + ENDLIST
  // LL-HLS (enabled when part_target_ns > 0)
  int64_t part_target_ns = 0;
  int64_t part_hold_back_ns = 0;  // 0: 3 x PART-TARGET; never under the required 2 x
  std::vector<PlaylistPart> open_parts;  // parts of segment msn = last + 1, still growing
  std::string preload_hint_uri;
  std::vector<RenditionReport> reports;
};

// Seconds with three decimals ("2.000").
std::string Seconds(int64_t ns);
// ISO 8601 UTC with milliseconds ("2026-11-21T23:23:04.123Z").
std::string IsoTime(int64_t unix_ms);
// EXT-X-TARGETDURATION for |p| in whole seconds.
int64_t TargetDurationSeconds(const MediaPlaylist& p);
std::string RenderMediaPlaylist(const MediaPlaylist& p);

struct Variant {
  std::string uri;
  uint64_t bandwidth = 0;  // peak bits/s
  uint64_t average_bandwidth = 0;
  int width = 0, height = 0;
  double frame_rate = 0;
  std::string codecs;       // all codecs of the variant, audio included
  std::string audio_group;  // "" for none
};

struct AudioRendition {
  std::string group;
  std::string name;
  std::string lang;
  std::string uri;
  int channels = 0;
  bool is_default = false;
};

std::string RenderMasterPlaylist(const std::vector<Variant>& variants,
                                 const std::vector<AudioRendition>& audio, bool independent);
// MistServer's answer for a stream that cannot play (yet): 200 with #EXT-X-ERROR.
std::string RenderErrorPlaylist(const std::string& message);

}  // namespace haze::hls
