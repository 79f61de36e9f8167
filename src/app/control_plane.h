// ControlPlane: triggers, custom variables and pushes (push::Automation) connected to the rest of
// the server: the registry's decision hooks (RTMP_PUSH_REWRITE, PUSH_REWRITE, STREAM_PUSH,
// PLAY_REWRITE), stream lifecycle triggers, STREAM_BUFFER and LIVE_TRACK_LIST from the buffers,
// the push_* API commands and the trigger metrics. Thread: main GMainContext.
#pragma once

#include <glib.h>

#include <map>
#include <string>

#include "config/config_store.h"
#include "core/stream_registry.h"
#include "http/http_layer.h"
#include "push/automation.h"
#include "triggers/payloads.h"

namespace haze::app {

class ControlPlane {
 public:
  ControlPlane(config::ConfigStore& config, core::StreamRegistry& registry, http::HttpLayer& http);
  ~ControlPlane();
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  // Applies the config and fires SYSTEM_START.
  void Start();
  // Shutdown, step one: SYSTEM_STOP fires (a notification: a signal's shutdown is not
  // abortable), no push starts any more and running ones stop gracefully (recordings finish on
  // the EOS their closing streams send). Triggers fired from now on still run.
  void BeginShutdown(const std::string& reason);
  // True while pushes are still finishing or trigger handlers still running.
  bool Busy();
  push::Automation& automation() { return automation_; }

 private:
  void InstallHooks();
  void PushRewrite(const core::PublishRequest& request, const std::string& url,
                   const std::string& name, core::StreamRegistry::RewriteDone done);
  void OnStatus(const std::string& stream, core::StreamStatus status, const std::string& detail);
  void PollBuffers();
  std::vector<std::string> TagsOf(const std::string& stream) const;

  config::ConfigStore& config_;
  core::StreamRegistry& registry_;
  http::HttpLayer& http_;
  push::Automation automation_;
  struct Watch {
    triggers::BufferTriggerTracker tracker;
    size_t tracks = 0;
  };
  std::map<std::string, Watch> watches_;
  guint poll_ = 0;
  Subscription config_sub_;
  Subscription status_sub_;
};

}  // namespace haze::app
