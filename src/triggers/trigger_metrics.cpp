#include "triggers/trigger_metrics.h"

namespace haze::triggers {

std::string TriggerMetricsText(const std::map<std::string, TriggerStats>& stats) {
  struct Family {
    const char* name;
    const char* help;
    uint64_t TriggerStats::*field;
  };
  const Family families[] = {
      {"mist_trigger_count", "Trigger handler runs.", &TriggerStats::count},
      {"mist_trigger_time", "Milliseconds spent in trigger handlers.", &TriggerStats::total_ms},
      {"mist_trigger_fails", "Failed trigger handler runs.", &TriggerStats::fails},
  };
  std::string out;
  for (const auto& f : families) {
    out += std::string("# HELP ") + f.name + " " + f.help + "\n";
    out += std::string("# TYPE ") + f.name + " counter\n";
    for (const auto& [name, s] : stats) {
      // Trigger names are [A-Z_]: nothing to escape.
      out +=
          std::string(f.name) + "{trigger=\"" + name + "\"} " + std::to_string(s.*f.field) + "\n";
    }
  }
  return out;
}

JsonObject* TriggerMetricsJson(const std::map<std::string, TriggerStats>& stats) {
  JsonObject* o = json_object_new();
  for (const auto& [name, s] : stats) {
    JsonObject* t = json_object_new();
    json_object_set_int_member(t, "count", static_cast<gint64>(s.count));
    json_object_set_int_member(t, "ms", static_cast<gint64>(s.total_ms));
    json_object_set_int_member(t, "fails", static_cast<gint64>(s.fails));
    json_object_set_object_member(o, name.c_str(), t);
  }
  return o;
}

}  // namespace haze::triggers
