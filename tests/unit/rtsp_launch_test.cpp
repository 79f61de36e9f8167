#include "protocols/rtsp/rtsp_launch.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace haze::rtsp
