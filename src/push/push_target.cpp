#include "push/push_target.h"

#include <glib.h>

#include <algorithm>

namespace haze::push {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  return std::equal(suffix.rbegin(), suffix.rend(), s.rbegin(),
                    [](char a, char b) { return g_ascii_tolower(a) == g_ascii_tolower(b); });
}
bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string Unescape(std::string_view s) {
  std::string plus(s);
  std::replace(plus.begin(), plus.end(), '+', ' ');
  char* u = g_uri_unescape_string(plus.c_str(), nullptr);
  std::string out = u ? u : plus;
  g_free(u);
  return out;
}

std::optional<int64_t> ToInt(const std::string& v) {
  if (v.empty()) return std::nullopt;
  char* end = nullptr;
  gint64 n = g_ascii_strtoll(v.c_str(), &end, 10);
  if (end == v.c_str()) return std::nullopt;
  return n;
}

bool Truthy(const std::string& v) { return v.empty() || v == "1" || v == "true" || v == "yes"; }

void ApplyParam(PushParams& p, const std::string& key, const std::string& value) {
  if (key == "audio") {
    p.audio = value;
  } else if (key == "video") {
    p.video = value;
  } else if (key == "duration") {
    p.duration_s = g_ascii_strtod(value.c_str(), nullptr);
  } else if (key == "split") {
    if (auto n = ToInt(value)) p.split_s = static_cast<uint32_t>(std::max<int64_t>(1, *n));
  } else if (key == "recstart" || key == "start") {
    p.recstart_ms = ToInt(value);
  } else if (key == "recstop" || key == "stop") {
    p.recstop_ms = ToInt(value);
  } else if (key == "realtime") {
    p.realtime = Truthy(value);
  } else if (key == "pushdelay") {
    if (auto n = ToInt(value)) p.pushdelay_s = static_cast<uint32_t>(std::max<int64_t>(0, *n));
    p.realtime = true;
  } else if (key == "append") {
    p.append = Truthy(value);
  } else {
    p.others.emplace_back(key, value);
  }
}

std::optional<TargetKind> KindOf(std::string_view url) {
  if (StartsWith(url, "rtmp://") || StartsWith(url, "rtmps://")) return TargetKind::kRtmp;
  if (StartsWith(url, "srt://")) return TargetKind::kSrt;
  if (StartsWith(url, "tsudp://")) return TargetKind::kTsUdp;
  if (url.find("://") != std::string_view::npos) return std::nullopt;
  if (EndsWith(url, ".mkv")) return TargetKind::kMkv;
  if (EndsWith(url, ".webm")) return TargetKind::kWebm;
  if (EndsWith(url, ".flv")) return TargetKind::kFlv;
  if (EndsWith(url, ".ts")) return TargetKind::kTs;
  if (EndsWith(url, ".mp4") || EndsWith(url, ".fmp4")) return TargetKind::kMp4;
  if (EndsWith(url, ".m3u8")) return TargetKind::kHls;
  return std::nullopt;
}

// The query a network sink gets: the target parameters Haze does not consume itself.
std::string OthersQuery(const PushParams& p) {
  std::string q;
  for (const auto& [k, v] : p.others) {
    if (!q.empty()) q += '&';
    q += k;
    if (!v.empty()) q += "=" + v;
  }
  return q;
}

// `split=N`: splitmuxsink around the planned muxer; a new file starts on the first keyframe
// after N seconds. File names come from the target with $segmentCounter / $currentMediaTime.
SinkPlan SplitPlan(const PushTarget& t, const SinkPlan& single) {
  SinkPlan s;
  std::string muxer_props = "properties";
  for (const auto& [k, v] : single.mux.props) muxer_props += "," + k + "=" + v;
  s.mux = {"splitmuxsink",
           {{"max-size-time", std::to_string(uint64_t{*t.params.split_s} * 1000000000ULL)},
            {"async-finalize", "true"},
            {"muxer-factory", single.mux.factory},
            {"muxer-properties", muxer_props},
            {"sink-factory", "filesink"},
            {"send-keyframe-requests", "false"}}};
  s.repeat_headers = single.repeat_headers;
  s.split_location = t.url;
  bool numbered = t.url.find("$segmentCounter") != std::string::npos ||
                  t.url.find("${segmentCounter}") != std::string::npos ||
                  t.url.find("$currentMediaTime") != std::string::npos ||
                  t.url.find("${currentMediaTime}") != std::string::npos;
  if (!numbered) {
    // Never overwrite the previous segment: number the files.
    size_t dot = t.url.rfind('.');
    s.split_location = t.url.substr(0, dot) + "_$segmentCounter" + t.url.substr(dot);
  }
  return s;
}

}  // namespace

bool PushTarget::is_file() const {
  return kind != TargetKind::kRtmp && kind != TargetKind::kSrt && kind != TargetKind::kTsUdp;
}

