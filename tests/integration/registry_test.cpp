// The stream registry with real pipelines from the built-in templates.
#include "core/stream_registry.h"

#include <gtest/gtest.h>

#include "config/config_loader.h"
#include "support/main_loop.h"

namespace haze::core {
namespace {

config::ServerConfig ConfigFromJson(const std::string& json) {
  auto node = config::ParseJsonText(json, "test");
  EXPECT_TRUE(node.ok());
  auto cfg = config::ParseServerConfig(node.value());
  json_node_unref(node.value());
  EXPECT_TRUE(cfg.ok()) << (cfg.ok() ? "" : cfg.error().ToString());
  return cfg.value();
}

class RegistryTest : public testing::Test {
 protected:
  void SetUp() override { templates_.Load(""); }
  StreamStatus StatusOf(StreamRegistry& r, const std::string& name) {
    auto s = r.Snapshot(name);
    return s ? s->status : StreamStatus::kOffline;
  }
  TemplateSet templates_;
};

TEST_F(RegistryTest, AlwaysOnVideogenComesOnline) {
  StreamRegistry registry(templates_);
  std::vector<StreamStatus> seen;
  auto subscription = registry.AddStatusObserver(
      [&](const std::string& name, StreamStatus s, const std::string&) {
        if (name == "vg") seen.push_back(s);
      });
  registry.Reconcile(ConfigFromJson(R"({"streams":{"vg":{"source":"videogen","always_on":true}}})"));
  ASSERT_TRUE(test::RunUntil([&] { return StatusOf(registry, "vg") == StreamStatus::kOnline; }, 30));
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen.front(), StreamStatus::kBooting);
  auto snap = registry.Snapshot("vg");
  ASSERT_TRUE(snap && snap->buffer);
  // H.264 + AAC (the audio track may be added just after the stream became playable).
  EXPECT_TRUE(test::RunUntil([&] { return snap->buffer->Tracks().size() == 2u; }, 10));
}

TEST_F(RegistryTest, TemplateErrorNamesElementAndTemplate) {
  StreamRegistry registry(templates_);
  registry.Reconcile(ConfigFromJson(
      R"({"streams":{"bad":{"source":"x","pipeline":"videotestsrc ! nosuchelement ! dtscsink stream=\"${stream}\""}}})"));
  EXPECT_FALSE(registry.Start("bad").ok());
  auto snap = registry.Snapshot("bad");
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->status, StreamStatus::kFailed);
  EXPECT_NE(snap->error.find("nosuchelement"), std::string::npos) << snap->error;
  EXPECT_NE(snap->error.find("streams/bad/pipeline:2"), std::string::npos) << snap->error;
}

TEST_F(RegistryTest, PipelineWithoutDtscSinkIsRefused) {
  StreamRegistry registry(templates_);
  registry.Reconcile(ConfigFromJson(
      R"({"streams":{"nosink":{"source":"x","pipeline":"videotestsrc ! fakesink"}}})"));
  auto st = registry.Start("nosink");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("dtscsink"), std::string::npos);
}

TEST_F(RegistryTest, TsExecStreamFedByFfmpegComesOnline) {
  StreamRegistry registry(templates_);
  registry.Reconcile(ConfigFromJson(R"({"streams":{"cam":{"source":
    "ts-exec:ffmpeg -hide_banner -loglevel error -re -f lavfi -i testsrc=size=320x240:rate=25 -f lavfi -i sine=sample_rate=48000 -c:v libx264 -preset ultrafast -tune zerolatency -g 25 -c:a aac -t 20 -f mpegts -",
    "always_on":true}}})"));
  ASSERT_TRUE(test::RunUntil([&] { return StatusOf(registry, "cam") == StreamStatus::kOnline; }, 30));
  auto snap = registry.Snapshot("cam");
  ASSERT_TRUE(snap && snap->buffer);
  EXPECT_TRUE(test::RunUntil([&] { return snap->buffer->Tracks().size() == 2u; }, 10));
}

