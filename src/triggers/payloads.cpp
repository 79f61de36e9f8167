#include "triggers/payloads.h"

#include <json-glib/json-glib.h>
#include <unistd.h>

namespace haze::triggers {
namespace {

const char* Codec(dtsc::Codec c) { return dtsc::CodecName(c); }
const char* Kind(dtsc::TrackKind k) { return dtsc::KindName(k); }

std::string ToJson(JsonObject* o) {
  JsonNode* n = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(n, o);
  gchar* s = json_to_string(n, FALSE);
  std::string out = s;
  g_free(s);
  json_node_unref(n);
  return out;
}

int64_t WindowMs(const dtsc::TrackInfo& t) {
  if (t.first_ts == dtsc::kNone || t.last_ts == dtsc::kNone) return 0;
  return (t.last_ts - t.first_ts) / 1000000;
}

std::string TrackKey(const dtsc::TrackInfo& t) {
  return std::string(Kind(t.kind)) + "_" + Codec(t.codec) + "_" + std::to_string(t.id);
}

}  // namespace

Lines ConnPayload(const std::string& stream, const std::string& client_ip,
                  const std::string& connector, const std::string& url) {
  return {stream, client_ip, connector, url};
}

Lines PushRewritePayload(const std::string& url, const std::string& client_ip,
                         const std::string& stream) {
  return {url, client_ip, stream};
}

Lines RtmpPushRewritePayload(const std::string& url, const std::string& client_ip) {
  return {url, client_ip};
}

Lines StreamReadyPayload(const std::string& stream, const std::string& input_type) {
  return {stream, input_type};
}

Lines StreamUnloadPayload(const std::string& stream, const std::string& input_type, bool cancelable,
                          const std::string& reason) {
  return {stream, input_type, cancelable ? "cancelable" : "uncancelable", reason};
}

Lines StreamEndPayload(const std::string& stream, const StreamTotals& t) {
  return {stream,
          std::to_string(t.bytes_down),
          std::to_string(t.bytes_up),
          std::to_string(t.viewers),
          std::to_string(t.inputs),
          std::to_string(t.outputs),
          std::to_string(t.viewer_seconds)};
}

Lines InputAbortPayload(const std::string& stream, const std::string& source,
                        const std::string& input_type, const std::string& machine_reason,
                        const std::string& human_reason) {
  return {stream, source, input_type, std::to_string(getpid()), machine_reason, human_reason};
}

Lines DefaultStreamPayload(const std::string& default_stream, const std::string& requested,
                           const std::string& host, const std::string& output_type,
                           const std::string& url) {
  return {default_stream, requested, host, output_type, url};
}

Lines LiveTrackListPayload(const std::string& stream, const std::vector<dtsc::TrackInfo>& tracks) {
  return {stream, TrackListJson(tracks) + "\n"};
}

Lines LiveBandwidthPayload(const std::string& stream, uint64_t bytes_per_second) {
  return {stream, std::to_string(bytes_per_second)};
}

std::string TrackListJson(const std::vector<dtsc::TrackInfo>& tracks) {
  JsonObject* all = json_object_new();
  for (const auto& t : tracks) {
    JsonObject* o = json_object_new();
    json_object_set_string_member(o, "type", Kind(t.kind));
    json_object_set_string_member(o, "codec", Codec(t.codec));
    json_object_set_int_member(o, "idx", t.id);
    json_object_set_int_member(o, "bps", static_cast<gint64>(t.bps));
    json_object_set_int_member(o, "maxbps", static_cast<gint64>(t.max_bps));
    if (t.kind == dtsc::TrackKind::kVideo) {
      json_object_set_int_member(o, "width", t.width);
      json_object_set_int_member(o, "height", t.height);
      json_object_set_int_member(o, "fpks", t.fps_d ? t.fps_n * 1000 / t.fps_d : 0);
    } else if (t.kind == dtsc::TrackKind::kAudio) {
      json_object_set_int_member(o, "rate", t.rate);
      json_object_set_int_member(o, "channels", t.channels);
    }
    if (!t.lang.empty()) json_object_set_string_member(o, "lang", t.lang.c_str());
    json_object_set_object_member(all, std::to_string(t.id).c_str(), o);
  }
  return ToJson(all);
}

std::string BufferHealthJson(const dtsc::BufferStats& stats,
                             const std::vector<dtsc::TrackInfo>& tracks, int64_t max_keepaway_ms) {
  JsonObject* o = json_object_new();
  json_object_set_int_member(o, "buffer", stats.window_ns / 1000000);
  json_object_set_int_member(o, "jitter", stats.jitter_ms);
  json_object_set_int_member(o, "maxkeepaway", max_keepaway_ms);
  JsonArray* names = json_array_new();
  for (const auto& t : tracks) {
    std::string key = TrackKey(t);
    json_array_add_string_element(names, key.c_str());
    JsonObject* to = json_object_new();
    json_object_set_int_member(to, "buffer", WindowMs(t));
    json_object_set_int_member(to, "jitter", stats.jitter_ms);
    json_object_set_int_member(to, "kbits", static_cast<gint64>(t.bps * 8 / 1000));
    json_object_set_string_member(to, "codec", Codec(t.codec));
    if (t.kind == dtsc::TrackKind::kVideo) {
      json_object_set_int_member(to, "fps", t.fps_d ? t.fps_n / t.fps_d : 0);
      json_object_set_int_member(to, "width", t.width);
      json_object_set_int_member(to, "height", t.height);
    } else if (t.kind == dtsc::TrackKind::kAudio) {
      json_object_set_int_member(to, "rate", t.rate);
      json_object_set_int_member(to, "channels", t.channels);
    }
    json_object_set_object_member(o, key.c_str(), to);
  }
  json_object_set_array_member(o, "tracks", names);
  if (!stats.issues.empty()) json_object_set_string_member(o, "issues", stats.issues.c_str());
  return ToJson(o);
}

std::optional<Lines> BufferTriggerTracker::Update(const std::string& stream,
                                                  const dtsc::BufferStats& stats,
                                                  const std::vector<dtsc::TrackInfo>& tracks,
                                                  int64_t max_keepaway_ms) {
  dtsc::BufferState state = stats.state;
  if (state == last_ || state == dtsc::BufferState::kBooting) return std::nullopt;
  dtsc::BufferState previous = last_;
  last_ = state;
  switch (state) {
    case dtsc::BufferState::kFull:
      if (!full_sent_) {
        full_sent_ = true;
        return Lines{stream, "FULL", BufferHealthJson(stats, tracks, max_keepaway_ms)};
      }
      // Healthy again straight after DRY is a RECOVER; FULL is reported once.
      if (previous == dtsc::BufferState::kDry) {
        return Lines{stream, "RECOVER", BufferHealthJson(stats, tracks, max_keepaway_ms)};
      }
      return std::nullopt;
    case dtsc::BufferState::kDry:
      return Lines{stream, "DRY", BufferHealthJson(stats, tracks, max_keepaway_ms)};
    case dtsc::BufferState::kRecover:
      if (previous != dtsc::BufferState::kDry) return std::nullopt;
      return Lines{stream, "RECOVER", BufferHealthJson(stats, tracks, max_keepaway_ms)};
    case dtsc::BufferState::kEmpty: {
      int64_t last_ms = -1;
      for (const auto& t : tracks) {
        if (t.last_ts != dtsc::kNone) last_ms = std::max(last_ms, t.last_ts / 1000000);
      }
      if (last_ms >= 0) return Lines{stream, "EMPTY", std::to_string(last_ms)};
      return Lines{stream, "EMPTY"};
    }
    case dtsc::BufferState::kBooting:
      break;
  }
  return std::nullopt;
}

}  // namespace haze::triggers
