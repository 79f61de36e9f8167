// Stream variables and custom variables.
#include "triggers/variables.h"

#include <gtest/gtest.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "support/soup_listen.h"
#include "triggers/variable_store.h"

namespace haze::triggers {
namespace {

std::time_t FixedTime() {
  std::tm tm{};
  tm.tm_year = 2024 - 1900;
  tm.tm_mon = 2;  // March
  tm.tm_mday = 5;
  tm.tm_hour = 7;
  tm.tm_min = 8;
  tm.tm_sec = 9;
  tm.tm_isdst = -1;
  return std::mktime(&tm);  // local time, as BuildVariables formats it
}

TEST(Variables, StreamAndTimeVariables) {
  VariableContext ctx;
  ctx.stream = "live+john";
  ctx.source = "push://";
  VariableMap v = BuildVariables(ctx, FixedTime());
  EXPECT_EQ(v["basename"], "live");
  EXPECT_EQ(v["wildcard"], "john");
  EXPECT_EQ(v["pluswildcard"], "+john");
  EXPECT_EQ(v["datetime"], "2024.03.05.07.08.09");
  EXPECT_EQ(v["wday"], "2");  // Tuesday, Monday = 1
  EXPECT_EQ(v["yday"], "065");
  EXPECT_EQ(v["week"], "10");
  EXPECT_EQ(v.count("seconds"), 0u);  // MistServer has only $second
  EXPECT_EQ(v.count("segmentCounter"), 0u);
  EXPECT_EQ(ExpandVariables("/rec/$wildcard/$datetime.mkv", v),
            "/rec/john/2024.03.05.07.08.09.mkv");
  EXPECT_EQ(ExpandVariables("auto_$basename_$wildcard.ts", v), "auto_live_john.ts");
  EXPECT_EQ(ExpandVariables("${stream}x$pluswildcard", v), "live+johnx+john");
  EXPECT_EQ(ExpandVariables("$unknown ${nope} $ $$stream", v), "$unknown ${nope} $ $live+john");

  ctx.stream = "plain";
  ctx.segment_counter = 7;
  ctx.current_media_time_ms = 12000;
  v = BuildVariables(ctx, FixedTime());
  EXPECT_EQ(ExpandVariables("$basename$pluswildcard-$segmentCounter-$currentMediaTime", v),
            "plain-7-12000");
}

TEST(Variables, CustomVariablesRecurseButNotForever) {
  VariableMap custom = {{"dir", "/rec/$stream"}, {"loop", "$loop!"}, {"stream", "hijack"}};
  VariableContext ctx;
  ctx.stream = "s";
  ctx.custom = &custom;
  VariableMap v = BuildVariables(ctx, FixedTime());
  EXPECT_EQ(v["stream"], "s");  // built-ins win
  EXPECT_EQ(ExpandVariables("$dir/a.ts", v), "/rec/s/a.ts");
  std::string looped = ExpandVariables("$loop", v);
  EXPECT_EQ(looped, "$loop" + std::string(10, '!'));
  EXPECT_TRUE(UsesVariable("/x/$segmentCounter.ts", "segmentCounter"));
  EXPECT_TRUE(UsesVariable("/x/${currentMediaTime}.ts", "currentMediaTime"));
  EXPECT_FALSE(UsesVariable("/x/$streamx", "stream"));
}

template <typename F>
bool RunUntil(F cond) {
  gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  while (!cond() && g_get_monotonic_time() < deadline) g_main_context_iteration(nullptr, TRUE);
  return cond();
}

TEST(VariableStore, StaticAndCommandVariables) {
  VariableStore store;
  JsonNode* n = json_from_string(R"(["site", "studio-1"])", nullptr);
  ASSERT_TRUE(store.Add(n).ok());
  json_node_unref(n);
  // A command line, split into argv without a shell ("a b" stays one argument).
  n = json_from_string(R"({"name": "greeting", "target": "/bin/echo 'hello  there'",
                           "interval": 60})",
                       nullptr);
  ASSERT_TRUE(store.Add(n).ok());
  json_node_unref(n);
  EXPECT_EQ(store.Values().at("site"), "studio-1");
  ASSERT_TRUE(RunUntil([&] { return store.Values().at("greeting") == "hello  there"; }));
  JsonObject* list = store.ToJson();
  EXPECT_EQ(json_object_get_int_member(json_object_get_object_member(list, "greeting"), "interval"),
            60);
  json_object_unref(list);
  n = json_from_string(R"(["site"])", nullptr);
  store.Remove(n);
  json_node_unref(n);
  EXPECT_EQ(store.Values().count("site"), 0u);
  n = json_from_string(R"(["bad name!", "x"])", nullptr);
  EXPECT_FALSE(store.Add(n).ok());
  json_node_unref(n);
}

TEST(VariableStore, UrlVariableIsFetchedWithHeader) {
  SoupServer* server = soup_server_new(nullptr, nullptr);
  std::string header;
  soup_server_add_handler(
      server, "/",
      [](SoupServer*, SoupServerMessage* msg, const char*, GHashTable*, gpointer data) {
        const char* h = soup_message_headers_get_one(soup_server_message_get_request_headers(msg),
                                                     "X-Custom-Variable");
        *static_cast<std::string*>(data) = h ? h : "";
        soup_server_message_set_status(msg, 200, nullptr);
        soup_server_message_set_response(msg, "text/plain", SOUP_MEMORY_STATIC, "42\n", 3);
      },
      &header, nullptr);
  const int port = haze::testing::ListenLoopback(server);
  ASSERT_GT(port, 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  {
    VariableStore store;
    CustomVariable v;
    v.name = "viewers";
    v.target = url;
    v.interval = 30;
    ASSERT_TRUE(store.Add(v).ok());
    ASSERT_TRUE(RunUntil([&] { return store.Values().at("viewers") == "42"; }));
    EXPECT_EQ(header, "viewers");
  }
  soup_server_disconnect(server);
  g_object_unref(server);
}

}  // namespace
}  // namespace haze::triggers
