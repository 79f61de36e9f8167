#include "protocols/rtsp/rtsp_launch.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <string_view>

#include "protocols/rtsp/rtsp_sdp.h"

namespace haze::rtsp {
namespace {

dtsc::TrackInfo Track(uint32_t id, dtsc::TrackKind kind, dtsc::Codec codec) {
  dtsc::TrackInfo t;
  t.id = id;
  t.kind = kind;
  t.codec = codec;
  return t;
}

TEST(RtspLaunch, OnePayloaderPerCarriedTrackNumberedInOrder) {
  gst_init(nullptr, nullptr);
  auto launch = LaunchFor("live+cam", {Track(0, dtsc::TrackKind::kVideo, dtsc::Codec::kH264),
                                       Track(1, dtsc::TrackKind::kAudio, dtsc::Codec::kAAC)});
  ASSERT_TRUE(launch);
  EXPECT_NE(launch->find("dtscsrc stream=\"live+cam\""), std::string::npos);
  EXPECT_NE(launch->find("src.src_0 ! queue ! rtph264pay"), std::string::npos);
  EXPECT_NE(launch->find("name=pay0 pt=96"), std::string::npos);
  EXPECT_NE(launch->find("src.src_1 ! queue ! rtpmp4gpay name=pay1 pt=97"), std::string::npos);
  // The description parses (the payloaders exist on this machine).
  GError* err = nullptr;
  GstElement* bin = gst_parse_launch(launch->c_str(), &err);
  EXPECT_TRUE(bin) << (err ? err->message : "");
  g_clear_error(&err);
  if (bin) gst_object_unref(bin);
}

TEST(RtspLaunch, TracksRtspCannotCarryAreLeftOut) {
  auto launch = LaunchFor("s", {Track(0, dtsc::TrackKind::kSubtitle, dtsc::Codec::kText),
                                Track(1, dtsc::TrackKind::kVideo, dtsc::Codec::kAV1),
                                Track(2, dtsc::TrackKind::kAudio, dtsc::Codec::kOpus)});
  ASSERT_TRUE(launch);
  EXPECT_EQ(launch->find("src_0"), std::string::npos);
  EXPECT_EQ(launch->find("src_1"), std::string::npos);
  EXPECT_NE(launch->find("src.src_2 ! queue ! rtpopuspay name=pay0 pt=96"), std::string::npos);
  EXPECT_FALSE(LaunchFor("s", {Track(0, dtsc::TrackKind::kVideo, dtsc::Codec::kAV1)}));
  EXPECT_FALSE(LaunchFor("s", {}));
}

TEST(RtspRecord, SdpMediasBecomeDepayloadersInOrder) {
  const std::string_view sdp =
      "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nt=0 0\r\n"
      "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:streamid=0\r\n"
      "m=audio 0 RTP/AVP 0\r\n"
      "m=audio 0 RTP/AVP 97\r\na=rtpmap:97 mpeg4-generic/48000/2\r\n";
  auto medias = ParseAnnouncedSdp({reinterpret_cast<const uint8_t*>(sdp.data()), sdp.size()});
  ASSERT_TRUE(medias);
  ASSERT_EQ(medias->size(), 3u);
  EXPECT_EQ((*medias)[0].encoding, "H264");
  EXPECT_EQ((*medias)[1].encoding, "");  // static payload type without rtpmap: not stored
  EXPECT_EQ((*medias)[2].encoding, "MPEG4-GENERIC");
  auto launch = RecordLaunchFor("live+cam", *medias);
  ASSERT_TRUE(launch);
  EXPECT_NE(launch->find("rtph264depay name=depay0 ! h264parse ! queue ! sink."),
            std::string::npos);
  EXPECT_NE(launch->find("fakesink async=false name=depay1"), std::string::npos);
  EXPECT_NE(launch->find("rtpmp4gdepay name=depay2 ! aacparse ! queue ! sink."), std::string::npos);
  EXPECT_NE(launch->find("dtscsink name=sink stream=\"live+cam\""), std::string::npos);
}

TEST(RtspRecord, NothingStorableOrNotAnSdpIsRefused) {
  EXPECT_FALSE(RecordLaunchFor("s", {{"audio", "PCMU"}, {"application", "X"}}));
  EXPECT_FALSE(RecordLaunchFor("s", {}));
  const std::string_view junk = "GET / HTTP/1.1\r\n\r\n";
  auto medias = ParseAnnouncedSdp({reinterpret_cast<const uint8_t*>(junk.data()), junk.size()});
  EXPECT_TRUE(!medias || medias->empty() || !RecordLaunchFor("s", *medias));
  EXPECT_FALSE(ParseAnnouncedSdp({}));
  EXPECT_EQ(EncodingName("96 h265/90000"), "H265");
  EXPECT_EQ(EncodingName("96"), "");
  EXPECT_EQ(EncodingName("97 OPUS"), "OPUS");
}

}  // namespace
}  // namespace haze::rtsp
