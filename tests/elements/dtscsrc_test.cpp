#include "dtsc/dtscsrc.h"

#include <gst/app/gstappsink.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "dtsc/live_buffer.h"
#include "dtsc_test_util.h"
#include "pipeline_runner.h"

namespace haze::dtsc {
namespace {

using testing::AacCaps;
using testing::H264Caps;
using testing::MakeBuffer;
using testing::RunUntilEos;
using testing::UniqueName;

constexpr int64_t kMsNs = 1000000;

// A dtscsrc pipeline that links every new pad to its own appsink (sync=false).
struct SrcPipeline {
  GstElement* pipeline = nullptr;
  GstElement* src = nullptr;
  std::mutex mutex;
  std::map<std::string, GstElement*> sinks;  // pad name -> appsink

  int max_buffers = 1000;

  explicit SrcPipeline(const std::string& props, int max_buffers_per_sink = 1000)
      : max_buffers(max_buffers_per_sink) {
    pipeline = gst_pipeline_new(nullptr);
    src = gst_element_factory_make("dtscsrc", "src");
    testing::SetProps(G_OBJECT(src), props);
    gst_bin_add(GST_BIN(pipeline), GST_ELEMENT(gst_object_ref(src)));
    g_signal_connect(src, "pad-added", G_CALLBACK(OnPad), this);
  }
  ~SrcPipeline() {
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(src);
    gst_object_unref(pipeline);
  }
  static void OnPad(GstElement*, GstPad* pad, SrcPipeline* self) {
    GstElement* sink = gst_element_factory_make("appsink", nullptr);
    g_object_set(sink, "sync", FALSE, "max-buffers", self->max_buffers, "wait-on-eos", FALSE,
                 nullptr);
    gst_bin_add(GST_BIN(self->pipeline), sink);
    GstPad* sinkpad = gst_element_get_static_pad(sink, "sink");
    gst_pad_link(pad, sinkpad);
    gst_object_unref(sinkpad);
    gst_element_sync_state_with_parent(sink);
    std::lock_guard lock(self->mutex);
    self->sinks[GST_PAD_NAME(pad)] = sink;
  }
  GstElement* Sink(const std::string& pad) {
    std::lock_guard lock(mutex);
    auto it = sinks.find(pad);
    return it == sinks.end() ? nullptr : it->second;
  }
  // Waits for |pad| to exist and returns its next sample (or nullptr after |ms|).
  GstSample* Pull(const std::string& pad, int ms = 5000) {
    const gint64 deadline = g_get_monotonic_time() + ms * 1000;
    while (!Sink(pad) && g_get_monotonic_time() < deadline) g_usleep(5000);
    if (!Sink(pad)) return nullptr;
    return gst_app_sink_try_pull_sample(GST_APP_SINK(Sink(pad)),
                                        (deadline - g_get_monotonic_time()) * 1000);
  }
};

struct Stream {
  std::string name;
  std::shared_ptr<LiveBuffer> buffer;
  uint32_t video = 0, audio = 0;
  int64_t t = 0;
  explicit Stream(const char* base, BufferOptions o = {}) : name(UniqueName(base)) {
    buffer = BufferRegistry::Get().Acquire(name);
    buffer->SetOptions(o);
    buffer->AttachWriter();
    video = *buffer->AddTrack(H264Caps().get());
    audio = *buffer->AddTrack(AacCaps().get());
  }
  ~Stream() { BufferRegistry::Get().Remove(name); }
  void Run(int64_t ms) {
    for (int64_t end = t + ms; t < end; t += 40) {
      const bool key = t % 1000 == 0;
      buffer->Push(video, MakeBuffer(1000, key ? 1 : 0), t * kMsNs, t * kMsNs, key);
      buffer->Push(audio, MakeBuffer(100, 2), t * kMsNs, t * kMsNs, true);
    }
  }
};

TEST(DtscSrc, Properties) {
  GstElement* e = gst_element_factory_make("dtscsrc", nullptr);
  ASSERT_TRUE(e);
  gint64 start = 0, stop = 0, wait = 0;
  gboolean realtime = FALSE;
  g_object_get(e, "start", &start, "stop", &stop, "wait-timeout", &wait, "realtime", &realtime,
               nullptr);
  EXPECT_EQ(start, -1);
  EXPECT_EQ(stop, -1);
  EXPECT_EQ(wait, 5000);
  EXPECT_TRUE(realtime);
  gst_object_unref(e);
}

TEST(DtscSrc, LateJoinerGetsKeyframeAndCodecData) {
  Stream s("src_late");
  s.Run(2500);
  SrcPipeline p("stream=" + s.name);
  EXPECT_NE(gst_element_set_state(p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  GstSample* v = p.Pull("src_0");
  ASSERT_TRUE(v);
  GstBuffer* b = gst_sample_get_buffer(v);
  EXPECT_FALSE(GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT));
  GstMapInfo map;
  gst_buffer_map(b, &map, GST_MAP_READ);
  EXPECT_EQ(map.data[0], 1);  // the keyframe at 2000 ms
  gst_buffer_unmap(b, &map);
  const GstStructure* caps = gst_caps_get_structure(gst_sample_get_caps(v), 0);
  EXPECT_TRUE(gst_structure_has_name(caps, "video/x-h264"));
  EXPECT_TRUE(gst_structure_has_field(caps, "codec_data"));
  EXPECT_EQ(gst_sample_get_segment(v)->format, GST_FORMAT_TIME);
  gst_sample_unref(v);
  GstSample* a = p.Pull("src_1");
  ASSERT_TRUE(a);
  EXPECT_TRUE(gst_structure_has_field(gst_caps_get_structure(gst_sample_get_caps(a), 0),
                                      "codec_data"));
  gst_sample_unref(a);
  // Live frames keep flowing with increasing timestamps.
  s.Run(200);
  GstClockTime last = 0;
  for (int i = 0; i < 5; ++i) {
    GstSample* n = p.Pull("src_0");
    ASSERT_TRUE(n);
    EXPECT_GT(GST_BUFFER_DTS(gst_sample_get_buffer(n)), last);
    last = GST_BUFFER_DTS(gst_sample_get_buffer(n));
    gst_sample_unref(n);
  }
}

TEST(DtscSrc, SelectsTracksWithMistSelectors) {
  Stream s("src_select");
  s.Run(1500);
  SrcPipeline p("stream=" + s.name + " video=none audio=aac");
  gst_element_set_state(p.pipeline, GST_STATE_PLAYING);
  GstSample* a = p.Pull("src_1");
  ASSERT_TRUE(a);
  gst_sample_unref(a);
  EXPECT_EQ(p.Sink("src_0"), nullptr);
  EXPECT_EQ(p.src->numsrcpads, 1);
}

TEST(DtscSrc, EosWhenTheWriterIsGone) {
  Stream s("src_eos");
  s.Run(1500);
  SrcPipeline p("stream=" + s.name);
  gst_element_set_state(p.pipeline, GST_STATE_PLAYING);
  GstSample* v = p.Pull("src_0");
  ASSERT_TRUE(v);
  gst_sample_unref(v);
  s.buffer->WriterGone();
  auto res = RunUntilEos(p.pipeline);
  EXPECT_TRUE(res.eos) << res.error;
}

TEST(DtscSrc, ErrorWhenTheStreamNeverComes) {
  SrcPipeline p("stream=" + UniqueName("src_missing") + " wait-timeout=200");
  gst_element_set_state(p.pipeline, GST_STATE_PLAYING);
  auto res = RunUntilEos(p.pipeline);
  EXPECT_FALSE(res.eos);
  EXPECT_NE(res.error.find("not available"), std::string::npos) << res.error;
}

TEST(DtscSrc, ClipWithStartAndStop) {
  BufferOptions o;
  o.vod = true;
  Stream s("src_clip", o);
  s.Run(6000);
  s.buffer->WriterGone();
  SrcPipeline p("stream=" + s.name + " start=2500 stop=4000 realtime=false audio=none");
  gst_element_set_state(p.pipeline, GST_STATE_PLAYING);
  int frames = 0;
  while (GstSample* v = p.Pull("src_0", 2000)) {
    frames++;
    gst_sample_unref(v);
  }
  EXPECT_EQ(frames, 51);  // 2000 .. 4000 ms
}

TEST(DtscSrc, SlowDownstreamSkipsAheadWithDiscont) {
  BufferOptions o;
  o.max_keepaway_ms = 2000;
  Stream s("src_slow", o);
  s.Run(1000);
  SrcPipeline p("stream=" + s.name + " audio=none realtime=false", 1);
  gst_element_set_state(p.pipeline, GST_STATE_PLAYING);
  GstSample* first = p.Pull("src_0");
  ASSERT_TRUE(first);
  gst_sample_unref(first);
  s.Run(6000);  // the appsink holds one buffer and blocks the source meanwhile
  bool discont = false;
  GstClockTime prev = 0, jump = 0;
  for (int i = 0; i < 200 && !discont; ++i) {
    GstSample* n = p.Pull("src_0", 1000);
    if (!n) break;
    GstBuffer* b = gst_sample_get_buffer(n);
    discont = GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DISCONT);
    if (discont) jump = GST_BUFFER_DTS(b) - prev;
    prev = GST_BUFFER_DTS(b);
    gst_sample_unref(n);
  }
  EXPECT_TRUE(discont);
  // The reader lagged more than maxkeepaway (2 s) and lands on the newest keyframe, which can be
  // up to a GOP (1 s) behind the newest frame: far more than one frame step (40 ms), never less
  // than lag minus a GOP.
  EXPECT_GT(jump, GST_SECOND);
  EXPECT_GE(s.buffer->Stats().reader_skips, 1u);
}

TEST(DtscSrc, VodPlaysFromTheBeginning) {
  BufferOptions o;
  o.vod = true;
  Stream s("src_vod", o);
  s.Run(3000);
  s.buffer->WriterGone();
  SrcPipeline p("stream=" + s.name + " realtime=false audio=none");
  gst_element_set_state(p.pipeline, GST_STATE_PLAYING);
  int frames = 0;
  while (GstSample* v = p.Pull("src_0", 2000)) {
    frames++;
    gst_sample_unref(v);
  }
  EXPECT_EQ(frames, 75);
  EXPECT_TRUE(RunUntilEos(p.pipeline).eos);
}

TEST(DtscSrc, StartAtAUnixTimeInsideTheWindow) {
  Stream s("src_unix");
  s.Run(6000);
  const int64_t unix_start = s.buffer->Stats().unix_offset_ms + 3200;
  SrcPipeline p("stream=" + s.name + " audio=none realtime=false start=" +
                std::to_string(unix_start));
  gst_element_set_state(p.pipeline, GST_STATE_PLAYING);
  GstSample* v = p.Pull("src_0");
  ASSERT_TRUE(v);
  // The keyframe at 3000 ms comes first: 3 keyframes (0, 1000, 2000) were skipped.
  GstBuffer* b = gst_sample_get_buffer(v);
  EXPECT_FALSE(GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT));
  int frames = 1;
  gst_sample_unref(v);
  while (GstSample* n = p.Pull("src_0", 300)) {
    frames++;
    gst_sample_unref(n);
  }
  EXPECT_EQ(frames, 75);  // 3000 .. 5960 ms
}

TEST(DtscSrc, OneProcessDemoPipeline) {
  const std::string name = UniqueName("demo");
  const std::string launch =
      "videotestsrc is-live=true num-buffers=40 ! video/x-raw,width=160,height=120,framerate=25/1 ! "
      "x264enc tune=zerolatency key-int-max=10 speed-preset=ultrafast ! h264parse ! "
      "dtscsink stream=" + name + "  dtscsrc stream=" + name +
      " ! h264parse ! avdec_h264 ! fakesink name=out sync=true";
  GError* err = nullptr;
  GstElement* p = gst_parse_launch(launch.c_str(), &err);
  ASSERT_TRUE(p) << (err ? err->message : "");
  gst_element_set_state(p, GST_STATE_PLAYING);
  auto res = RunUntilEos(p, 20000);
  EXPECT_TRUE(res.eos) << res.error;
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(p);
  BufferRegistry::Get().Remove(name);
}

}  // namespace
}  // namespace haze::dtsc
