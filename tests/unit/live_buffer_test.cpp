#include "dtsc/live_buffer.h"

#include <gtest/gtest.h>

#include <thread>

#include "dtsc_test_util.h"

namespace haze::dtsc {
namespace {

using testing::AacCaps;
using testing::H264Caps;
using testing::MakeBuffer;

constexpr int64_t kMsNs = 1000000;

// Writes |seconds| of 25 fps video (GOP |gop| frames) and 50 fps audio, interleaved by time.
struct Writer {
  std::shared_ptr<LiveBuffer> buffer;
  uint32_t video = 0, audio = 0;
  int64_t t = 0;  // ms
  int frame = 0;
  int gop = 25;
  bool with_audio = true;

  explicit Writer(std::shared_ptr<LiveBuffer> b, bool audio_track = true, int gop_frames = 25)
      : buffer(std::move(b)), gop(gop_frames), with_audio(audio_track) {
    video = *buffer->AddTrack(H264Caps().get());
    if (with_audio) audio = *buffer->AddTrack(AacCaps().get());
  }
  // Advances 40 ms: one video frame and two audio frames.
  void Step(size_t video_bytes = 10000) {
    const bool key = frame % gop == 0;
    buffer->Push(video, MakeBuffer(key ? video_bytes * 4 : video_bytes, key), t * kMsNs,
                 t * kMsNs, key);
    if (with_audio) {
      buffer->Push(audio, MakeBuffer(400), t * kMsNs, t * kMsNs, true);
      buffer->Push(audio, MakeBuffer(400), (t + 20) * kMsNs, (t + 20) * kMsNs, true);
    }
    frame++;
    t += 40;
  }
  void Run(int64_t ms) {
    const int64_t end = t + ms;
    while (t < end) Step();
  }
};

std::shared_ptr<LiveBuffer> NewBuffer(BufferOptions o = {}) {
  return std::make_shared<LiveBuffer>("test", o);
}

TEST(LiveBuffer, TrackMetadataFromCaps) {
  auto b = NewBuffer();
  Writer w(b);
  auto v = b->Track(w.video);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->kind, TrackKind::kVideo);
  EXPECT_EQ(v->codec, Codec::kH264);
  EXPECT_EQ(v->width, 640);
  EXPECT_EQ(v->height, 360);
  EXPECT_EQ(v->fps_n, 25);
  EXPECT_TRUE(v->init);
  auto a = b->Track(w.audio);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->codec, Codec::kAAC);
  EXPECT_EQ(a->rate, 48000);
  EXPECT_EQ(a->channels, 2);
  EXPECT_EQ(gst_buffer_get_size(a->init.get()), 2u);
  EXPECT_STREQ(CodecName(v->codec), "H264");
  auto raw = MiniRef<GstCaps>::Adopt(gst_caps_new_empty_simple("video/x-raw"));
  EXPECT_FALSE(b->AddTrack(raw.get()).has_value());
}

TEST(LiveBuffer, LateJoinerStartsOnNewestKeyframe) {
  auto b = NewBuffer();
  Writer w(b);
  EXPECT_FALSE(b->Playable());
  w.Run(2600);  // keys at 0, 1000, 2000 ms
  EXPECT_TRUE(b->Playable());
  auto r = b->NewReader();
  auto f = r->Next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->track, w.video);
  EXPECT_TRUE(f->keyframe);
  EXPECT_EQ(f->dts, 2000 * kMsNs);
  // Then the frames in arrival order, all tracks.
  auto g = r->Next();
  ASSERT_TRUE(g);
  EXPECT_EQ(g->track, w.audio);
}

TEST(LiveBuffer, FramesShareThePayload) {
  auto b = NewBuffer();
  Writer w(b);
  w.Run(200);
  auto r1 = b->NewReader();
  auto r2 = b->NewReader();
  auto f1 = r1->Next();
  auto f2 = r2->Next();
  ASSERT_TRUE(f1 && f2);
  EXPECT_EQ(f1->payload.data, f2->payload.data);
  EXPECT_EQ(f1->payload.page.get(), f2->payload.page.get());
}

