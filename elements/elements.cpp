#include "elements.h"

gboolean haze_register_elements(GstPlugin* plugin) {
  gboolean ok = TRUE;
  (void)plugin;
  return ok;
}
