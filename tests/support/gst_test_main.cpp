// gtest main for tests that need GStreamer and the haze elements: initialises GStreamer,
// registers the plugin statically and the embedded resources, then runs the tests.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include "app/server.h"
#include "base/log.h"
#include "core/resources.h"

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  gst_init(&argc, &argv);
  haze::InitLogging();
  haze::core::RegisterResources();
  haze::app::RegisterStaticPlugin();
  return RUN_ALL_TESTS();
}
