// dtscsrc: reads the selected tracks of a stream's DTSC buffer, one sometimes pad per track, from
// a GstTask. Thread: the task pushes; properties on any thread. The reader (and its shared
// reference of the LiveBuffer) lives from READY->PAUSED until PAUSED->READY.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define HAZE_TYPE_DTSC_SRC (haze_dtsc_src_get_type())
G_DECLARE_FINAL_TYPE(HazeDtscSrc, haze_dtsc_src, HAZE, DTSC_SRC, GstElement)

GST_ELEMENT_REGISTER_DECLARE(dtscsrc);

G_END_DECLS
