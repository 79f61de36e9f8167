// HLS (TS), CMAF HLS/LL-HLS and DASH endpoint logic over a SegmentService fed with real frames:
// playlists, segments, caching headers, blocking reloads, error playlists.
#include <gtest/gtest.h>

#include <optional>

#include "../support/media_fixture.h"
#include "protocols/cmaf/cmaf_endpoint.h"
#include "protocols/hls/hls_endpoint.h"

namespace haze::cmaf {
namespace {

using testing::EncodedMedia;
using testing::FakeSource;

const EncodedMedia& Media() {
  static EncodedMedia media = testing::EncodeTestMedia(12);
  return media;
}

class EndpointsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = std::make_shared<FakeSource>(Media().tracks);
    ServiceOptions options;
    options.store.block_timeout_ms = 150;
    options.boot_wait_ms = 0;
    service_ = std::make_unique<SegmentService>(
        [this](const std::string& name) -> std::shared_ptr<FragmentSource> {
          return name == "live" ? source_ : nullptr;
        },
        options);
  }
  void PushUntil(double fraction) {
    size_t end = static_cast<size_t>(Media().frames.size() * fraction);
    for (; pushed_ < end; ++pushed_) source_->Push(Media().frames[pushed_]);
    Pump();
  }
  void Finish() {
    PushUntil(1.0);
    int64_t end = 0;
    for (const auto& f : Media().frames)
      if (f.track == 0) end = std::max(end, f.dts + 40000000);
    source_->Finish(end);
    Pump();
  }
  static void Pump() {
    while (g_main_context_iteration(nullptr, FALSE)) {
    }
  }
  std::optional<HttpResponse> Get(const char* proto, const std::string& stream,
                                  const std::string& path,
                                  std::map<std::string, std::string> query = {},
                                  std::string if_none_match = {}) {
    HttpRequest req{stream, path, std::move(query), std::move(if_none_match)};
    auto result = std::make_shared<std::optional<HttpResponse>>();
    Respond respond = [result](HttpResponse r) { *result = std::move(r); };
    if (std::string(proto) == "hls")
      hls::HandleHls(*service_, req, respond);
    else
      HandleCmaf(*service_, req, respond);
    last_ = result;
    return *result;
  }
  static std::string Body(const HttpResponse& r) { return std::string(r.body.view()); }

  std::shared_ptr<FakeSource> source_;
  std::unique_ptr<SegmentService> service_;
  std::shared_ptr<std::optional<HttpResponse>> last_;
  size_t pushed_ = 0;
};

TEST_F(EndpointsTest, UnknownStreamGetsMistServerErrorPlaylist) {
  auto r = Get("hls", "nope", "index.m3u8");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(Body(*r), "#EXTM3U\n#EXT-X-ERROR: Stream open failed\n");
  EXPECT_EQ(r->content_type, "application/vnd.apple.mpegurl");
  EXPECT_EQ(Get("hls", "nope", "0_1/0_2000.ts")->status, 404);
  EXPECT_EQ(Body(*Get("cmaf", "nope", "index.m3u8")),
            "#EXTM3U\n#EXT-X-ERROR: Stream open failed\n");
}

TEST_F(EndpointsTest, BootingStreamAnswersAtOnce) {
  PushUntil(0.05);
  auto r = Get("hls", "live", "index.m3u8");
  ASSERT_TRUE(r);
  EXPECT_NE(Body(*r).find("#EXT-X-ERROR"), std::string::npos);
}

TEST_F(EndpointsTest, StartingStreamGetsItsFirstPlaylistWhenReady) {
  ServiceOptions options;
  options.boot_wait_ms = 3000;
  // An asynchronous opener (like StreamHost::OpenForPlay) whose session lives with the store.
  std::weak_ptr<int> session_alive;
  service_ = std::make_unique<SegmentService>(
      SegmentService::Opener([this, &session_alive](const std::string& name,
                                                   SegmentService::OpenDone done) {
        auto source = source_;
        auto session = std::make_shared<int>(7);
        if (name == "live") session_alive = session;
        g_idle_add_full(G_PRIORITY_DEFAULT, [](gpointer p) -> gboolean {
          (*static_cast<std::function<void()>*>(p))();
          return G_SOURCE_REMOVE;
        }, new std::function<void()>([done, source, session, name] {
          done({name == "live" ? source : nullptr, session});
        }), [](gpointer p) { delete static_cast<std::function<void()>*>(p); });
      }),
      options);
  Get("hls", "live", "index.m3u8");
  auto master = last_;
  Get("cmaf", "nope", "index.m3u8");
  auto missing = last_;
  Pump();
  EXPECT_FALSE(*master);  // parked: stream is starting
  ASSERT_TRUE(*missing);
  EXPECT_NE(Body(**missing).find("Stream open failed"), std::string::npos);
  PushUntil(0.3);
  ASSERT_TRUE(*master);
  EXPECT_NE(Body(**master).find("#EXT-X-STREAM-INF:"), std::string::npos) << Body(**master);
  EXPECT_FALSE(session_alive.expired());  // kept by the store
  service_->DropIdle(0);
  EXPECT_TRUE(session_alive.expired());
}

