// Progressive outputs with real clients: ffprobe lists and ffmpeg decodes every format; viewers
// share one muxer; a viewer that does not read never holds back another one.
#include <gio/gio.h>

#include "http/progressive/progressive_endpoint.h"
#include "support/http_fixture.h"
#include "support/test_sources.h"

namespace haze::testing {
namespace {

class ProgressiveTest : public HttpLayerFixture {
 protected:
  void Customize() override {
    layer_->progressive().set_source_factory([](const http::MuxOptions& o) {
      return MakeTestSource(o, o.stream == "vpx");
    });
    layer_->progressive().set_linger_ms(200);
    backend_->AddLive("vpx");
    auto& vpx = backend_->streams["vpx"].media.tracks;
    vpx[0].codec = dtsc::Codec::kVP8;
    vpx[1].codec = dtsc::Codec::kOpus;
  }
  http::ProgressiveStats Stats() {
    http::ProgressiveStats s;
    server_.Run([&] { s = layer_->progressive().stats(); });
    return s;
  }
};

// A raw HTTP/1.1 reader: sends GET and reads the response as it comes.
class RawViewer {
 public:
  RawViewer(uint16_t port, const std::string& path) {
    GSocketClient* client = g_socket_client_new();
    conn_ = g_socket_client_connect_to_host(client, "127.0.0.1", port, nullptr, nullptr);
    g_object_unref(client);
    if (!conn_) return;
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn_)), req.data(),
                              req.size(), nullptr, nullptr, nullptr);
  }
  ~RawViewer() {
    if (conn_) g_object_unref(conn_);
  }
  // Reads until |bytes| arrived in total or |timeout_ms| passed.
  size_t ReadAtLeast(size_t bytes, unsigned timeout_ms) {
    if (!conn_) return 0;
    GSocket* sock = g_socket_connection_get_socket(conn_);
    int64_t end = g_get_monotonic_time() + timeout_ms * 1000LL;
    char buf[65536];
    while (data_.size() < bytes && g_get_monotonic_time() < end) {
      if (!g_socket_condition_timed_wait(sock, G_IO_IN, 100000, nullptr, nullptr)) continue;
      gssize n = g_socket_receive(sock, buf, sizeof buf, nullptr, nullptr);
      if (n <= 0) break;
      data_.append(buf, static_cast<size_t>(n));
    }
    return data_.size();
  }
  // Body bytes after the header block (first chunk-size line skipped by the caller's check).
  std::string Body() const {
    size_t p = data_.find("\r\n\r\n");
    return p == std::string::npos ? "" : data_.substr(p + 4);
  }
  const std::string& data() const { return data_; }

 private:
  GSocketConnection* conn_ = nullptr;
  std::string data_;
};

// Strips chunked transfer framing.
std::string Dechunk(const std::string& body) {
  std::string out;
  size_t p = 0;
  while (p < body.size()) {
    size_t eol = body.find("\r\n", p);
    if (eol == std::string::npos) break;
    size_t len = std::stoul(body.substr(p, eol - p), nullptr, 16);
    if (len == 0 || eol + 2 + len > body.size()) {
      out += body.substr(eol + 2, std::min(len, body.size() - eol - 2));
      break;
    }
    out += body.substr(eol + 2, len);
    p = eol + 2 + len + 2;
  }
  return out;
}

TEST_F(ProgressiveTest, FfprobeAndFfmpegReadEveryFormat) {
  if (!HaveProgram("ffprobe") || !HaveProgram("ffmpeg")) GTEST_SKIP() << "ffmpeg not installed";
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"/videogen.flv", "h264", "aac"}, {"/videogen.ts", "h264", "aac"},
      {"/videogen.mkv", "h264", "aac"}, {"/videogen.mp4", "h264", "aac"},
      {"/vpx.webm", "vp8", "opus"}};
  for (const auto& [path, vcodec, acodec] : cases) {
    ProgramResult probe = RunProgram({"ffprobe", "-v", "error", "-rw_timeout", "15000000",
                                      "-show_entries", "stream=codec_name", "-of", "csv=p=0",
                                      MediaUrl(path)});
    EXPECT_EQ(probe.exit_code, 0) << path << ": " << probe.err;
    EXPECT_NE(probe.out.find(vcodec), std::string::npos) << path << ": " << probe.out;
    EXPECT_NE(probe.out.find(acodec), std::string::npos) << path << ": " << probe.out;
    ProgramResult decode = RunProgram({"ffmpeg", "-nostdin", "-v", "error", "-rw_timeout", "15000000",
                                       "-i", MediaUrl(path), "-t", "1.5", "-f", "null", "-"});
    EXPECT_EQ(decode.exit_code, 0) << path << ": " << decode.err;
    EXPECT_EQ(decode.err, "") << path;
  }
}

TEST_F(ProgressiveTest, ViewersShareOneMuxerAndStartWithHeaders) {
  RawViewer a(http_port_, "/videogen.flv"), b(http_port_, "/videogen.flv");
  RawViewer mp4(http_port_, "/videogen.mp4");
  EXPECT_GT(a.ReadAtLeast(20000, 10000), 20000u);
  EXPECT_GT(b.ReadAtLeast(20000, 10000), 20000u);
  EXPECT_GT(mp4.ReadAtLeast(20000, 10000), 20000u);
  EXPECT_NE(a.data().find("HTTP/1.1 200"), std::string::npos);
  EXPECT_NE(a.data().find("Access-Control-Allow-Origin: *"), std::string::npos);
  EXPECT_NE(a.data().find("Content-Type: video/x-flv"), std::string::npos);
  EXPECT_EQ(Dechunk(a.Body()).substr(0, 3), "FLV");
  EXPECT_EQ(Dechunk(b.Body()).substr(0, 3), "FLV");
  EXPECT_EQ(Dechunk(mp4.Body()).substr(4, 4), "ftyp");
  http::ProgressiveStats s = Stats();
  EXPECT_EQ(s.viewers, 3u);
  EXPECT_EQ(s.sessions, 2u);  // one FLV muxer for both FLV viewers, one MP4 muxer
  server_.Run([this] { EXPECT_EQ(backend_->streams["videogen"].snap.viewers, 3u); });
}

TEST_F(ProgressiveTest, MuxerStopsAfterLastViewerLeaves) {
  {
    RawViewer a(http_port_, "/videogen.ts");
    EXPECT_GT(a.ReadAtLeast(10000, 10000), 10000u);
    EXPECT_EQ(Stats().sessions, 1u);
  }
  int64_t end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  while (Stats().sessions != 0 && g_get_monotonic_time() < end) g_usleep(50000);
  EXPECT_EQ(Stats().sessions, 0u);
  EXPECT_EQ(Stats().viewers, 0u);
}

TEST_F(ProgressiveTest, StalledViewerNeverHoldsBackOthers) {
  RawViewer stalled(http_port_, "/videogen.flv");  // never reads after the request
  RawViewer reader(http_port_, "/videogen.flv");
  // ~85 KB/s of media: 250 KB needs about 3 s of live data.
  EXPECT_GE(reader.ReadAtLeast(250000, 15000), 250000u);
  EXPECT_EQ(Stats().sessions, 1u);
}

TEST_F(ProgressiveTest, WebmRefusesH264Streams) {
  HttpResult r = HttpRequest("GET", MediaUrl("/videogen.webm"));
  EXPECT_EQ(r.status, 415u);
}

}  // namespace
}  // namespace haze::testing
