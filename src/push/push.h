// Push: one running push or recording. A GStreamer pipeline: the stream's source element
// (dtscsrc) -> per track parser -> queue -> muxer -> sink, as planned by PlanSink. Starts on a
// keyframe, honours duration (recstart/recstop/realtime go to the source), and reports its end
// with MistServer's payloads.
// Thread: construct, Start, Stop and destroy on the main GMainContext; the end callback runs
// there. Pad-added and probes run on streaming threads and only touch the locked Stats.
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "push/push_target.h"

namespace haze::push {

// Builds the source element for a stream (transfer full, floating is fine). The default makes
// `dtscsrc` for the stream and hands it the target parameters it implements: the audio/video
// selectors, recstart/recstop as start/stop (media ms), realtime, and pushdelay (start N s
// behind live, realtime). Properties the element does not have are skipped.
using SourceFactory =
    std::function<GstElement*(const std::string& stream, const PushParams& params)>;
SourceFactory DefaultSourceFactory();

class Push {
 public:
  using EndCallback = std::function<void(Push&)>;

  Push(uint64_t id, std::string stream, std::string original_target, std::string target,
       PushTarget parsed);
  ~Push();
  Push(const Push&) = delete;
  Push& operator=(const Push&) = delete;

  // Builds and starts the pipeline. |on_end| runs once when the push ended (EOS, error or
  // Stop); the owner may destroy the Push inside it.
  Status Start(const SourceFactory& source, EndCallback on_end);
  // graceful: EOS through the muxer (files finish their last fragment, RTMP sends
  // deleteStream), forced after 5 s. Otherwise files still get 1 s to finish, network
  // targets stop at once.
  void Stop(bool graceful);

  uint64_t id() const { return id_; }
  const std::string& stream() const { return stream_; }
  const std::string& original_target() const { return original_target_; }
  const std::string& target() const { return target_; }
  const PushTarget& parsed() const { return parsed_; }
  bool running() const { return pipeline_ != nullptr && !ended_; }
  const std::string& exit_reason() const { return machine_reason_; }
  // Files written so far by a split recording (split=N), in order.
  std::vector<std::string> segments() const {
    std::lock_guard<std::mutex> guard(stats_.lock);
    return stats_.segments;
  }

  // RECORDING_END / OUTPUT_END: the 12 lines.
  std::vector<std::string> OutputEndPayload() const;
  // PUSH_END: id, stream, original target, target, last logs (JSON), status (JSON).
  std::vector<std::string> PushEndPayload() const;
  // push_list entry: [id, stream, original target, target, [logs], {status}]. Transfer full.
  JsonNode* ListEntry() const;
  JsonObject* StatusJson() const;  // transfer full

 private:
  struct Stats {
    std::mutex lock;
    uint64_t bytes = 0;
    int64_t first_pts = -1;  // ns
    int64_t last_pts = -1;
    bool video_started = false;
    int branches = 0;
    int stopped_branches = 0;
    bool planned_stop = false;
    std::vector<std::string> tracks;
    std::vector<std::string> segments;  // files written by a split recording
  };
  struct Branch;

  static void OnPadAdded(GstElement* src, GstPad* pad, gpointer self);
  static void OnNoMorePads(GstElement* src, gpointer self);
  static gchar* OnFormatLocation(GstElement* mux, guint fragment, GstSample* first, gpointer self);
  void LinkSourcePad(GstPad* pad);
  static GstPadProbeReturn OnBuffer(GstPad* pad, GstPadProbeInfo* info, gpointer branch);
  static GstPadProbeReturn OnSinkBuffer(GstPad* pad, GstPadProbeInfo* info, gpointer self);
  static gboolean OnBusMessage(GstBus* bus, GstMessage* msg, gpointer self);
  void HandleBusMessage(GstMessage* msg);
  void End(std::string machine, std::string human);
  void Log(std::string line);
  std::string StatsSnapshotJson() const;

  uint64_t id_;
  std::string stream_, original_target_, target_;
  PushTarget parsed_;
  SinkPlan plan_;
  GstElement* pipeline_ = nullptr;
  GstElement* mux_ = nullptr;
  guint bus_watch_ = 0;
  guint stop_timer_ = 0;
  EndCallback on_end_;
  bool ended_ = false;
  std::atomic<bool> stopping_{false};
  int64_t start_unix_ms_ = 0;
  int64_t stop_unix_ms_ = 0;
  std::string machine_reason_, human_reason_;
  mutable std::mutex logs_lock_;  // Log() also runs on streaming threads (pad-added)
  std::deque<std::string> logs_;
  mutable Stats stats_;
  std::mutex link_lock_;
  std::vector<std::unique_ptr<Branch>> branches_;
};

}  // namespace haze::push
