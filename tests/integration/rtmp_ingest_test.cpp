// RtmpIngest (FLV messages -> LiveBuffer tracks and frames) and StreamFanout (LiveBuffer -> shared
// RTMP chunks for players), against a real dtsc::LiveBuffer, without sockets.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <functional>

#include "base/log.h"
#include "protocols/rtmp/bytes.h"
#include "protocols/rtmp/chunk.h"
#include "protocols/rtmp/rtmp_fanout.h"
#include "protocols/rtmp/rtmp_ingest.h"
#include "protocols/rtmp/rtmp_messages.h"

namespace haze::rtmp {
namespace {

constexpr int64_t kMs = 1000000;
const std::string kAvcc("\x01\x64\x00\x1f\xff\xe1\x00\x04\x67\x64\x00\x1f\x01\x00\x04\x68\xee\x3c\x80",
                        19);

class Session : public core::PublishSession {
 public:
  explicit Session(std::shared_ptr<dtsc::LiveBuffer> b) : buffer_(std::move(b)) {}
  const std::string& stream() const override { return name_; }
  std::shared_ptr<dtsc::LiveBuffer> buffer() const override { return buffer_; }

 private:
  std::string name_ = "s";
  std::shared_ptr<dtsc::LiveBuffer> buffer_;
};

Message Media(uint8_t type, uint32_t ts, std::string body) {
  return Message{6, type, 1, ts, std::move(body)};
}
std::string Avc(bool key, bool config, int32_t cts, std::string data) {
  std::string h(1, char(((key || config) ? 0x10 : 0x20) | 7));
  h += char(config ? 0 : 1);
  PutU24(&h, uint32_t(cts) & 0xffffff);
  return h + data;
}

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gst_init(nullptr, nullptr);
    InitLogging();
    buffer_ = std::make_shared<dtsc::LiveBuffer>("ingest-test");
  }
  std::unique_ptr<RtmpIngest> NewIngest() {
    return std::make_unique<RtmpIngest>(std::make_unique<Session>(buffer_));
  }
  std::vector<dtsc::Frame> ReadAll() {
    std::vector<dtsc::Frame> out;
    dtsc::ReaderOptions opts;
    opts.start = 0;
    auto r = buffer_->NewReader(opts);
    while (auto f = r->Next()) out.push_back(*f);
    return out;
  }
  void Feed(RtmpIngest* in, Message m) { ASSERT_TRUE(in->OnMedia(m).ok()); }
  std::string CapsOf(uint32_t track) {
    auto t = buffer_->Track(track);
    if (!t || !t->caps) return {};
    GCharPtr s(gst_caps_to_string(t->caps.get()));
    return s.get();
  }
  std::shared_ptr<dtsc::LiveBuffer> buffer_;
};

TEST_F(IngestTest, H264AndAacWithTimestamps) {
  auto in = NewIngest();
  in->OnMetaData(amf0::Value::EcmaArray({{"width", amf0::Value::Number(320)},
                                         {"height", amf0::Value::Number(240)}}));
  Feed(in.get(), Media(kVideo, 5000, Avc(true, false, 0, "early")));  // before config: dropped
  Feed(in.get(), Media(kVideo, 5000, Avc(true, true, 0, kAvcc)));
  Feed(in.get(), Media(kAudio, 5000, std::string("\xaf\x00\x11\x90", 4)));
  Feed(in.get(), Media(kVideo, 5000, Avc(true, false, 80, "key")));
  Feed(in.get(), Media(kAudio, 5010, std::string("\xaf\x01", 2) + "aac"));
  Feed(in.get(), Media(kVideo, 5040, Avc(false, false, 40, "delta")));
  auto tracks = buffer_->Tracks();
  ASSERT_EQ(tracks.size(), 2u);
  std::string video = CapsOf(0);
  EXPECT_NE(video.find("video/x-h264"), std::string::npos) << video;
  EXPECT_NE(video.find("stream-format=(string)avc"), std::string::npos) << video;
  EXPECT_NE(video.find("alignment=(string)au"), std::string::npos) << video;
  EXPECT_NE(video.find("codec_data=(buffer)0164001f"), std::string::npos) << video;
  EXPECT_NE(video.find("width=(int)320"), std::string::npos) << video;
  std::string audio = CapsOf(1);
  EXPECT_NE(audio.find("mpegversion=(int)4"), std::string::npos) << audio;
  EXPECT_NE(audio.find("stream-format=(string)raw"), std::string::npos) << audio;
  EXPECT_NE(audio.find("rate=(int)48000"), std::string::npos) << audio;
  EXPECT_NE(audio.find("channels=(int)2"), std::string::npos) << audio;

  auto frames = ReadAll();
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].dts, 0);
  EXPECT_EQ(frames[0].pts, 80 * kMs);
  EXPECT_TRUE(frames[0].keyframe);
  EXPECT_EQ(frames[1].dts, 10 * kMs);
  EXPECT_EQ(frames[1].track, 1u);
  EXPECT_EQ(frames[2].dts, 40 * kMs);
  EXPECT_EQ(frames[2].pts, 80 * kMs);
  EXPECT_FALSE(frames[2].keyframe);
  const auto bytes = frames[2].payload.bytes();
  EXPECT_EQ(std::string(bytes.begin(), bytes.end()), "delta");
}

