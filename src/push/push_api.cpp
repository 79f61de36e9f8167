#include "push/push_api.h"

#include <array>

namespace haze::push {
namespace {

constexpr std::array<const char*, 8> kCommands = {
    "push_start",    "push_stop",        "push_stop_graceful", "push_list",
    "push_auto_add", "push_auto_remove", "push_auto_list",     "push_settings"};

JsonObject* WithPushList(PushManager& pushes) {
  JsonObject* o = json_object_new();
  json_object_set_member(o, "push_list", pushes.ApiPushList());
  return o;
}

JsonObject* WithAutoList(PushManager& pushes) {
  JsonObject* o = json_object_new();
  json_object_set_object_member(o, "auto_push", pushes.ApiAutoList());
  json_object_set_array_member(o, "push_auto_list", pushes.ApiAutoListArrays());
  return o;
}

}  // namespace

std::span<const char* const> PushCommands() { return kCommands; }

Result<JsonObject*> RunPushCommand(PushManager& pushes, std::string_view command,
                                   JsonNode* argument) {
  if (command == "push_start") {
    Status st = pushes.ApiPushStart(argument);
    if (!st.ok()) return st.error();
    return WithPushList(pushes);
  }
  if (command == "push_stop" || command == "push_stop_graceful") {
    pushes.ApiPushStop(argument, command == "push_stop_graceful");
    return WithPushList(pushes);
  }
  if (command == "push_list") return WithPushList(pushes);
  if (command == "push_auto_add") {
    auto id = pushes.ApiAutoAdd(argument);
    if (!id.ok()) return id.error();
    return WithAutoList(pushes);
  }
  if (command == "push_auto_remove") {
    pushes.ApiAutoRemove(argument);
    return WithAutoList(pushes);
  }
  if (command == "push_auto_list") return WithAutoList(pushes);
  if (command == "push_settings") {
    JsonObject* o = json_object_new();
    json_object_set_object_member(o, "push_settings", pushes.ApiSettings(argument));
    return o;
  }
  return Error{ErrorCode::kNotFound, "unknown push command", std::string(command)};
}

}  // namespace haze::push
