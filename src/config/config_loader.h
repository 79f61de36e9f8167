// JSON (json-glib) -> typed ServerConfig. Errors carry a JSON-pointer-like path
// ("/streams/live/DVR"). Pure conversion: no I/O. Thread: any.
#pragma once

#include <json-glib/json-glib.h>

#include <string>

#include "base/result.h"
#include "config/config.h"

namespace haze::config {

// Converts a whole config document. Unknown keys are ignored here (they stay in the JSON).
Result<ServerConfig> ParseServerConfig(JsonNode* root);
Result<StreamConfig> ParseStreamConfig(const std::string& name, JsonNode* node);

// Parses JSON text into a node (owned by the caller's JsonParser-free copy).
Result<JsonNode*> ParseJsonText(const std::string& text, const std::string& context);
std::string ToJsonText(JsonNode* node, bool pretty);
// A copy that shares nothing with |node| (json_node_copy shares objects and arrays).
JsonNode* DeepCopyJson(JsonNode* node);

}  // namespace haze::config
