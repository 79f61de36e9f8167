// dtscsink: writes timestamped, parsed tracks (one request pad each) into the DTSC buffer of a
// stream (BufferRegistry). Thread: pad functions on streaming threads, properties on any thread.
// The element holds a shared reference of its LiveBuffer between READY->PAUSED and PAUSED->READY.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define HAZE_TYPE_DTSC_SINK (haze_dtsc_sink_get_type())
G_DECLARE_FINAL_TYPE(HazeDtscSink, haze_dtsc_sink, HAZE, DTSC_SINK, GstElement)

GST_ELEMENT_REGISTER_DECLARE(dtscsink);

G_END_DECLS
