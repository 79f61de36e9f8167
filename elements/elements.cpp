#include "elements.h"
#include "triggerhook/triggerhook.h"

#include "dtsc/dtscsink.h"
#include "dtsc/dtscsrc.h"

gboolean haze_register_elements(GstPlugin* plugin) {
  gboolean ok = TRUE;
  (void)plugin;
  ok &= GST_ELEMENT_REGISTER(dtscsink, plugin);
  ok &= GST_ELEMENT_REGISTER(dtscsrc, plugin);
  ok &= GST_ELEMENT_REGISTER(triggerhook, plugin);
  return ok;
}
