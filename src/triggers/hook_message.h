// Turns element messages of a stream pipeline into triggers: `haze-trigger` (triggerhook element)
// into PIPELINE_HOOK, `haze-buffer-state` (dtscsink) into STREAM_BUFFER.
// Thread: main GMainContext (call it from the pipeline's bus watch).
#pragma once

#include <gst/gst.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "triggers/trigger_dispatcher.h"

namespace haze::triggers {

// PIPELINE_HOOK payload for a haze-trigger message, or nullopt for any other message.
// |stream| is used when the element's stream-name property is empty.
std::optional<std::vector<std::string>> HookPayload(GstMessage* message, const std::string& stream);

// Fires PIPELINE_HOOK for a haze-trigger message; returns false for other messages.
bool FireHookMessage(TriggerDispatcher& dispatcher, GstMessage* message, const std::string& stream,
                     const std::vector<std::string>& tags = {});

// STREAM_BUFFER from dtscsink's `haze-buffer-state` messages, with MistServer's semantics: FULL
// is reported once per stream run, healthy again after DRY is RECOVER, EMPTY has no health.
// One instance per server; Forget() a stream when it stops so the next run reports FULL again.
class StreamMessageTriggers {
 public:
  explicit StreamMessageTriggers(TriggerDispatcher& dispatcher) : dispatcher_(dispatcher) {}
  // True when |message| was one of ours (and fired what it should).
  bool Handle(GstMessage* message, const std::string& stream,
              const std::vector<std::string>& tags = {});
  void Forget(const std::string& stream) { streams_.erase(stream); }

 private:
  struct State {
    std::string last;
    bool full_sent = false;
  };
  TriggerDispatcher& dispatcher_;
  std::map<std::string, State> streams_;
};

}  // namespace haze::triggers
