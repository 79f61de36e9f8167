// TriggerDispatcher: runs the configured handlers of a trigger. Fire() for fire-and-forget
// triggers, Decide() for triggers whose sync handlers decide (bool or rewrite). Handlers that
// hang, crash or flood never block the caller: everything is asynchronous on the main context.
// Thread: construct, call and destroy on the main GMainContext (thread-default at construction);
// callbacks run there. Destroying the dispatcher kills running handlers; pending Decide callbacks
// are then never called.
#pragma once

#include <libsoup/soup.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "triggers/handler_run.h"
#include "triggers/trigger_config.h"
#include "triggers/trigger_types.h"

namespace haze::triggers {

struct DispatcherOptions {
  uint32_t term_after_ms = 10000;  // executables get SIGTERM, HTTP requests are cancelled
  uint32_t kill_after_ms = 14000;  // executables get SIGKILL
  size_t max_response_bytes = 64 * 1024;
  // Handlers running at once; beyond it a handler is not started and counts as failed (its
  // default applies), so an event storm cannot fork without bound.
  size_t max_running = 64;
  std::string instance_id;  // MIST_INSTANCE / X-Instance
  std::string server_name;  // MIST_NAME / X-Name
};

// Per-trigger statistics (Prometheus mist_trigger_count / _time / _fails).
struct TriggerStats {
  uint64_t count = 0;     // handler runs finished
  uint64_t total_ms = 0;  // summed run time
  uint64_t fails = 0;     // spawn errors, non-zero exits, signals, timeouts, non-2xx
};

struct Decision {
  bool handled = false;  // at least one handler decided (else: no handler configured)
  bool allow = true;     // bool: every handler said true; rewrite: the response is not empty
  std::string response;  // rewrite: the new value (trimmed); bool: the last response
};

class TriggerDispatcher {
 public:
  explicit TriggerDispatcher(DispatcherOptions options = {});
  ~TriggerDispatcher();
  TriggerDispatcher(const TriggerDispatcher&) = delete;
  TriggerDispatcher& operator=(const TriggerDispatcher&) = delete;

  // Replaces the handler configuration; running handlers continue.
  void SetConfig(TriggerConfig config);
  const TriggerConfig& config() const { return config_; }

  // True when some handler would run for |name| on |stream| (cheap: lets callers skip building
  // expensive payloads). With |sync_only|, only sync handlers count.
  bool HasHandlers(std::string_view name, std::string_view stream = {},
                   const std::vector<std::string>& tags = {}, bool sync_only = false) const;

  // Fire-and-forget: every matching handler runs; responses are ignored.
  void Fire(std::string_view name, std::string_view stream, const std::vector<std::string>& lines,
            const std::vector<std::string>& tags = {});

  // Runs every matching handler; non-sync ones as in Fire(). The sync ones run in parallel and
  // |done| gets the combined decision once all finished (each at most kill_after_ms).
  // A failed or timed-out handler answers its `default`; without one, bool triggers answer
  // "true" (MistServer's default) and rewrite triggers deny (MistServer would use "true" as the
  // new name). With no sync handler matching, |done| runs before Decide returns with
  // handled=false, allow=true.
  using DecisionDone = std::function<void(Decision)>;
  void Decide(std::string_view name, std::string_view stream, const std::vector<std::string>& lines,
              DecisionDone done, const std::vector<std::string>& tags = {});

  std::map<std::string, TriggerStats> Stats() const { return stats_; }
  size_t running() const { return runs_.size(); }

 private:
  struct Pending;
  std::vector<const HandlerConfig*> Matching(std::string_view name, std::string_view stream,
                                             const std::vector<std::string>& tags) const;
  std::vector<const HandlerConfig*> MatchingFor(std::string_view name, std::string_view stream,
                                                const std::vector<std::string>& lines,
                                                const std::vector<std::string>& tags) const;
  uint64_t Start(const std::string& name, const HandlerConfig& handler, const std::string& payload,
                 const std::string& uuid, std::function<void(HandlerResult)> done);
  void Record(const std::string& name, int64_t start_us, bool ok);

  DispatcherOptions options_;
  TriggerConfig config_;
  SoupSession* session_ = nullptr;
  uint64_t next_id_ = 1;
  std::map<uint64_t, HandlerRunPtr> runs_;
  std::map<std::string, TriggerStats> stats_;
};

}  // namespace haze::triggers
