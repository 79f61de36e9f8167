// libFuzzer entry: JSON for config.triggers, auto_push entries and custom variables (API input).
#include <json-glib/json-glib.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config_loader.h"
#include "push/push_rules.h"
#include "triggers/trigger_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto parsed = haze::config::ParseJsonText(text, "fuzz");  // as the API parses its input
  if (!parsed.ok()) return 0;
  JsonNode* node = parsed.value();
  if (JSON_NODE_HOLDS_OBJECT(node)) {
    auto config = haze::triggers::ParseTriggerConfig(json_node_get_object(node));
    if (config.ok()) json_object_unref(haze::triggers::TriggerConfigToJson(config.value()));
  }
  auto entry = haze::push::ParseAutoPush(node);
  if (entry.ok()) {
    json_object_unref(entry->ToJson());
    haze::triggers::VariableMap vars = {{"x", "5"}};
    if (entry->start_rule) (void)haze::push::EvaluateRule(*entry->start_rule, vars);
    (void)entry->MatchesStream("live+x", {"tag"});
  }
  json_node_unref(node);
  return 0;
}
