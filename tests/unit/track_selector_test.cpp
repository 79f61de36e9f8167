#include "dtsc/track_selector.h"

#include <gtest/gtest.h>

namespace haze::dtsc {
namespace {

using Ids = std::vector<uint32_t>;

TrackInfo Video(uint32_t id, int w, int h, uint64_t kbit, Codec c = Codec::kH264) {
  TrackInfo t;
  t.id = id;
  t.kind = TrackKind::kVideo;
  t.codec = c;
  t.width = w;
  t.height = h;
  t.bps = kbit * 1000 / 8;
  return t;
}

TrackInfo Audio(uint32_t id, Codec c, int channels, uint64_t kbit, const char* lang = "") {
  TrackInfo t;
  t.id = id;
  t.kind = TrackKind::kAudio;
  t.codec = c;
  t.channels = channels;
  t.rate = 48000;
  t.bps = kbit * 1000 / 8;
  t.lang = lang;
  return t;
}

TrackInfo Sub(uint32_t id, const char* lang) {
  TrackInfo t;
  t.id = id;
  t.kind = TrackKind::kSubtitle;
  t.codec = Codec::kText;
  t.lang = lang;
  return t;
}

// 0: 1080p 5 Mbps, 1: 720p 2.5 Mbps, 2: 360p 800 kbps HEVC, 3: AAC stereo eng 128k,
// 4: opus 5.1 nld 256k, 5: AAC mono 64k, 6: subtitle eng, 7: subtitle nld.
std::vector<TrackInfo> Tracks() {
  auto v2 = Video(2, 640, 360, 800, Codec::kH265);
  v2.bframes = true;
  return {Video(0, 1920, 1080, 5000), Video(1, 1280, 720, 2500), v2,
          Audio(3, Codec::kAAC, 2, 128, "eng"), Audio(4, Codec::kOpus, 6, 256, "nld"),
          Audio(5, Codec::kAAC, 1, 64), Sub(6, "eng"), Sub(7, "nld")};
}

Ids V(const std::string& s) { return SelectKind(Tracks(), TrackKind::kVideo, s); }
Ids A(const std::string& s) { return SelectKind(Tracks(), TrackKind::kAudio, s); }
Ids S(const std::string& s) { return SelectKind(Tracks(), TrackKind::kSubtitle, s); }

TEST(TrackSelector, DefaultsAreAllAudioAllVideoNoSubtitles) {
  EXPECT_EQ(SelectTracks(Tracks(), "", "", ""), (Ids{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(S(""), Ids{});
}

TEST(TrackSelector, NoneAllAndIndexes) {
  EXPECT_EQ(V("none"), Ids{});
  EXPECT_EQ(V("-1"), Ids{});
  EXPECT_EQ(V("all"), (Ids{0, 1, 2}));
  EXPECT_EQ(V("*"), (Ids{0, 1, 2}));
  EXPECT_EQ(V("1"), Ids{1});
  EXPECT_EQ(V("i2"), Ids{2});
  EXPECT_EQ(V("3"), Ids{});  // track 3 is audio
  EXPECT_EQ(V("2,0"), (Ids{2, 0}));
  EXPECT_EQ(V("1,1"), Ids{1});
  EXPECT_EQ(SelectTracks(Tracks(), "none", "none", "all"), (Ids{6, 7}));
}

TEST(TrackSelector, CodecAndLanguage) {
  EXPECT_EQ(V("h264"), (Ids{0, 1}));
  EXPECT_EQ(V("HEVC"), Ids{2});
  EXPECT_EQ(V("h265"), Ids{2});
  EXPECT_EQ(A("aac"), (Ids{3, 5}));
  EXPECT_EQ(A("opus"), Ids{4});
  EXPECT_EQ(A("eng"), Ids{3});
  EXPECT_EQ(A("en"), Ids{3});
  EXPECT_EQ(A("nl"), Ids{4});
  EXPECT_EQ(S("nld"), Ids{7});
  EXPECT_EQ(A("klingon"), Ids{});
}

TEST(TrackSelector, Resolution) {
  EXPECT_EQ(V("1280x720"), Ids{1});
  EXPECT_EQ(V("1000x1000"), Ids{});
  EXPECT_EQ(V("~1000x600"), Ids{1});
  EXPECT_EQ(V("~100x100"), Ids{2});
  EXPECT_EQ(V(">1280x720"), Ids{0});
  EXPECT_EQ(V("<1280x720"), Ids{2});
  EXPECT_EQ(V("highres"), Ids{0});
  EXPECT_EQ(V("maxres"), Ids{0});
  EXPECT_EQ(V("lowres"), Ids{2});
  EXPECT_EQ(V("worstres"), Ids{2});
}

TEST(TrackSelector, Bitrate) {
  EXPECT_EQ(V("highbps"), Ids{0});
  EXPECT_EQ(V("bestbps"), Ids{0});
  EXPECT_EQ(V("minbps"), Ids{2});
  EXPECT_EQ(V(">2mbps"), (Ids{0, 1}));
  EXPECT_EQ(V("<1mbps"), Ids{2});
  EXPECT_EQ(V("<500kbps"), Ids{});
  EXPECT_EQ(V("max<3mbps"), Ids{1});
  EXPECT_EQ(V("max<100kbps"), Ids{});
  EXPECT_EQ(V("2mbps"), Ids{1});
  EXPECT_EQ(A("100kbps"), Ids{3});
  EXPECT_EQ(A(">100kbps"), (Ids{3, 4}));
  EXPECT_EQ(V("3Mbps"), Ids{1});
}

TEST(TrackSelector, ChannelsAndBframes) {
  EXPECT_EQ(A("mono"), Ids{5});
  EXPECT_EQ(A("stereo"), Ids{3});
  EXPECT_EQ(A("surround"), Ids{4});
  EXPECT_EQ(A("6ch"), Ids{4});
  EXPECT_EQ(V("bframes"), Ids{2});
}

TEST(TrackSelector, NarrowAndRemove) {
  EXPECT_EQ(V("all,|h264"), (Ids{0, 1}));
  EXPECT_EQ(V("all,!h264"), Ids{2});
  EXPECT_EQ(V("!h264"), Ids{2});  // starts with ! = all,!h264
  EXPECT_EQ(V("h264,|<2mbps"), Ids{});
  EXPECT_EQ(V("h264,|highbps"), Ids{0});
  EXPECT_EQ(A("aac,|eng"), Ids{3});
  EXPECT_EQ(A("!aac,mono"), (Ids{4, 5}));
  EXPECT_EQ(V("all,none,1"), Ids{1});
}

TEST(TrackSelector, GarbageSelectsNothingAndNeverCrashes) {
  for (const char* s : {",", ",,,", "|", "!", "~", ">", "<", "max<", "x", "10x", "~axb",
                        ">-5mbps", "99999999999999999999", "i", "iabc", "ch", "0ch", "9999999999x9999999999",
                        "99999999999ch", "1e999mbps"}) {
    EXPECT_NO_THROW(V(s)) << s;
    EXPECT_NO_THROW(A(s)) << s;
  }
  EXPECT_EQ(V("99999999999999999999"), Ids{});
}

TEST(TrackSelector, EmptyTrackList) {
  EXPECT_EQ(SelectTracks({}, "", "", ""), Ids{});
  EXPECT_EQ(SelectKind({}, TrackKind::kVideo, "highbps"), Ids{});
}

}  // namespace
}  // namespace haze::dtsc
