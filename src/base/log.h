// Debug categories of the server (one per module). Logging goes through the GStreamer debug
// system only, so GST_DEBUG=haze*:5 covers app and plugin. Thread: any.
#pragma once

#include <gst/gst.h>

GST_DEBUG_CATEGORY_EXTERN(haze_core_debug);
GST_DEBUG_CATEGORY_EXTERN(haze_config_debug);
GST_DEBUG_CATEGORY_EXTERN(haze_http_debug);
GST_DEBUG_CATEGORY_EXTERN(haze_rtmp_debug);
GST_DEBUG_CATEGORY_EXTERN(haze_hls_debug);
GST_DEBUG_CATEGORY_EXTERN(haze_trigger_debug);

namespace haze {
// Registers the categories; idempotent.
void InitLogging();
}  // namespace haze
