// JSON (json-glib) -> typed ServerConfig. Errors carry a JSON-pointer-like path
// ("/streams/live/DVR"). Pure conversion: no I/O. Thread: any.
#pragma once

#include <json-glib/json-glib.h>

#include <string>

#include "base/json_scan.h"
#include "base/result.h"
#include "config/config.h"

namespace haze::config {

// Converts a whole config document. Unknown keys are ignored here (they stay in the JSON).
Result<ServerConfig> ParseServerConfig(JsonNode* root);
Result<StreamConfig> ParseStreamConfig(const std::string& name, JsonNode* node);

// Parses JSON text into a node (owned by the caller's JsonParser-free copy). The text's size and
// nesting are checked against |limits| first (CheckJsonShape): json-glib's parser recurses.
Result<JsonNode*> ParseJsonText(const std::string& text, const std::string& context,
                                const JsonShapeLimits& limits = {});
// Config files: larger than a request, as deep.
inline constexpr JsonShapeLimits kConfigFileLimits{64 * 1024 * 1024, 64};
std::string ToJsonText(JsonNode* node, bool pretty);
// A copy that shares nothing with |node| (json_node_copy shares objects and arrays).
JsonNode* DeepCopyJson(JsonNode* node);

}  // namespace haze::config
