#include "http/stream_info.h"

#include <algorithm>

#include "base/log.h"
#include "config/config_loader.h"
#include "core/stream_name.h"
#include "http/api/api_context.h"

#define GST_CAT_DEFAULT haze_http_debug

namespace haze::http {

std::string TrackKey(const dtsc::TrackInfo& t) {
  std::string key = std::string(KindText(t.kind)) + "_" + CodecText(t.codec) + "_";
  if (t.kind == dtsc::TrackKind::kVideo) {
    key += std::to_string(t.width) + "x" + std::to_string(t.height) + "_";
    if (t.fps_n > 0) key += std::to_string(t.fps_n / std::max(1, t.fps_d)) + "fps_";
  } else if (t.kind == dtsc::TrackKind::kAudio) {
    key += std::to_string(t.channels) + "ch_" + std::to_string(t.rate) + "hz_";
  }
  return key + std::to_string(t.id);
}

namespace {

JsonNode* TrackNode(const dtsc::TrackInfo& t) {
  JsonObject* o = nullptr;
  JsonNode* n = NewObjectNode(&o);
  json_object_set_int_member(o, "trackid", t.id);
  json_object_set_string_member(o, "type", KindText(t.kind));
  json_object_set_string_member(o, "codec", CodecText(t.codec));
  json_object_set_int_member(o, "bps", static_cast<int64_t>(t.bps));
  json_object_set_int_member(o, "maxbps", static_cast<int64_t>(t.max_bps));
  json_object_set_int_member(o, "firstms", t.first_ts == dtsc::kNone ? 0 : t.first_ts / 1000000);
  json_object_set_int_member(o, "lastms", t.last_ts == dtsc::kNone ? 0 : t.last_ts / 1000000);
  if (!t.lang.empty()) json_object_set_string_member(o, "lang", t.lang.c_str());
  if (t.kind == dtsc::TrackKind::kVideo) {
    json_object_set_int_member(o, "width", t.width);
    json_object_set_int_member(o, "height", t.height);
    json_object_set_int_member(o, "fpks", t.fps_n > 0 ? 1000LL * t.fps_n / std::max(1, t.fps_d) : 0);
  } else if (t.kind == dtsc::TrackKind::kAudio) {
    json_object_set_int_member(o, "rate", t.rate);
    json_object_set_int_member(o, "channels", t.channels);
  }
  return n;
}

std::string PathOf(const std::string& url) {
  GUri* uri = g_uri_parse(url.c_str(), G_URI_FLAGS_NONE, nullptr);
  std::string out = uri ? g_uri_get_path(uri) : url;
  if (uri) g_uri_unref(uri);
  return out;
}

}  // namespace

JsonNode* BuildStreamInfo(const std::string& stream, const MediaInfo& media, bool vod,
                          const UrlBase& base, int64_t max_keepaway_ms) {
  JsonObject* o = nullptr;
  JsonNode* n = NewObjectNode(&o);
  json_object_set_string_member(o, "type", vod ? "vod" : "live");
  int width = 0, height = 0;
  for (const auto& t : media.tracks)
    if (t.kind == dtsc::TrackKind::kVideo && !width) width = t.width, height = t.height;
  json_object_set_int_member(o, "width", width);
  json_object_set_int_member(o, "height", height);
  json_object_set_int_member(o, "unixoffset", media.stats.unix_offset_ms);
  json_object_set_int_member(o, "selver", 2);
  JsonObject* meta = nullptr;
  json_object_set_member(o, "meta", NewObjectNode(&meta));
  JsonObject* tracks = nullptr;
  json_object_set_member(meta, "tracks", NewObjectNode(&tracks));
  for (const auto& t : media.tracks) json_object_set_member(tracks, TrackKey(t).c_str(), TrackNode(t));
  json_object_set_int_member(meta, "live", vod ? 0 : 1);
  json_object_set_int_member(meta, "buffer_window", media.stats.window_ns / 1000000);
  json_object_set_int_member(meta, "jitter", media.stats.jitter_ms);
  json_object_set_int_member(meta, "bframes", 0);
  json_object_set_int_member(meta, "maxkeepaway", max_keepaway_ms);
  json_object_set_int_member(meta, "version", 4);
  JsonArray* sources = nullptr;
  json_object_set_member(o, "source", NewArrayNode(&sources));
  size_t av = std::count_if(media.tracks.begin(), media.tracks.end(), [](const auto& t) {
    return t.kind == dtsc::TrackKind::kVideo || t.kind == dtsc::TrackKind::kAudio;
  });
  for (const auto& out : Outputs()) {
    if (!OutputFits(out, media.tracks)) continue;
    // A connector that does not run (not in config.protocols) offers no source.
    if ((out.scheme == UrlScheme::kRtmp && base.rtmp_port <= 0) ||
        (out.scheme == UrlScheme::kRtsp && base.rtsp_port <= 0))
      continue;
    std::string url = OutputUrl(out, base, stream);
    JsonObject* s = nullptr;
    json_array_add_element(sources, NewObjectNode(&s));
    json_object_set_string_member(s, "type", out.mime);
    json_object_set_string_member(s, "url", url.c_str());
    if (out.scheme == UrlScheme::kHttp) json_object_set_string_member(s, "relurl", PathOf(url).c_str());
    json_object_set_string_member(s, "hrn", out.name);
    json_object_set_int_member(s, "priority", out.priority);
    json_object_set_int_member(s, "simul_tracks", static_cast<int64_t>(av));
    json_object_set_int_member(s, "total_matches", static_cast<int64_t>(av));
  }
  return n;
}

JsonNode* BuildStreamInfoError(const std::string& reason) { return ErrorNode(reason); }

std::string StreamFromPath(const std::string& path, const std::string& prefix,
                           const std::string& suffix) {
  if (path.size() <= prefix.size() + suffix.size()) return {};
  if (path.compare(0, prefix.size(), prefix) != 0) return {};
  if (path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0) return {};
  std::string raw = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
  if (raw.find('/') != std::string::npos) return {};
  std::string name = core::SanitizeStreamName(raw);
  return name;
}

}  // namespace haze::http
