// PushManager: every push and recording of the server. API commands (push_start, push_stop,
// push_stop_graceful, push_list, push_auto_add/remove/list, push_settings) in MistServer's JSON
// shapes; automatic pushes (auto_push) started when their stream becomes active and restarted
// with backoff while it stays active; scheduled pushes and start/end rules checked every second;
// PUSH_OUT_START / PUSH_END / RECORDING_END / OUTPUT_END fired. An identical push (same stream
// and resolved target) never runs twice.
// Thread: main GMainContext only. Owns its Push objects; borrows the dispatcher and the variable
// store, which must outlive it.
#pragma once

#include <json-glib/json-glib.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "push/push.h"
#include "push/push_rules.h"
#include "triggers/trigger_dispatcher.h"
#include "triggers/variable_store.h"

namespace haze::push {

// What the manager needs to know about streams (the stream registry provides it).
struct StreamInfoProvider {
  std::function<std::vector<std::string>(const std::string& stream)> tags;  // may be empty
  std::function<std::string(const std::string& stream)> source;             // may be empty
};

struct PushSettings {
  uint32_t wait = 3;      // seconds before an automatic push is (re)started
  uint32_t maxspeed = 0;  // automatic starts per check pass, 0 = unlimited
};

class PushManager {
 public:
  PushManager(triggers::TriggerDispatcher* triggers, triggers::VariableStore* variables,
              StreamInfoProvider streams = {}, SourceFactory source = DefaultSourceFactory());
  ~PushManager();
  PushManager(const PushManager&) = delete;
  PushManager& operator=(const PushManager&) = delete;

  // Stream lifecycle hooks, called by the stream registry.
  void StreamStarted(const std::string& name);
  void StreamStopped(const std::string& name);

  // Starts a push of one stream (PUSH_OUT_START, variables, dedupe). |done| gets the push id.
  using StartDone = std::function<void(Result<uint64_t>)>;
  void StartPush(const std::string& stream, const std::string& target, StartDone done = nullptr);

  // --- API commands (MistServer shapes) ---
  // {stream, target} or [stream, target]; stream may be "base+" or "#tag" (active streams).
  Status ApiPushStart(JsonNode* request);
  // A push id, an array of ids, or a stream name.
  void ApiPushStop(JsonNode* request, bool graceful);
  // [[id, stream, original target, target, [logs], {status}], ...]. Transfer full.
  JsonNode* ApiPushList() const;
  // Returns the new entry's id.
  Result<std::string> ApiAutoAdd(JsonNode* request);
  // An id, a stream name, an entry ({stream,target} / array), or an array of those.
  void ApiAutoRemove(JsonNode* request);
  // The `auto_push` object {id: entry}. Transfer full.
  JsonObject* ApiAutoList() const;
  // MistServer's `push_auto_list` arrays: [stream, target, scheduletime, completetime,
  // start variable, op, value, end variable, op, value] per entry. Transfer full.
  JsonArray* ApiAutoListArrays() const;
  // Updates from {wait, maxspeed} when |request| is an object; returns the current settings.
  JsonObject* ApiSettings(JsonNode* request);

  // --- config (auto_push, push_settings) ---
  Status LoadConfig(JsonObject* auto_push, JsonObject* push_settings);
  void SetConfigChangedCallback(std::function<void()> cb) { config_changed_ = std::move(cb); }

  // Shutdown: no push starts from now on; running ones stop gracefully (files finish).
  void Shutdown();
  size_t running() const { return pushes_.size(); }
  const Push* Find(uint64_t id) const;
  // Test hook: run the once-a-second check now.
  void CheckNow() { Check(); }

 private:
  struct AutoState {
    int64_t next_attempt_us = 0;  // monotonic
    uint32_t backoff_s = 0;
  };
  using AutoKey = std::pair<std::string, std::string>;  // (auto id, stream)

  void Continue(const std::string& stream, const std::string& original, std::string target,
                const std::string& auto_id, StartDone done);
  void OnPushEnded(uint64_t id);
  void Check();
  void CheckEntry(const AutoPush& entry, int64_t now_unix, int& started);
  bool AutoRunning(const AutoKey& key) const;
  void StopAuto(const AutoKey& key);
  triggers::VariableMap Variables(const std::string& stream) const;
  std::vector<std::string> Tags(const std::string& stream) const;
  std::vector<std::string> ExpandStreams(const std::string& spec) const;
  void ConfigChanged();

  triggers::TriggerDispatcher* triggers_;
  triggers::VariableStore* variables_;
  StreamInfoProvider streams_;
  SourceFactory source_;
  PushSettings settings_;
  std::set<std::string> active_;
  std::map<std::string, AutoPush> auto_;
  std::map<AutoKey, AutoState> auto_state_;
  std::set<AutoKey> auto_pending_;                                // waiting for PUSH_OUT_START
  std::set<std::pair<std::string, std::string>> manual_pending_;  // (stream, target) deciding
  std::map<uint64_t, std::unique_ptr<Push>> pushes_;
  std::map<uint64_t, AutoKey> push_auto_;     // push id -> auto entry that started it
  std::vector<std::unique_ptr<Push>> ended_;  // destroyed from an idle callback
  uint64_t next_id_ = 1;
  GSource* timer_ = nullptr;
  GSource* reaper_ = nullptr;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::function<void()> config_changed_;
  bool shutting_down_ = false;
};

}  // namespace haze::push
