// Elements of the haze plugin. The plugin file registers them; the server registers the same
// list statically (haze::RegisterElements) so it never depends on the plugin search path.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS
gboolean haze_register_elements(GstPlugin* plugin);
G_END_DECLS
