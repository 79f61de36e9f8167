// Real players over HTTP: ffmpeg/ffprobe read /hls (TS), /cmaf (fMP4 HLS, LL-HLS) and the DASH
// MPD from a SoupServer in this process, decode without errors; xmllint checks the MPD.
#include <gtest/gtest.h>

#include <glib/gstdio.h>

#include <fstream>

#include "../support/segment_http_fixture.h"
#include "../support/media_fixture.h"
#include "protocols/cmaf/cmaf_endpoint.h"

namespace haze::cmaf {
namespace {

using testing::FakeSource;
using testing::RunTool;

const testing::EncodedMedia& Media() {
  static testing::EncodedMedia media = testing::EncodeTestMedia(12);
  return media;
}

int64_t VideoEnd() {
  int64_t end = 0;
  for (const auto& f : Media().frames)
    if (f.track == 0) end = std::max(end, f.dts + 40000000);
  return end;
}

class HttpSegmentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vod_ = std::make_shared<FakeSource>(Media().tracks);
    for (const auto& f : Media().frames) vod_->Push(f);
    vod_->Finish(VideoEnd());
    live_ = std::make_shared<FakeSource>(Media().tracks);
    service_ = std::make_unique<SegmentService>(
        [this](const std::string& name) -> std::shared_ptr<FragmentSource> {
          if (name == "vod") return vod_;
          if (name == "live") return live_;
          return nullptr;
        });
    server_ = std::make_unique<testing::SegmentHttpServer>(service_.get());
    ASSERT_GT(server_->port(), 0);
  }

  // ffmpeg decodes everything (up to |seconds|) and reports frames; stderr must stay empty.
  int Decode(const std::string& path, int seconds = 0) {
    std::vector<std::string> args = {"ffmpeg", "-nostdin", "-v", "error", "-i", server_->Url(path)};
    if (seconds > 0) args.insert(args.end(), {"-t", std::to_string(seconds)});
    args.insert(args.end(), {"-map", "0", "-fps_mode", "passthrough", "-f", "null", "-",
                             "-progress", "pipe:1"});
    auto r = RunTool(args, 60);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "") << path;
    return testing::FfmpegFrames(r.out);
  }

  std::shared_ptr<FakeSource> vod_, live_;
  std::unique_ptr<SegmentService> service_;
  std::unique_ptr<testing::SegmentHttpServer> server_;
};

TEST_F(HttpSegmentsTest, FfmpegDecodesTsHls) { EXPECT_EQ(Decode("/hls/vod/index.m3u8"), 300); }

TEST_F(HttpSegmentsTest, FfmpegDecodesCmafHls) { EXPECT_EQ(Decode("/cmaf/vod/index.m3u8"), 300); }

// ffmpeg 5.1's DASH demuxer drops the last 2 video frames when it also reads audio (with
// -map 0:v it decodes all 300); the stream itself is complete.
TEST_F(HttpSegmentsTest, FfmpegDecodesDash) { EXPECT_GE(Decode("/cmaf/vod/index.mpd"), 298); }

// audio=/video= selections as MistServer takes them: ffmpeg decodes the narrowed playlists.
TEST_F(HttpSegmentsTest, FfmpegDecodesSelectedTracks) {
  EXPECT_EQ(Decode("/hls/vod/index.m3u8?audio=none"), 300);
  auto r = RunTool({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of",
                    "csv=p=0", server_->Url("/hls/vod/index.m3u8?video=none")});
  EXPECT_NE(r.out.find("aac"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("h264"), std::string::npos) << r.out;
  r = RunTool({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0",
               server_->Url("/cmaf/vod/index.m3u8?audio=none")});
  EXPECT_NE(r.out.find("h264"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("aac"), std::string::npos) << r.out;
}

TEST_F(HttpSegmentsTest, FfprobeSeesBothTracksAndMpdIsWellFormed) {
  auto r = RunTool({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height",
                    "-of", "csv=p=0", server_->Url("/cmaf/vod/index.m3u8")});
  EXPECT_NE(r.out.find("h264,320,180"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("aac"), std::string::npos) << r.out;
  std::string mpd_path = std::string(g_get_tmp_dir()) + "/haze-hls-" + std::to_string(getpid()) + ".mpd";
  auto fetch = RunTool({"ffprobe", "-v", "error", "-show_entries", "format=format_name", "-of",
                        "csv=p=0", server_->Url("/cmaf/vod/index.mpd")});
  EXPECT_EQ(fetch.out, "dash\n") << fetch.err;
  std::string mpd;
  HandleCmaf(*service_, HttpRequest{"vod", "index.mpd", {}, {}},
             [&](HttpResponse r) { mpd = std::string(r.body.view()); });
  std::ofstream(mpd_path) << mpd;
  auto lint = RunTool({"xmllint", "--noout", "--nonet", mpd_path});
  EXPECT_EQ(lint.status, 0) << lint.err;
  EXPECT_EQ(lint.err, "");
  g_unlink(mpd_path.c_str());
}

TEST_F(HttpSegmentsTest, OfflineStreamAnswersAtOnce) {
  auto r = RunTool({"ffprobe", "-v", "error", server_->Url("/hls/nope/index.m3u8")}, 10);
  EXPECT_NE(r.status, 0);  // an error playlist, not a hang
}

// A live stream published in real time while ffmpeg reads the LL-HLS playlist: it starts at
// the live edge and keeps up (blocking reloads and parts served from memory).
TEST_F(HttpSegmentsTest, FfmpegFollowsLiveCmaf) {
  size_t next = 0;
  auto push_until = [&](int64_t media_ns) {
    while (next < Media().frames.size() && Media().frames[next].dts <= media_ns)
      live_->Push(Media().frames[next++]);
  };
  push_until(4500000000);  // 4.5 s already published
  gint64 start = g_get_monotonic_time();
  struct Pacer {
    std::function<void()> tick;
  } pacer{[&] { push_until(4500000000 + (g_get_monotonic_time() - start) * 1000); }};
  guint timer = g_timeout_add(
      20, [](gpointer p) -> gboolean { static_cast<Pacer*>(p)->tick(); return G_SOURCE_CONTINUE; },
      &pacer);
  int frames = Decode("/cmaf/live/0/index.m3u8", 7);
  g_source_remove(timer);
  EXPECT_GE(frames, 170);  // 7 s at 25 fps, part of it published while reading
  EXPECT_GE(g_get_monotonic_time() - start, 1500000);
}

TEST(SoupBridge, SplitsAndRejectsPaths) {
  std::string stream, rest;
  ASSERT_TRUE(SplitSegmentPath("/hls/live%2Bjohn/0_1/index.m3u8", "/hls", stream, rest));
  EXPECT_EQ(stream, "live+john");
  EXPECT_EQ(rest, "0_1/index.m3u8");
  EXPECT_FALSE(SplitSegmentPath("/hls/live", "/hls", stream, rest));
  EXPECT_FALSE(SplitSegmentPath("/hlsx/live/index.m3u8", "/hls", stream, rest));
  EXPECT_FALSE(SplitSegmentPath("/hls/../index.m3u8", "/hls", stream, rest));
  EXPECT_FALSE(SplitSegmentPath("/hls/%2e%2e/index.m3u8", "/hls", stream, rest));
  EXPECT_FALSE(SplitSegmentPath("/cmaf/a/../../x", "/cmaf", stream, rest));
  EXPECT_FALSE(SplitSegmentPath("/cmaf/a%0a/index.mpd", "/cmaf", stream, rest));
}

}  // namespace
}  // namespace haze::cmaf
