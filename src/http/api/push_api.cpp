// push_start, push_stop, push_stop_graceful, push_list, push_auto_add, push_auto_remove,
// push_auto_list and push_settings, in MistServer's shapes, over push::PushManager.
#include "http/api/api_context.h"
#include "push/push_manager.h"

namespace haze::http {
namespace {

JsonNode* Unavailable() { return ErrorNode("pushes are not available"); }

JsonNode* ObjectNode(JsonObject* o) {
  JsonNode* n = json_node_init_object(json_node_alloc(), o);
  json_object_unref(o);
  return n;
}

JsonNode* ArrayNode(JsonArray* a) {
  JsonNode* n = json_node_init_array(json_node_alloc(), a);
  json_array_unref(a);
  return n;
}

JsonNode* PushList(ApiContext& ctx, JsonNode*) {
  return ctx.pushes ? ctx.pushes->ApiPushList() : Unavailable();
}

JsonNode* PushStart(ApiContext& ctx, JsonNode* arg) {
  if (!ctx.pushes) return Unavailable();
  if (auto st = ctx.pushes->ApiPushStart(arg); !st) return ErrorNode(st.error().ToString());
  return ctx.pushes->ApiPushList();
}

JsonNode* PushStop(ApiContext& ctx, JsonNode* arg) {
  if (!ctx.pushes) return Unavailable();
  ctx.pushes->ApiPushStop(arg, false);
  return ctx.pushes->ApiPushList();
}

JsonNode* PushStopGraceful(ApiContext& ctx, JsonNode* arg) {
  if (!ctx.pushes) return Unavailable();
  ctx.pushes->ApiPushStop(arg, true);
  return ctx.pushes->ApiPushList();
}

JsonNode* AutoList(ApiContext& ctx, JsonNode*) {
  if (!ctx.pushes) return Unavailable();
  return ArrayNode(ctx.pushes->ApiAutoListArrays());
}

JsonNode* AutoAdd(ApiContext& ctx, JsonNode* arg) {
  if (!ctx.pushes) return Unavailable();
  auto id = ctx.pushes->ApiAutoAdd(arg);
  if (!id) return ErrorNode(id.error().ToString());
  return ObjectNode(ctx.pushes->ApiAutoList());
}

JsonNode* AutoRemove(ApiContext& ctx, JsonNode* arg) {
  if (!ctx.pushes) return Unavailable();
  ctx.pushes->ApiAutoRemove(arg);
  return ObjectNode(ctx.pushes->ApiAutoList());
}

JsonNode* Settings(ApiContext& ctx, JsonNode* arg) {
  if (!ctx.pushes) return Unavailable();
  return ObjectNode(ctx.pushes->ApiSettings(arg));
}

}  // namespace

void RegisterPushApi(CommandTable& table) {
  table.Add("push_start", &PushStart);
  table.Add("push_stop", &PushStop);
  table.Add("push_stop_graceful", &PushStopGraceful);
  table.Add("push_list", &PushList);
  table.Add("push_auto_add", &AutoAdd);
  table.Add("push_auto_remove", &AutoRemove);
  table.Add("push_auto_list", &AutoList);
  table.Add("push_settings", &Settings);
}

}  // namespace haze::http
