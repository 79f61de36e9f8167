// Test-pattern track sources for the progressive muxers (in place of dtscsrc): a bin with one
// ghost src pad per track, live, like a DTSC reader would expose.
#pragma once

#include <gst/gst.h>

#include <string>

#include "http/progressive/mux_session.h"

namespace haze::testing {

inline GstElement* TrackBin(const std::string& desc, const char* pad_name, GstElement* parent) {
  GError* err = nullptr;
  GstElement* sub = gst_parse_bin_from_description(desc.c_str(), TRUE, &err);
  if (!sub) {
    g_printerr("bad test source: %s\n", err ? err->message : "?");
    if (err) g_error_free(err);
    return nullptr;
  }
  gst_bin_add(GST_BIN(parent), sub);
  GstPad* inner = gst_element_get_static_pad(sub, "src");
  gst_element_add_pad(parent, gst_ghost_pad_new(pad_name, inner));
  gst_object_unref(inner);
  return sub;
}

// H.264 (600 kbps, GOP 1 s) + AAC, or VP8 + Opus with |vpx|.
inline GstElement* MakeTestSource(const http::MuxOptions&, bool vpx, const char* pattern = "ball") {
  GstElement* bin = gst_bin_new(nullptr);
  std::string video =
      std::string("videotestsrc is-live=true pattern=") + pattern +
      " ! video/x-raw,width=320,height=240,framerate=25/1 ! ";
  video += vpx ? "vp8enc deadline=1 keyframe-max-dist=25 target-bitrate=600000"
               : "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 bitrate=500 ! h264parse";
  std::string audio = "audiotestsrc is-live=true wave=sine ! audio/x-raw,rate=48000,channels=2 ! ";
  audio += vpx ? "opusenc" : "avenc_aac bitrate=96000 ! aacparse";
  TrackBin(video, "src_0", bin);
  TrackBin(audio, "src_1", bin);
  return bin;
}

}  // namespace haze::testing