TEST_F(EndpointsTest, TsHlsVod) {
  Finish();
  auto master = Get("hls", "live", "index.m3u8");
  ASSERT_TRUE(master);
  std::string m = Body(*master);
  EXPECT_NE(m.find(",mp4a.40.2\",RESOLUTION=320x180,FRAME-RATE=25.000\n"
                   "0_1/index.m3u8\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("AVERAGE-BANDWIDTH="), std::string::npos);
  EXPECT_NE(m.find("CODECS=\"avc1.4d"), std::string::npos);  // Main profile, as encoded
  std::string media = Body(*Get("hls", "live", "0_1/index.m3u8"));
  EXPECT_NE(media.find("#EXT-X-TARGETDURATION:2\n"), std::string::npos) << media;
  EXPECT_NE(media.find("#EXT-X-PLAYLIST-TYPE:VOD\n"), std::string::npos);
  EXPECT_NE(media.find("#EXTINF:2.000,\n0_2000.ts\n"), std::string::npos);
  EXPECT_NE(media.find("#EXT-X-PROGRAM-DATE-TIME:"), std::string::npos);
  EXPECT_NE(media.find("10000_12000.ts\n#EXT-X-ENDLIST\n"), std::string::npos);
  auto seg = Get("hls", "live", "0_1/2000_4000.ts");
  EXPECT_EQ(seg->status, 200);
  EXPECT_EQ(seg->content_type, "video/mp2t");
  EXPECT_EQ(seg->Header("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_FALSE(seg->Header("Last-Modified").empty());
  std::string etag = seg->Header("ETag");
  ASSERT_EQ(etag.front(), '"');
  auto again = Get("hls", "live", "0_1/2000_4000.ts");
  EXPECT_EQ(again->body.get(), seg->body.get());  // the same bytes in memory for everyone
  auto cached = Get("hls", "live", "0_1/2000_4000.ts", {}, etag);
  EXPECT_EQ(cached->status, 304);
  EXPECT_EQ(Get("hls", "live", "0_1/1_2.ts")->status, 404);
  EXPECT_EQ(Get("hls", "live", "../../etc/passwd")->status, 404);
}

TEST_F(EndpointsTest, CmafMasterHasAudioRendition) {
  PushUntil(0.5);
  std::string m = Body(*Get("cmaf", "live", "index.m3u8"));
  EXPECT_NE(m.find("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"audio 1\",AUTOSELECT=YES,"
                   "DEFAULT=YES,CHANNELS=\"2\",URI=\"1/index.m3u8\"\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find(",mp4a.40.2\",RESOLUTION=320x180,FRAME-RATE=25.000,"
                   "AUDIO=\"aud\"\n0/index.m3u8\n"),
            std::string::npos)
      << m;
  std::string no_ll = Body(*Get("cmaf", "live", "index.m3u8", {{"llhls", "0"}}));
  EXPECT_NE(no_ll.find("0/index.m3u8?llhls=0\n"), std::string::npos);
  auto init = Get("cmaf", "live", "0/init.mp4");
  EXPECT_EQ(init->status, 200);
  EXPECT_EQ(init->content_type, "video/mp4");
}

TEST_F(EndpointsTest, LowLatencyPlaylistAndBlockingReload) {
  PushUntil(0.45);
  std::string p = Body(*Get("cmaf", "live", "0/index.m3u8"));
  EXPECT_NE(p.find("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK="), std::string::npos) << p;
  EXPECT_NE(p.find("#EXT-X-PART-INF:PART-TARGET="), std::string::npos);
  EXPECT_NE(p.find("INDEPENDENT=YES"), std::string::npos);
  EXPECT_NE(p.find("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\""), std::string::npos);
  EXPECT_NE(p.find("#EXT-X-RENDITION-REPORT:URI=\"../1/index.m3u8\",LAST-MSN="), std::string::npos);
  EXPECT_EQ(Body(*Get("cmaf", "live", "0/index.m3u8", {{"llhls", "0"}})).find("#EXT-X-PART"),
            std::string::npos);

  const SegmentStore* store = service_->Acquire("live");
  PlaylistEdge edge = TrackEdge(*store->FindCmafTrack(0));
  ASSERT_GE(edge.msn, 0);
  std::string next_part = std::to_string(edge.msn) + "." + std::to_string(edge.part + 1);
  // Blocking reload for the next part: parked until it exists.
  Get("cmaf", "live", "0/index.m3u8",
      {{"_HLS_msn", std::to_string(edge.msn)}, {"_HLS_part", std::to_string(edge.part + 1)}});
  auto reload = last_;
  EXPECT_FALSE(*reload);
  // The preload-hinted part: parked as well.
  Get("cmaf", "live", "0/" + next_part + ".m4s");
  auto part = last_;
  EXPECT_FALSE(*part);
  PushUntil(0.55);
  ASSERT_TRUE(*reload);
  EXPECT_EQ((*reload)->status, 200);
  EXPECT_NE(Body(**reload).find("URI=\"" + next_part + ".m4s\""), std::string::npos) << Body(**reload);
  ASSERT_TRUE(*part);
  EXPECT_EQ((*part)->status, 200);
  EXPECT_GT((*part)->body.size(), 100u);

  // Too far ahead: 400. Never arriving: 503 after the timeout.
  edge = TrackEdge(*store->FindCmafTrack(0));
  EXPECT_EQ(Get("cmaf", "live", "0/index.m3u8", {{"_HLS_msn", std::to_string(edge.msn + 3)}})->status, 400);
  Get("cmaf", "live", "0/index.m3u8", {{"_HLS_msn", std::to_string(edge.msn + 1)}});
  auto late = last_;
  EXPECT_FALSE(*late);
  gint64 until = g_get_monotonic_time() + 2000000;
  while (!*late && g_get_monotonic_time() < until) g_main_context_iteration(nullptr, TRUE);
  ASSERT_TRUE(*late);
  EXPECT_EQ((*late)->status, 503);
}

// audio=/video= on the manifest URLs (MistServer's selector grammar) narrow what is listed.
TEST_F(EndpointsTest, TrackSelectionOnManifests) {
  Finish();
  std::string video_only = Body(*Get("hls", "live", "index.m3u8", {{"audio", "none"}}));
  EXPECT_NE(video_only.find("\n0/index.m3u8\n"), std::string::npos) << video_only;
  EXPECT_EQ(video_only.find("mp4a"), std::string::npos) << video_only;
  std::string audio_only = Body(*Get("hls", "live", "index.m3u8", {{"video", "none"}}));
  EXPECT_NE(audio_only.find("\n1/index.m3u8\n"), std::string::npos) << audio_only;
  EXPECT_EQ(audio_only.find("avc1"), std::string::npos) << audio_only;
  EXPECT_EQ(Get("hls", "live", "0/index.m3u8")->status, 200);
  auto seg = Get("hls", "live", "1/2000_4000.ts");
  EXPECT_EQ(seg->status, 200);
  EXPECT_GT(seg->body.size(), 1000u);
  std::string both = Body(*Get("hls", "live", "index.m3u8", {{"video", "h264"}, {"audio", "aac"}}));
  EXPECT_NE(both.find("\n0_1/index.m3u8\n"), std::string::npos) << both;
  std::string nothing = Body(*Get("hls", "live", "index.m3u8", {{"video", "none"}, {"audio", "none"}}));
  EXPECT_NE(nothing.find("#EXT-X-ERROR"), std::string::npos) << nothing;

  std::string cmaf_video = Body(*Get("cmaf", "live", "index.m3u8", {{"audio", "none"}}));
  EXPECT_EQ(cmaf_video.find("TYPE=AUDIO"), std::string::npos) << cmaf_video;
  EXPECT_NE(cmaf_video.find("0/index.m3u8"), std::string::npos) << cmaf_video;
  std::string cmaf_audio = Body(*Get("cmaf", "live", "index.m3u8", {{"video", "none"}}));
  EXPECT_EQ(cmaf_audio.find("avc1"), std::string::npos) << cmaf_audio;
  EXPECT_NE(cmaf_audio.find("1/index.m3u8"), std::string::npos) << cmaf_audio;
  std::string mpd = Body(*Get("cmaf", "live", "index.mpd", {{"video", "none"}}));
  EXPECT_EQ(mpd.find("avc1"), std::string::npos) << mpd;
  EXPECT_NE(mpd.find("mp4a.40.2"), std::string::npos) << mpd;
  std::string full = Body(*Get("cmaf", "live", "index.mpd"));
  EXPECT_NE(full.find("avc1"), std::string::npos);
}

TEST_F(EndpointsTest, DashMpdLiveAndVod) {
  PushUntil(0.6);
  auto live = Get("cmaf", "live", "index.mpd");
  ASSERT_EQ(live->status, 200);
  EXPECT_EQ(live->content_type, "application/dash+xml");
  std::string x = Body(*live);
  EXPECT_NE(x.find("type=\"dynamic\""), std::string::npos) << x;
  EXPECT_NE(x.find("timeShiftBufferDepth=\"PT50.000S\""), std::string::npos);
  EXPECT_NE(x.find("<UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:http-iso:2014\" value=\"/time\"/>"),
            std::string::npos);
  EXPECT_NE(x.find("codecs=\"mp4a.40.2\""), std::string::npos);
  EXPECT_NE(x.find("<S t=\"7200\" d=\"180000\""), std::string::npos);  // 2 s at 90 kHz, from the first pts
  Finish();
  x = Body(*Get("cmaf", "live", "index.mpd"));
  EXPECT_NE(x.find("type=\"static\" mediaPresentationDuration=\"PT12."), std::string::npos) << x;
  EXPECT_NE(x.find("<S t=\"7200\" d=\"180000\" r=\"5\"/>"), std::string::npos) << x;
  auto seg = Get("cmaf", "live", "0/3.m4s");
  EXPECT_EQ(seg->status, 200);
  EXPECT_EQ(seg->Header("Cache-Control"), "public, max-age=31536000, immutable");
  auto time = HandleTime();
  EXPECT_EQ(Body(time).size(), 24u);  // 2026-11-21T23:23:04.123Z
}

TEST_F(EndpointsTest, DiscontinuityAfterReconnectAndWindow) {
  PushUntil(0.3);
  source_->MarkDiscont();
  PushUntil(0.8);
  std::string ts = Body(*Get("hls", "live", "0_1/index.m3u8"));
  size_t tag = ts.find("#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:");
  EXPECT_NE(tag, std::string::npos) << ts;
  std::string cmaf = Body(*Get("cmaf", "live", "0/index.m3u8", {{"llhls", "0"}}));
  EXPECT_NE(cmaf.find("#EXT-X-DISCONTINUITY\n"), std::string::npos) << cmaf;
  // The live window leaves out the oldest fragment (about to be evicted).
  EXPECT_EQ(ts.find("\n0_2000.ts\n"), std::string::npos);
  EXPECT_NE(ts.find("#EXT-X-MEDIA-SEQUENCE:1\n"), std::string::npos);
  // Trimming the buffer evicts segments; evicted discontinuities count in the sequence.
  source_->Trim(1);
  PushUntil(1.0);
  auto old = Get("hls", "live", "0_1/2000_4000.ts");
  EXPECT_EQ(old->status, 404);
  ts = Body(*Get("hls", "live", "0_1/index.m3u8"));
  EXPECT_NE(ts.find("#EXT-X-DISCONTINUITY-SEQUENCE:1\n"), std::string::npos) << ts;
}

TEST_F(EndpointsTest, StoresAreSharedRecreatedAndDroppedWhenIdle) {
  PushUntil(0.5);
  SegmentStore* a = service_->Acquire("live");
  EXPECT_EQ(service_->Acquire("live"), a);  // one store per stream, whatever the viewer count
  EXPECT_EQ(service_->store_count(), 1u);
  source_ = std::make_shared<FakeSource>(Media().tracks);  // new publisher session
  SegmentStore* b = service_->Acquire("live");
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->ts_variants().empty());  // fresh store
  EXPECT_EQ(service_->DropIdle(0), 1u);
  EXPECT_EQ(service_->store_count(), 0u);
}

}  // namespace
}  // namespace haze::cmaf
