#include "elements.h"
#include "triggerhook/triggerhook.h"

gboolean haze_register_elements(GstPlugin* plugin) {
  gboolean ok = TRUE;
  (void)plugin;
  ok &= GST_ELEMENT_REGISTER(triggerhook, plugin);
  return ok;
}