TEST(LiveBuffer, OutOfOrderFramesAreRefused) {
  auto b = NewBuffer();
  uint32_t v = *b->AddTrack(H264Caps().get());
  EXPECT_TRUE(b->Push(v, MakeBuffer(10), 100 * kMsNs, 100 * kMsNs, true));
  EXPECT_FALSE(b->Push(v, MakeBuffer(10), 50 * kMsNs, 50 * kMsNs, false));
  EXPECT_TRUE(b->Push(v, MakeBuffer(10), 100 * kMsNs, 180 * kMsNs, false));
  EXPECT_EQ(b->Track(v)->dropped, 1u);
  EXPECT_EQ(b->Stats().dropped, 1u);
  EXPECT_TRUE(b->Track(v)->bframes);
}

TEST(LiveBuffer, FragmentsStartOnMainKeyframesAfterSegmentSize) {
  BufferOptions o;
  o.segment_ms = 1900;
  auto b = NewBuffer(o);
  Writer w(b, true, 25);  // keys every 1000 ms
  w.Run(8100);
  auto frags = b->Fragments();
  ASSERT_GE(frags.size(), 4u);
  for (size_t i = 0; i + 1 < frags.size(); ++i) {
    EXPECT_TRUE(frags[i].complete);
    EXPECT_EQ(frags[i].duration, 2000 * kMsNs) << i;  // 1900 ms rounds up to the next key
    EXPECT_EQ(frags[i].end_seq, frags[i + 1].first_seq);
    EXPECT_EQ(frags[i + 1].number, frags[i].number + 1);
    EXPECT_GT(frags[i].bytes, 0u);
  }
  EXPECT_FALSE(frags.back().complete);
  auto video = b->FragmentFrames(frags[1].number, w.video);
  ASSERT_EQ(video.size(), 50u);
  EXPECT_TRUE(video.front().keyframe);
  EXPECT_EQ(video.front().dts, frags[1].start);
  auto audio = b->FragmentFrames(frags[1].number, w.audio);
  EXPECT_EQ(audio.size(), 100u);
}

TEST(LiveBuffer, AudioOnlyStreamsGetFragments) {
  auto b = NewBuffer();
  uint32_t a = *b->AddTrack(AacCaps().get());
  for (int i = 0; i < 300; ++i) b->Push(a, MakeBuffer(300), i * 20 * kMsNs, i * 20 * kMsNs, false);
  auto frags = b->Fragments();
  ASSERT_EQ(frags.size(), 4u);  // 0, 1.9, 3.8, 5.7 s
  EXPECT_EQ(frags[1].start, 1900 * kMsNs);
  EXPECT_TRUE(b->Playable());
}

TEST(LiveBuffer, TrimsWholeFragmentsBeyondTheWindow) {
  BufferOptions o;
  o.dvr_ms = 10000;
  auto b = NewBuffer(o);
  Writer w(b);
  w.Run(60000);
  auto frags = b->Fragments();
  const auto stats = b->Stats();
  EXPECT_LE(stats.window_ns, 10000 * kMsNs + 40 * kMsNs);
  EXPECT_GE(stats.window_ns, 8000 * kMsNs);
  EXPECT_GT(frags.front().number, 20u);  // numbers survive trimming
  auto v = b->Track(w.video);
  EXPECT_EQ(v->first_ts, frags.front().start);
  auto r = b->NewReader({.start = 0});  // before the window: the oldest keyframe
  EXPECT_EQ(r->Next()->dts, frags.front().start);
}

TEST(LiveBuffer, VodIsNeverTrimmed) {
  BufferOptions o;
  o.dvr_ms = 5000;
  o.vod = true;
  auto b = NewBuffer(o);
  Writer w(b);
  w.Run(30000);
  EXPECT_EQ(b->Fragments().front().start, 0);
}

