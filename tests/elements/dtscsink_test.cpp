#include "dtsc/dtscsink.h"

#include <gst/check/gstharness.h>
#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include "dtsc/live_buffer.h"
#include "dtsc_test_util.h"
#include "pipeline_runner.h"

namespace haze::dtsc {
namespace {

using testing::AacCaps;
using testing::H264Caps;
using testing::RunUntilEos;
using testing::UniqueName;

constexpr int64_t kMsNs = 1000000;

GstBuffer* Frame(int64_t ms, bool key, size_t size = 1000) {
  GstBuffer* b = gst_buffer_new_allocate(nullptr, size, nullptr);
  GST_BUFFER_DTS(b) = GST_BUFFER_PTS(b) = static_cast<GstClockTime>(ms * kMsNs);
  GST_BUFFER_DURATION(b) = 40 * kMsNs;
  if (!key) GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_DELTA_UNIT);
  return b;
}

// A harness feeding one request pad of a dtscsink writing |stream|.
// The harness plays the element as soon as it is added, so properties are set before.
GstHarness* SinkHarness(const std::string& stream, GstCaps* caps, const char* props = "") {
  static GstStaticPadTemplate src = GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS,
                                                            GST_STATIC_CAPS_ANY);
  GstElement* e = gst_element_factory_make("dtscsink", nullptr);
  g_object_set(e, "stream", stream.c_str(), nullptr);
  testing::SetProps(G_OBJECT(e), props);
  GstHarness* h = gst_harness_new_empty();
  gst_harness_add_element_full(h, e, &src, "sink_0", nullptr, nullptr);
  gst_object_unref(e);
  gst_harness_set_src_caps(h, gst_caps_copy(caps));
  return h;
}

TEST(DtscSink, Properties) {
  GstElement* e = gst_element_factory_make("dtscsink", nullptr);
  ASSERT_TRUE(e);
  gchar* stream = nullptr;
  gint64 dvr = 0;
  gint resume = 0;
  g_object_get(e, "stream", &stream, "dvr", &dvr, "resume", &resume, nullptr);
  EXPECT_EQ(stream, nullptr);
  EXPECT_EQ(dvr, -1);
  EXPECT_EQ(resume, -1);
  g_object_set(e, "stream-name", "abc", "dvr", (gint64)20000, nullptr);
  g_object_get(e, "stream", &stream, "dvr", &dvr, nullptr);
  EXPECT_STREQ(stream, "abc");
  EXPECT_EQ(dvr, 20000);
  g_free(stream);
  gst_object_unref(e);
}

