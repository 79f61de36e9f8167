// Typed trigger configuration: `config.triggers` parsed from JSON (object form and MistServer's
// legacy array form) and the stream filter. Pure logic over json-glib input; no I/O.
// Thread: any. Parsed structs are plain values owned by the caller.
#pragma once

#include <json-glib/json-glib.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace haze::triggers {

// Which streams a handler applies to. Entries: exact name; a base name (also matches every
// wildcard child "base+x"); "#tag"; any of these prefixed with "!" to exclude. An empty list
// matches all streams; a list of only exclusions matches every stream not excluded.
class StreamFilter {
 public:
  StreamFilter() = default;
  explicit StreamFilter(std::vector<std::string> entries) : entries_(std::move(entries)) {}

  bool Matches(std::string_view stream, const std::vector<std::string>& tags) const;
  const std::vector<std::string>& entries() const { return entries_; }

 private:
  std::vector<std::string> entries_;
};

struct HandlerConfig {
  std::string handler;  // http(s):// URL or executable path
  bool sync = false;
  StreamFilter streams;
  std::string params;                           // LIVE_BANDWIDTH threshold (bytes/s)
  std::optional<std::string> default_response;  // unset: see TriggerDispatcher
  bool is_http() const;
};

// name -> handlers, in config order.
using TriggerConfig = std::map<std::string, std::vector<HandlerConfig>>;

// Parses `config.triggers` (the object whose members are trigger names). Unknown trigger names
// are kept (MistServer keeps them too) but logged by the caller if wanted. Errors name the JSON
// path ("/triggers/PUSH_REWRITE/0/handler").
Result<TriggerConfig> ParseTriggerConfig(JsonObject* triggers);

// The reverse, in object form, for the config API. Transfer full.
JsonObject* TriggerConfigToJson(const TriggerConfig& config);

}  // namespace haze::triggers
