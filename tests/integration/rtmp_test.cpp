// RTMP server with real peers: ffmpeg and GStreamer rtmp2sink publish; ffprobe, ffmpeg and
// GStreamer rtmp2src play and decode; refusals, wildcards, resume, malformed input.
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <regex>

#include "base/log.h"
#include "dummy_stream_host.h"
#include "protocols/rtmp/amf0.h"
#include "protocols/rtmp/bytes.h"
#include "protocols/rtmp/chunk.h"
#include "protocols/rtmp/handshake.h"
#include "protocols/rtmp/rtmp_server.h"
#include "rtmp_test_util.h"

namespace haze::rtmp {
namespace {

using testing::Child;
using testing::DummyStreamHost;
using testing::TestLoop;

class RtmpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gst_init(nullptr, nullptr);
    InitLogging();
    host_.push_bases = {"test", "live", "gst", "res"};
    server_ = std::make_unique<RtmpServer>(host_);
    auto port = server_->Start(loop_.context(), "127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.error().ToString();
    port_ = port.value();
  }
  void TearDown() override { server_.reset(); }

  std::string Url(const std::string& app, const std::string& name) const {
    return "rtmp://127.0.0.1:" + std::to_string(port_) + "/" + app + "/" + name;
  }
  std::unique_ptr<Child> FfmpegPublish(const std::string& url, int seconds,
                                       const std::string& audio_codec = "aac") {
    return std::make_unique<Child>(std::vector<std::string>{
        "ffmpeg", "-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i",
        "testsrc=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=44100",
        "-t", std::to_string(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-tune",
        "zerolatency", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", audio_codec, "-b:a", "64k", "-f",
        "flv", url});
  }
  // Waits until |name| has a publisher and playable media.
  bool WaitPlayable(const std::string& name, int timeout_ms = 8000) {
    return loop_.RunUntil(
        [&] {
          auto b = dtsc::BufferRegistry::Get().Find(name);
          if (!b) return false;
          auto tracks = b->Tracks();
          return tracks.size() >= 2 && tracks[0].frames > 10 && tracks[1].frames > 10;
        },
        timeout_ms);
  }
  uint64_t Frames(const std::string& name) {
    auto b = dtsc::BufferRegistry::Get().Find(name);
    uint64_t n = 0;
    if (b)
      for (const auto& t : b->Tracks()) n += t.frames;
    return n;
  }

  TestLoop loop_;
  DummyStreamHost host_;
  std::unique_ptr<RtmpServer> server_;
  uint16_t port_ = 0;
};

// Decoded video frames of an in-process rtmp2src ! flvdemux ! avdec_h264 player.
class GstPlayer {
 public:
  explicit GstPlayer(const std::string& url) {
    std::string desc = "rtmp2src location=" + url +
                       " ! flvdemux name=d d.video ! queue ! h264parse ! avdec_h264 ! fakesink "
                       "name=v signal-handoffs=true sync=false d.audio ! queue ! fakesink sync=false";
    GError* err = nullptr;
    pipeline_ = gst_parse_launch(desc.c_str(), &err);
    g_clear_error(&err);
    if (!pipeline_) return;
    GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline_), "v");
    g_signal_connect(sink, "handoff", G_CALLBACK(+[](GstElement*, GstBuffer*, GstPad*, gpointer p) {
                       ++*static_cast<std::atomic<int>*>(p);
                     }),
                     &frames_);
    gst_object_unref(sink);
    gst_element_set_state(pipeline_, GST_STATE_PLAYING);
  }
  ~GstPlayer() {
    if (!pipeline_) return;
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(pipeline_);
  }
  int frames() const { return frames_; }

 private:
  GstElement* pipeline_ = nullptr;
  std::atomic<int> frames_{0};
};

int ProgressFrames(const std::string& out) {
  int frames = 0;
  std::regex re("frame=\\s*(\\d+)");
  for (std::sregex_iterator it(out.begin(), out.end(), re), end; it != end; ++it)
    frames = std::stoi((*it)[1]);
  return frames;
}