TEST_F(RegistryTest, OnDemandStreamStartsForViewerAndStopsWhenIdle) {
  StreamRegistry registry(templates_);
  registry.Reconcile(
      ConfigFromJson(R"({"streams":{"od":{"source":"videogen","inputtimeout":1}}})"));
  EXPECT_FALSE(registry.Snapshot("od"));
  std::unique_ptr<PlaySession> session;
  registry.OpenForPlay({"HTTP", "/od.ts", "od", "127.0.0.1"},
                       [&](Result<std::unique_ptr<PlaySession>> r) {
                         ASSERT_TRUE(r.ok());
                         session = std::move(r.value());
                       });
  ASSERT_TRUE(session);
  EXPECT_EQ(registry.Snapshot("od")->viewers, 1u);
  EXPECT_EQ(registry.Clients().size(), 1u);
  ASSERT_TRUE(test::RunUntil([&] { return StatusOf(registry, "od") == StreamStatus::kOnline; }, 30));
  session.reset();
  EXPECT_TRUE(registry.Clients().empty());
  EXPECT_TRUE(test::RunUntil([&] { return !registry.Snapshot("od"); }, 10));
}

TEST_F(RegistryTest, WildcardChildrenAreIndependentInstances) {
  StreamRegistry registry(templates_);
  registry.Reconcile(ConfigFromJson(R"({"streams":{"vg":{"source":"videogen"}}})"));
  std::vector<std::unique_ptr<PlaySession>> sessions;
  for (const char* name : {"vg+a", "vg+b"}) {
    registry.OpenForPlay({"HTTP", "", name, "127.0.0.1"},
                         [&](Result<std::unique_ptr<PlaySession>> r) {
                           ASSERT_TRUE(r.ok());
                           sessions.push_back(std::move(r.value()));
                         });
  }
  ASSERT_EQ(sessions.size(), 2u);
  EXPECT_NE(sessions[0]->buffer(), sessions[1]->buffer());
  EXPECT_TRUE(registry.Snapshot("vg+a"));
  EXPECT_TRUE(registry.Snapshot("vg+b"));
  EXPECT_FALSE(registry.Snapshot("vg"));
  bool unknown_failed = false;
  registry.OpenForPlay({"HTTP", "", "nope", "127.0.0.1"},
                       [&](Result<std::unique_ptr<PlaySession>> r) { unknown_failed = !r.ok(); });
  EXPECT_TRUE(unknown_failed);
}

TEST_F(RegistryTest, PublishDecisionChain) {
  StreamRegistry registry(templates_);
  registry.Reconcile(ConfigFromJson(R"({
    "streams":{"live":{"source":"push://"},"secret":{"source":"push://@pw"},
               "vg":{"source":"videogen"}},
    "streamkeys":{"k3y":"live+mapped"}})"));
  auto publish = [&](const char* app, const char* key) {
    Result<std::unique_ptr<PublishSession>> out = Error{ErrorCode::kInternal, "not called"};
    registry.AuthorizePublish({"RTMP", "", app, key, "127.0.0.1"},
                              [&](Result<std::unique_ptr<PublishSession>> r) { out = std::move(r); });
    return out;
  };
  auto first = publish("live", "live+john");
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_EQ(first.value()->stream(), "live+john");
  EXPECT_FALSE(publish("live", "live+john").ok());  // already publishing
  EXPECT_FALSE(publish("live", "unknown").ok());
  EXPECT_FALSE(publish("live", "vg").ok());          // not a push:// stream
  EXPECT_FALSE(publish("live", "secret").ok());      // wrong password (app)
  EXPECT_TRUE(publish("pw", "secret").ok());
  auto mapped = publish("live", "k3y");
  ASSERT_TRUE(mapped.ok());
  EXPECT_EQ(mapped.value()->stream(), "live+mapped");
  first.value().reset();  // publisher leaves: without resume the stream ends
  EXPECT_FALSE(registry.Snapshot("live+john"));
}

}  // namespace
}  // namespace haze::core
