// Segmented delivery wired as in the server: the real DTSC LiveBuffer (written from another
// thread, listeners marshalled to the main context), a StreamHost opener, and the routes on
// the HTTP layer's HttpServer. ffmpeg plays HLS (TS), CMAF HLS and DASH from it.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "../support/media_fixture.h"
#include "../support/segment_http_fixture.h"
#include "http/http_server.h"
#include "protocols/cmaf/segment_routes.h"

namespace haze::cmaf {
namespace {

const testing::EncodedMedia& Media() {
  static testing::EncodedMedia media = testing::EncodeTestMedia(12);
  return media;
}

class Host : public core::StreamHost {
 public:
  std::map<std::string, std::shared_ptr<dtsc::LiveBuffer>> buffers;
  int opens = 0;
  void AuthorizePublish(const core::PublishRequest&, PublishDone done) override {
    done(Error{ErrorCode::kUnavailable, "not here"});
  }
  void OpenForPlay(const core::PlayRequest& request, PlayDone done) override {
    ++opens;
    auto it = buffers.find(request.stream);
    if (it == buffers.end()) return done(Error{ErrorCode::kNotFound, "no such stream"});
    done(std::unique_ptr<core::PlaySession>(new Session(request.stream, it->second)));
  }

 private:
  class Session : public core::PlaySession {
   public:
    Session(std::string s, std::shared_ptr<dtsc::LiveBuffer> b) : stream_(std::move(s)), buffer_(std::move(b)) {}
    const std::string& stream() const override { return stream_; }
    std::shared_ptr<dtsc::LiveBuffer> buffer() const override { return buffer_; }
    void AddBytesOut(uint64_t) override {}

   private:
    std::string stream_;
    std::shared_ptr<dtsc::LiveBuffer> buffer_;
  };
};

std::shared_ptr<dtsc::LiveBuffer> NewBuffer(const std::string& name, bool vod,
                                            std::vector<uint32_t>& ids) {
  dtsc::BufferOptions options;
  options.vod = vod;
  auto buffer = std::make_shared<dtsc::LiveBuffer>(name, options);
  for (const auto& t : Media().tracks) ids.push_back(buffer->AddTrack(t.caps.get()).value_or(99));
  return buffer;
}

void Push(dtsc::LiveBuffer& buffer, const std::vector<uint32_t>& ids, const testing::EncodedFrame& f) {
  buffer.Push(ids[f.track], f.buffer, f.dts, f.pts, f.keyframe);
}

class SegmentLiveBufferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Like the progressive outputs on the media port: patterns that also match segment names.
    for (const char* pattern : {"/*.ts", "/*.mp4"})
      server_.AddRoute({http::RouteMatch::kPattern, pattern, [](const http::Request& r) {
                          soup_server_message_set_status(r.msg, 418, nullptr);
                        }, nullptr});
    ServiceOptions options;
    options.canonical_name = CanonicalStreamName;
    service_ = std::make_unique<SegmentService>(HostOpener(host_), options);
    RegisterSegmentRoutes(server_, *service_);
    auto port = server_.Listen(g_main_context_default(), "127.0.0.1", 0);
    ASSERT_TRUE(port.ok());
    port_ = port.value();
  }
  std::string Url(const std::string& path) { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  int Decode(const std::string& path, int seconds = 0) {
    std::vector<std::string> args = {"ffmpeg", "-nostdin", "-v", "error", "-i", Url(path)};
    if (seconds > 0) args.insert(args.end(), {"-t", std::to_string(seconds)});
    args.insert(args.end(), {"-map", "0", "-fps_mode", "passthrough", "-f", "null", "-",
                             "-progress", "pipe:1"});
    auto r = testing::RunTool(args, 60);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "") << path;
    return testing::FfmpegFrames(r.out);
  }

  Host host_;
  http::HttpServer server_{"segments-test"};
  std::unique_ptr<SegmentService> service_;
  uint16_t port_ = 0;
};

TEST_F(SegmentLiveBufferTest, VodFileBufferPlaysEndToEnd) {
  std::vector<uint32_t> ids;
  auto buffer = NewBuffer("vod", true, ids);
  ASSERT_NE(ids[0], 99u);
  ASSERT_TRUE(buffer->Track(ids[0])->init);  // avcC taken from the caps
  for (const auto& f : Media().frames) Push(*buffer, ids, f);
  buffer->WriterGone();
  host_.buffers["vod"] = buffer;
  EXPECT_EQ(Decode("/hls/vod/index.m3u8"), 300);
  EXPECT_EQ(Decode("/cmaf/VOD/index.m3u8"), 300);  // same store: names are canonical
  EXPECT_GE(Decode("/cmaf/vod/index.mpd"), 298);
  EXPECT_EQ(service_->store_count(), 1u);
  auto r = testing::RunTool({"ffprobe", "-v", "error", Url("/hls/unknown/index.m3u8")}, 10);
  EXPECT_NE(r.status, 0);
}

// A publisher thread writes in real time; the buffer's listener runs on that thread and only
// schedules store updates on the main context while ffmpeg follows the LL-HLS playlist.
TEST_F(SegmentLiveBufferTest, LiveBufferWrittenFromAnotherThread) {
  std::vector<uint32_t> ids;
  auto buffer = NewBuffer("live", false, ids);
  host_.buffers["live"] = buffer;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    gint64 start = g_get_monotonic_time();
    for (const auto& f : Media().frames) {
      while (!stop && f.dts > 4500000000 + (g_get_monotonic_time() - start) * 1000) g_usleep(5000);
      if (stop) break;
      Push(*buffer, ids, f);
    }
  });
  int frames = Decode("/cmaf/live/0/index.m3u8", 7);
  int ts_frames = Decode("/hls/live/index.m3u8", 2);
  stop = true;
  writer.join();
  EXPECT_GE(frames, 170);
  EXPECT_GE(ts_frames, 45);
  EXPECT_EQ(host_.opens, 1);  // one play session for all the requests of both outputs
}

}  // namespace
}  // namespace haze::cmaf
