// Automation: config sections in, API edits out.
#include "push/automation.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include "push/push_api.h"

namespace haze::push {
namespace {

JsonObject* Root(const char* json) {
  JsonNode* n = json_from_string(json, nullptr);
  JsonObject* o = json_object_ref(json_node_get_object(n));
  json_node_unref(n);
  return o;
}

TEST(Automation, AppliesSectionsAndWritesEditsBack) {
  gst_init(nullptr, nullptr);
  Automation a;
  JsonObject* root = Root(R"({
    "triggers": {"CONN_OPEN": [{"handler": "/bin/true", "sync": true}]},
    "variables": {"site": {"value": "studio"}},
    "auto_push": {"x": {"stream": "live+", "target": "/tmp/haze-never/$wildcard.mkv"}},
    "push_settings": {"wait": 7, "maxspeed": 1},
    "streams": {}
  })");
  ASSERT_TRUE(a.ApplyConfig(root).ok());
  EXPECT_TRUE(a.triggers().HasHandlers("CONN_OPEN", "s", {}, true));
  EXPECT_EQ(a.variables().Values().at("site"), "studio");
  JsonObject* list = a.pushes().ApiAutoList();
  EXPECT_EQ(json_object_get_size(list), 1u);
  json_object_unref(list);

  // An API edit, written back: ids are MistServer-style md5 keys.
  JsonNode* add =
      json_from_string(R"({"stream": "cam", "target": "/tmp/haze-never/c.ts"})", nullptr);
  ASSERT_TRUE(a.pushes().ApiAutoAdd(add).ok());
  json_node_unref(add);
  a.WriteConfig(root);
  EXPECT_EQ(json_object_get_size(json_object_get_object_member(root, "auto_push")), 2u);
  EXPECT_EQ(
      json_object_get_int_member(json_object_get_object_member(root, "push_settings"), "wait"), 7);
  // Re-applying the written document changes nothing; a broken section is an error with a path.
  ASSERT_TRUE(a.ApplyConfig(root).ok());
  JsonObject* bad = Root(R"({"triggers": {"CONN_OPEN": [{"sync": true}]}})");
  auto st = a.ApplyConfig(bad);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().context, "/triggers/CONN_OPEN/0/handler");
  EXPECT_TRUE(a.triggers().HasHandlers("CONN_OPEN", "s", {}, true));  // old config kept
  json_object_unref(bad);
  json_object_unref(root);
}

TEST(PushApi, CommandsAnswerInMistServerShapes) {
  gst_init(nullptr, nullptr);
  Automation a;
  EXPECT_EQ(PushCommands().size(), 8u);
  JsonNode* add = json_from_string(R"(["cam", "/tmp/haze-never/x.ts"])", nullptr);
  auto r = RunPushCommand(a.pushes(), "push_auto_add", add);
  json_node_unref(add);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(json_object_get_size(json_object_get_object_member(r.value(), "auto_push")), 1u);
  EXPECT_EQ(json_array_get_length(json_object_get_array_member(r.value(), "push_auto_list")), 1u);
  json_object_unref(r.value());
  r = RunPushCommand(a.pushes(), "push_list", nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(json_array_get_length(json_object_get_array_member(r.value(), "push_list")), 0u);
  json_object_unref(r.value());
  JsonNode* bad = json_from_string(R"({"stream": "cam", "target": "/x/y.avi"})", nullptr);
  EXPECT_FALSE(RunPushCommand(a.pushes(), "push_start", bad).ok());
  json_node_unref(bad);
  r = RunPushCommand(a.pushes(), "push_settings", nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(
      json_object_get_int_member(json_object_get_object_member(r.value(), "push_settings"), "wait"),
      3);
  json_object_unref(r.value());
  EXPECT_FALSE(RunPushCommand(a.pushes(), "push_nope", nullptr).ok());
}

}  // namespace
}  // namespace haze::push
