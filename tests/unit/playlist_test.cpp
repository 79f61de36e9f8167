#include "protocols/hls/playlist.h"

#include <gtest/gtest.h>

#include "protocols/dash/mpd.h"

namespace haze::hls {
namespace {

constexpr int64_t kMs = 1000000;

MediaPlaylist Live(int count) {
  MediaPlaylist p;
  for (int i = 0; i < count; ++i) {
    PlaylistSegment s;
    s.msn = 10 + i;
    s.duration_ns = (i == 1 ? 2040 : 2000) * kMs;
    s.uri = std::to_string(10 + i) + ".ts";
    s.unix_ms = 1763767384000 + i * 2000;
    p.segments.push_back(s);
  }
  p.min_target_ns = 1900 * kMs;
  return p;
}

TEST(Playlist, MediaPlaylistBasics) {
  MediaPlaylist p = Live(3);
  p.segments[2].discontinuity = true;
  p.discontinuity_sequence = 4;
  std::string text = RenderMediaPlaylist(p);
  EXPECT_EQ(text,
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:3\n#EXT-X-MEDIA-SEQUENCE:10\n"
            "#EXT-X-DISCONTINUITY-SEQUENCE:4\n"
            "#EXT-X-PROGRAM-DATE-TIME:2025-11-21T23:23:04.000Z\n#EXTINF:2.000,\n10.ts\n"
            "#EXTINF:2.040,\n11.ts\n#EXT-X-DISCONTINUITY\n"
            "#EXT-X-PROGRAM-DATE-TIME:2025-11-21T23:23:08.000Z\n#EXTINF:2.000,\n12.ts\n");
}

TEST(Playlist, TargetDurationNeverUnderstatesASegment) {
  MediaPlaylist p = Live(1);
  p.segments[0].duration_ns = 2000 * kMs;
  EXPECT_EQ(TargetDurationSeconds(p), 2);
  p.segments[0].duration_ns = 2000 * kMs + 600000;  // EXTINF rounds to 2.001
  EXPECT_EQ(TargetDurationSeconds(p), 3);
  p.segments[0].duration_ns = 2000 * kMs + 400000;  // EXTINF rounds to 2.000
  EXPECT_EQ(TargetDurationSeconds(p), 2);
}

TEST(Playlist, VodHasEndlistAndMap) {
  MediaPlaylist p = Live(2);
  p.vod = true;
  p.map_uri = "init.mp4";
  std::string text = RenderMediaPlaylist(p);
  EXPECT_NE(text.find("#EXT-X-VERSION:7\n"), std::string::npos);
  EXPECT_NE(text.find("#EXT-X-PLAYLIST-TYPE:VOD\n"), std::string::npos);
  EXPECT_NE(text.find("#EXT-X-MAP:URI=\"init.mp4\"\n"), std::string::npos);
  EXPECT_EQ(text.substr(text.size() - 15), "#EXT-X-ENDLIST\n");
}

TEST(Playlist, LowLatencyTags) {
  MediaPlaylist p = Live(6);
  p.map_uri = "init.mp4";
  p.part_target_ns = 500 * kMs;
  for (auto& s : p.segments)
    for (int k = 0; k < 4; ++k)
      s.parts.push_back({500 * kMs, std::to_string(s.msn) + "." + std::to_string(k) + ".m4s", k == 0});
  p.open_parts = {{480 * kMs, "16.0.m4s", true}};
  p.preload_hint_uri = "16.1.m4s";
  p.reports = {{"../2/index.m3u8", 16, 0}};
  std::string text = RenderMediaPlaylist(p);
  EXPECT_NE(text.find("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500\n"),
            std::string::npos);
  p.part_hold_back_ns = 800 * kMs;  // under 2 x PART-TARGET: raised to it
  EXPECT_NE(RenderMediaPlaylist(p).find("PART-HOLD-BACK=1.000\n"), std::string::npos);
  EXPECT_NE(text.find("#EXT-X-PART-INF:PART-TARGET=0.500\n"), std::string::npos);
  // Parts only for the segments within 3 target durations (3 * 3 s) of the end: not 10.
  EXPECT_EQ(text.find("10.0.m4s"), std::string::npos);
  EXPECT_NE(text.find("#EXT-X-PART:DURATION=0.500,URI=\"11.0.m4s\",INDEPENDENT=YES\n"),
            std::string::npos);
  EXPECT_NE(text.find("#EXT-X-PART:DURATION=0.500,URI=\"15.3.m4s\"\n#EXTINF:2.000,\n15.ts\n"
                      "#EXT-X-PART:DURATION=0.480,URI=\"16.0.m4s\",INDEPENDENT=YES\n"
                      "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"16.1.m4s\"\n"
                      "#EXT-X-RENDITION-REPORT:URI=\"../2/index.m3u8\",LAST-MSN=16,LAST-PART=0\n"),
            std::string::npos)
      << text;
}

TEST(Playlist, MasterAndError) {
  Variant v{"1_2/index.m3u8", 1200000, 900000, 640, 360, 25, "avc1.64001f,mp4a.40.2", "aud"};
  AudioRendition a{"aud", "audio 2", "eng", "2/index.m3u8", 2, true};
  std::string text = RenderMasterPlaylist({v}, {a}, true);
  EXPECT_EQ(text,
            "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-INDEPENDENT-SEGMENTS\n"
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"audio 2\",LANGUAGE=\"eng\","
            "AUTOSELECT=YES,DEFAULT=YES,CHANNELS=\"2\",URI=\"2/index.m3u8\"\n"
            "#EXT-X-STREAM-INF:BANDWIDTH=1200000,AVERAGE-BANDWIDTH=900000,"
            "CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=640x360,FRAME-RATE=25.000,AUDIO=\"aud\"\n"
            "1_2/index.m3u8\n");
  EXPECT_EQ(RenderErrorPlaylist("Stream open failed"),
            "#EXTM3U\n#EXT-X-ERROR: Stream open failed\n");
}

TEST(Mpd, DynamicWithTimeline) {
  dash::Mpd m;
  m.availability_start_ms = 1763767384000;
  m.publish_ms = 1763767394500;
  m.time_shift_buffer_ns = 50000 * kMs;
  m.utc_timing_url = "/time";
  dash::Representation r;
  r.id = "1";
  r.codecs = "avc1.64001f";
  r.bandwidth = 1000000;
  r.width = 640;
  r.height = 360;
  r.fps_n = 25;
  r.init_template = "$RepresentationID$/init.mp4";
  r.media_template = "$RepresentationID$/$Number$.m4s";
  r.start_number = 5;
  r.timeline = {{900000, 180000}, {1080000, 180000}, {1260000, 183600}};
  m.representations.push_back(r);
  std::string x = dash::RenderMpd(m);
  EXPECT_NE(x.find("type=\"dynamic\" availabilityStartTime=\"2025-11-21T23:23:04.000Z\" "
                   "publishTime=\"2025-11-21T23:23:14.500Z\" timeShiftBufferDepth=\"PT50.000S\" "
                   "minimumUpdatePeriod=\"PT2.000S\""),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("<S t=\"900000\" d=\"180000\" r=\"1\"/>\n          <S t=\"1260000\" d=\"183600\"/>"),
            std::string::npos);
  EXPECT_NE(x.find("startNumber=\"5\""), std::string::npos);
  EXPECT_NE(x.find("<UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:http-iso:2014\" value=\"/time\"/>"),
            std::string::npos);
  m.dynamic = false;
  m.duration_ns = 30000 * kMs;
  x = dash::RenderMpd(m);
  EXPECT_NE(x.find("type=\"static\" mediaPresentationDuration=\"PT30.000S\""), std::string::npos);
}

}  // namespace
}  // namespace haze::hls