TEST_F(IngestTest, TimestampRollOver) {
  auto in = NewIngest();
  Feed(in.get(), Media(kVideo, 0, Avc(true, true, 0, kAvcc)));
  Feed(in.get(), Media(kVideo, 0xffffffc0u, Avc(true, false, 0, "a")));
  Feed(in.get(), Media(kVideo, 0x00000010u, Avc(false, false, 0, "b")));
  auto frames = ReadAll();
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].dts, 0);
  EXPECT_EQ(frames[1].dts, 0x50 * kMs);
}

TEST_F(IngestTest, ResumeContinuesAfterNewestFrame) {
  dtsc::BufferOptions opts;
  opts.resume = true;
  buffer_->SetOptions(opts);
  {
    auto in = NewIngest();
    Feed(in.get(), Media(kVideo, 0, Avc(true, true, 0, kAvcc)));
    Feed(in.get(), Media(kVideo, 100, Avc(true, false, 0, "a")));
    Feed(in.get(), Media(kVideo, 1100, Avc(false, false, 0, "b")));
  }
  auto in = NewIngest();
  Feed(in.get(), Media(kVideo, 0, Avc(true, true, 0, kAvcc)));
  Feed(in.get(), Media(kVideo, 0, Avc(true, false, 0, "c")));
  EXPECT_EQ(buffer_->Tracks().size(), 1u);  // the track is reused
  auto frames = ReadAll();
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[2].dts, 1000 * kMs + 40 * kMs);
  EXPECT_TRUE(frames[2].discont);
}

TEST_F(IngestTest, EnhancedRtmpAndMp3Caps) {
  struct Case {
    std::string config, frame, caps;
  } cases[] = {
      {std::string("\x90hvc1", 5) + "HVCC", std::string("\x91hvc1\x00\x00\x00", 8) + "f",
       "video/x-h265, stream-format=(string)hvc1, alignment=(string)au, codec_data=(buffer)48564343"},
      {std::string("\x90" "av01", 5) + "AV1C", std::string("\x91" "av01", 5) + "f",
       "video/x-av1, stream-format=(string)obu-stream, alignment=(string)tu, codec_data=(buffer)41563143"},
      {"", std::string("\x93vp09", 5) + "f", "video/x-vp9"},
  };
  for (const auto& c : cases) {
    buffer_ = std::make_shared<dtsc::LiveBuffer>("enhanced");
    auto in = NewIngest();
    if (!c.config.empty()) Feed(in.get(), Media(kVideo, 0, c.config));
    Feed(in.get(), Media(kVideo, 0, c.frame));
    EXPECT_EQ(CapsOf(0), c.caps);
    EXPECT_EQ(ReadAll().size(), 1u) << c.caps;
  }
  buffer_ = std::make_shared<dtsc::LiveBuffer>("mp3");
  auto in = NewIngest();
  Feed(in.get(), Media(kAudio, 0, std::string("\x2f\xff\xfb\x90\x64", 5) + "mp3"));
  EXPECT_EQ(CapsOf(0), "audio/mpeg, mpegversion=(int)1, layer=(int)3, rate=(int)44100, channels=(int)2");
}