TEST(DtscSink, NoStreamNameFailsToStart) {
  GstElement* e = gst_element_factory_make("dtscsink", nullptr);
  EXPECT_EQ(gst_element_set_state(e, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  gst_element_set_state(e, GST_STATE_NULL);
  gst_object_unref(e);
}

TEST(DtscSink, WritesTrackWithCodecDataAndMediaTime) {
  const std::string name = UniqueName("sink_basic");
  GstHarness* h = SinkHarness(name, H264Caps().get(), "dvr=12000 segment-size=1000");
  auto buf = BufferRegistry::Get().Find(name);
  ASSERT_TRUE(buf);
  EXPECT_EQ(buf->options().dvr_ms, 12000);
  EXPECT_EQ(buf->options().segment_ms, 1000);
  // Segment starts at 0, first frame at 5 s: media time starts at 0.
  for (int i = 0; i < 50; ++i)
    EXPECT_EQ(gst_harness_push(h, Frame(5000 + i * 40, i % 25 == 0)), GST_FLOW_OK);
  auto tracks = buf->Tracks();
  ASSERT_EQ(tracks.size(), 1u);
  EXPECT_EQ(tracks[0].codec, Codec::kH264);
  EXPECT_TRUE(tracks[0].init);
  EXPECT_EQ(tracks[0].frames, 50u);
  EXPECT_EQ(tracks[0].keyframes, 2u);
  EXPECT_EQ(tracks[0].first_ts, 0);
  EXPECT_EQ(tracks[0].last_ts, 49 * 40 * kMsNs);
  EXPECT_TRUE(buf->Playable());
  // Out of order frames are refused, not fatal.
  EXPECT_EQ(gst_harness_push(h, Frame(5000, false)), GST_FLOW_OK);
  EXPECT_EQ(buf->Track(0)->dropped, 1u);
  gst_harness_teardown(h);
  EXPECT_TRUE(buf->Stats().eos);  // PAUSED->READY without resume: writer gone
  BufferRegistry::Get().Remove(name);
}

TEST(DtscSink, RefusesUnparsedCaps) {
  GstHarness* h = SinkHarness(UniqueName("sink_caps"), H264Caps().get());
  GstCaps* bytestream = gst_caps_from_string("video/x-h264,stream-format=byte-stream,alignment=au");
  GstPad* pad = gst_element_get_static_pad(h->element, "sink_0");
  EXPECT_FALSE(gst_pad_query_accept_caps(pad, bytestream));
  GstCaps* avc = gst_caps_from_string("video/x-h264,stream-format=avc,alignment=au");
  EXPECT_TRUE(gst_pad_query_accept_caps(pad, avc));
  gst_caps_unref(avc);
  gst_caps_unref(bytestream);
  gst_object_unref(pad);
  gst_harness_teardown(h);
}

TEST(DtscSink, PostsReadyAndStateMessagesAndEos) {
  const std::string name = UniqueName("sink_msgs");
  GstHarness* h = SinkHarness(name, H264Caps().get());
  GstBus* bus = gst_bus_new();
  gst_element_set_bus(h->element, bus);
  for (int i = 0; i < 200; ++i) gst_harness_push(h, Frame(i * 40, i % 25 == 0));
  EXPECT_TRUE(gst_harness_push_event(h, gst_event_new_eos()));
  std::vector<std::string> seen;
  bool eos = false;
  while (GstMessage* m = gst_bus_pop(bus)) {
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS) eos = true;
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ELEMENT) {
      const GstStructure* s = gst_message_get_structure(m);
      std::string entry = gst_structure_get_name(s);
      if (const char* st = gst_structure_get_string(s, "state")) entry += std::string(":") + st;
      if (gst_structure_has_field(s, "health")) {
        EXPECT_EQ(gst_structure_get_string(s, "health")[0], '{');
      }
      EXPECT_STREQ(gst_structure_get_string(s, "stream"), name.c_str());
      seen.push_back(entry);
    }
    gst_message_unref(m);
  }
  EXPECT_TRUE(eos);
  EXPECT_EQ(seen, (std::vector<std::string>{"haze-buffer-ready", "haze-buffer-state:FULL",
                                            "haze-buffer-state:EMPTY"}));
  gst_element_set_bus(h->element, nullptr);
  gst_object_unref(bus);
  gst_harness_teardown(h);
  BufferRegistry::Get().Remove(name);
}

TEST(DtscSink, TwoWritersShareOneStream) {
  const std::string name = UniqueName("sink_multi");
  GstHarness* hv = SinkHarness(name, H264Caps().get());
  GstHarness* ha = SinkHarness(name, AacCaps().get());
  for (int i = 0; i < 10; ++i) {
    gst_harness_push(hv, Frame(i * 40, i == 0));
    gst_harness_push(ha, Frame(i * 40, true, 200));
  }
  auto buf = BufferRegistry::Get().Find(name);
  ASSERT_TRUE(buf);
  auto tracks = buf->Tracks();
  ASSERT_EQ(tracks.size(), 2u);
  EXPECT_EQ(tracks[0].kind, TrackKind::kVideo);
  EXPECT_EQ(tracks[1].kind, TrackKind::kAudio);
  EXPECT_EQ(tracks[1].frames, 10u);
  // The first writer leaves: the stream keeps going with the second.
  gst_harness_teardown(hv);
  EXPECT_FALSE(buf->Stats().eos);
  gst_harness_push(ha, Frame(400, true, 200));
  EXPECT_EQ(buf->Track(1)->frames, 11u);
  gst_harness_teardown(ha);
  EXPECT_TRUE(buf->Stats().eos);
  BufferRegistry::Get().Remove(name);
}

TEST(DtscSink, FlushKeepsTheTimelineMonotonic) {
  const std::string name = UniqueName("sink_flush");
  GstHarness* h = SinkHarness(name, H264Caps().get());
  for (int i = 0; i < 25; ++i) gst_harness_push(h, Frame(i * 40, i == 0));
  gst_harness_push_event(h, gst_event_new_flush_start());
  gst_harness_push_event(h, gst_event_new_flush_stop(TRUE));
  GstSegment seg;
  gst_segment_init(&seg, GST_FORMAT_TIME);
  gst_harness_push_event(h, gst_event_new_segment(&seg));
  for (int i = 0; i < 25; ++i) gst_harness_push(h, Frame(i * 40, i == 0));
  auto buf = BufferRegistry::Get().Find(name);
  auto t = buf->Track(0);
  EXPECT_EQ(t->frames, 50u);
  EXPECT_EQ(t->dropped, 0u);
  auto r = buf->NewReader({.start = 0});
  bool discont = false;
  while (auto f = r->Next()) discont |= f->discont;
  EXPECT_TRUE(discont);
  gst_harness_teardown(h);
  BufferRegistry::Get().Remove(name);
}

