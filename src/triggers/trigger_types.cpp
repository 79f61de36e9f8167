#include "triggers/trigger_types.h"

#include <algorithm>
#include <cctype>

namespace haze::triggers {
namespace {

using K = ResponseKind;

// The 12 lines of RECORDING_END and OUTPUT_END.
std::vector<std::string_view> OutputEndLines() {
  return {"stream name",    "target",          "connector/filetype",  "bytes written",
          "seconds spent",  "unix start time", "unix stop time",      "media milliseconds recorded",
          "first media ms", "last media ms",   "machine exit reason", "human exit reason"};
}

std::vector<TriggerSpec> BuildTable() {
  const std::vector<std::string_view> conn = {"stream name", "client IP", "connector",
                                              "request URL"};
  return {
      {"SYSTEM_START",
       false,
       K::kBool,
       {"server version"},
       "after the server booted",
       "If false, the server shuts down"},
      {"SYSTEM_STOP",
       false,
       K::kBool,
       {"exit reason"},
       "before the server shuts down",
       "If false, shutdown is aborted"},
      {"OUTPUT_START",
       false,
       K::kIgnored,
       {"connector configuration (JSON)"},
       "before a protocol listener starts",
       "None"},
      {"OUTPUT_STOP",
       false,
       K::kIgnored,
       {"connector configuration (JSON)"},
       "after a protocol listener stopped",
       "None"},
      {"STREAM_ADD",
       true,
       K::kBool,
       {"stream name", "configuration (JSON)"},
       "before a stream is added through the API",
       "If false, the stream is not added"},
      {"STREAM_CONFIG",
       true,
       K::kBool,
       {"stream name", "new configuration (JSON)"},
       "before a stream's configuration changes",
       "If false, the change is rejected"},
      {"STREAM_REMOVE",
       true,
       K::kBool,
       {"stream name"},
       "before a stream is deleted",
       "If false, the stream is kept"},
      {"STREAM_SOURCE",
       true,
       K::kRewrite,
       {"stream name"},
       "when the source of a stream is resolved for input start",
       "If not empty, replaces the configured source"},
      {"STREAM_LOAD",
       true,
       K::kBool,
       {"stream name"},
       "before an input is started",
       "If false, the input is not started"},
      {"STREAM_READY",
       true,
       K::kBool,
       {"stream name", "input type"},
       "when an input finished loading",
       "If false, the input shuts down"},
      {"STREAM_UNLOAD",
       true,
       K::kBool,
       {"stream name", "input type", "cancelable/uncancelable", "exit reason"},
       "before an input unloads",
       "If false and cancelable, the input stays loaded"},
      {"STREAM_PUSH", true, K::kBool, conn, "before an incoming push is accepted",
       "If false, the push is rejected"},
      {"PUSH_REWRITE",
       false,
       K::kRewrite,
       {"push URL", "client IP", "stream name"},
       "on any incoming push, before it is accepted",
       "New stream name to use; empty or failure denies"},
      {"RTMP_PUSH_REWRITE",
       false,
       K::kRewrite,
       {"full RTMP URL", "client IP"},
       "on an RTMP publish, before PUSH_REWRITE",
       "New full RTMP URL (stream = last path part); empty or failure denies"},
      {"LIVE_TRACK_LIST",
       true,
       K::kIgnored,
       {"stream name", "track list (JSON)"},
       "when the set of valid tracks changes",
       "None"},
      {"STREAM_BUFFER",
       true,
       K::kIgnored,
       {"stream name", "FULL/DRY/RECOVER/EMPTY", "health (JSON) or last media ms"},
       "when the buffer state changes",
       "None"},
      {"LIVE_BANDWIDTH",
       true,
       K::kBool,
       {"stream name", "bytes per second"},
       "when the stream's bitrate is at or above the `params` threshold",
       "If false, the stream is shut down"},
      {"STREAM_END",
       true,
       K::kIgnored,
       {"stream name", "downloaded bytes", "uploaded bytes", "total viewers", "total inputs",
        "total outputs", "viewer seconds"},
       "when a stream leaves the statistics",
       "None"},
      {"INPUT_ABORT",
       true,
       K::kIgnored,
       {"stream name", "source", "input type", "process id", "machine reason", "human reason"},
       "when an input exits with an error",
       "None"},
      {"DEFAULT_STREAM",
       true,
       K::kRewrite,
       {"default stream setting", "requested stream name", "viewer host", "output type",
        "request URL"},
       "when a requested stream cannot be opened",
       "Fallback stream name; empty denies"},
      {"PLAY_REWRITE", true, K::kRewrite, conn, "before a viewer connects to a stream",
       "Stream name to play; empty or failure denies"},
      {"CONN_OPEN", true, K::kBool, conn, "after a connection was accepted",
       "If false, the connection is closed"},
      {"CONN_PLAY", true, K::kBool, conn, "before the first playback of a connection",
       "If false, playback is refused"},
      {"CONN_CLOSE", true, K::kIgnored, conn, "when a connection closed", "None"},
      {"USER_NEW",
       true,
       K::kBool,
       {"stream name", "client IP", "session token", "connector", "request URL", "session id",
        "JWT valid"},
       "when a new viewer session starts (sessions: not fired yet)",
       "If false, the session is denied"},
      {"USER_END",
       true,
       K::kIgnored,
       {"session token", "streams", "connectors", "hosts", "duration s", "up bytes", "down bytes",
        "tags", "per-host seconds", "per-connector seconds", "per-stream seconds", "session id"},
       "when a viewer session ends (sessions: not fired yet)",
       "None"},
      {"PUSH_OUT_START",
       true,
       K::kRewrite,
       {"stream name", "push target before variables"},
       "before a push out or recording starts",
       "New target (variables still applied); empty or failure aborts the push"},
      {"PUSH_END",
       true,
       K::kIgnored,
       {"push id", "stream name", "target before variables", "target as used",
        "last log lines (JSON array)", "last push status (JSON object)"},
       "when any push stops",
       "None"},
      {"RECORDING_END", true, K::kIgnored, OutputEndLines(), "when a push to a file finished",
       "None"},
      {"OUTPUT_END", true, K::kIgnored, OutputEndLines(), "when an output with a target finished",
       "None"},
      // Haze extension: fired from `triggerhook` elements placed in pipeline templates.
      {"PIPELINE_HOOK",
       true,
       K::kIgnored,
       {"stream name", "hook name", "event (first-buffer/caps/eos/keyframe-gap)",
        "running time ms (-1 if unknown)", "detail (caps, or gap ms)"},
       "when a triggerhook element in a pipeline template reports an event",
       "None"},
  };
}

}  // namespace

std::span<const TriggerSpec> AllTriggers() {
  static const std::vector<TriggerSpec> table = BuildTable();
  return table;
}

const TriggerSpec* FindTrigger(std::string_view name) {
  for (const auto& spec : AllTriggers()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

bool ParseBoolResponse(std::string_view response) {
  size_t i = 0;
  while (i < response.size() && std::isspace(static_cast<unsigned char>(response[i]))) ++i;
  std::string head;
  for (; i < response.size() && head.size() < 4; ++i) {
    head += static_cast<char>(std::tolower(static_cast<unsigned char>(response[i])));
  }
  auto starts = [&](std::string_view p) { return std::string_view(head).substr(0, p.size()) == p; };
  return starts("1") || starts("yes") || starts("true") || starts("cont");
}

std::string TrimResponse(std::string_view response) {
  size_t end = response.size();
  while (end > 0 && std::isspace(static_cast<unsigned char>(response[end - 1]))) --end;
  return std::string(response.substr(0, end));
}

JsonObject* TriggerCapabilities() {
  JsonObject* all = json_object_new();
  for (const auto& spec : AllTriggers()) {
    JsonObject* t = json_object_new();
    json_object_set_string_member(t, "when", std::string(spec.when).c_str());
    json_object_set_boolean_member(t, "stream_specific", spec.stream_specific);
    std::string payload;
    for (auto line : spec.payload) payload += std::string(line) + "\n";
    json_object_set_string_member(t, "payload", payload.c_str());
    const char* kind = spec.response == K::kBool      ? "Boolean"
                       : spec.response == K::kRewrite ? "String"
                                                      : "Ignored";
    json_object_set_string_member(t, "response", kind);
    json_object_set_string_member(t, "response_action", std::string(spec.response_action).c_str());
    json_object_set_object_member(all, std::string(spec.name).c_str(), t);
  }
  return all;
}

}  // namespace haze::triggers
