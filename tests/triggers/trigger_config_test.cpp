// Trigger table, response parsing, stream filters and config parsing (pure logic).
#include "triggers/trigger_config.h"

#include <gtest/gtest.h>
#include <json-glib/json-glib.h>

#include "triggers/trigger_types.h"

namespace haze::triggers {
namespace {

JsonNode* Parse(const char* json) {
  GError* err = nullptr;
  JsonNode* n = json_from_string(json, &err);
  EXPECT_EQ(err, nullptr) << (err ? err->message : "");
  return n;
}

TEST(TriggerTable, HasEveryIssueTrigger) {
  for (const char* name :
       {"SYSTEM_START",  "SYSTEM_STOP",       "STREAM_ADD",      "STREAM_CONFIG", "STREAM_REMOVE",
        "STREAM_SOURCE", "STREAM_LOAD",       "STREAM_READY",    "STREAM_UNLOAD", "STREAM_PUSH",
        "PUSH_REWRITE",  "RTMP_PUSH_REWRITE", "LIVE_TRACK_LIST", "STREAM_BUFFER", "LIVE_BANDWIDTH",
        "STREAM_END",    "INPUT_ABORT",       "DEFAULT_STREAM",  "PLAY_REWRITE",  "CONN_OPEN",
        "CONN_PLAY",     "CONN_CLOSE",        "PUSH_OUT_START",  "PUSH_END",      "RECORDING_END",
        "OUTPUT_END",    "USER_NEW",          "USER_END"}) {
    EXPECT_NE(FindTrigger(name), nullptr) << name;
  }
  EXPECT_EQ(FindTrigger("NOPE"), nullptr);
  EXPECT_EQ(FindTrigger("RECORDING_END")->payload.size(), 12u);
  EXPECT_EQ(FindTrigger("PUSH_END")->payload.size(), 6u);
  EXPECT_EQ(FindTrigger("PUSH_REWRITE")->response, ResponseKind::kRewrite);
  EXPECT_FALSE(FindTrigger("PUSH_REWRITE")->stream_specific);
  EXPECT_EQ(FindTrigger("PUSH_OUT_START")->response, ResponseKind::kRewrite);
  EXPECT_EQ(FindTrigger("PLAY_REWRITE")->response, ResponseKind::kRewrite);
  EXPECT_EQ(FindTrigger("DEFAULT_STREAM")->response, ResponseKind::kRewrite);
  EXPECT_EQ(FindTrigger("STREAM_PUSH")->response, ResponseKind::kBool);
  EXPECT_EQ(FindTrigger("CONN_CLOSE")->response, ResponseKind::kIgnored);
}

TEST(TriggerTable, CapabilitiesShape) {
  JsonObject* caps = TriggerCapabilities();
  JsonObject* t = json_object_get_object_member(caps, "STREAM_END");
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(json_object_get_boolean_member(t, "stream_specific"));
  EXPECT_STREQ(json_object_get_string_member(t, "response"), "Ignored");
  EXPECT_NE(std::string(json_object_get_string_member(t, "payload")).find("viewer seconds\n"),
            std::string::npos);
  json_object_unref(caps);
}

TEST(Responses, BoolParsingMatchesMistServer) {
  for (const char* yes : {"1", "yes", "YES\n", " true", "True", "cont", "continue", "1\n"}) {
    EXPECT_TRUE(ParseBoolResponse(yes)) << yes;
  }
  for (const char* no : {"", "0", "no", "false", "deny", "\n", "2", "y"}) {
    EXPECT_FALSE(ParseBoolResponse(no)) << no;
  }
}

TEST(Responses, TrimsTrailingWhitespaceOnly) {
  EXPECT_EQ(TrimResponse("live+abc\n"), "live+abc");
  EXPECT_EQ(TrimResponse(" x \r\n\t "), " x");
  EXPECT_EQ(TrimResponse("\n\n"), "");
}

TEST(StreamFilter, ExactBaseTagNegation) {
  const std::vector<std::string> none;
  const std::vector<std::string> tags = {"vip"};
  EXPECT_TRUE(StreamFilter().Matches("anything", none));
  StreamFilter f({"live"});
  EXPECT_TRUE(f.Matches("live", none));
  EXPECT_TRUE(f.Matches("live+abc", none));
  EXPECT_FALSE(f.Matches("lively", none));
  EXPECT_FALSE(f.Matches("other", none));
  StreamFilter exact({"live+abc"});
  EXPECT_TRUE(exact.Matches("live+abc", none));
  EXPECT_FALSE(exact.Matches("live+abd", none));
  StreamFilter tag({"#vip"});
  EXPECT_TRUE(tag.Matches("x", tags));
  EXPECT_FALSE(tag.Matches("x", none));
  StreamFilter only_neg({"!live", "!#vip"});
  EXPECT_FALSE(only_neg.Matches("live+a", none));
  EXPECT_FALSE(only_neg.Matches("other", tags));
  EXPECT_TRUE(only_neg.Matches("other", none));
  StreamFilter mixed({"live", "!live+secret"});
  EXPECT_TRUE(mixed.Matches("live+a", none));
  EXPECT_FALSE(mixed.Matches("live+secret", none));
  EXPECT_FALSE(mixed.Matches("other", none));
}

TEST(TriggerConfig, ObjectAndLegacyForms) {
  JsonNode* n = Parse(R"({
    "PUSH_REWRITE": [{"handler": "http://127.0.0.1:1/x", "sync": true, "streams": [],
                      "default": "", "params": ""}],
    "STREAM_BUFFER": [["/usr/bin/handler", false, ["live", "!live+x"]]],
    "LIVE_BANDWIDTH": [{"handler": "/bin/h", "sync": 1, "params": 1000, "default": "false"}]
  })");
  auto config = ParseTriggerConfig(json_node_get_object(n));
  ASSERT_TRUE(config.ok()) << config.error().ToString();
  const auto& pr = config.value().at("PUSH_REWRITE").at(0);
  EXPECT_TRUE(pr.is_http());
  EXPECT_TRUE(pr.sync);
  EXPECT_FALSE(pr.default_response.has_value());
  const auto& sb = config.value().at("STREAM_BUFFER").at(0);
  EXPECT_EQ(sb.handler, "/usr/bin/handler");
  EXPECT_FALSE(sb.sync);
  EXPECT_FALSE(sb.is_http());
  EXPECT_EQ(sb.streams.entries().size(), 2u);
  const auto& lb = config.value().at("LIVE_BANDWIDTH").at(0);
  EXPECT_TRUE(lb.sync);
  EXPECT_EQ(lb.params, "1000");
  EXPECT_EQ(lb.default_response.value_or(""), "false");

  JsonObject* back = TriggerConfigToJson(config.value());
  auto again = ParseTriggerConfig(back);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value().at("STREAM_BUFFER").at(0).streams.entries().at(1), "!live+x");
  json_object_unref(back);
  json_node_unref(n);
}

TEST(TriggerConfig, ErrorsCarryThePath) {
  JsonNode* n = Parse(R"({"CONN_OPEN": [{"sync": true}]})");
  auto config = ParseTriggerConfig(json_node_get_object(n));
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().context, "/triggers/CONN_OPEN/0/handler");
  json_node_unref(n);
  n = Parse(R"({"CONN_OPEN": {"handler": "x"}})");
  EXPECT_FALSE(ParseTriggerConfig(json_node_get_object(n)).ok());
  json_node_unref(n);
}

}  // namespace
}  // namespace haze::triggers