TEST(LiveBuffer, SlowReaderJumpsToNewestKeyframe) {
  BufferOptions o;
  o.dvr_ms = 10000;
  o.max_keepaway_ms = 5000;
  auto b = NewBuffer(o);
  Writer w(b);
  w.Run(3000);
  auto r = b->NewReader();
  ASSERT_TRUE(r->Next());
  w.Run(8000);  // the reader now lags > 5 s
  auto f = r->Next();
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->keyframe);
  EXPECT_EQ(f->dts, 10000 * kMsNs);
  EXPECT_EQ(r->skipped(), 1u);
  EXPECT_EQ(b->Stats().reader_skips, 1u);
  w.Run(30000);  // fell out of the window entirely
  f = r->Next();
  ASSERT_TRUE(f);
  EXPECT_EQ(r->skipped(), 2u);
}

TEST(LiveBuffer, StartAndStopPositions) {
  BufferOptions o;
  o.vod = true;
  auto b = NewBuffer(o);
  Writer w(b);
  w.Run(10000);
  b->WriterGone();
  auto r = b->NewReader({.tracks = {w.video}, .start = 3500 * kMsNs, .stop = 5000 * kMsNs});
  auto f = r->Next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->dts, 3000 * kMsNs);  // rounded down to a keyframe
  int n = 1;
  while (r->Next()) n++;
  EXPECT_EQ(n, 51);  // 3000..5000 inclusive
  EXPECT_TRUE(r->AtEnd());
}

TEST(LiveBuffer, TrackSelectionAndNeedKeyPerTrack) {
  auto b = NewBuffer();
  Writer w(b);
  w.Run(1500);
  auto r = b->NewReader({.tracks = {w.audio}});
  EXPECT_EQ(r->main_track(), w.audio);
  auto f = r->Next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->track, w.audio);
  EXPECT_EQ(f->dts, 1500 * kMsNs);  // newest audio "keyframe"
}

TEST(LiveBuffer, WaitNextWakesOnPush) {
  auto b = NewBuffer();
  Writer w(b);
  w.Run(80);
  auto r = b->NewReader();
  while (r->Next()) {
  }
  EXPECT_FALSE(r->WaitNext(std::chrono::milliseconds(1)));
  std::thread t([&] { w.Step(); });
  auto f = r->WaitNext(std::chrono::milliseconds(5000));
  t.join();
  EXPECT_TRUE(f);
  r->Interrupt();
  EXPECT_FALSE(r->WaitNext(std::chrono::milliseconds(5000)));
}

TEST(LiveBuffer, WriterGoneEndsLiveReaders) {
  auto b = NewBuffer();
  b->AttachWriter();
  Writer w(b);
  w.Run(500);
  auto r = b->NewReader();
  while (r->Next()) {
  }
  EXPECT_FALSE(r->AtEnd());
  b->WriterGone();
  EXPECT_FALSE(r->Next());
  EXPECT_TRUE(r->AtEnd());
  EXPECT_EQ(b->Stats().state, BufferState::kEmpty);
  EXPECT_TRUE(b->Stats().eos);
}

TEST(LiveBuffer, ResumeContinuesAcrossADiscont) {
  BufferOptions o;
  o.resume = true;
  auto b = NewBuffer(o);
  b->AttachWriter();
  Writer w(b);
  w.Run(1000);
  auto r = b->NewReader();
  while (r->Next()) {
  }
  b->WriterGone();
  EXPECT_FALSE(r->Next());
  EXPECT_FALSE(r->AtEnd());
  EXPECT_NE(b->Stats().issues.find("source disconnected"), std::string::npos);
  // The publisher comes back with new tracks of the same codecs: they are reused.
  b->WriterBack();
  EXPECT_EQ(*b->AddTrack(H264Caps().get()), w.video);
  EXPECT_EQ(*b->AddTrack(AacCaps().get()), w.audio);
  w.t += 3000;
  w.frame = 0;
  w.Step();
  auto f = r->Next();
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->discont);
  EXPECT_EQ(f->dts, 4000 * kMsNs);
  EXPECT_EQ(b->Tracks().size(), 2u);
}

