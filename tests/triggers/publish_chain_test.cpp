// The publish chain's triggers with real handler executables: the seeds' token example
// (rtmp://host/live/<token> publishes to stream "live", a wrong token is refused), an
// RTMP_PUSH_REWRITE URL rewrite, and STREAM_PUSH.
#include "triggers/publish_chain.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <optional>

namespace haze::triggers {
namespace {

class PublishChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/haze-pc-XXXXXX";
    dir_ = g_mkdtemp(tmpl);
  }
  void TearDown() override {
    std::string cmd = "rm -rf '" + dir_ + "'";
    ASSERT_EQ(system(cmd.c_str()), 0);
  }
  HandlerConfig Script(const std::string& name, const std::string& body) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    chmod(path.c_str(), 0755);
    HandlerConfig h;
    h.handler = path;
    h.sync = true;
    return h;
  }
  Result<PublishRewrite> Run(TriggerDispatcher& d, const std::string& url) {
    core::PublishRequest req;
    req.connector = "RTMP";
    req.url = url;
    req.app = "live";
    req.stream_key = LastPathPart(url);
    req.client_ip = "127.0.0.1";
    std::optional<Result<PublishRewrite>> out;
    RunPublishRewrites(d, req, [&](Result<PublishRewrite> r) { out = std::move(r); });
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (!out && g_get_monotonic_time() < deadline) g_main_context_iteration(nullptr, TRUE);
    EXPECT_TRUE(out.has_value());
    return out ? std::move(*out) : Result<PublishRewrite>(Error{});
  }
  std::string dir_;
};

TEST_F(PublishChainTest, TokenMapsToPublicStreamAndWrongTokenIsRefused) {
  TriggerDispatcher d;
  // Payload: push URL, client IP, stream name (the token).
  d.SetConfig({{"PUSH_REWRITE",
                {Script("token",
                        "read url; read ip; read key\n"
                        "[ \"$key\" = \"a1b2c3\" ] && echo live || echo")}}});
  auto ok = Run(d, "rtmp://127.0.0.1/live/a1b2c3");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->stream_key, "live");
  EXPECT_FALSE(Run(d, "rtmp://127.0.0.1/live/wrong").ok());
  // No handler: unchanged.
  TriggerDispatcher none;
  auto same = Run(none, "rtmp://127.0.0.1/live/cam?x=1");
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->stream_key, "cam");
}

TEST_F(PublishChainTest, RtmpRewriteFeedsPushRewrite) {
  TriggerDispatcher d;
  d.SetConfig({{"RTMP_PUSH_REWRITE",
                {Script("rtmp", "read url; read ip; echo \"rtmp://127.0.0.1/live/cam7\"")}},
               {"PUSH_REWRITE", {Script("pr", "read url; read ip; read key; echo \"$key+x\"")}}});
  auto r = Run(d, "rtmp://127.0.0.1/live/secret");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->url, "rtmp://127.0.0.1/live/cam7");
  EXPECT_EQ(r->stream_key, "cam7+x");
  d.SetConfig({{"RTMP_PUSH_REWRITE", {Script("deny", "cat >/dev/null; echo")}}});
  EXPECT_FALSE(Run(d, "rtmp://127.0.0.1/live/secret").ok());
}

TEST_F(PublishChainTest, StreamPushDecides) {
  TriggerDispatcher d;
  d.SetConfig({{"STREAM_PUSH",
                {Script("sp", "read s; read ip; [ \"$ip\" = 127.0.0.1 ] && echo 1 || echo 0")}}});
  core::PublishRequest req;
  req.connector = "RTMP";
  req.client_ip = "10.1.1.1";
  std::optional<bool> allowed;
  CheckStreamPush(d, "live", req, {}, [&](bool ok) { allowed = ok; });
  while (!allowed) g_main_context_iteration(nullptr, TRUE);
  EXPECT_FALSE(*allowed);
  EXPECT_EQ(LastPathPart("rtmp://h/app/"), "app");
  EXPECT_EQ(LastPathPart("key"), "key");
}

}  // namespace
}  // namespace haze::triggers
