// Prometheus and JSON renderings of the per-trigger statistics (MistServer's mist_trigger_count,
// mist_trigger_time, mist_trigger_fails; JSON `triggers{name:{count,ms,fails}}`). Haze writes
// valid exposition text: HELP and TYPE for every family and a space before each value.
// Pure logic. Thread: any.
#pragma once

#include <json-glib/json-glib.h>

#include <map>
#include <string>

#include "triggers/trigger_dispatcher.h"

namespace haze::triggers {

std::string TriggerMetricsText(const std::map<std::string, TriggerStats>& stats);
JsonObject* TriggerMetricsJson(const std::map<std::string, TriggerStats>& stats);  // transfer full

}  // namespace haze::triggers