TEST(DtscSink, NonLivePipelineRunsToEos) {
  const std::string name = UniqueName("sink_vod");
  const std::string launch =
      "videotestsrc num-buffers=30 ! video/x-raw,width=160,height=120,framerate=25/1 ! "
      "x264enc speed-preset=ultrafast key-int-max=10 ! h264parse ! dtscsink stream=" + name;
  GError* err = nullptr;
  GstElement* p = gst_parse_launch(launch.c_str(), &err);
  ASSERT_TRUE(p) << (err ? err->message : "");
  ASSERT_NE(gst_element_set_state(p, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  auto res = RunUntilEos(p);
  EXPECT_TRUE(res.eos) << res.error;
  auto buf = BufferRegistry::Get().Find(name);
  ASSERT_TRUE(buf);
  EXPECT_EQ(buf->Track(0)->frames, 30u);
  EXPECT_TRUE(buf->Stats().eos);
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(p);
  BufferRegistry::Get().Remove(name);
}

TEST(DtscSink, FileSourceReachesEos) {
  gchar* path = g_build_filename(g_get_tmp_dir(), "haze_dtscsink_test.mp4", nullptr);
  const std::string make =
      std::string("videotestsrc num-buffers=25 ! video/x-raw,width=160,height=120 ! "
                  "x264enc speed-preset=ultrafast ! h264parse ! mp4mux ! filesink location=") + path;
  GstElement* mk = gst_parse_launch(make.c_str(), nullptr);
  ASSERT_TRUE(mk);
  gst_element_set_state(mk, GST_STATE_PLAYING);
  ASSERT_TRUE(RunUntilEos(mk).eos);
  gst_element_set_state(mk, GST_STATE_NULL);
  gst_object_unref(mk);
  const std::string name = UniqueName("sink_file");
  const std::string launch = std::string("filesrc location=") + path +
                             " ! qtdemux ! h264parse ! dtscsink stream=" + name;
  GstElement* p = gst_parse_launch(launch.c_str(), nullptr);
  ASSERT_TRUE(p);
  gst_element_set_state(p, GST_STATE_PLAYING);
  auto res = RunUntilEos(p);
  EXPECT_TRUE(res.eos) << res.error;
  EXPECT_EQ(BufferRegistry::Get().Find(name)->Track(0)->frames, 25u);
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(p);
  g_unlink(path);
  g_free(path);
  BufferRegistry::Get().Remove(name);
}

}  // namespace
}  // namespace haze::dtsc

namespace haze::dtsc {
namespace {

TEST(DtscSink, ResumeKeepsTheBufferAcrossAReconnect) {
  const std::string name = testing::UniqueName("sink_resume");
  GstHarness* h1 = SinkHarness(name, testing::H264Caps().get(), "resume=1");
  for (int i = 0; i < 50; ++i) gst_harness_push(h1, Frame(i * 40, i % 25 == 0));
  auto buf = BufferRegistry::Get().Find(name);
  ASSERT_TRUE(buf);
  auto reader = buf->NewReader({.start = 0});
  int64_t last = 0;
  while (auto f = reader->Next()) last = f->dts;
  gst_harness_teardown(h1);  // the publisher disconnects
  EXPECT_FALSE(reader->AtEnd());
  EXPECT_FALSE(buf->Stats().eos);
  // It comes back with a fresh timeline: frames continue after the old ones, marked discont.
  GstHarness* h2 = SinkHarness(name, testing::H264Caps().get(), "resume=1");
  for (int i = 0; i < 25; ++i) gst_harness_push(h2, Frame(i * 40, i == 0));
  EXPECT_EQ(buf->Tracks().size(), 1u);  // the track was reused
  auto f = reader->Next();
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->discont);
  EXPECT_GT(f->dts, last);
  int more = 1;
  while (reader->Next()) more++;
  EXPECT_EQ(more, 25);
  EXPECT_EQ(buf->Track(0)->dropped, 0u);
  gst_harness_teardown(h2);
  buf->Close();
  EXPECT_TRUE(reader->AtEnd());
  BufferRegistry::Get().Remove(name);
}

}  // namespace
}  // namespace haze::dtsc
