// Payload builders and the STREAM_BUFFER tracker.
#include "triggers/payloads.h"

#include <glib/gstdio.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "triggers/trigger_metrics.h"
#include "triggers/trigger_types.h"

namespace haze::triggers {
namespace {

std::vector<dtsc::TrackInfo> Tracks() {
  dtsc::TrackInfo v;
  v.id = 0;
  v.kind = dtsc::TrackKind::kVideo;
  v.codec = dtsc::Codec::kH264;
  v.width = 640;
  v.height = 360;
  v.fps_n = 25;
  v.bps = 100000;
  v.first_ts = 0;
  v.last_ts = 6000000000;
  dtsc::TrackInfo a;
  a.id = 1;
  a.kind = dtsc::TrackKind::kAudio;
  a.codec = dtsc::Codec::kAAC;
  a.rate = 48000;
  a.channels = 2;
  a.first_ts = 0;
  a.last_ts = 6020000000;
  return {v, a};
}

TEST(Payloads, LineCountsMatchTheTable) {
  EXPECT_EQ(ConnPayload("s", "1.2.3.4", "HLS", "/hls/s/index.m3u8").size(),
            FindTrigger("CONN_OPEN")->payload.size());
  EXPECT_EQ(PushRewritePayload("rtmp://h/live/k", "ip", "k").size(),
            FindTrigger("PUSH_REWRITE")->payload.size());
  EXPECT_EQ(RtmpPushRewritePayload("rtmp://h/live/k", "ip").size(),
            FindTrigger("RTMP_PUSH_REWRITE")->payload.size());
  auto unload = StreamUnloadPayload("s", "Buffer", false, "source disconnected");
  EXPECT_EQ(unload, (Lines{"s", "Buffer", "uncancelable", "source disconnected"}));
  EXPECT_EQ(StreamEndPayload("s", {1, 2, 3, 4, 5, 6}), (Lines{"s", "1", "2", "3", "4", "5", "6"}));
  EXPECT_EQ(InputAbortPayload("s", "src", "RTMP", "READ_START_FAILURE", "x").size(), 6u);
  EXPECT_EQ(DefaultStreamPayload("", "s", "h", "HLS", "/u").size(), 5u);
  auto tl = LiveTrackListPayload("s", Tracks());
  ASSERT_EQ(tl.size(), 2u);
  EXPECT_EQ(tl[1].back(), '\n');
  EXPECT_NE(tl[1].find("\"codec\":\"H264\""), std::string::npos);
  EXPECT_NE(tl[1].find("\"fpks\":25000"), std::string::npos);
  EXPECT_EQ(LiveBandwidthPayload("s", 123), (Lines{"s", "123"}));
}

TEST(BufferTracker, FullDryRecoverEmpty) {
  BufferTriggerTracker t;
  dtsc::BufferStats st;
  st.window_ns = 6000000000;
  EXPECT_FALSE(t.Update("s", st, Tracks()));  // booting
  st.state = dtsc::BufferState::kFull;
  auto full = t.Update("s", st, Tracks());
  ASSERT_TRUE(full);
  EXPECT_EQ((*full)[1], "FULL");
  EXPECT_NE((*full)[2].find("\"buffer\":6000"), std::string::npos);
  EXPECT_NE((*full)[2].find("\"maxkeepaway\":45000"), std::string::npos);
  EXPECT_NE((*full)[2].find("\"video_H264_0\""), std::string::npos);
  EXPECT_FALSE(t.Update("s", st, Tracks()));  // no change
  st.state = dtsc::BufferState::kDry;
  st.issues = "unstable connection";
  auto dry = t.Update("s", st, Tracks());
  ASSERT_TRUE(dry);
  EXPECT_EQ((*dry)[1], "DRY");
  EXPECT_NE((*dry)[2].find("unstable connection"), std::string::npos);
  st.state = dtsc::BufferState::kFull;
  st.issues.clear();
  EXPECT_EQ((*t.Update("s", st, Tracks()))[1], "RECOVER");
  st.state = dtsc::BufferState::kEmpty;
  EXPECT_EQ(*t.Update("s", st, Tracks()), (Lines{"s", "EMPTY", "6020"}));
  BufferTriggerTracker gone;
  st.state = dtsc::BufferState::kEmpty;
  EXPECT_EQ(*gone.Update("s", st, {}), (Lines{"s", "EMPTY"}));
}

TEST(TriggerMetrics, ValidExpositionText) {
  std::map<std::string, TriggerStats> stats = {{"PUSH_REWRITE", {3, 120, 1}}};
  std::string text = TriggerMetricsText(stats);
  EXPECT_NE(text.find("# TYPE mist_trigger_count counter\n"), std::string::npos);
  EXPECT_NE(text.find("mist_trigger_count{trigger=\"PUSH_REWRITE\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("mist_trigger_time{trigger=\"PUSH_REWRITE\"} 120\n"), std::string::npos);
  EXPECT_NE(text.find("mist_trigger_fails{trigger=\"PUSH_REWRITE\"} 1\n"), std::string::npos);
  if (g_file_test("/usr/bin/promtool", G_FILE_TEST_IS_EXECUTABLE)) {
    // The only complaints allowed are the naming lints on MistServer's own metric names.
    std::string path = "/tmp/haze-metrics-" + std::to_string(getpid()) + ".txt";
    g_file_set_contents(path.c_str(), text.c_str(), -1, nullptr);
    std::string cmd = "/usr/bin/promtool check metrics < " + path +
                      " 2>&1 | grep -v -e 'should have \"_total\" suffix' "
                      "-e 'should not have \"_count\" suffix' | grep -c . ";
    FILE* p = popen(cmd.c_str(), "r");
    char buf[16] = {0};
    size_t n = fread(buf, 1, sizeof buf - 1, p);
    pclose(p);
    g_unlink(path.c_str());
    EXPECT_EQ(std::string(buf, n), "0\n") << text;
  }
  JsonObject* j = TriggerMetricsJson(stats);
  EXPECT_EQ(json_object_get_int_member(json_object_get_object_member(j, "PUSH_REWRITE"), "ms"),
            120);
  json_object_unref(j);
}

}  // namespace
}  // namespace haze::triggers
