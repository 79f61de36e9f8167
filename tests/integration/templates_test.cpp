// Every built-in template in pipelines/ expands, parses and runs: file templates load a real
// file made by ffmpeg to a playable buffer; network templates pull from or receive a real sender
// (gst-launch SRT listener and RIST sender, python's HTTP server with ffmpeg's HLS, gst-rtsp-server)
// to a playable buffer. A template without a case here fails the test, so new templates come with
// coverage.
#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include <set>

#include "config/config_loader.h"
#include "core/stream_registry.h"
#include "integration/ingest_peers.h"
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

void RemoveTree(const std::string& dir) {
  GDir* d = g_dir_open(dir.c_str(), 0, nullptr);
  while (const char* name = d ? g_dir_read_name(d) : nullptr) g_remove((dir + "/" + name).c_str());
  if (d) g_dir_close(d);
  g_rmdir(dir.c_str());
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
  // Network senders, started before the streams so the pulls find them.
  const int srt_port = test::FreePort(SOCK_DGRAM);
  test::PeerProcess srt(test::GstSender("srtsink uri=srt://127.0.0.1:" + std::to_string(srt_port) +
                                        "?mode=listener wait-for-connection=false"));
  const int rist_port = test::FreePort(SOCK_DGRAM, true);
  test::PeerProcess rist(test::GstSender("rtpmp2tpay ! ristsink address=127.0.0.1 port=" +
                                         std::to_string(rist_port)));
  MakeMedia(dir, "hls.m3u8", h264_aac + " -f hls -hls_time 1 -hls_list_size 0");
  const int http_port = test::FreePort(SOCK_STREAM);
  test::PeerProcess http({"python3", "-m", "http.server", "--bind", "127.0.0.1", "--directory",
                          dir, std::to_string(http_port)});
  test::RtspPeer rtsp;
  const std::string web = "http://127.0.0.1:" + std::to_string(http_port) + "/";
  ASSERT_TRUE(test::RunUntil([&] { return test::TcpConnects(http_port); }, 10)) << "http.server";
  cases["srt"] = {"srt://127.0.0.1:" + std::to_string(srt_port), true};
  cases["rist"] = {"rist://127.0.0.1:" + std::to_string(rist_port), true};
  cases["hls-pull"] = {web + "hls.m3u8", true};
  cases["http-ts"] = {web + "a.ts", true};
  cases["rtsp-pull"] = {rtsp.url(), true};
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
  RemoveTree(dir);
}

}  // namespace
}  // namespace haze::core
