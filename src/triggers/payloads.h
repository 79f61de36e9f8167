// Payload lines of the triggers, built from typed values so every caller sends MistServer's
// lines in MistServer's order (see trigger_types.cpp for the table). Also the STREAM_BUFFER
// state tracker and the health / track list JSON. Pure logic. Thread: any.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dtsc/live_buffer.h"

namespace haze::triggers {

using Lines = std::vector<std::string>;

// CONN_OPEN, CONN_PLAY, CONN_CLOSE, PLAY_REWRITE, STREAM_PUSH.
Lines ConnPayload(const std::string& stream, const std::string& client_ip,
                  const std::string& connector, const std::string& url);
// PUSH_REWRITE: push URL, client IP, parsed stream name.
Lines PushRewritePayload(const std::string& url, const std::string& client_ip,
                         const std::string& stream);
// RTMP_PUSH_REWRITE: full RTMP URL, client IP.
Lines RtmpPushRewritePayload(const std::string& url, const std::string& client_ip);
// STREAM_READY: name, input type ("Buffer", "MP4"...).
Lines StreamReadyPayload(const std::string& stream, const std::string& input_type);
// STREAM_UNLOAD: name, input type, "cancelable"/"uncancelable", reason. Haze puts the reason on
// its own line (MistServer glued it to the third line).
Lines StreamUnloadPayload(const std::string& stream, const std::string& input_type, bool cancelable,
                          const std::string& reason);
struct StreamTotals {
  uint64_t bytes_down = 0, bytes_up = 0, viewers = 0, inputs = 0, outputs = 0;
  uint64_t viewer_seconds = 0;
};
// STREAM_END: name, downloaded, uploaded, viewers, inputs, outputs, viewer seconds.
Lines StreamEndPayload(const std::string& stream, const StreamTotals& totals);
// INPUT_ABORT: name, source, input type, pid, machine reason, human reason.
Lines InputAbortPayload(const std::string& stream, const std::string& source,
                        const std::string& input_type, const std::string& machine_reason,
                        const std::string& human_reason);
// DEFAULT_STREAM: defaultStream setting, requested name, viewer host, output type, request URL.
Lines DefaultStreamPayload(const std::string& default_stream, const std::string& requested,
                           const std::string& host, const std::string& output_type,
                           const std::string& url);
// LIVE_TRACK_LIST: name, track list JSON (followed by a newline, as MistServer sends it).
Lines LiveTrackListPayload(const std::string& stream, const std::vector<dtsc::TrackInfo>& tracks);
// LIVE_BANDWIDTH: name, bytes per second.
Lines LiveBandwidthPayload(const std::string& stream, uint64_t bytes_per_second);

// {"<id>": {type, codec, idx, bps, maxbps, width, height, fpks | rate, channels, lang}}.
std::string TrackListJson(const std::vector<dtsc::TrackInfo>& tracks);
// MistServer's buffer health object: top-level buffer (ms), jitter, maxkeepaway, tracks[] and
// one object per track {buffer, jitter, kbits, codec, fps/width/height | rate/channels}, plus
// "issues" when there are any.
std::string BufferHealthJson(const dtsc::BufferStats& stats,
                             const std::vector<dtsc::TrackInfo>& tracks, int64_t max_keepaway_ms);

// Turns successive buffer snapshots into STREAM_BUFFER payloads: FULL (first time full), DRY,
// RECOVER, EMPTY (with the last media ms when the buffer ended with data). One per state change;
// BOOTING is never reported.
class BufferTriggerTracker {
 public:
  std::optional<Lines> Update(const std::string& stream, const dtsc::BufferStats& stats,
                              const std::vector<dtsc::TrackInfo>& tracks,
                              int64_t max_keepaway_ms = 45000);

 private:
  dtsc::BufferState last_ = dtsc::BufferState::kBooting;
  bool full_sent_ = false;
};

}  // namespace haze::triggers
