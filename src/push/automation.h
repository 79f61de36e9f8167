// Automation: the trigger dispatcher, the custom variables and the push manager as one unit the
// composition root owns. Applies the config sections `triggers`, `variables`, `auto_push`,
// `push_settings` (re-loading a section only when it changed), writes API edits back, and maps
// stream status changes to PushManager::StreamStarted/StreamStopped.
// Thread: main GMainContext only. Owns all three; they live as long as this object.
#pragma once

#include <json-glib/json-glib.h>

#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "push/push_manager.h"
#include "triggers/trigger_dispatcher.h"
#include "triggers/variable_store.h"

namespace haze::push {

class Automation {
 public:
  explicit Automation(triggers::DispatcherOptions options = {}, StreamInfoProvider streams = {},
                      SourceFactory source = DefaultSourceFactory());
  ~Automation();
  Automation(const Automation&) = delete;
  Automation& operator=(const Automation&) = delete;

  // Reads the sections from the config root (missing sections = empty). A section whose JSON did
  // not change since the last call is not re-applied (custom variables keep their values).
  Status ApplyConfig(JsonObject* root);
  // Writes `auto_push`, `push_settings` and `variables` into |root| (after API edits).
  void WriteConfig(JsonObject* root);
  // Called after push/variable API edits changed what WriteConfig would write.
  void SetConfigChangedCallback(std::function<void()> cb);

  // Stream became active / inactive (the registry's status observer).
  void StreamActive(const std::string& stream, bool active);

  triggers::TriggerDispatcher& triggers() { return *triggers_; }
  triggers::VariableStore& variables() { return *variables_; }
  PushManager& pushes() { return *pushes_; }

 private:
  std::unique_ptr<triggers::TriggerDispatcher> triggers_;
  std::unique_ptr<triggers::VariableStore> variables_;
  std::unique_ptr<PushManager> pushes_;
  std::string last_triggers_, last_variables_, last_pushes_;
  std::function<void()> changed_;
};

}  // namespace haze::push
