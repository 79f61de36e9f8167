// Push runner with real muxers and ffprobe as the judge. The source is a stand-in for dtscsrc:
// a bin with H.264 video and AAC audio ghost pads (the source factory is the seam).
#include "push/push.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

namespace haze::push {
namespace {

GstElement* TestSource(int seconds) {
  std::string desc =
      "videotestsrc num-buffers=" + std::to_string(seconds * 25) +
      " ! video/x-raw,width=320,height=240,framerate=25/1 ! x264enc speed-preset=ultrafast "
      "key-int-max=25 ! h264parse name=v "
      "audiotestsrc num-buffers=" +
      std::to_string(seconds * 48000 / 1024) +
      " samplesperbuffer=1024 ! audio/x-raw,rate=48000 ! avenc_aac ! aacparse name=a";
  GstElement* bin = gst_parse_bin_from_description(desc.c_str(), FALSE, nullptr);
  for (const char* name : {"v", "a"}) {
    GstElement* e = gst_bin_get_by_name(GST_BIN(bin), name);
    GstPad* pad = gst_element_get_static_pad(e, "src");
    gst_element_add_pad(bin, gst_ghost_pad_new(name, pad));
    gst_object_unref(pad);
    gst_object_unref(e);
  }
  return bin;
}

double ProbeDuration(const std::string& path) {
  std::string cmd = "ffprobe -v error -show_entries format=duration -of csv=p=0 '" + path + "'";
  FILE* f = popen(cmd.c_str(), "r");
  char buf[64] = {0};
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  pclose(f);
  return n ? g_ascii_strtod(buf, nullptr) : -1;
}

int CountVideoFrames(const std::string& path) {
  std::string cmd =
      "ffprobe -v error -select_streams v:0 -count_frames -show_entries "
      "stream=nb_read_frames -of csv=p=0 '" +
      path + "'";
  FILE* f = popen(cmd.c_str(), "r");
  char buf[64] = {0};
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  pclose(f);
  return n ? atoi(buf) : -1;
}

class PushTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    gst_init(nullptr, nullptr);
    char tmpl[] = "/tmp/haze-push-XXXXXX";
    dir_ = g_mkdtemp(tmpl);
  }
  void TearDown() override {
    std::string cmd = "rm -rf '" + dir_ + "'";
    ASSERT_EQ(system(cmd.c_str()), 0);
  }
  // Runs a push to |target| until it ends; returns the RECORDING_END payload.
  std::vector<std::string> RunPush(const std::string& target, int source_seconds) {
    auto parsed = ParseTarget(target);
    EXPECT_TRUE(parsed.ok());
    Push push(1, "live", target, target, parsed.value());
    bool ended = false;
    std::vector<std::string> payload;
    auto st = push.Start(
        [&](const std::string&, const PushParams&) { return TestSource(source_seconds); },
        [&](Push& p) {
          ended = true;
          payload = p.OutputEndPayload();
        });
    EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().ToString());
    gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
    while (!ended && g_get_monotonic_time() < deadline) g_main_context_iteration(nullptr, TRUE);
    EXPECT_TRUE(ended);
    return payload;
  }
  std::string dir_;
};

class PushHlsTest : public PushTest {};

TEST_P(PushTest, RecordingDecodesWithExpectedDuration) {
  std::string path = dir_ + "/rec." + GetParam();
  auto payload = RunPush(path, 3);
  ASSERT_EQ(payload.size(), 12u);
  EXPECT_EQ(payload[0], "live");
  EXPECT_EQ(payload[1], path);
  EXPECT_EQ(payload[10], "CLEAN_EOF");
  EXPECT_GT(std::stoll(payload[3]), 10000);        // bytes
  EXPECT_NEAR(std::stoll(payload[7]), 3000, 200);  // media ms recorded
  EXPECT_NEAR(ProbeDuration(path), 3.0, 0.3);
  EXPECT_EQ(CountVideoFrames(path), 75);
}

TEST_P(PushTest, DurationParameterStopsAtPlannedPoint) {
  std::string path = dir_ + "/cut." + GetParam();
  auto payload = RunPush(path + "?duration=2", 5);
  ASSERT_EQ(payload.size(), 12u);
  EXPECT_EQ(payload[10], "CLEAN_INTENDED_STOP");
  EXPECT_EQ(payload[11], "planned stopping point reached");
  EXPECT_NEAR(ProbeDuration(path), 2.0, 0.3);
}

