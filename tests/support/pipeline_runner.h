// Runs a pipeline until EOS/error (or a timeout) on the calling thread and collects element
// messages. Test-only helper.
#pragma once

#include <gst/gst.h>

#include <string>
#include <vector>

namespace haze::dtsc::testing {

struct RunResult {
  bool eos = false;
  std::string error;                       // first error message, "" if none
  std::vector<std::string> element_msgs;  // "name: serialized structure"
};

inline RunResult RunUntilEos(GstElement* pipeline, int timeout_ms = 10000) {
  RunResult out;
  GstBus* bus = gst_element_get_bus(pipeline);
  const gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000;
  while (g_get_monotonic_time() < deadline) {
    GstMessage* msg = gst_bus_timed_pop(bus, 50 * GST_MSECOND);
    if (!msg) continue;
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS) {
      out.eos = true;
    } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
      GError* err = nullptr;
      gst_message_parse_error(msg, &err, nullptr);
      out.error = err ? err->message : "error";
      g_clear_error(&err);
    } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ELEMENT) {
      gchar* s = gst_structure_to_string(gst_message_get_structure(msg));
      out.element_msgs.push_back(s);
      g_free(s);
    }
    gst_message_unref(msg);
    if (out.eos || !out.error.empty()) break;
  }
  gst_object_unref(bus);
  return out;
}

}  // namespace haze::dtsc::testing
