// STREAM_BUFFER fires FULL then EMPTY around a publish: a real dtscsink fed by an encoder, its
// bus messages through StreamMessageTriggers, and an executable handler recording the payloads.
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "triggers/hook_message.h"

namespace haze::triggers {
namespace {

TEST(StreamBuffer, FullThenEmptyAroundAPublish) {
  gst_init(nullptr, nullptr);
  GstElementFactory* f = gst_element_factory_find("dtscsink");
  if (!f) GTEST_SKIP() << "dtscsink not in the plugin path";
  gst_object_unref(f);
  char tmpl[] = "/tmp/haze-sb-XXXXXX";
  std::string dir = g_mkdtemp(tmpl);
  std::string log = dir + "/log";
  std::string script = dir + "/h";
  std::ofstream(script) << "#!/bin/sh\n{ cat; echo; echo ---; } >> '" << log << "'\n";
  chmod(script.c_str(), 0755);

  TriggerDispatcher d;
  HandlerConfig h;
  h.handler = script;
  d.SetConfig({{"STREAM_BUFFER", {h}}});
  StreamMessageTriggers messages(d);

  GstElement* p = gst_parse_launch(
      "videotestsrc num-buffers=250 ! video/x-raw,width=160,height=120,framerate=25/1 ! "
      "x264enc speed-preset=ultrafast key-int-max=25 ! h264parse ! dtscsink stream=sbtest",
      nullptr);
  ASSERT_NE(p, nullptr);
  GstBus* bus = gst_element_get_bus(p);
  gst_element_set_state(p, GST_STATE_PLAYING);
  bool eos = false;
  gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
  while (!eos && g_get_monotonic_time() < deadline) {
    GstMessage* m = gst_bus_timed_pop(bus, 50 * GST_MSECOND);
    if (m) {
      messages.Handle(m, "sbtest");
      eos = GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS || GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR;
      gst_message_unref(m);
    }
    g_main_context_iteration(nullptr, FALSE);
  }
  gst_element_set_state(p, GST_STATE_NULL);
  // Messages posted while stopping.
  while (GstMessage* m = gst_bus_pop(bus)) {
    messages.Handle(m, "sbtest");
    gst_message_unref(m);
  }
  gst_object_unref(bus);
  gst_object_unref(p);
  while (d.running() > 0 && g_get_monotonic_time() < deadline)
    g_main_context_iteration(nullptr, TRUE);

  std::stringstream ss;
  ss << std::ifstream(log).rdbuf();
  std::string text = ss.str();
  size_t full = text.find("sbtest\nFULL\n{");
  size_t empty = text.find("sbtest\nEMPTY\n---");
  EXPECT_NE(full, std::string::npos) << text;
  EXPECT_NE(empty, std::string::npos) << text;
  EXPECT_LT(full, empty);
  std::string cmd = "rm -rf '" + dir + "'";
  ASSERT_EQ(system(cmd.c_str()), 0);
}

}  // namespace
}  // namespace haze::triggers