TEST_F(RtmpServerTest, FfmpegPublishesAndPlayersDecode) {
  auto pub = FfmpegPublish(Url("live", "test"), 14);
  ASSERT_TRUE(WaitPlayable("test")) << pub->err();
  EXPECT_TRUE(host_.publishing("test"));
  auto tracks = dtsc::BufferRegistry::Get().Find("test")->Tracks();
  EXPECT_EQ(tracks[0].codec, dtsc::Codec::kH264);
  EXPECT_TRUE(tracks[0].init);
  EXPECT_EQ(tracks[1].codec, dtsc::Codec::kAAC);
  EXPECT_EQ(tracks[1].rate, 44100);

  Child probe({"ffprobe", "-v", "error", "-rw_timeout", "5000000", "-show_entries",
               "stream=codec_name,width,height,sample_rate", "-of", "compact",
               Url("play", "test")});
  Child ffplay({"ffmpeg", "-nostdin", "-v", "error", "-i", Url("play", "test"), "-t", "3",
                "-map", "0", "-f", "null", "-", "-progress", "pipe:1"});
  GstPlayer gst(Url("play", "test"));
  ASSERT_TRUE(loop_.RunUntil([&] { return probe.done() && ffplay.done() && gst.frames() >= 50; },
                             15000))
      << "probe: " << probe.err() << " ffmpeg: " << ffplay.err() << " gst frames " << gst.frames();
  EXPECT_EQ(probe.status(), 0) << probe.err();
  EXPECT_NE(probe.out().find("codec_name=h264|width=320|height=240"), std::string::npos)
      << probe.out();
  EXPECT_NE(probe.out().find("codec_name=aac"), std::string::npos) << probe.out();
  EXPECT_EQ(probe.out().find("codec_name=text"), std::string::npos) << probe.out();
  EXPECT_EQ(ffplay.status(), 0) << ffplay.err();
  EXPECT_GE(ProgressFrames(ffplay.out()), 50) << ffplay.out();
  EXPECT_GE(server_->Stats().bytes_out, 100000u);
}

TEST_F(RtmpServerTest, RefusesUnknownStreamAndSecondPublisher) {
  auto unknown = FfmpegPublish(Url("live", "nosuchstream"), 5);
  auto first = FfmpegPublish(Url("live", "test"), 10);
  ASSERT_TRUE(WaitPlayable("test"));
  auto second = FfmpegPublish(Url("live", "test"), 5);
  ASSERT_TRUE(loop_.RunUntil([&] { return unknown->done() && second->done(); }, 10000));
  EXPECT_NE(unknown->status(), 0);
  EXPECT_NE(second->status(), 0);
  EXPECT_FALSE(dtsc::BufferRegistry::Get().Find("nosuchstream"));
  EXPECT_EQ(host_.publishes, 1);
  // The first publisher is unaffected.
  uint64_t before = Frames("test");
  loop_.RunFor(500);
  EXPECT_GT(Frames("test"), before);
  EXPECT_FALSE(first->done());
}

TEST_F(RtmpServerTest, WildcardPublishCreatesItsOwnInstance) {
  auto pub = FfmpegPublish(Url("live", "live+abc"), 4);
  ASSERT_TRUE(WaitPlayable("live+abc")) << pub->err();
  EXPECT_TRUE(host_.publishing("live+abc"));
  EXPECT_FALSE(dtsc::BufferRegistry::Get().Find("live"));
  // Without resume, the end of the publish ends its players.
  GstPlayer player(Url("play", "live+abc"));
  ASSERT_TRUE(loop_.RunUntil([&] { return player.frames() > 5; }, 8000));
  ASSERT_TRUE(loop_.RunUntil([&] { return pub->done(); }, 8000));
  EXPECT_TRUE(loop_.RunUntil([&] { return server_->Stats().connections == 0; }, 5000));
}

