#include "app/handover.h"

#include <json-glib/json-glib.h>

#include "base/json_scan.h"
#include "config/config_loader.h"

namespace haze::app {

std::string SerializeHandover(const Handover& handover) {
  JsonBuilder* b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "sockets");
  json_builder_begin_object(b);
  for (const auto& [name, fd] : handover.sockets) {
    json_builder_set_member_name(b, name.c_str());
    json_builder_add_int_value(b, fd);
  }
  json_builder_end_object(b);
  json_builder_set_member_name(b, "fragments");
  json_builder_begin_object(b);
  for (const auto& [name, next] : handover.fragments) {
    json_builder_set_member_name(b, name.c_str());
    json_builder_add_int_value(b, static_cast<gint64>(next));
  }
  json_builder_end_object(b);
  json_builder_end_object(b);
  JsonNode* root = json_builder_get_root(b);
  g_object_unref(b);
  std::string text = config::ToJsonText(root, false);
  json_node_unref(root);
  return text;
}

std::optional<Handover> ParseHandover(const std::string& text) {
  JsonParser* parser = json_parser_new();
  std::optional<Handover> out;
  if (CheckJsonShape(text, JsonShapeLimits{65536, 8}).empty() &&
      json_parser_load_from_data(parser, text.data(), gssize(text.size()), nullptr)) {
    JsonNode* root = json_parser_get_root(parser);
    if (root && JSON_NODE_HOLDS_OBJECT(root)) {
      Handover h;
      JsonObject* o = json_node_get_object(root);
      auto each = [&](const char* key, auto&& take) {
        JsonNode* n = json_object_get_member(o, key);
        if (!n || !JSON_NODE_HOLDS_OBJECT(n)) return;
        JsonObject* m = json_node_get_object(n);
        GList* names = json_object_get_members(m);
        for (GList* l = names; l; l = l->next) {
          JsonNode* v = json_object_get_member(m, static_cast<const char*>(l->data));
          if (JSON_NODE_HOLDS_VALUE(v) && json_node_get_value_type(v) == G_TYPE_INT64)
            take(static_cast<const char*>(l->data), json_node_get_int(v));
        }
        g_list_free(names);
      };
      each("sockets", [&](const char* name, gint64 fd) {
        if (fd >= 3 && fd < 65536) h.sockets[name] = int(fd);
      });
      each("fragments", [&](const char* name, gint64 next) {
        if (next >= 0) h.fragments[name] = uint64_t(next);
      });
      out = std::move(h);
    }
  }
  g_object_unref(parser);
  return out;
}

}  // namespace haze::app
