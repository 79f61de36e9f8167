// Every built-in template in pipelines/ expands, parses and runs: file templates load a real
// file made by ffmpeg to a playable buffer, live ones reach PLAYING. A template without a case
// here fails the test, so new templates come with coverage.
#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include <set>

#include "config/config_loader.h"
#include "core/stream_registry.h"
#include "support/main_loop.h"

namespace haze::core {
namespace {

std::string MakeMedia(const std::string& dir, const std::string& name, const std::string& codecs) {
  std::string path = dir + "/" + name;
  std::string cmd = "ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc=size=160x120:rate=25"
                    " -f lavfi -i sine=sample_rate=48000 -t 3 -g 25 " + codecs + " " + path;
  EXPECT_EQ(system(cmd.c_str()), 0) << cmd;
  return path;
}

struct Case {
  std::string source;
  bool expect_playable;  // else: reaching "Waiting for data" (a live source without a feed)
};

TEST(Templates, EveryBuiltInTemplateRuns) {
  gchar* tmp = g_dir_make_tmp("haze-media-XXXXXX", nullptr);
  std::string dir = tmp;
  g_free(tmp);
  const std::string h264_aac = "-c:v libx264 -preset ultrafast -c:a aac";
  std::map<std::string, Case> cases = {
      {"videogen", {"videogen", true}},
      {"file-mp4", {MakeMedia(dir, "a.mp4", h264_aac), true}},
      {"file-mkv", {MakeMedia(dir, "a.webm", "-c:v libvpx -deadline realtime -c:a libopus"), true}},
      {"file-flv", {MakeMedia(dir, "a.flv", h264_aac), true}},
      {"file-ts", {MakeMedia(dir, "a.ts", h264_aac), true}},
      {"ts-exec",
       {"ts-exec:ffmpeg -hide_banner -loglevel error -re -f lavfi -i testsrc=size=160x120:rate=25 "
        "-c:v libx264 -preset ultrafast -g 25 -t 20 -f mpegts -",
        true}},
      {"tsudp", {"tsudp://127.0.0.1:0", false}},
      {"push", {"push://", false}},
  };
  TemplateSet templates;
  templates.Load("");
  std::set<std::string> covered;
  for (const auto& t : templates.all()) {
    auto it = cases.find(t.name);
    ASSERT_NE(it, cases.end()) << "no test case for template " << t.name;
    std::map<std::string, std::string> vars;
    auto selected = templates.Select(it->second.source, &vars);
    ASSERT_TRUE(selected.ok()) << t.name;
    EXPECT_EQ(selected.value()->name, t.name);
    covered.insert(t.name);
  }
  EXPECT_EQ(covered.size(), cases.size());

  for (const auto& [name, c] : cases) {
    SCOPED_TRACE(name);
    StreamRegistry registry(templates);
    auto cfg_json = config::ParseJsonText(
        std::string(R"({"streams":{"s":{"source":)") + "\"" + c.source + "\"}}}", name);
    ASSERT_TRUE(cfg_json.ok());
    auto cfg = config::ParseServerConfig(cfg_json.value());
    json_node_unref(cfg_json.value());
    ASSERT_TRUE(cfg.ok());
    registry.Reconcile(cfg.value());
    auto st = registry.Start("s");
    ASSERT_TRUE(st.ok()) << st.error().ToString();
    auto want = c.expect_playable ? StreamStatus::kOnline : StreamStatus::kWaiting;
    bool reached = test::RunUntil(
        [&] {
          auto s = registry.Snapshot("s");
          return s && s->status == want;
        },
        30);
    auto s = registry.Snapshot("s");
    EXPECT_TRUE(reached) << "status " << (s ? StreamStatusName(s->status) : "gone") << " "
                         << (s ? s->error : "");
    if (c.expect_playable && s && s->buffer) {
      EXPECT_FALSE(s->buffer->Tracks().empty());
    }
  }
  for (const char* f : {"a.mp4", "a.webm", "a.flv", "a.ts"}) g_remove((dir + "/" + f).c_str());
  g_rmdir(dir.c_str());
}

}  // namespace
}  // namespace haze::core
