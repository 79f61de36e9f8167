// The JSON API's command table and the context handlers get. One handler file per resource
// registers its commands (streams_api.cpp, config_api.cpp, stats_api.cpp, log_api.cpp,
// variables_api.cpp, system_api.cpp); the router runs them in table order. Thread: main context.
#pragma once

#include <json-glib/json-glib.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "config/config_store.h"
#include "core/log_ring.h"
#include "http/stream_backend.h"

namespace haze::push {
class PushManager;
}  // namespace haze::push

namespace haze::http {

struct TriggerStat {
  uint64_t count = 0;
  uint64_t ms = 0;
  uint64_t fails = 0;
};
// Hook for the trigger module: name -> stats. Unset = no trigger stats.
using TriggerStatsFn = std::function<std::map<std::string, TriggerStat>()>;

// One stream's share of a `totals` sample (streams with no activity are left out).
struct StreamTotals {
  std::string stream;
  uint64_t clients = 0, inputs = 0, outputs = 0;
  uint64_t down_bytes = 0, up_bytes = 0;  // cumulative
};

// One per-interval sample for `totals`: the whole server, and per stream for the `streams` filter.
struct TotalsSample {
  int64_t unix_s = 0;
  uint64_t clients = 0, inputs = 0, outputs = 0;
  uint64_t down_bytes = 0, up_bytes = 0;  // cumulative
  std::vector<StreamTotals> streams;
};

struct ApiContext {
  config::ConfigStore& config;
  StreamBackend& streams;
  core::LogRing& log;
  TriggerStatsFn trigger_stats;
  int64_t started_unix = 0;
  std::deque<TotalsSample> totals;  // oldest first, kept 600 s
  bool streams_changed = false;     // set by stream-editing commands during one request
  // Told after the API added ("STREAM_ADD"), changed ("STREAM_CONFIG") or removed
  // ("STREAM_REMOVE") a stream; |config_json| is the stream's config ("" on removal). The
  // trigger module fires its triggers from here. Unset = nothing.
  std::function<void(const char* event, const std::string& stream, const std::string& config_json)>
      stream_event;
  push::PushManager* pushes = nullptr;  // push_* commands; null = not available
  // Bound listener ports by connector ("HTTP", "RTMP", ...), for capabilities.listen_ports (the
  // web UI builds media URLs from it). Empty until the server started its listeners.
  std::vector<std::pair<std::string, int>> listen_ports;
};

// Runs one command. |arg| is the request's value (borrowed). Returns the answer (transfer full)
// stored under the command's key, or null for no answer.
using Command = std::function<JsonNode*(ApiContext& ctx, JsonNode* arg)>;

class CommandTable {
 public:
  // Adds |name|, or replaces the handler of an existing |name| (keeping its place in the order).
  void Add(const std::string& name, Command command) {
    for (auto& c : commands_)
      if (c.first == name) {
        c.second = std::move(command);
        return;
      }
    commands_.emplace_back(name, std::move(command));
  }
  const std::vector<std::pair<std::string, Command>>& commands() const { return commands_; }
  bool Has(const std::string& name) const {
    for (const auto& c : commands_)
      if (c.first == name) return true;
    return false;
  }

 private:
  std::vector<std::pair<std::string, Command>> commands_;
};

void RegisterStreamsApi(CommandTable& table);
void RegisterConfigApi(CommandTable& table);
void RegisterStatsApi(CommandTable& table);
void RegisterLogApi(CommandTable& table);
void RegisterVariablesApi(CommandTable& table);
void RegisterSystemApi(CommandTable& table);
void RegisterPushApi(CommandTable& table);

// Shared answer pieces (used by non-minimal answers too).
JsonNode* StreamsAnswer(ApiContext& ctx);
JsonNode* ConfigAnswer(ApiContext& ctx);
JsonNode* LogAnswer(ApiContext& ctx, size_t max_lines);

// Small json-glib helpers.
JsonNode* NewObjectNode(JsonObject** out);
JsonNode* NewArrayNode(JsonArray** out);
JsonNode* StringNode(const std::string& s);
JsonNode* IntNode(int64_t v);
JsonNode* ErrorNode(const std::string& message);

}  // namespace haze::http
