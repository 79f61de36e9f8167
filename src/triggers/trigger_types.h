// The single trigger table: every trigger Haze knows, its payload lines, whether it is
// stream-specific, and how a sync handler's response is used; plus response parsing shared by all
// handler kinds. Pure logic, no GObject except the capabilities JSON. Thread: any (immutable).
#pragma once

#include <json-glib/json-glib.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace haze::triggers {

// How the caller uses a sync handler's response.
enum class ResponseKind {
  kIgnored,  // fire-and-forget: the response is never used
  kBool,     // true/false decides (all handlers must say true)
  kRewrite,  // the response is a new name/URL/target; empty or failure denies
};

struct TriggerSpec {
  std::string_view name;
  bool stream_specific = true;  // stream filters apply
  ResponseKind response = ResponseKind::kIgnored;
  std::vector<std::string_view> payload;  // line descriptions, in order
  std::string_view when;                  // capabilities "when" text
  std::string_view response_action;       // capabilities "response_action" text
};

std::span<const TriggerSpec> AllTriggers();
const TriggerSpec* FindTrigger(std::string_view name);

// MistServer's boolean parsing: true when the response, after leading whitespace, starts with
// "1", "yes", "true" or "cont" (case-insensitive). Every handler kind uses this.
bool ParseBoolResponse(std::string_view response);

// Haze trims trailing whitespace (spaces, tabs, CR, LF) from every response before use.
// MistServer uses responses verbatim, so an `echo`-ed newline ended up inside stream names.
std::string TrimResponse(std::string_view response);

// The "triggers" object of the capabilities API answer, in MistServer's shape:
// {NAME: {when, stream_specific, payload, response, response_action}}. Transfer full.
JsonObject* TriggerCapabilities();

}  // namespace haze::triggers
