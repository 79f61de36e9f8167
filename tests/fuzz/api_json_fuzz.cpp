// libFuzzer entry: text as the API, the WebSocket and config loading read it: the shape scan,
// json-glib (only within the limits) and the typed config conversion of what parses.
#include <json-glib/json-glib.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto parsed = haze::config::ParseJsonText(text, "fuzz", haze::JsonShapeLimits{1 << 20, 64});
  if (!parsed.ok()) return 0;
  JsonNode* node = parsed.value();
  if (JSON_NODE_HOLDS_OBJECT(node)) {
    (void)haze::config::ParseServerConfig(node);
    JsonObject* root = json_node_get_object(node);
    JsonNode* streams = json_object_get_member(root, "streams");
    if (streams && JSON_NODE_HOLDS_OBJECT(streams)) {
      JsonObject* s = json_node_get_object(streams);
      GList* names = json_object_get_members(s);
      for (GList* l = names; l; l = l->next) {
        const char* name = static_cast<const char*>(l->data);
        (void)haze::config::ParseStreamConfig(name, json_object_get_member(s, name));
      }
      g_list_free(names);
    }
    JsonNode* copy = haze::config::DeepCopyJson(node);
    (void)haze::config::ToJsonText(copy, false);
    json_node_unref(copy);
  }
  json_node_unref(node);
  return 0;
}
