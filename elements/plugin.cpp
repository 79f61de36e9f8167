// The haze GStreamer plugin (libgsthaze.so): only registers elements.
#include "haze_build_config.h"
#include "elements.h"

#define PACKAGE "haze"

static gboolean plugin_init(GstPlugin* plugin) { return haze_register_elements(plugin); }

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, haze,
                  "Haze media server elements: DTSC live buffer, trigger hooks",
                  plugin_init, HAZE_VERSION, "LGPL", "Haze", "https://haze.invalid/")
