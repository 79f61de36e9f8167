// Stream variables as MistServer defines them ($stream, $basename, $wildcard, $pluswildcard,
// $source, $datetime, $year ... $second, $wday, $yday, $week, $currentMediaTime,
// $segmentCounter, custom ones) and their substitution. Pure logic. Thread: any.
#pragma once

#include <cstdint>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace haze::triggers {

using VariableMap = std::map<std::string, std::string>;

struct VariableContext {
  std::string stream;                            // full (sanitized) name, "live+john"
  std::string source;                            // configured source, "" if unknown
  std::optional<int64_t> current_media_time_ms;  // segmenting pushes only
  std::optional<uint64_t> segment_counter;       // segmenting pushes only
  const VariableMap* custom = nullptr;           // custom variables (VariableStore::Values())
};

// All variables for |context| at unix time |now| (local time, like strftime). Custom variables
// never override built-in ones.
VariableMap BuildVariables(const VariableContext& context, std::time_t now);

// Replaces `$name` and `${name}`. At each `$` the longest known name wins ("$basename_x" uses
// $basename); unknown names are left as they are. Values are expanded again (a custom variable
// may contain `$stream`), up to 10 levels.
std::string ExpandVariables(std::string_view text, const VariableMap& vars);

// True when |text| references `$name` or `${name}`.
bool UsesVariable(std::string_view text, std::string_view name);

}  // namespace haze::triggers
