// Progressive outputs with real clients: ffprobe lists and ffmpeg decodes every format; viewers
// share one muxer; a viewer that does not read never holds back another one.
#include <gio/gio.h>

#include <cstring>

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
    ProgramResult probe = RunProgram({"ffprobe", "-v", "error", "-rw_timeout", "15000000", "-analyzeduration", "1500000",
                                      "-show_entries", "stream=codec_name", "-of", "csv=p=0",
                                      MediaUrl(path)});
    EXPECT_EQ(probe.exit_code, 0) << path << ": " << probe.err;
    EXPECT_NE(probe.out.find(vcodec), std::string::npos) << path << ": " << probe.out;
    EXPECT_NE(probe.out.find(acodec), std::string::npos) << path << ": " << probe.out;
    ProgramResult decode = RunProgram({"ffmpeg", "-nostdin", "-v", "error", "-rw_timeout", "15000000",
                                       "-analyzeduration", "1500000", "-i", MediaUrl(path), "-t",
                                       "1", "-f", "null", "-"});
    EXPECT_EQ(decode.exit_code, 0) << path << ": " << decode.err;
    // Decoder errors fail; the null muxer's note about two packets sharing a millisecond
    // timestamp (FLV/MKV have ms resolution) does not.
    gchar** lines = g_strsplit(decode.err.c_str(), "\n", -1);
    for (gchar** l = lines; *l; ++l)
      if (**l && !std::strstr(*l, "non monotonically increasing dts")) ADD_FAILURE() << path << ": " << *l;
    g_strfreev(lines);
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

TEST_F(ProgressiveTest, MuxerWithoutMediaGets503InsteadOfHanging) {
  server_.Run([this] {
    backend_->AddLive("silent");
    layer_->progressive().set_start_wait_ms(200);
    layer_->progressive().set_start_margin_ms(800);
    layer_->progressive().set_source_factory([](const http::MuxOptions& o) -> GstElement* {
      if (o.stream != "silent") return MakeTestSource(o, false);
      GstElement* bin = gst_bin_new(nullptr);
      TrackBin("videotestsrc is-live=true ! x264enc ! h264parse ! valve drop=true", "src_0", bin);
      return bin;
    });
  });
  HttpResult r = HttpRequest("GET", MediaUrl("/silent.flv"));
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(r.Header("Retry-After"), "3");
}

TEST_F(ProgressiveTest, WebmRefusesH264Streams) {
  HttpResult r = HttpRequest("GET", MediaUrl("/videogen.webm"));
  EXPECT_EQ(r.status, 415u);
}

}  // namespace
}  // namespace haze::testing

// The real chain: x264/AAC -> dtscsink -> LiveBuffer -> dtscsrc -> muxer -> HTTP -> ffprobe.
#include "dtsc/live_buffer.h"
#include "elements.h"

namespace haze::testing {
namespace {

class BufferBackend : public FakeStreamBackend {
 public:
  std::optional<http::MediaInfo> Media(const std::string& name) const override {
    auto buffer = dtsc::BufferRegistry::Get().Find(name);
    if (!buffer) return std::nullopt;
    http::MediaInfo m;
    m.tracks = buffer->Tracks();
    m.stats = buffer->Stats();
    m.playable = buffer->Playable();
    return m;
  }
};

class RealBufferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gst_init(nullptr, nullptr);
    InitLogging();
    static bool registered = gst_plugin_register_static(
        GST_VERSION_MAJOR, GST_VERSION_MINOR, "haze", "Haze (static)", haze_register_elements, "0",
        "LGPL", "haze", "haze", "https://haze.invalid/");
    ASSERT_TRUE(registered);
    GError* err = nullptr;
    ingest_ = gst_parse_launch(
        "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=25/1 ! "
        "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 bitrate=500 ! h264parse ! "
        "dtscsink name=s stream=realbuf audiotestsrc is-live=true ! avenc_aac ! aacparse ! s.",
        &err);
    ASSERT_TRUE(ingest_) << (err ? err->message : "");
    gst_element_set_state(ingest_, GST_STATE_PLAYING);
    server_.Run([this] {
      config_ = std::move(config::ConfigStore::Open("", config::ConfigRw::kOff).value());
      backend_.configured.push_back("realbuf");
      layer_ = std::make_unique<http::HttpLayer>(*config_, backend_, log_);
      auto ports = layer_->Start(server_.context(), "127.0.0.1", 0, 0);
      ASSERT_TRUE(ports.ok());
      http_port_ = ports->second;
    });
  }
  void TearDown() override {
    server_.Run([this] { layer_.reset(); });
    server_.Stop();
    gst_element_set_state(ingest_, GST_STATE_NULL);
    gst_object_unref(ingest_);
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(http_port_) + path;
  }

