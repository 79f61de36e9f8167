// Turns `haze-trigger` element messages (posted by the triggerhook element) into PIPELINE_HOOK
// triggers. Thread: main GMainContext (call it from the pipeline's bus watch).
#pragma once

#include <gst/gst.h>

#include <optional>
#include <string>
#include <vector>

#include "triggers/trigger_dispatcher.h"

namespace haze::triggers {

// PIPELINE_HOOK payload for a haze-trigger message, or nullopt for any other message.
// |stream| is used when the element's stream-name property is empty.
std::optional<std::vector<std::string>> HookPayload(GstMessage* message,
                                                    const std::string& stream);

// Fires PIPELINE_HOOK for a haze-trigger message; returns false for other messages.
bool FireHookMessage(TriggerDispatcher& dispatcher, GstMessage* message,
                     const std::string& stream, const std::vector<std::string>& tags = {});

}  // namespace haze::triggers
