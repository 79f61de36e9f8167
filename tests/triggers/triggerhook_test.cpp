// triggerhook element with GstHarness.
#include <gst/check/gstharness.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "elements.h"

namespace {

class TriggerHookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gst_init(nullptr, nullptr);
    gst_plugin_register_static(GST_VERSION_MAJOR, GST_VERSION_MINOR, "haze-test", "test",
                               haze_register_elements, "0", "LGPL", "haze", "haze", "none");
    h_ = gst_harness_new("triggerhook");
    bus_ = gst_bus_new();
    gst_element_set_bus(h_->element, bus_);
  }
  void TearDown() override {
    gst_harness_teardown(h_);
    // Queued messages hold the element, which holds the bus: drop them to break the cycle.
    gst_bus_set_flushing(bus_, TRUE);
    gst_object_unref(bus_);
  }
  // Events of the haze-trigger messages posted so far, in order.
  std::vector<std::string> Events(std::vector<GstStructure*>* keep = nullptr) {
    std::vector<std::string> out;
    while (GstMessage* m = gst_bus_pop_filtered(bus_, GST_MESSAGE_ELEMENT)) {
      const GstStructure* s = gst_message_get_structure(m);
      if (gst_structure_has_name(s, "haze-trigger")) {
        out.emplace_back(gst_structure_get_string(s, "event"));
        if (keep) keep->push_back(gst_structure_copy(s));
      }
      gst_message_unref(m);
    }
    return out;
  }
  GstBuffer* Frame(GstClockTime pts, bool key) {
    GstBuffer* b = gst_buffer_new_allocate(nullptr, 16, nullptr);
    GST_BUFFER_PTS(b) = pts;
    if (!key) GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_DELTA_UNIT);
    return b;
  }

  GstHarness* h_ = nullptr;
  GstBus* bus_ = nullptr;
};

TEST_F(TriggerHookTest, DefaultsAndPassThrough) {
  guint64 gap = 0;
  guint events = 0;
  g_object_get(h_->element, "max-keyframe-gap", &gap, "events", &events, nullptr);
  EXPECT_EQ(gap, 10 * GST_SECOND);
  EXPECT_EQ(events, 0xfu);
  gst_harness_set_src_caps_str(h_,
                               "audio/x-raw,format=S16LE,rate=48000,channels=1,layout=interleaved");
  GstBuffer* in = Frame(0, true);
  GstBuffer* out = gst_harness_push_and_pull(h_, gst_buffer_ref(in));
  EXPECT_EQ(in, out);  // untouched
  gst_buffer_unref(out);
  gst_buffer_unref(in);
  EXPECT_EQ(Events(), (std::vector<std::string>{"caps", "first-buffer"}));
}

TEST_F(TriggerHookTest, ReportsKeyframeGapOncePerGapAndEos) {
  g_object_set(h_->element, "max-keyframe-gap", 2 * GST_SECOND, "hook-name", "probe1",
               "stream-name", "live+a", nullptr);
  gst_harness_set_src_caps_str(h_, "video/x-h264,stream-format=avc,alignment=au");
  gst_harness_push(h_, Frame(0, true));
  for (int i = 1; i <= 30; ++i) gst_harness_push(h_, Frame(i * 100 * GST_MSECOND, false));
  gst_harness_push(h_, Frame(3100 * GST_MSECOND, true));
  gst_harness_push(h_, Frame(3200 * GST_MSECOND, false));
  gst_harness_push_event(h_, gst_event_new_eos());
  std::vector<GstStructure*> msgs;
  EXPECT_EQ(Events(&msgs),
            (std::vector<std::string>{"caps", "first-buffer", "keyframe-gap", "eos"}));
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_STREQ(gst_structure_get_string(msgs[2], "hook"), "probe1");
  EXPECT_STREQ(gst_structure_get_string(msgs[2], "stream"), "live+a");
  guint64 gap = 0, rt = 0;
  gst_structure_get_uint64(msgs[2], "gap", &gap);
  gst_structure_get_uint64(msgs[2], "running-time", &rt);
  EXPECT_EQ(gap, 2100 * GST_MSECOND);
  EXPECT_EQ(rt, 2100 * GST_MSECOND);
  EXPECT_NE(std::string(gst_structure_get_string(msgs[0], "caps")).find("video/x-h264"),
            std::string::npos);
  for (auto* s : msgs) gst_structure_free(s);
}

TEST_F(TriggerHookTest, EventsPropertyFilters) {
  gst_util_set_object_arg(G_OBJECT(h_->element), "events", "eos+keyframe-gap");
  g_object_set(h_->element, "max-keyframe-gap", G_GUINT64_CONSTANT(0), nullptr);
  gst_harness_set_src_caps_str(h_, "video/x-h264,stream-format=avc,alignment=au");
  gst_harness_push(h_, Frame(0, true));
  gst_harness_push(h_, Frame(60 * GST_SECOND, false));  // gap detection off
  gst_harness_push_event(h_, gst_event_new_eos());
  EXPECT_EQ(Events(), (std::vector<std::string>{"eos"}));
}

}  // namespace

#include "triggers/hook_message.h"

namespace {

TEST_F(TriggerHookTest, MessagesBecomePipelineHookPayloads) {
  g_object_set(h_->element, "max-keyframe-gap", GST_SECOND, "hook-name", "h", nullptr);
  gst_harness_set_src_caps_str(h_, "video/x-h264,stream-format=avc,alignment=au");
  gst_harness_push(h_, Frame(0, true));
  gst_harness_push(h_, Frame(1500 * GST_MSECOND, false));
  std::vector<std::vector<std::string>> payloads;
  while (GstMessage* m = gst_bus_pop(bus_)) {
    if (auto p = haze::triggers::HookPayload(m, "live")) payloads.push_back(*p);
    gst_message_unref(m);
  }
  ASSERT_EQ(payloads.size(), 3u);
  EXPECT_EQ(payloads[1], (std::vector<std::string>{"live", "h", "first-buffer", "0", ""}));
  EXPECT_EQ(payloads[2], (std::vector<std::string>{"live", "h", "keyframe-gap", "1500", "1500"}));
  EXPECT_EQ(payloads[0][3], "-1");
}

}  // namespace
