#include "core/resources.h"

#include <gio/gio.h>

extern "C" {
#include "haze_resources.h"
}

namespace haze::core {

void RegisterResources() {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    haze_res_register_resource();
    g_once_init_leave(&once, 1);
  }
}

}  // namespace haze::core