TEST(LiveBuffer, ResumeGraceRunsOut) {
  BufferOptions o;
  o.resume = true;
  o.resume_grace_ms = 1000;
  auto b = NewBuffer(o);
  int64_t now = 0;
  b->SetClockForTesting([&] { return now; });
  b->AttachWriter();
  Writer w(b);
  w.Run(500);
  auto r = b->NewReader();
  while (r->Next()) {
  }
  b->WriterGone();
  EXPECT_FALSE(r->AtEnd());
  now += 2000 * kMsNs;
  EXPECT_FALSE(r->Next());
  EXPECT_TRUE(r->AtEnd());
}

TEST(LiveBuffer, StateSequenceFullDryRecoverEmpty) {
  auto b = NewBuffer();
  int64_t now = 0;
  b->SetClockForTesting([&] { return now; });
  std::vector<BufferState> seen;
  b->AddListener([&] {
    auto s = b->Stats().state;
    if (seen.empty() || seen.back() != s) seen.push_back(s);
  });
  b->AttachWriter();
  Writer w(b);
  auto run = [&](int64_t ms) {
    for (int64_t end = w.t + ms; w.t < end;) {
      w.Step();
      now = w.t * kMsNs;
    }
  };
  run(3000);
  EXPECT_EQ(b->Stats().state, BufferState::kBooting);
  run(4000);
  EXPECT_EQ(b->Stats().state, BufferState::kFull);
  // The audio track stalls while video goes on.
  w.with_audio = false;
  run(5000);
  EXPECT_EQ(b->Stats().state, BufferState::kDry);
  EXPECT_NE(b->Stats().issues.find("stalled"), std::string::npos);
  EXPECT_NE(b->HealthJson().find("\"issues\""), std::string::npos);
  w.with_audio = true;
  w.Step();
  EXPECT_EQ(b->Stats().state, BufferState::kRecover);
  b->WriterGone();
  EXPECT_EQ(seen, (std::vector<BufferState>{BufferState::kBooting, BufferState::kFull,
                                            BufferState::kDry, BufferState::kRecover,
                                            BufferState::kEmpty}));
}

TEST(LiveBuffer, JitterMakesTheBufferDry) {
  auto b = NewBuffer();
  int64_t now = 0;
  b->SetClockForTesting([&] { return now; });
  Writer w(b, false);
  for (int i = 0; i < 200; ++i) {
    w.Step();
    now = w.t * kMsNs;
  }
  EXPECT_EQ(b->Stats().state, BufferState::kFull);
  now += 800 * kMsNs;  // the next frame arrives 800 ms late
  w.Step();
  EXPECT_EQ(b->Stats().state, BufferState::kDry);
  EXPECT_GE(b->Stats().jitter_ms, 800);
  EXPECT_NE(b->Stats().issues.find("jitter"), std::string::npos);
}

TEST(LiveBuffer, BitrateOverTheWindow) {
  auto b = NewBuffer();
  Writer w(b, false, 25);
  w.Run(10000);
  auto v = b->Track(w.video);
  // 24 x 10000 + 40000 bytes per second.
  EXPECT_NEAR(static_cast<double>(v->bps), 280000.0, 20000.0);
  EXPECT_GE(v->max_bps, v->bps);
}

