// Test helper: iterate the default main context until a condition holds or a deadline passes.
#pragma once

#include <glib.h>

#include <functional>

namespace haze::test {

// Returns true when |done| became true within |seconds|.
inline bool RunUntil(const std::function<bool()>& done, double seconds) {
  gint64 deadline = g_get_monotonic_time() + static_cast<gint64>(seconds * G_USEC_PER_SEC);
  while (!done()) {
    if (g_get_monotonic_time() > deadline) return false;
    g_main_context_iteration(nullptr, FALSE);
    g_usleep(2000);
  }
  return true;
}

}  // namespace haze::test