  GstElement* ingest_ = nullptr;
  ServerThread server_;
  std::unique_ptr<config::ConfigStore> config_;
  BufferBackend backend_;
  core::LogRing log_;
  std::unique_ptr<http::HttpLayer> layer_;
  uint16_t http_port_ = 0;
};

TEST_F(RealBufferTest, FfprobeReadsEveryFormatFromTheDtscBuffer) {
  if (!HaveProgram("ffprobe")) GTEST_SKIP() << "ffprobe not installed";
  // Stream info reflects the real buffer once it is playable (the request waits for it).
  HttpResult info = HttpRequest("GET", Url("/json_realbuf.js"));
  ASSERT_EQ(info.status, 200u) << info.body;
  // The buffer may turn playable with its first track; give the second one a moment.
  for (int i = 0; i < 50 && info.body.find("\"codec\":\"H264\"") == std::string::npos; ++i) {
    g_usleep(100000);
    info = HttpRequest("GET", Url("/json_realbuf.js"));
  }
  EXPECT_NE(info.body.find("\"codec\":\"H264\""), std::string::npos) << info.body;
  EXPECT_NE(info.body.find("\"codec\":\"AAC\""), std::string::npos) << info.body;
  for (const char* path : {"/realbuf.flv", "/realbuf.ts", "/realbuf.mp4", "/realbuf.mkv"}) {
    ProgramResult probe = RunProgram({"ffprobe", "-v", "error", "-rw_timeout", "15000000", "-analyzeduration", "1500000",
                                      "-show_entries", "stream=codec_name", "-of", "csv=p=0", Url(path)});
    EXPECT_EQ(probe.exit_code, 0) << path << ": " << probe.err;
    EXPECT_NE(probe.out.find("h264"), std::string::npos) << path << ": " << probe.out << probe.err;
    EXPECT_NE(probe.out.find("aac"), std::string::npos) << path << ": " << probe.out;
    // No data stream (FLV once got an onMetaData tag per parser bitrate update).
    EXPECT_EQ(probe.out.find("text"), std::string::npos) << path << ": " << probe.out;
    EXPECT_EQ(probe.out.find("data"), std::string::npos) << path << ": " << probe.out;
  }
  // Track selection is handed to dtscsrc: audio=none gives a video-only FLV.
  ProgramResult video_only = RunProgram({"ffprobe", "-v", "error", "-rw_timeout", "15000000", "-analyzeduration", "1500000",
                                         "-analyzeduration", "1500000", "-show_entries",
                                         "stream=codec_name", "-of", "csv=p=0",
                                         Url("/realbuf.ts?audio=none")});
  EXPECT_NE(video_only.out.find("h264"), std::string::npos) << video_only.err;
  EXPECT_EQ(video_only.out.find("aac"), std::string::npos) << video_only.out;
}

TEST_F(RealBufferTest, StartStopRangeGetsAPrivateMuxerAndEnds) {
  // Wait until the buffer holds a couple of seconds, then ask for media time 0..1500 ms.
  ASSERT_EQ(HttpRequest("GET", Url("/json_realbuf.js")).status, 200u);
  g_usleep(2 * G_USEC_PER_SEC);
  RawViewer ranged(http_port_, "/realbuf.flv?start=0&stop=1500");
  ranged.ReadAtLeast(10 << 20, 15000);  // returns at EOF
  std::string body = Dechunk(ranged.Body());
  EXPECT_EQ(body.substr(0, 3), "FLV");
  EXPECT_NE(ranged.data().find("\r\n0\r\n\r\n"), std::string::npos) << "response did not end";
  EXPECT_GT(body.size(), 5000u);
}

}  // namespace
}  // namespace haze::testing