// A player that only collects what the fanout queues.
// A thread-default main context for one test (the fanout's); Drain() runs what is ready.
struct TestContext {
  GMainContext* ctx = g_main_context_new();
  TestContext() { g_main_context_push_thread_default(ctx); }
  ~TestContext() {
    g_main_context_pop_thread_default(ctx);
    g_main_context_unref(ctx);
  }
  void Drain() {
    while (g_main_context_iteration(ctx, FALSE)) {
    }
  }
};

class FakePlayer : public FanoutPlayer {
 public:
  void QueueShared(GBytes* bytes, bool) override {
    gsize size;
    auto* data = static_cast<const char*>(g_bytes_get_data(bytes, &size));
    bytes_.append(data, size);
  }
  bool Congested() const override { return congested; }
  void DropQueuedMedia() override { ++drops; }
  void FlushOutput() override {
    ++flushes;
    if (on_flush) on_flush();
  }
  void OnStreamEnd() override { ended = true; }
  std::vector<Message> Messages(uint32_t chunk_size) {
    ChunkReader r;
    r.set_chunk_size(chunk_size);
    std::vector<Message> out;
    auto used = r.Parse(bytes_, &out);
    EXPECT_TRUE(used.ok() && used.value() == bytes_.size());
    return out;
  }
  bool congested = false;
  int drops = 0;
  int flushes = 0;
  bool ended = false;
  std::function<void()> on_flush;  // e.g. a player that closes while being flushed

 private:
  std::string bytes_;
};

TEST_F(IngestTest, FanoutStartsJoinersAtTheKeyframeWithHeaders) {
  RtmpConfig config;
  config.out_chunk_size = 100;
  TestContext tc;  // buffer listeners then drain synchronously
  GMainContext* ctx = tc.ctx;
  auto in = NewIngest();
  Feed(in.get(), Media(kVideo, 0, Avc(true, true, 0, kAvcc)));
  Feed(in.get(), Media(kAudio, 0, std::string("\xaf\x00\x11\x90", 4)));
  Feed(in.get(), Media(kVideo, 0, Avc(true, false, 0, "k1")));
  Feed(in.get(), Media(kVideo, 40, Avc(false, false, 0, "d1")));
  Feed(in.get(), Media(kVideo, 80, Avc(true, false, 0, std::string(250, 'K'))));
  Feed(in.get(), Media(kAudio, 90, std::string("\xaf\x01", 2) + "aac"));
  Feed(in.get(), Media(kVideo, 120, Avc(false, false, 40, "d2")));

  auto fanout = std::make_shared<StreamFanout>(buffer_, config, ctx);
  fanout->Start();
  FakePlayer early, late;
  fanout->AddPlayer(&early);
  auto msgs = early.Messages(config.out_chunk_size);
  ASSERT_GE(msgs.size(), 6u);
  EXPECT_EQ(msgs[0].type, kDataAmf0);
  EXPECT_NE(msgs[0].payload.find("onMetaData"), std::string::npos);
  EXPECT_EQ(msgs[1].payload, std::string("\x17\x00\x00\x00\x00", 5) + kAvcc);
  EXPECT_EQ(msgs[2].payload, std::string("\xaf\x00\x11\x90", 4));
  EXPECT_EQ(msgs[3].timestamp, 80u);  // the newest keyframe
  EXPECT_EQ(msgs[3].payload.substr(0, 2), "\x17\x01");
  EXPECT_EQ(msgs[3].payload.size(), 255u);
  EXPECT_EQ(msgs[4].type, kAudio);
  EXPECT_EQ(msgs[5].payload, Avc(false, false, 40, "d2"));
  EXPECT_EQ(msgs[5].stream_id, kMediaStreamId);

  // A congested player drops its queue and resumes at the next keyframe.
  early.congested = true;
  Feed(in.get(), Media(kVideo, 160, Avc(false, false, 0, "d3")));
  EXPECT_EQ(early.drops, 1);
  early.congested = false;
  Feed(in.get(), Media(kVideo, 200, Avc(false, false, 0, "d4")));
  Feed(in.get(), Media(kVideo, 240, Avc(true, false, 0, "k3")));
  auto after = early.Messages(config.out_chunk_size);
  EXPECT_EQ(after.back().payload, Avc(true, false, 0, "k3"));
  EXPECT_EQ(after[after.size() - 2].payload.substr(0, 2), std::string("\xaf\x00", 2));  // headers again
  for (const auto& m : after) EXPECT_NE(m.payload, Avc(false, false, 0, "d4"));

  fanout->AddPlayer(&late);
  EXPECT_EQ(late.Messages(config.out_chunk_size).back().payload, Avc(true, false, 0, "k3"));
  fanout->RemovePlayer(&early);
  fanout->RemovePlayer(&late);
  fanout.reset();
}