TEST_P(PushTest, SplitWritesDecodableSegments) {
  std::string tmpl = dir_ + "/seg_$segmentCounter." + GetParam();
  auto parsed = ParseTarget(tmpl + "?split=1");
  ASSERT_TRUE(parsed.ok());
  if (std::string(GetParam()) == "flv") {
    EXPECT_FALSE(PlanSink(parsed.value()).ok());  // flvmux cannot be restarted by splitmuxsink
    return;
  }
  Push push(2, "live", tmpl, tmpl, parsed.value());
  bool ended = false;
  ASSERT_TRUE(push.Start([](const std::string&, const PushParams&) { return TestSource(3); },
                         [&](Push&) { ended = true; })
                  .ok());
  gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
  while (!ended && g_get_monotonic_time() < deadline) g_main_context_iteration(nullptr, TRUE);
  ASSERT_TRUE(ended);
  auto segments = push.segments();
  EXPECT_EQ(push.exit_reason(), "CLEAN_EOF") << push.PushEndPayload()[4];
  ASSERT_GE(segments.size(), 3u);
  EXPECT_EQ(segments[0], dir_ + "/seg_0." + GetParam());
  int total = 0;
  for (const auto& s : segments) {
    int frames = CountVideoFrames(s);
    EXPECT_GT(frames, 0) << s;
    total += frames;
  }
  EXPECT_EQ(total, 75);  // gapless
}

TEST_F(PushHlsTest, SegmentedRecordingWritesPlaylistAndSegments) {
  std::string path = dir_ + "/live.m3u8";
  auto payload = RunPush(path + "?split=1", 4);
  ASSERT_EQ(payload.size(), 12u);
  EXPECT_EQ(payload[2], "HLS");
  EXPECT_EQ(payload[10], "CLEAN_EOF");
  gchar* text = nullptr;
  ASSERT_TRUE(g_file_get_contents(path.c_str(), &text, nullptr, nullptr));
  std::string playlist = text;
  g_free(text);
  EXPECT_NE(playlist.find("live_00000.ts"), std::string::npos) << playlist;
  EXPECT_NE(playlist.find("#EXT-X-ENDLIST"), std::string::npos);
  EXPECT_EQ(CountVideoFrames(path), 100);  // ffprobe reads the whole playlist
}

INSTANTIATE_TEST_SUITE_P(Containers, PushTest, ::testing::Values("mkv", "ts", "mp4", "flv"));

// The real source: a live stream written by dtscsink, recorded through DefaultSourceFactory
// (dtscsrc). Skipped until the DTSC elements are in the plugin.
TEST_F(PushHlsTest, DtscStreamRecordsWithExpectedDuration) {
  GstElementFactory* src_factory = gst_element_factory_find("dtscsrc");
  GstElementFactory* sink_factory = gst_element_factory_find("dtscsink");
  bool present = src_factory && sink_factory;
  if (src_factory) gst_object_unref(src_factory);
  if (sink_factory) gst_object_unref(sink_factory);
  if (!present) GTEST_SKIP() << "dtscsrc/dtscsink not built yet";
  GstElement* writer = gst_parse_launch(
      "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=25/1 ! "
      "x264enc speed-preset=ultrafast tune=zerolatency key-int-max=25 ! h264parse ! "
      "dtscsink stream=pushtest",
      nullptr);
  ASSERT_NE(writer, nullptr);
  gst_element_set_state(writer, GST_STATE_PLAYING);
  gint64 until = g_get_monotonic_time() + 1500 * 1000;
  while (g_get_monotonic_time() < until) g_main_context_iteration(nullptr, FALSE), g_usleep(10000);
  const char* only = g_getenv("HAZE_DTSC_EXT");
  for (const char* ext : {"mkv", "ts", "mp4"}) {
    if (only && std::string(only) != ext) continue;
    std::string path = dir_ + "/dtsc." + ext;
    auto parsed = ParseTarget(path + "?duration=2");
    ASSERT_TRUE(parsed.ok());
    Push push(3, "pushtest", path, path, parsed.value());
    bool ended = false;
    ASSERT_TRUE(push.Start(DefaultSourceFactory(), [&](Push&) { ended = true; }).ok());
    gint64 deadline = g_get_monotonic_time() + 15 * G_USEC_PER_SEC;
    while (!ended && g_get_monotonic_time() < deadline) g_main_context_iteration(nullptr, TRUE);
    ASSERT_TRUE(ended) << ext;
    EXPECT_EQ(push.exit_reason(), "CLEAN_INTENDED_STOP") << push.PushEndPayload()[4];
    EXPECT_NEAR(ProbeDuration(path), 2.0, 0.3) << ext;
  }
  gst_element_set_state(writer, GST_STATE_NULL);
  gst_object_unref(writer);
}

}  // namespace
}  // namespace haze::push
