// Headless Chromium (playwright-core, tests/e2e/play_progressive.mjs) plays /STREAM.mp4 in a
// <video> element, and the embed page /STREAM.html (player.js picks a source the browser plays,
// falling back past sources this test server does not serve, such as HLS); currentTime advances. Skipped when node, chromium or
// playwright-core (npm ci in tests/e2e) are missing.
#include "http/progressive/progressive_endpoint.h"
#include "support/http_fixture.h"
#include "support/test_sources.h"

namespace haze::testing {
namespace {

class BrowserTest : public HttpLayerFixture {
 protected:
  void Customize() override {
    layer_->progressive().set_source_factory([](const http::MuxOptions& o) {
      return MakeTestSource(o, o.stream == "vpx");
    });
    backend_->AddLive("vpx");
    auto& vpx = backend_->streams["vpx"].media.tracks;
    vpx[0].codec = dtsc::Codec::kVP8;
    vpx[1].codec = dtsc::Codec::kOpus;
  }
  std::string Script() const {
    const char* src = g_getenv("HAZE_SOURCE_DIR");
    return std::string(src ? src : ".") + "/tests/e2e/play_progressive.mjs";
  }
  bool Ready(std::string* why) const {
    const char* src = g_getenv("HAZE_SOURCE_DIR");
    std::string modules = std::string(src ? src : ".") + "/tests/e2e/node_modules/playwright-core";
    if (!HaveProgram("node")) *why = "node missing";
    else if (!g_file_test("/usr/bin/chromium", G_FILE_TEST_IS_EXECUTABLE)) *why = "chromium missing";
    else if (!g_file_test(modules.c_str(), G_FILE_TEST_IS_DIR)) *why = "run npm ci in tests/e2e";
    return why->empty();
  }
};

TEST_F(BrowserTest, ChromiumPlaysFragmentedMp4AndTheEmbedPage) {
  std::string why;
  if (!Ready(&why)) GTEST_SKIP() << why;
  for (const char* path : {"/videogen.mp4", "/videogen.html"}) {
    ProgramResult r = RunProgram({"node", Script(), MediaUrl(path), "7"});
    EXPECT_EQ(r.exit_code, 0) << path << ": " << r.out << r.err;
    EXPECT_NE(r.out.find("\"ok\":true"), std::string::npos) << path << ": " << r.out;
  }
}

}  // namespace
}  // namespace haze::testing