TEST_F(IngestTest, FanoutPlaysHevcAsEnhancedRtmp) {
  RtmpConfig config;
  TestContext tc;
  GMainContext* ctx = tc.ctx;
  auto in = NewIngest();
  Feed(in.get(), Media(kVideo, 0, std::string("\x90hvc1", 5) + "HVCC"));
  Feed(in.get(), Media(kVideo, 0, std::string("\x91hvc1\x00\x00\x28", 8) + "key"));
  auto fanout = std::make_shared<StreamFanout>(buffer_, config, ctx);
  fanout->Start();
  FakePlayer player;
  fanout->AddPlayer(&player);
  auto msgs = player.Messages(config.out_chunk_size);
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[1].payload, std::string("\x90hvc1", 5) + "HVCC");              // SequenceStart
  EXPECT_EQ(msgs[2].payload, std::string("\x91hvc1\x00\x00\x28", 8) + "key");  // CodedFrames, cts 40
  fanout->RemovePlayer(&player);
  fanout.reset();
}

TEST_F(IngestTest, FanoutMergesWritesWhenManyPlayers) {
  RtmpConfig config;
  config.merge_write_players = 3;
  config.merge_write_ms = 600000;  // never fires in this test: only urgent flushes go out
  TestContext tc;
  GMainContext* ctx = tc.ctx;
  auto in = NewIngest();
  Feed(in.get(), Media(kVideo, 0, Avc(true, true, 0, kAvcc)));
  Feed(in.get(), Media(kVideo, 0, Avc(true, false, 0, "k1")));
  auto fanout = std::make_shared<StreamFanout>(buffer_, config, ctx);
  fanout->Start();
  FakePlayer a, b;
  fanout->AddPlayer(&a);
  fanout->AddPlayer(&b);
  tc.Drain();
  EXPECT_EQ(a.flushes, 1);  // a joiner is flushed at once

  // Two players: below the threshold, every frame goes out at once.
  Feed(in.get(), Media(kVideo, 40, Avc(false, false, 0, "d1")));
  tc.Drain();
  EXPECT_EQ(a.flushes, 2);
  EXPECT_EQ(b.flushes, 2);

  // Three players: frames wait for the merge timer, and a joiner does not flush the others.
  FakePlayer c;
  fanout->AddPlayer(&c);
  Feed(in.get(), Media(kVideo, 80, Avc(false, false, 0, "d2")));
  tc.Drain();
  EXPECT_EQ(b.flushes, 2);
  EXPECT_EQ(c.flushes, 0);
  EXPECT_EQ(b.Messages(config.out_chunk_size).back().payload, Avc(false, false, 0, "d2"));
  EXPECT_EQ(c.Messages(config.out_chunk_size).back().payload, Avc(false, false, 0, "d2"));

  // The end of the stream goes out at once.
  buffer_->Close();
  tc.Drain();
  EXPECT_EQ(b.flushes, 3);
  EXPECT_TRUE(c.ended);
  EXPECT_EQ(c.flushes, 1);
  for (FakePlayer* p : {&a, &b, &c}) fanout->RemovePlayer(p);
  fanout.reset();
}

