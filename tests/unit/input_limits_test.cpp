// Limits before parsing: the JSON shape scan, the config.limits keys, the API's recent-peer set.
#include <gtest/gtest.h>

#include <string>

#include "base/json_scan.h"
#include "config/config_loader.h"
#include "http/api/auth.h"
#include "http/glob.h"

namespace haze {
namespace {

std::string Nested(int depth, char open = '[', char close = ']') {
  return std::string(size_t(depth), open) + std::string(size_t(depth), close);
}

TEST(JsonShape, DepthIsCountedOutsideStringsOnly) {
  JsonShapeLimits limits{1 << 20, 4};
  JsonShape shape;
  EXPECT_EQ(CheckJsonShape(Nested(4), limits, &shape), "");
  EXPECT_EQ(shape.depth, 4);
  EXPECT_EQ(CheckJsonShape(Nested(5), limits), "JSON nested deeper than 4 levels");
  // Brackets inside strings, escaped quotes included, do not nest.
  EXPECT_EQ(CheckJsonShape(R"({"a":"[[[[[[[[\"[[[[[[","b":[1]})", limits, &shape), "");
  EXPECT_EQ(shape.depth, 2);
  // Objects and arrays count alike; closing brackets bring the depth down again.
  EXPECT_EQ(CheckJsonShape(R"({"a":[{"b":[1]}],"c":[{"d":[2]}]})", limits, &shape), "");
  EXPECT_EQ(shape.depth, 4);
  EXPECT_NE(CheckJsonShape(R"({"a":[{"b":[{}]}]})", limits), "");
}

TEST(JsonShape, HundredThousandLevelsAreRefusedBeforeParsing) {
  std::string deep = Nested(100000);
  EXPECT_EQ(CheckJsonShape(deep, JsonShapeLimits{1 << 20, 64}),
            "JSON nested deeper than 64 levels");
  // ParseJsonText scans first: json-glib never sees the text (it would recurse 100,000 deep).
  auto parsed = config::ParseJsonText(deep, "request");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(parsed.error().ToString(), "request: JSON nested deeper than 64 levels");
}

TEST(JsonShape, SizeLimit) {
  EXPECT_EQ(CheckJsonShape("[1,2,3]", JsonShapeLimits{7, 64}), "");
  EXPECT_EQ(CheckJsonShape("[1,2,34]", JsonShapeLimits{7, 64}),
            "JSON document of 8 bytes exceeds 7");
  // Unbalanced text is left to the parser to report.
  EXPECT_EQ(CheckJsonShape("]]]]}}}[", JsonShapeLimits{64, 2}), "");
  auto parsed = config::ParseJsonText("]]]]}}}[", "t", JsonShapeLimits{64, 2});
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, ErrorCode::kParse);
}

config::ServerConfig Parse(const std::string& text, Error* error = nullptr) {
  auto node = config::ParseJsonText(text, "t");
  EXPECT_TRUE(node.ok());
  auto cfg = config::ParseServerConfig(node.value());
  json_node_unref(node.value());
  if (!cfg.ok()) {
    if (error) *error = cfg.error();
    return {};
  }
  return cfg.value();
}

TEST(ConfigLimits, DefaultsAndOverrides) {
  config::ServerConfig d = Parse("{}");
  EXPECT_EQ(d.limits.json_depth, 64);
  EXPECT_EQ(d.limits.api_body_bytes, 4 * 1024 * 1024);
  EXPECT_EQ(d.limits.api_preauth_body_bytes, 16 * 1024);
  EXPECT_EQ(d.limits.http_body_bytes, 64 * 1024);
  EXPECT_EQ(d.limits.ws_message_bytes, 64 * 1024);
  EXPECT_EQ(d.limits.rtmp_message_bytes, 8 * 1024 * 1024);
  config::ServerConfig c =
      Parse(R"({"config":{"limits":{"json_depth":8,"api_preauth_body_bytes":"2048"}}})");
  EXPECT_EQ(c.limits.json_depth, 8);
  EXPECT_EQ(c.limits.api_preauth_body_bytes, 2048);
  EXPECT_EQ(c.limits.api_body_bytes, 4 * 1024 * 1024);
}

TEST(ConfigLimits, OutOfRangeNamesTheKey) {
  Error e;
  Parse(R"({"config":{"limits":{"json_depth":100000}}})", &e);
  EXPECT_EQ(e.context, "/config/limits/json_depth");
  EXPECT_EQ(e.message, "must be between 4 and 512");
  Parse(R"({"config":{"limits":{"rtmp_message_bytes":0}}})", &e);
  EXPECT_EQ(e.context, "/config/limits/rtmp_message_bytes");
  Parse(R"({"config":{"limits":[]}})", &e);
  EXPECT_EQ(e.context, "/config/limits");
}

TEST(RecentPeers, ExpireAndStayBounded) {
  http::RecentPeers peers;
  peers.Remember("10.0.0.1", 0);
  EXPECT_TRUE(peers.Contains("10.0.0.1", http::RecentPeers::kTtlUs - 1));
  EXPECT_FALSE(peers.Contains("10.0.0.1", http::RecentPeers::kTtlUs));
  EXPECT_FALSE(peers.Contains("10.0.0.2", 0));
  for (size_t i = 0; i < http::RecentPeers::kMaxPeers + 10; ++i)
    peers.Remember("192.168.0." + std::to_string(i), 1);
  EXPECT_EQ(peers.size(), http::RecentPeers::kMaxPeers);
  EXPECT_FALSE(peers.Contains("192.168.0." + std::to_string(http::RecentPeers::kMaxPeers), 2));
  // Once entries expire, new peers take their room.
  peers.Remember("172.16.0.1", http::RecentPeers::kTtlUs + 2);
  EXPECT_TRUE(peers.Contains("172.16.0.1", http::RecentPeers::kTtlUs + 3));
  EXPECT_EQ(peers.size(), 1u);
}

TEST(GlobMatch, RoutePatternsOnArbitraryBytes) {
  using http::GlobMatch;
  static_assert(GlobMatch("/json_*.js", "/json_live.js"));
  EXPECT_TRUE(GlobMatch("/*.flv", "/live.flv"));
  EXPECT_TRUE(GlobMatch("/*.flv", "/.flv"));
  EXPECT_FALSE(GlobMatch("/*.flv", "/live.flv.x"));
  EXPECT_TRUE(GlobMatch("/*.flv", "/a.flv.b.flv"));
  EXPECT_TRUE(GlobMatch("/a?c", "/abc"));
  EXPECT_FALSE(GlobMatch("/a?c", "/ac"));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_FALSE(GlobMatch("", "x"));
  EXPECT_TRUE(GlobMatch("/*_*.js", "/json_x_y.js"));
  // Invalid UTF-8 (what crashed GLib's matcher) is just bytes here.
  EXPECT_TRUE(GlobMatch("/*.flv", std::string_view("/\xff\xfe\xc3.flv", 8)));
  EXPECT_FALSE(GlobMatch("/json_*.js", std::string_view("/json_\xe0\x80", 8)));
  // Many stars against a long near-miss stay cheap.
  std::string text(10000, 'a');
  EXPECT_FALSE(GlobMatch("*a*a*a*a*a*a*a*b", text));
}

}  // namespace
}  // namespace haze
