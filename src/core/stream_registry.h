// StreamRegistry: name -> running Stream (the gst-rtsp-server "mount points" of Haze). Starts
// streams on demand (first viewer or incoming push), keeps always_on streams running, stops idle
// ones after inputtimeout, and implements StreamHost for the protocol servers.
// Thread: main GMainContext only. Snapshots are plain copies.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/observer_list.h"
#include "config/config.h"
#include "core/pipeline_template.h"
#include "core/stream_host.h"

namespace haze::core {

enum class StreamStatus { kOffline, kBooting, kWaiting, kOnline, kShuttingDown, kFailed };
// "Offline", "Booting", "Waiting for data", "Online", "Shutting down", "Failed".
const char* StreamStatusName(StreamStatus status);
// MistServer's numeric state for the `streams` API: 0 offline/error, 1 active, 2 inactive...
int StreamStatusCode(StreamStatus status);

struct StreamSnapshot {
  std::string name;
  StreamStatus status = StreamStatus::kOffline;
  std::string error;  // reason when Failed
  bool vod = false;
  uint64_t viewers = 0;   // open PlaySessions
  uint64_t inputs = 0;    // 1 while a pipeline or publisher feeds it
  uint64_t outputs = 0;   // pushes
  uint64_t total_viewers = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  int64_t started_unix = 0;
  std::vector<std::string> tags;
  std::shared_ptr<dtsc::LiveBuffer> buffer;  // null when not running
};

// One open connection (publisher or viewer), for the `clients` API.
struct ClientSnapshot {
  uint64_t id = 0;
  std::string host;
  std::string stream;
  std::string protocol;  // "INPUT:RTMP", "OUTPUT:..." or the connector for viewers
  int64_t connected_unix = 0;
  uint64_t bytes_down = 0;  // sent to the client
  uint64_t bytes_up = 0;    // received from the client
};

class Stream;

class StreamRegistry : public StreamHost {
 public:
  using StatusObserver =
      std::function<void(const std::string& stream, StreamStatus status, const std::string& detail)>;

  explicit StreamRegistry(const TemplateSet& templates);
  ~StreamRegistry() override;

  // Applies a new configuration: starts always_on streams, stops removed ones, restarts streams
  // whose source or pipeline changed.
  void Reconcile(const config::ServerConfig& config);

  // Starts |name| (a configured stream or a wildcard child) if it is not running.
  Status Start(const std::string& name);
  void Stop(const std::string& name);

  std::vector<StreamSnapshot> Snapshots() const;
  std::optional<StreamSnapshot> Snapshot(const std::string& name) const;
  std::vector<ClientSnapshot> Clients() const;
  // The configured stream for |name| (wildcards resolve to their base), or null.
  const config::StreamConfig* ConfigFor(const std::string& name) const;
  // The gst-launch line the stream would run (for --print-pipeline), with its exec command.
  Result<ExpandedPipeline> DescribePipeline(const std::string& name) const;

  // The observer stays until the returned subscription is destroyed.
  [[nodiscard]] Subscription AddStatusObserver(StatusObserver observer);
  // Stops every stream (shutdown): their end triggers fire through the status observers.
  void StopAll(const std::string& reason);
  // Restart handover: each running stream's next fragment number; and, in the new process, the
  // numbers its streams continue from when they start.
  std::map<std::string, uint64_t> NextFragmentNumbers() const;
  void ContinueNumbering(std::map<std::string, uint64_t> next);

  // Decision hooks for the trigger system. Each answers later on the main context.
  // Rewrite: the stream name or key to use instead of the requested one, or an error to refuse
  // (RTMP_PUSH_REWRITE + PUSH_REWRITE for publishers, PLAY_REWRITE for viewers).
  using RewriteDone = std::function<void(Result<std::string>)>;
  using PublishRewrite = std::function<void(const PublishRequest&, RewriteDone)>;
  using PlayRewrite = std::function<void(const PlayRequest&, RewriteDone)>;
  // Accept: the last word on a resolved publish (STREAM_PUSH).
  using AcceptDone = std::function<void(bool)>;
  using PublishAccept =
      std::function<void(const std::string& stream, const PublishRequest&, AcceptDone)>;
  void SetPublishHooks(PublishRewrite rewrite, PublishAccept accept);
  void SetPlayRewrite(PlayRewrite rewrite);
  // Element messages from stream pipelines (triggerhook's "haze-trigger", dtscsink's state).
  using MessageObserver = std::function<void(const std::string& stream, GstMessage* message)>;
  void SetMessageObserver(MessageObserver observer);

  // StreamHost
  void AuthorizePublish(const PublishRequest& request, PublishDone done) override;
  void OpenForPlay(const PlayRequest& request, PlayDone done) override;

 public:
  struct Impl;  // shared with the sessions (they hold a weak reference)

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace haze::core
