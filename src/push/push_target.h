// Push targets: the last-`?` rule, MistServer's target parameters, the target kind chosen by
// scheme or file extension, and the muxer/sink plan for it. Pure logic, no GStreamer objects
// (the plan is data: factory names and property strings). Thread: any.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace haze::push {

enum class TargetKind { kMkv, kWebm, kFlv, kTs, kMp4, kHls, kRtmp, kSrt, kTsUdp };

struct PushParams {
  std::string audio;  // track selectors ("" = default, "none" = no audio)
  std::string video;
  std::optional<double> duration_s;     // stop after this much media time
  std::optional<uint32_t> split_s;      // segment length for .m3u8 (default 60)
  std::optional<int64_t> recstart_ms;   // media time to start at (`recstart` / `start`)
  std::optional<int64_t> recstop_ms;    // media time to stop at (`recstop` / `stop`)
  bool realtime = false;                // keep 1x speed
  std::optional<uint32_t> pushdelay_s;  // stay N s behind live (implies realtime)
  bool append = false;                  // files: append instead of overwrite
  std::vector<std::pair<std::string, std::string>> others;  // everything else, in order
};

struct PushTarget {
  std::string url;    // the part before the last '?'
  std::string query;  // the part after it (without '?'), "" if none
  TargetKind kind = TargetKind::kMkv;
  PushParams params;

  bool is_file() const;
  // MistServer connector name for RECORDING_END/OUTPUT_END ("MP4", "EBML", "FLV", "TS", "HLS",
  // "RTMP", "TSSRT").
  const char* connector() const;
};

// Splits at the last '?', parses the parameters and picks the kind. A URL that needs its own
// query keeps it by ending the target with '?' ("rtmp://h/app/key?x=1?").
Result<PushTarget> ParseTarget(std::string_view target);

// One element of a sink plan: properties are applied with gst_util_set_object_arg.
struct ElementSpec {
  std::string factory;
  std::vector<std::pair<std::string, std::string>> props;
};

struct SinkPlan {
  ElementSpec mux;                  // request pads video_%u / audio_%u (or sink_%u)
  std::optional<ElementSpec> sink;  // absent when the muxer writes itself (hlssink2)
  bool repeat_headers = false;      // h264parse/h265parse config-interval=-1
  // split=N: file name template per segment ($segmentCounter, $currentMediaTime); the runner
  // answers splitmuxsink's format-location-full with it. Empty when not splitting.
  std::string split_location;
};

// Muxer and sink for a target: fragmented MP4, streamable MKV/WebM/FLV, TS with 1316-byte
// alignment for SRT/UDP, so a killed recording stays decodable.
Result<SinkPlan> PlanSink(const PushTarget& target);

// A gst-launch-like rendering of a plan, with URLs redacted (stream keys never reach logs).
std::string DescribePlan(const SinkPlan& plan);

}  // namespace haze::push