TEST(LiveBuffer, ReadyForPlayRule) {
  auto b = NewBuffer();
  uint32_t v = *b->AddTrack(H264Caps().get());
  b->Push(v, MakeBuffer(100), 0, 0, true);
  EXPECT_TRUE(b->Playable());
  EXPECT_FALSE(b->ReadyForPlay(0));
  EXPECT_TRUE(b->ReadyForPlay(5000));
  for (int i = 1; i <= 13; ++i) b->Push(v, MakeBuffer(100), i * 40 * kMsNs, i * 40 * kMsNs, false);
  EXPECT_TRUE(b->ReadyForPlay(0));
}

TEST(LiveBuffer, EpochIsSetOnce) {
  auto b = NewBuffer();
  EXPECT_EQ(b->Epoch(100), 100);
  EXPECT_EQ(b->Epoch(500), 100);
}

TEST(BufferRegistry, AcquireFindRemove) {
  auto& reg = BufferRegistry::Get();
  auto a = reg.Acquire("reg_test");
  EXPECT_EQ(reg.Acquire("reg_test"), a);
  EXPECT_EQ(reg.Find("reg_test"), a);
  reg.Remove("reg_test");
  EXPECT_EQ(reg.Find("reg_test"), nullptr);
  EXPECT_EQ(a->name(), "reg_test");
}

}  // namespace
}  // namespace haze::dtsc

namespace haze::dtsc {
namespace {

TEST(LiveBuffer, SparseSubtitlesNeitherStallNorBlockFull) {
  auto b = std::make_shared<LiveBuffer>("subs");
  Writer w(b);
  GstCaps* text = gst_caps_from_string("text/x-raw,format=utf8");
  const uint32_t sub = *b->AddTrack(text);
  gst_caps_unref(text);
  EXPECT_EQ(b->Track(sub)->kind, TrackKind::kSubtitle);
  b->Push(sub, testing::MakeBuffer(20), 0, 0, false);
  w.Run(12000);
  EXPECT_EQ(b->Stats().state, BufferState::kFull);
  EXPECT_EQ(b->Stats().issues, "");
}

TEST(LiveBuffer, HundredThreadedReadersGetEveryFrame) {
  auto b = std::make_shared<LiveBuffer>("threads");
  b->AttachWriter();
  Writer w(b, false, 1000);  // one keyframe at 0, so every reader starts there
  w.Step();
  std::vector<std::thread> threads;
  std::vector<int> counts(100, 0);
  for (int i = 0; i < 100; ++i) {
    threads.emplace_back([&, i] {
      auto r = b->NewReader({.start = 0});
      while (!r->AtEnd())
        if (r->WaitNext(std::chrono::milliseconds(50))) counts[i]++;
    });
  }
  for (int i = 0; i < 200; ++i) w.Step();
  b->WriterGone();
  for (auto& t : threads) t.join();
  for (int c : counts) EXPECT_EQ(c, 201);
  EXPECT_EQ(b->Stats().readers, 0u);
}

}  // namespace
}  // namespace haze::dtsc

namespace haze::dtsc {
namespace {

TEST(LiveBuffer, AllTracksReaderPicksUpLaterTracks) {
  auto b = std::make_shared<LiveBuffer>("later");
  auto r = b->NewReader();  // before any writer
  EXPECT_TRUE(r->tracks().empty());
  Writer w(b);
  w.Run(200);
  int video = 0, audio = 0;
  while (auto f = r->Next()) (f->track == w.video ? video : audio)++;
  EXPECT_EQ(video, 5);
  EXPECT_EQ(audio, 10);
  EXPECT_EQ(r->tracks().size(), 2u);
  auto only = b->NewReader({.tracks = {w.audio}});
  GstCaps* text = gst_caps_from_string("text/x-raw,format=utf8");
  const uint32_t sub = *b->AddTrack(text);
  gst_caps_unref(text);
  b->Push(sub, testing::MakeBuffer(10), 200 * kMsNs, 200 * kMsNs, true);
  while (auto f = only->Next()) EXPECT_EQ(f->track, w.audio);
}

}  // namespace
}  // namespace haze::dtsc