TEST_F(RtmpServerTest, Rtmp2sinkPublishes) {
  Child pub({"gst-launch-1.0", "-q", "-e", "videotestsrc", "is-live=1", "num-buffers=100", "!",
             "video/x-raw,width=320,height=240,framerate=25/1,format=I420", "!", "x264enc",
             "tune=zerolatency", "speed-preset=ultrafast", "key-int-max=25", "!", "h264parse",
             "!", "queue", "!", "flvmux", "name=m", "streamable=true", "!", "rtmp2sink",
             "location=" + Url("live", "gst"), "audiotestsrc", "is-live=1", "num-buffers=200",
             "!", "audio/x-raw,rate=48000,channels=2", "!", "avenc_aac", "!", "aacparse", "!",
             "queue", "!", "m."});
  ASSERT_TRUE(WaitPlayable("gst")) << pub.err();
  GstPlayer player(Url("play", "gst"));
  ASSERT_TRUE(loop_.RunUntil([&] { return player.frames() >= 25; }, 10000)) << pub.err();
  auto tracks = dtsc::BufferRegistry::Get().Find("gst")->Tracks();
  EXPECT_EQ(tracks[0].codec, dtsc::Codec::kH264);
  EXPECT_EQ(tracks[1].rate, 48000);
  EXPECT_EQ(tracks[1].channels, 2);
  ASSERT_TRUE(loop_.RunUntil([&] { return pub.done(); }, 10000));
  EXPECT_EQ(pub.status(), 0) << pub.err();
}

TEST_F(RtmpServerTest, ResumedPublisherKeepsItsPlayers) {
  host_.resume = true;
  auto pub = FfmpegPublish(Url("live", "res"), 3);
  ASSERT_TRUE(WaitPlayable("res")) << pub->err();
  GstPlayer player(Url("play", "res"));
  ASSERT_TRUE(loop_.RunUntil([&] { return pub->done(); }, 10000));
  int first = player.frames();
  EXPECT_GT(first, 10);
  auto again = FfmpegPublish(Url("live", "res"), 3);
  ASSERT_TRUE(loop_.RunUntil([&] { return again->done(); }, 10000));
  loop_.RunFor(300);
  EXPECT_EQ(again->status(), 0) << again->err();
  EXPECT_GT(player.frames(), first + 40) << "player stalled after the reconnect";
  dtsc::BufferRegistry::Get().Remove("res");
}

// A raw client: handshake, then |garbage|. The server must drop it and keep serving others.
TEST_F(RtmpServerTest, MalformedInputClosesOnlyThatConnection) {
  auto pub = FfmpegPublish(Url("live", "test"), 8);
  ASSERT_TRUE(WaitPlayable("test"));
  for (std::string garbage : {std::string("\xc4\x01\x02", 3),  // type 3 without a header
                              std::string("\x03\x00\x00\x00\x00\x00\x03\x14\x00\x00\x00\x00"
                                          "\x0b\x00\x01",
                                          15),  // AMF0 command with a truncated date
                              std::string("\x03\x00\x00\x00\xff\xff\xff\x09\x01\x00\x00\x00",
                                          12)}) {  // a 16 MB message: over the limit
    size_t base = server_->Stats().connections;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = {};
    a.sin_family = AF_INET;
    a.sin_port = htons(port_);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    std::string hello = handshake::ClientHello(false, 0);
    ASSERT_EQ(write(fd, hello.data(), hello.size()), ssize_t(hello.size()));
    std::string c2(handshake::kPacketSize, 'x');
    ASSERT_EQ(write(fd, c2.data(), c2.size()), ssize_t(c2.size()));
    ASSERT_EQ(write(fd, garbage.data(), garbage.size()), ssize_t(garbage.size()));
    ASSERT_TRUE(loop_.RunUntil([&] { return server_->Stats().connections > base; }, 3000));
    EXPECT_TRUE(loop_.RunUntil([&] { return server_->Stats().connections == base; }, 3000));
    char byte;
    EXPECT_EQ(read(fd, &byte, 1) >= 0, true);  // the server closed its side (EOF after replies)
    close(fd);
  }
  uint64_t frames = Frames("test");
  loop_.RunFor(400);
  EXPECT_GT(Frames("test"), frames);
  EXPECT_TRUE(host_.publishing("test"));
}

