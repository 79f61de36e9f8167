// Test helpers for the DTSC buffer tests: GStreamer init with the haze elements registered
// statically (so the test's BufferRegistry is the elements' registry), and synthetic frames.
#pragma once

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "base/gst_ref.h"
#include "elements.h"

namespace haze::dtsc::testing {

class GstEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    gst_init(nullptr, nullptr);
    gst_plugin_register_static(GST_VERSION_MAJOR, GST_VERSION_MINOR, "haze", "Haze (static)",
                               haze_register_elements, "0", "LGPL", "haze", "haze",
                               "https://haze.invalid/");
  }
};

inline ::testing::Environment* const kGstEnv =
    ::testing::AddGlobalTestEnvironment(new GstEnvironment());

// A buffer of |size| bytes (first byte = |tag| for identification).
inline MiniRef<GstBuffer> MakeBuffer(size_t size, uint8_t tag = 0) {
  GstBuffer* b = gst_buffer_new_allocate(nullptr, size, nullptr);
  GstMapInfo map;
  gst_buffer_map(b, &map, GST_MAP_WRITE);
  memset(map.data, 0, map.size);
  if (map.size) map.data[0] = tag;
  gst_buffer_unmap(b, &map);
  return MiniRef<GstBuffer>::Adopt(b);
}

inline MiniRef<GstCaps> H264Caps(int width = 640, int height = 360) {
  static const uint8_t kAvcc[] = {0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x00, 0x01, 0x00, 0x00};
  GstBuffer* cd = gst_buffer_new_memdup(kAvcc, sizeof kAvcc);
  GstCaps* caps = gst_caps_new_simple("video/x-h264", "stream-format", G_TYPE_STRING, "avc",
                                      "alignment", G_TYPE_STRING, "au", "width", G_TYPE_INT, width,
                                      "height", G_TYPE_INT, height, "framerate", GST_TYPE_FRACTION,
                                      25, 1, "codec_data", GST_TYPE_BUFFER, cd, nullptr);
  gst_buffer_unref(cd);
  return MiniRef<GstCaps>::Adopt(caps);
}

inline MiniRef<GstCaps> AacCaps(int rate = 48000, int channels = 2) {
  static const uint8_t kAsc[] = {0x11, 0x90};
  GstBuffer* cd = gst_buffer_new_memdup(kAsc, sizeof kAsc);
  GstCaps* caps = gst_caps_new_simple("audio/mpeg", "mpegversion", G_TYPE_INT, 4, "stream-format",
                                      G_TYPE_STRING, "raw", "rate", G_TYPE_INT, rate, "channels",
                                      G_TYPE_INT, channels, "codec_data", GST_TYPE_BUFFER, cd,
                                      nullptr);
  gst_buffer_unref(cd);
  return MiniRef<GstCaps>::Adopt(caps);
}

// Applies "key=value key=value" to |object| (gst-launch syntax, no quoting).
inline void SetProps(GObject* object, const std::string& props) {
  gchar** kv = g_strsplit(props.c_str(), " ", -1);
  for (gchar** p = kv; *p; ++p) {
    gchar** pair = g_strsplit(*p, "=", 2);
    if (pair[0] && pair[1]) gst_util_set_object_arg(object, pair[0], pair[1]);
    g_strfreev(pair);
  }
  g_strfreev(kv);
}

inline std::string UniqueName(const char* base) {
  static int n = 0;
  return std::string(base) + "_" + std::to_string(++n);
}

}  // namespace haze::dtsc::testing