const char* PushTarget::connector() const {
  switch (kind) {
    case TargetKind::kMkv:
    case TargetKind::kWebm:
      return "EBML";
    case TargetKind::kFlv:
      return "FLV";
    case TargetKind::kTs:
    case TargetKind::kTsUdp:
      return "TS";
    case TargetKind::kMp4:
      return "MP4";
    case TargetKind::kHls:
      return "HLS";
    case TargetKind::kRtmp:
      return "RTMP";
    case TargetKind::kSrt:
      return "TSSRT";
  }
  return "";
}

Result<PushTarget> ParseTarget(std::string_view target) {
  PushTarget t;
  size_t q = target.rfind('?');
  t.url = std::string(target.substr(0, q));
  if (q != std::string_view::npos) t.query = std::string(target.substr(q + 1));
  if (t.url.empty()) return Error{ErrorCode::kInvalidArgument, "empty push target", ""};
  auto kind = KindOf(t.url);
  if (!kind) {
    return Error{ErrorCode::kInvalidArgument,
                 "unsupported push target (use .mkv .webm .flv .ts .mp4 .m3u8, rtmp://, "
                 "rtmps://, srt:// or tsudp://)",
                 ""};
  }
  t.kind = *kind;
  if (t.is_file() && t.url[0] != '/') {
    return Error{ErrorCode::kInvalidArgument, "recording paths must be absolute", t.url};
  }
  std::string_view rest = t.query;
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key = Unescape(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : Unescape(pair.substr(eq + 1));
    ApplyParam(t.params, key, value);
  }
  return t;
}

Result<SinkPlan> PlanSink(const PushTarget& t) {
  SinkPlan p;
  ElementSpec file{
      "filesink",
      {{"location", t.url}, {"append", t.params.append ? "true" : "false"}, {"async", "false"}}};
  switch (t.kind) {
    case TargetKind::kMkv:
      // Seekable file: the header gets duration and cues at the end; a killed recording still
      // decodes (clusters are complete on disk).
      p.mux = {"matroskamux", {{"streamable", "false"}}};
      p.sink = file;
      break;
    case TargetKind::kWebm:
      p.mux = {"webmmux", {{"streamable", "false"}}};
      p.sink = file;
      break;
    case TargetKind::kFlv:
      p.mux = {"flvmux", {{"streamable", "false"}}};
      p.sink = file;
      p.repeat_headers = true;
      break;
    case TargetKind::kTs:
      p.mux = {"mpegtsmux", {}};
      p.sink = file;
      p.repeat_headers = true;
      break;
    case TargetKind::kMp4:
      // Fragmented: moov first, then moof/mdat pairs; every fragment on disk stays decodable.
      p.mux = {"mp4mux", {{"fragment-duration", "1000"}, {"streamable", "true"}}};
      p.sink = file;
      break;
    case TargetKind::kHls: {
      std::string stem = t.url.substr(0, t.url.size() - 5);
      p.mux = {"hlssink2",
               {{"playlist-location", t.url},
                {"location", stem + "_%05d.ts"},
                {"target-duration", std::to_string(t.params.split_s.value_or(60))},
                {"playlist-length", "0"},
                {"max-files", "0"},
                {"send-keyframe-requests", "false"}}};
      p.repeat_headers = true;
      break;
    }
    case TargetKind::kRtmp:
      p.mux = {"flvmux", {{"streamable", "true"}}};
      p.sink = ElementSpec{"rtmp2sink", {{"location", t.url}, {"async-connect", "false"}}};
      p.repeat_headers = true;
      break;
    case TargetKind::kSrt: {
      std::string q = OthersQuery(t.params);
      p.mux = {"mpegtsmux", {{"alignment", "7"}}};
      p.sink = ElementSpec{
          "srtsink",
          {{"uri", q.empty() ? t.url : t.url + "?" + q}, {"wait-for-connection", "false"}}};
      p.repeat_headers = true;
      break;
    }
    case TargetKind::kTsUdp: {
      // tsudp://host:port
      std::string hp = t.url.substr(8);
      size_t colon = hp.rfind(':');
      if (colon == std::string::npos || colon + 1 >= hp.size()) {
        return Error{ErrorCode::kInvalidArgument, "tsudp:// needs host:port", ""};
      }
      p.mux = {"mpegtsmux", {{"alignment", "7"}}};
      p.sink = ElementSpec{
          "udpsink",
          {{"host", hp.substr(0, colon)}, {"port", hp.substr(colon + 1)}, {"sync", "false"}}};
      p.repeat_headers = true;
      break;
    }
  }
  if (t.params.split_s && t.is_file() && t.kind != TargetKind::kHls) {
    if (t.kind == TargetKind::kFlv) {
      return Error{ErrorCode::kInvalidArgument, "split is not supported for .flv recordings", ""};
    }
    return SplitPlan(t, p);
  }
  return p;
}

std::string DescribePlan(const SinkPlan& plan) {
  auto one = [](const ElementSpec& e) {
    std::string s = e.factory;
    for (const auto& [k, v] : e.props) {
      bool secret = k == "location" || k == "uri";
      s += " " + k + "=" + (secret && v.find("://") != std::string::npos ? "<redacted>" : v);
    }
    return s;
  };
  std::string s = one(plan.mux);
  if (plan.sink) s += " ! " + one(*plan.sink);
  return s;
}

}  // namespace haze::push
