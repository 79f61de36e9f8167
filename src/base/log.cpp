#include "log.h"

GST_DEBUG_CATEGORY(haze_core_debug);
GST_DEBUG_CATEGORY(haze_config_debug);
GST_DEBUG_CATEGORY(haze_http_debug);
GST_DEBUG_CATEGORY(haze_rtmp_debug);
GST_DEBUG_CATEGORY(haze_hls_debug);
GST_DEBUG_CATEGORY(haze_trigger_debug);

namespace haze {

void InitLogging() {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(haze_core_debug, "haze-core", 0, "Haze streams and registry");
    GST_DEBUG_CATEGORY_INIT(haze_config_debug, "haze-config", 0, "Haze configuration");
    GST_DEBUG_CATEGORY_INIT(haze_http_debug, "haze-http", 0, "Haze HTTP layer");
    GST_DEBUG_CATEGORY_INIT(haze_rtmp_debug, "haze-rtmp", 0, "Haze RTMP server");
    GST_DEBUG_CATEGORY_INIT(haze_hls_debug, "haze-hls", 0, "Haze HLS/DASH segmenter");
    GST_DEBUG_CATEGORY_INIT(haze_trigger_debug, "haze-trigger", 0, "Haze triggers");
    g_once_init_leave(&once, 1);
  }
}

}  // namespace haze