int RawConnect(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

TEST_F(RtmpServerTest, LimitsConnectionsPerIp) {
  RtmpConfig config;
  config.max_connections_per_ip = 2;
  RtmpServer limited(host_, config);
  auto port = limited.Start(loop_.context(), "127.0.0.1", 0);
  ASSERT_TRUE(port.ok());
  int fds[3];
  for (int& fd : fds) fd = RawConnect(port.value());
  ASSERT_TRUE(loop_.RunUntil([&] { return limited.Stats().refused == 1; }, 3000));
  EXPECT_EQ(limited.Stats().connections, 2u);
  char byte;
  EXPECT_EQ(read(fds[2], &byte, 1), 0);  // closed at once
  for (int fd : fds) close(fd);
  ASSERT_TRUE(loop_.RunUntil([&] { return limited.Stats().connections == 0; }, 3000));
  int again = RawConnect(port.value());  // slots are free again
  loop_.RunFor(100);
  EXPECT_EQ(limited.Stats().connections, 1u);
  close(again);
}

TEST_F(RtmpServerTest, Mp3AudioPublishAndPlay) {
  auto pub = FfmpegPublish(Url("live", "test"), 8, "libmp3lame");
  ASSERT_TRUE(WaitPlayable("test")) << pub->err();
  EXPECT_EQ(dtsc::BufferRegistry::Get().Find("test")->Tracks()[1].codec, dtsc::Codec::kMP3);
  Child probe({"ffprobe", "-v", "error", "-rw_timeout", "5000000", "-show_entries",
               "stream=codec_name,sample_rate", "-of", "compact", Url("play", "test")});
  ASSERT_TRUE(loop_.RunUntil([&] { return probe.done(); }, 10000));
  EXPECT_NE(probe.out().find("codec_name=mp3|sample_rate=44100"), std::string::npos)
      << probe.out() << probe.err();
}

TEST_F(RtmpServerTest, PlayerWaitingBeforeThePublisherGetsTheStream) {
  GstPlayer player(Url("play", "test"));
  ASSERT_TRUE(loop_.RunUntil([&] { return server_->Stats().players == 1; }, 5000));
  auto pub = FfmpegPublish(Url("live", "test"), 6);
  EXPECT_TRUE(loop_.RunUntil([&] { return player.frames() >= 25; }, 10000)) << pub->err();
}

// Handshake, connect, createStream, play |stream|; then the caller may stop reading.
int RawPlayer(TestLoop& loop, uint16_t port, const std::string& stream) {
  int fd = RawConnect(port);
  int small = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  std::string out = handshake::ClientHello(false, 0);
  std::string s0s1s2(1 + 2 * handshake::kPacketSize, '\0');
  if (write(fd, out.data(), out.size()) != ssize_t(out.size())) return -1;
  size_t got = 0;
  bool ok = loop.RunUntil(  // the server runs on this thread: read without blocking it
      [&] {
        ssize_t n = recv(fd, s0s1s2.data() + got, s0s1s2.size() - got, MSG_DONTWAIT);
        if (n > 0) got += size_t(n);
        return got == s0s1s2.size();
      },
      3000);
  if (!ok) return -1;
  out = s0s1s2.substr(1, handshake::kPacketSize);
  using amf0::Value;
  auto cmd = [&](uint32_t sid, std::vector<Value> v) {
    WriteChunks(3, kCommandAmf0, sid, 0, amf0::EncodeAll(v), kDefaultChunkSize, &out);
  };
  cmd(0, {Value::String("connect"), Value::Number(1),
          Value::Object({{"app", Value::String("play")}})});
  cmd(0, {Value::String("createStream"), Value::Number(2), Value::Null()});
  cmd(1, {Value::String("play"), Value::Number(0), Value::Null(), Value::String(stream)});
  if (write(fd, out.data(), out.size()) != ssize_t(out.size())) return -1;
  return fd;
}

TEST_F(RtmpServerTest, SlowPlayerSkipsWithoutAffectingOthers) {
  RtmpConfig config;
  config.max_player_queue = 32 * 1024;
  config.player_send_buffer = 16 * 1024;
  RtmpServer server(host_, config);
  auto port = server.Start(loop_.context(), "127.0.0.1", 0);
  ASSERT_TRUE(port.ok());
  std::string url = "rtmp://127.0.0.1:" + std::to_string(port.value());
  auto pub = FfmpegPublish(url + "/live/test", 12);
  ASSERT_TRUE(WaitPlayable("test")) << pub->err();
  int stalled = RawPlayer(loop_, port.value(), "test");  // never reads again
  ASSERT_GE(stalled, 0);
  GstPlayer good(url + "/play/test");
  ASSERT_TRUE(loop_.RunUntil([&] { return server.Stats().player_skips > 0; }, 10000));
  int frames = good.frames();
  EXPECT_TRUE(loop_.RunUntil([&] { return good.frames() >= frames + 25; }, 5000));
  EXPECT_EQ(server.Stats().players, 2u);
  close(stalled);
}

// A raw player that parses what the server sends and answers PingRequests if |answer|.
class PingClient {
 public:
  PingClient(TestLoop& loop, uint16_t port, bool answer)
      : fd_(RawPlayer(loop, port, "test")), answer_(answer) {}
  ~PingClient() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  // Reads what is there without blocking (the server runs on this thread).
  void Poll() {
    char buf[8192];
    while (!eof_) {
      ssize_t n = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        in_.append(buf, size_t(n));
        continue;
      }
      eof_ = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
      break;
    }
    std::vector<Message> msgs;
    auto used = reader_.Parse(in_, &msgs);
    ASSERT_TRUE(used.ok());
    in_.erase(0, used.value());
    for (const auto& m : msgs) {
      if (m.type != kUserControl || m.payload.size() != 6 ||
          ReadU16(reinterpret_cast<const uint8_t*>(m.payload.data())) != kPingRequest)
        continue;
      ++pings_;
      if (!answer_) continue;
      std::string pong = m.payload, out;
      pong[1] = char(kPingResponse);  // same timestamp back
      WriteChunks(2, kUserControl, 0, 0, pong, kDefaultChunkSize, &out);
      ASSERT_EQ(write(fd_, out.data(), out.size()), ssize_t(out.size()));
    }
  }
  bool eof() const { return eof_; }
  int pings() const { return pings_; }

 private:
  int fd_;
  bool answer_;
  bool eof_ = false;
  int pings_ = 0;
  std::string in_;
  ChunkReader reader_;
};

