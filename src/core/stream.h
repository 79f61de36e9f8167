// Stream: one configured (or wildcard) stream at runtime: its pipeline built from a template, its
// optional source command (ts-exec), its DTSC buffer and its status (gst-rtsp-server's "media").
// Thread: main GMainContext; bus messages arrive there through a bus watch.
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

#include <functional>
#include <memory>
#include <string>

#include "base/gst_ref.h"
#include "config/config.h"
#include "core/pipeline_template.h"
#include "core/stream_name.h"
#include "core/stream_registry.h"
#include "dtsc/live_buffer.h"

namespace haze::core {

class Stream {
 public:
  using StatusCallback = std::function<void(Stream&, StreamStatus, const std::string& detail)>;

  Stream(StreamName name, config::StreamConfig config, const TemplateSet& templates,
         StatusCallback on_status);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Builds and starts the pipeline (or, for push sources, waits for a publisher).
  Status Start();
  // Stops the pipeline and the source command; the buffer leaves the registry.
  void Stop(const std::string& reason);

  const StreamName& name() const { return name_; }
  const config::StreamConfig& config() const { return config_; }
  StreamStatus status() const { return status_; }
  const std::string& error() const { return error_; }
  bool is_push() const { return kind_ == TemplateKind::kPush; }
  bool is_vod() const { return kind_ == TemplateKind::kVod; }
  std::shared_ptr<dtsc::LiveBuffer> buffer() const { return buffer_; }
  int64_t started_unix() const { return started_unix_; }
  using MessageCallback = std::function<void(Stream&, GstMessage*)>;
  void SetMessageCallback(MessageCallback cb) { on_message_ = std::move(cb); }

  // Publisher and viewer bookkeeping (the registry's sessions call these).
  bool publishing() const { return publishing_; }
  void SetPublishing(bool publishing);
  void AddViewer() { ++viewers_; ++total_viewers_; idle_since_ = 0; }
  void RemoveViewer();
  uint64_t viewers() const { return viewers_; }
  uint64_t total_viewers() const { return total_viewers_; }
  // Seconds without viewers or publisher; 0 when in use.
  int64_t IdleSeconds() const;

  // Restart handover: the buffer made by the next Start() numbers its fragments from |next|.
  void ContinueNumberingFrom(uint64_t next) { continue_from_ = next; }
  // Selects and expands the template for this stream.
  Result<ExpandedPipeline> Describe() const;

 private:
  Status StartPipeline(const ExpandedPipeline& expanded);
  void Fail(const std::string& reason);
  void Teardown();
  Result<int> SpawnSourceCommand(const std::string& command);
  void SetStatus(StreamStatus status, const std::string& detail = {});
  void OnBusMessage(GstMessage* message);
  void CheckPlayable();
  static gboolean BusWatch(GstBus* bus, GstMessage* message, gpointer self);
  static gboolean OnPoll(gpointer self);
  Result<const PipelineTemplate*> SelectTemplate(std::map<std::string, std::string>* vars) const;

  StreamName name_;
  config::StreamConfig config_;
  const TemplateSet& templates_;
  StatusCallback on_status_;
  MessageCallback on_message_;
  TemplateKind kind_ = TemplateKind::kLive;
  StreamStatus status_ = StreamStatus::kOffline;
  std::string error_;
  GstRef<GstElement> pipeline_;
  guint bus_watch_ = 0;
  guint poll_source_ = 0;
  GRef<GSubprocess> command_;
  std::shared_ptr<dtsc::LiveBuffer> buffer_;
  bool publishing_ = false;
  uint64_t viewers_ = 0;
  uint64_t total_viewers_ = 0;
  int64_t idle_since_ = 0;  // monotonic seconds when the stream became unused, 0 = in use
  int64_t started_unix_ = 0;
  uint64_t continue_from_ = 0;
};

}  // namespace haze::core
