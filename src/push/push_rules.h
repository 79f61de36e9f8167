// Automatic and scheduled pushes (config `auto_push`): entry parsing in MistServer's object and
// legacy array forms, the stream matcher (exact, `base+`, `#tag`) and start/end rules with
// MistServer's operators. Pure logic over json-glib input. Thread: any.
#pragma once

#include <json-glib/json-glib.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "triggers/variables.h"

namespace haze::push {

// [variable, operator, value]. Operators: 0 true, 1 false (of the expanded variable, parsed
// like a trigger bool), 2 ==, 3 !=, 10-13 numeric > >= < <=, 20-23 lexical > >= < <=.
struct PushRule {
  std::string variable;  // "$name" or "name" (both accepted)
  int op = 0;
  std::string value;
};

struct AutoPush {
  std::string id;  // md5 of the canonical JSON, as MistServer keys `auto_push`
  std::string stream;
  std::string target;
  int64_t schedule_time = 0;  // unix s, 0 = none
  int64_t complete_time = 0;  // unix s, 0 = none
  std::optional<PushRule> start_rule;
  std::optional<PushRule> end_rule;
  std::vector<std::string> inhibit;  // streams / #tags that block this entry
  std::string notes;                 // x-LSP-notes

  // Exact name, "base+" (every wildcard child of base), or "#tag".
  bool MatchesStream(const std::string& name, const std::vector<std::string>& tags) const;
  bool Inhibited(const std::string& name, const std::vector<std::string>& tags) const;
  JsonObject* ToJson() const;  // transfer full
};

// push_auto_add: {stream, target, scheduletime?, completetime?, start_rule?, end_rule?,
// inhibit?, x-LSP-notes?} or [stream, target, sched, complete, var, op, val, var, op, val].
Result<AutoPush> ParseAutoPush(JsonNode* node);

// Evaluates |rule| with variables substituted into both sides.
bool EvaluateRule(const PushRule& rule, const triggers::VariableMap& vars);

}  // namespace haze::push
