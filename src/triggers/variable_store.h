// VariableStore: MistServer's custom variables (config `variables`; API variable_add /
// variable_remove / variable_list). A variable is static (a value), or a command line or
// http(s) URL whose output (first 127 bytes, trimmed) becomes the value, refreshed every
// `interval` seconds. Thread: main GMainContext only. Commands run without a shell (the line is
// split into argv like a shell would, but never interpreted).
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "base/result.h"
#include "triggers/handler_run.h"
#include "triggers/variables.h"

namespace haze::triggers {

struct CustomVariable {
  std::string name;
  std::string target;     // "" = static
  uint32_t interval = 0;  // seconds between refreshes; 0 = run once
  std::string value;
  uint32_t wait_time = 0;  // seconds a refresh may take (default = interval, at least 1)
  int64_t last_unix = 0;   // when the value was last refreshed
};

class VariableStore {
 public:
  VariableStore();
  ~VariableStore();
  VariableStore(const VariableStore&) = delete;
  VariableStore& operator=(const VariableStore&) = delete;

  // variable_add: [name, value] | [name, target, interval] | [name, target, interval, value]
  // | [name, target, interval, value, waitTime] | {name, target, interval, value, waitTime}.
  Status Add(JsonNode* request);
  Status Add(CustomVariable variable);
  // variable_remove: a name or an array of names.
  void Remove(JsonNode* request);
  void Remove(const std::string& name);
  // variable_list / config `variables`: {name: {target, interval, value, waitTime, lastunix}}.
  // Transfer full.
  JsonObject* ToJson() const;
  // Loads the config `variables` object (replaces everything).
  Status Load(JsonObject* variables);

  // Current values, for BuildVariables (VariableContext::custom).
  const VariableMap& Values() const { return values_; }
  // Called after a value changed (config persistence, push rules).
  void SetChangedCallback(std::function<void()> cb) { changed_ = std::move(cb); }

 private:
  struct Entry;
  void Schedule(Entry& e);
  void Refresh(const std::string& name);
  void Apply(const std::string& name, const HandlerResult& result);

  std::map<std::string, std::unique_ptr<Entry>> vars_;
  VariableMap values_;
  SoupSession* session_;
  std::function<void()> changed_;
};

}  // namespace haze::triggers