TEST_F(IngestTest, FanoutSurvivesPlayersClosingWhileFlushed) {
  RtmpConfig config;
  TestContext tc;
  GMainContext* ctx = tc.ctx;
  auto in = NewIngest();
  Feed(in.get(), Media(kVideo, 0, Avc(true, true, 0, kAvcc)));
  Feed(in.get(), Media(kVideo, 0, Avc(true, false, 0, "k1")));
  auto fanout = std::make_shared<StreamFanout>(buffer_, config, ctx);
  fanout->Start();
  FakePlayer a, b, c;
  c.on_flush = [&] {
    fanout->RemovePlayer(&c);  // closes while flushed, and takes |a| down with it
    fanout->RemovePlayer(&a);
  };
  for (FakePlayer* p : {&a, &b, &c}) fanout->AddPlayer(p);
  tc.Drain();
  EXPECT_EQ(a.flushes, 1);  // flushed before |c| removed it
  EXPECT_EQ(b.flushes, 1);
  EXPECT_EQ(c.flushes, 1);
  EXPECT_EQ(fanout->players(), 1u);
  Feed(in.get(), Media(kVideo, 40, Avc(false, false, 0, "d1")));
  tc.Drain();
  EXPECT_EQ(a.flushes, 1);
  EXPECT_EQ(c.flushes, 1);
  EXPECT_EQ(b.flushes, 2);
  EXPECT_EQ(b.Messages(config.out_chunk_size).back().payload, Avc(false, false, 0, "d1"));
  fanout->RemovePlayer(&b);
  EXPECT_EQ(fanout->players(), 0u);
  fanout.reset();
}

// Frame names (f0, f1, ...) of the video frames a player got, in order.
std::vector<int> FrameNumbers(FakePlayer& p, uint32_t chunk_size) {
  std::vector<int> out;
  for (const auto& m : p.Messages(chunk_size))
    if (m.type == kVideo && m.payload.size() > 6 && m.payload[1] == 1)
      out.push_back(std::stoi(m.payload.substr(6)));
  return out;
}

TEST_F(IngestTest, MergedWritesKeepEveryPlayersFramesInOrder) {
  RtmpConfig config;
  config.merge_write_players = 2;
  config.merge_write_ms = 1;
  TestContext tc;
  GMainContext* ctx = tc.ctx;
  auto in = NewIngest();
  Feed(in.get(), Media(kVideo, 0, Avc(true, true, 0, kAvcc)));
  Feed(in.get(), Media(kVideo, 0, Avc(true, false, 0, "f0")));
  auto fanout = std::make_shared<StreamFanout>(buffer_, config, ctx);
  fanout->Start();
  FakePlayer a, b, c;
  fanout->AddPlayer(&a);
  fanout->AddPlayer(&b);
  auto wait_flush = [&](FakePlayer& p) {  // until the merge timer flushed |p|
    int before = p.flushes;
    bool expired = false;
    GSource* guard = g_timeout_source_new(20000);
    g_source_set_callback(
        guard,
        [](gpointer e) {
          *static_cast<bool*>(e) = true;
          return G_SOURCE_REMOVE;
        },
        &expired, nullptr);
    g_source_attach(guard, ctx);
    while (p.flushes == before && !expired) g_main_context_iteration(ctx, TRUE);
    g_source_destroy(guard);
    g_source_unref(guard);
    ASSERT_FALSE(expired) << "no flush";
  };
  wait_flush(b);
  for (int i = 1; i <= 14; i += 2) {  // two frames per merge interval; keyframes f6 and f12
    if (i == 11) fanout->RemovePlayer(&b);  // one player left: no more merging
    for (int j = i; j < i + 2; ++j) {
      Feed(in.get(), Media(kVideo, uint32_t(40 * j),
                           Avc(j % 6 == 0, false, 0, "f" + std::to_string(j))));
      if (j == 3) fanout->AddPlayer(&c);     // joins in the middle of a batch
      if (j == 7) fanout->RemovePlayer(&a);  // leaves with frames batched
    }
    SCOPED_TRACE(i);
    wait_flush(i < 3 ? b : c);
  }
  std::vector<int> got_a = FrameNumbers(a, config.out_chunk_size),
                   got_b = FrameNumbers(b, config.out_chunk_size),
                   got_c = FrameNumbers(c, config.out_chunk_size);
  auto consecutive_from_0 = [](const std::vector<int>& v) {
    for (size_t i = 0; i < v.size(); ++i)
      if (v[i] != int(i)) return false;
    return true;
  };
  EXPECT_TRUE(consecutive_from_0(got_a));
  EXPECT_TRUE(consecutive_from_0(got_b));
  EXPECT_TRUE(consecutive_from_0(got_c));  // joined at the GOP start f0
  EXPECT_GE(got_a.size(), 7u);
  EXPECT_GE(got_b.size(), 11u);
  EXPECT_EQ(got_c.size(), 15u);
  fanout->RemovePlayer(&c);
  fanout.reset();
}

}  // namespace
}  // namespace haze::rtmp
