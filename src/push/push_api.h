// MistServer's push API commands on a PushManager, answer members included, so the API layer
// registers each command with one line. Thread: main GMainContext.
#pragma once

#include <json-glib/json-glib.h>

#include <span>
#include <string_view>

#include "base/result.h"
#include "push/push_manager.h"

namespace haze::push {

// push_start, push_stop, push_stop_graceful, push_list, push_auto_add, push_auto_remove,
// push_auto_list, push_settings.
std::span<const char* const> PushCommands();

// Runs |command| with its request value |argument| (may be null). Returns the members to merge
// into the API answer (transfer full): "push_list" for push_start/push_stop*/push_list,
// "auto_push" and "push_auto_list" for push_auto_*, "push_settings" for push_settings.
// After push_auto_add/remove/push_settings the caller saves the config (Automation::WriteConfig).
Result<JsonObject*> RunPushCommand(PushManager& pushes, std::string_view command,
                                   JsonNode* argument);

}  // namespace haze::push