TEST_F(RtmpServerTest, IdleClientsArePingedAndSilentOnesClosed) {
  RtmpConfig config;
  config.ping_interval_ms = 200;
  config.ping_timeout_ms = 1000;
  RtmpServer server(host_, config);
  auto port = server.Start(loop_.context(), "127.0.0.1", 0);
  ASSERT_TRUE(port.ok());
  PingClient answering(loop_, port.value(), true), silent(loop_, port.value(), false);
  ASSERT_TRUE(answering.ok() && silent.ok());
  // The silent player is pinged, then closed; the answering one outlives it and is pinged again
  // after each answer.
  ASSERT_TRUE(loop_.RunUntil(
      [&] {
        answering.Poll();
        silent.Poll();
        return silent.eof();
      },
      15000));
  EXPECT_EQ(silent.pings(), 1);
  int pings = answering.pings();
  EXPECT_GE(pings, 1);
  EXPECT_TRUE(loop_.RunUntil(
      [&] {
        answering.Poll();
        return answering.eof() || answering.pings() >= pings + 3;
      },
      15000));
  EXPECT_FALSE(answering.eof());
  EXPECT_EQ(server.Stats().connections, 1u);
}

TEST_F(RtmpServerTest, PlayOfUnknownStreamIsRefused) {
  Child probe({"ffprobe", "-v", "error", "-rw_timeout", "3000000", Url("play", "missing")});
  ASSERT_TRUE(loop_.RunUntil([&] { return probe.done(); }, 10000));
  EXPECT_NE(probe.status(), 0);
}

}  // namespace
}  // namespace haze::rtmp
