// Push target parsing, sink plans and automatic-push rules (pure logic).
#include "push/push_target.h"

#include <gtest/gtest.h>

#include "push/push_rules.h"

namespace haze::push {
namespace {

TEST(PushTarget, LastQuestionMarkRuleAndParameters) {
  auto t = ParseTarget(
      "/rec/a.mkv?duration=5&split=10&recstart=1000&stop=9000&realtime&append=1"
      "&video=maxbps&audio=none&foo=b%20r");
  ASSERT_TRUE(t.ok()) << t.error().ToString();
  EXPECT_EQ(t->url, "/rec/a.mkv");
  EXPECT_EQ(t->kind, TargetKind::kMkv);
  EXPECT_TRUE(t->is_file());
  EXPECT_DOUBLE_EQ(t->params.duration_s.value(), 5.0);
  EXPECT_EQ(t->params.split_s.value(), 10u);
  EXPECT_EQ(t->params.recstart_ms.value(), 1000);
  EXPECT_EQ(t->params.recstop_ms.value(), 9000);
  EXPECT_TRUE(t->params.realtime);
  EXPECT_TRUE(t->params.append);
  EXPECT_EQ(t->params.video, "maxbps");
  EXPECT_EQ(t->params.audio, "none");
  ASSERT_EQ(t->params.others.size(), 1u);
  EXPECT_EQ(t->params.others[0].second, "b r");

  // The URL's own query survives when the target ends with '?'.
  auto yt = ParseTarget("rtmp://a.rtmp.youtube.com/live2/abcd-efgh?backup=1?");
  ASSERT_TRUE(yt.ok());
  EXPECT_EQ(yt->url, "rtmp://a.rtmp.youtube.com/live2/abcd-efgh?backup=1");
  EXPECT_EQ(yt->kind, TargetKind::kRtmp);
  EXPECT_FALSE(yt->is_file());
  auto tw = ParseTarget("rtmps://live.twitch.tv/app/live_123_abc?pushdelay=5");
  ASSERT_TRUE(tw.ok());
  EXPECT_EQ(tw->url, "rtmps://live.twitch.tv/app/live_123_abc");
  EXPECT_EQ(tw->params.pushdelay_s.value(), 5u);
  EXPECT_TRUE(tw->params.realtime);
}

TEST(PushTarget, KindsAndErrors) {
  EXPECT_EQ(ParseTarget("/a/b.webm")->kind, TargetKind::kWebm);
  EXPECT_EQ(ParseTarget("/a/b.FLV")->kind, TargetKind::kFlv);
  EXPECT_EQ(ParseTarget("/a/b.ts")->kind, TargetKind::kTs);
  EXPECT_EQ(ParseTarget("/a/b.mp4")->kind, TargetKind::kMp4);
  EXPECT_EQ(ParseTarget("/a/b.m3u8")->kind, TargetKind::kHls);
  EXPECT_EQ(ParseTarget("srt://1.2.3.4:9000?streamid=x")->kind, TargetKind::kSrt);
  EXPECT_EQ(ParseTarget("tsudp://239.0.0.1:5000")->kind, TargetKind::kTsUdp);
  EXPECT_FALSE(ParseTarget("/a/b.avi").ok());
  EXPECT_FALSE(ParseTarget("relative.mkv").ok());
  EXPECT_FALSE(ParseTarget("ftp://x/y.mkv").ok());
  EXPECT_FALSE(ParseTarget("?x=1").ok());
}

TEST(SinkPlan, MuxersStayDecodableWhenKilled) {
  auto mp4 = PlanSink(ParseTarget("/r/x.mp4").value()).value();
  EXPECT_EQ(mp4.mux.factory, "mp4mux");
  EXPECT_EQ(DescribePlan(mp4),
            "mp4mux fragment-duration=1000 streamable=true ! filesink location=/r/x.mp4 "
            "append=false async=false");
  EXPECT_EQ(PlanSink(ParseTarget("/r/x.mkv").value())->mux.props.at(0).first, "streamable");
  auto srt = PlanSink(ParseTarget("srt://h:9000?streamid=live/key&latency=200").value()).value();
  EXPECT_EQ(srt.sink->props.at(0).second, "srt://h:9000?streamid=live/key&latency=200");
  EXPECT_EQ(DescribePlan(srt).find("live/key"), std::string::npos);  // keys never logged
  auto udp = PlanSink(ParseTarget("tsudp://127.0.0.1:5000").value()).value();
  EXPECT_EQ(udp.sink->factory, "udpsink");
  EXPECT_FALSE(PlanSink(ParseTarget("tsudp://nohost").value()).ok());
  auto hls = PlanSink(ParseTarget("/r/live.m3u8?split=4").value()).value();
  EXPECT_FALSE(hls.sink.has_value());
  EXPECT_NE(DescribePlan(hls).find("location=/r/live_%05d.ts target-duration=4"),
            std::string::npos);
}

JsonNode* Json(const char* s) { return json_from_string(s, nullptr); }

TEST(AutoPush, ParsesBothFormsAndMatchesStreams) {
  JsonNode* n = Json(R"({"stream": "live+", "target": "/r/$wildcard/$datetime.mkv",
                         "start_rule": ["$on", 2, "1"], "inhibit": ["live+private"]})");
  auto a = ParseAutoPush(n);
  json_node_unref(n);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->id.size(), 32u);
  EXPECT_TRUE(a->MatchesStream("live+abc", {}));
  EXPECT_FALSE(a->MatchesStream("live", {}));
  EXPECT_FALSE(a->MatchesStream("lively+x", {}));
  EXPECT_TRUE(a->Inhibited("live+private", {}));
  ASSERT_TRUE(a->start_rule.has_value());
  EXPECT_EQ(a->start_rule->op, 2);

  n = Json(R"(["#vip", "/r/$stream.ts", 0, 0, "$x", 10, "5", "$y", 3, "a"])");
  auto b = ParseAutoPush(n);
  json_node_unref(n);
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->MatchesStream("any", {"vip"}));
  EXPECT_FALSE(b->MatchesStream("any", {}));
  ASSERT_TRUE(b->end_rule.has_value());
  EXPECT_EQ(b->end_rule->value, "a");
  n = Json(R"({"stream": "x"})");
  EXPECT_FALSE(ParseAutoPush(n).ok());
  json_node_unref(n);
}

TEST(AutoPush, RuleOperators) {
  triggers::VariableMap v = {{"n", "7"}, {"s", "beta"}, {"on", "yes"}};
  auto r = [&](const char* var, int op, const char* val) {
    return EvaluateRule(PushRule{var, op, val}, v);
  };
  EXPECT_TRUE(r("$on", 0, ""));
  EXPECT_FALSE(r("on", 1, ""));
  EXPECT_TRUE(r("$n", 2, "7"));
  EXPECT_TRUE(r("$n", 3, "8"));
  EXPECT_TRUE(r("$n", 10, "10") == false);
  EXPECT_TRUE(r("$n", 11, "7"));
  EXPECT_TRUE(r("$n", 12, "10"));  // numeric: 7 < 10
  EXPECT_TRUE(r("$n", 13, "7"));
  EXPECT_TRUE(r("$n", 20, "10"));  // lexical: "7" > "10"
  EXPECT_TRUE(r("$s", 21, "beta"));
  EXPECT_TRUE(r("$s", 22, "gamma"));
  EXPECT_TRUE(r("$s", 23, "beta"));
  EXPECT_FALSE(r("$s", 99, "beta"));
}

}  // namespace
}  // namespace haze::push
