#include "protocols/cmaf/fmp4_writer.h"

#include <gtest/gtest.h>

#include "box_walk.h"
#include "protocols/cmaf/codec_string.h"

namespace haze::cmaf {
namespace {

using testing::Be32;
using testing::Box;
using testing::FindIn;
using testing::ParseBoxes;

const std::vector<uint8_t> kAvcC = {0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x04, 0x67,
                                    0x64, 0x00, 0x1f, 0x01, 0x00, 0x02, 0x68, 0xee};

MediaTrack VideoTrack() {
  MediaTrack t;
  t.id = 1;
  t.video = true;
  t.codec = MediaCodec::kH264;
  t.init = kAvcC;
  t.width = 640;
  t.height = 360;
  return t;
}

TEST(Fmp4Writer, InitSegmentH264HasCompleteMoov) {
  auto bytes = WriteInitSegment(VideoTrack());
  std::vector<Box> boxes;
  ASSERT_TRUE(ParseBoxes(bytes, boxes));
  ASSERT_EQ(boxes.size(), 2u);
  EXPECT_EQ(boxes[0].type, "ftyp");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(boxes[0].payload.data()), 4), "iso6");
  for (const char* path : {"moov/mvhd", "moov/trak/tkhd", "moov/trak/mdia/mdhd",
                           "moov/trak/mdia/hdlr", "moov/trak/mdia/minf/vmhd",
                           "moov/trak/mdia/minf/dinf/dref/url ", "moov/trak/mdia/minf/stbl/stts",
                           "moov/trak/mdia/minf/stbl/stsc", "moov/trak/mdia/minf/stbl/stsz",
                           "moov/trak/mdia/minf/stbl/stco", "moov/mvex/trex"})
    EXPECT_NE(FindIn(boxes, path), nullptr) << path;
  const Box* avcc = FindIn(boxes, "moov/trak/mdia/minf/stbl/stsd/avc1/avcC");
  ASSERT_NE(avcc, nullptr);
  EXPECT_EQ(std::vector<uint8_t>(avcc->payload.begin(), avcc->payload.end()), kAvcC);
  const Box* avc1 = FindIn(boxes, "moov/trak/mdia/minf/stbl/stsd/avc1");
  EXPECT_EQ((avc1->payload[24] << 8) | avc1->payload[25], 640);
  EXPECT_EQ((avc1->payload[26] << 8) | avc1->payload[27], 360);
  const Box* mdhd = FindIn(boxes, "moov/trak/mdia/mdhd");
  EXPECT_EQ(Be32(mdhd->payload.data() + 12), 90000u);
  const Box* trex = FindIn(boxes, "moov/mvex/trex");
  EXPECT_EQ(Be32(trex->payload.data() + 4), 1u);
}

TEST(Fmp4Writer, InitSegmentAacCarriesAscInEsds) {
  MediaTrack t;
  t.id = 2;
  t.video = false;
  t.codec = MediaCodec::kAAC;
  t.init = {0x11, 0x90};  // AAC LC 48 kHz stereo
  t.rate = 48000;
  t.channels = 2;
  auto bytes = WriteInitSegment(t);
  std::vector<Box> boxes;
  ASSERT_TRUE(ParseBoxes(bytes, boxes));
  const Box* esds = FindIn(boxes, "moov/trak/mdia/minf/stbl/stsd/mp4a/esds");
  ASSERT_NE(esds, nullptr);
  auto p = esds->payload;
  ASSERT_GE(p.size(), 4u + 5 + 3 + 5 + 13 + 5 + 2);
  EXPECT_EQ(p[4], 0x03);
  EXPECT_EQ(p[4 + 5 + 3], 0x04);
  EXPECT_EQ(p[4 + 5 + 3 + 5], 0x40);  // MPEG-4 audio
  size_t dsi = 4 + 5 + 3 + 5 + 13;
  EXPECT_EQ(p[dsi], 0x05);
  EXPECT_EQ(p[dsi + 5], 0x11);
  EXPECT_EQ(p[dsi + 6], 0x90);
  EXPECT_NE(FindIn(boxes, "moov/trak/mdia/minf/smhd"), nullptr);
  EXPECT_EQ(Be32(FindIn(boxes, "moov/trak/mdia/mdhd")->payload.data() + 12), 48000u);
  EXPECT_EQ(CodecString(t), "mp4a.40.2");
}

TEST(Fmp4Writer, InitSegmentOpusConvertsOpusHeadToDops) {
  MediaTrack t;
  t.video = false;
  t.codec = MediaCodec::kOpus;
  t.rate = 48000;
  t.channels = 2;
  t.init = {'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, 2, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0};
  auto bytes = WriteInitSegment(t);
  std::vector<Box> boxes;
  ASSERT_TRUE(ParseBoxes(bytes, boxes));
  const Box* dops = FindIn(boxes, "moov/trak/mdia/minf/stbl/stsd/Opus/dOps");
  ASSERT_NE(dops, nullptr);
  ASSERT_EQ(dops->payload.size(), 11u);
  EXPECT_EQ(dops->payload[1], 2);                                     // channels
  EXPECT_EQ((dops->payload[2] << 8) | dops->payload[3], 312);          // pre-skip
  EXPECT_EQ(Be32(dops->payload.data() + 4), 48000u);                  // input rate
  EXPECT_EQ(CodecString(t), "opus");
}

TEST(Fmp4Writer, MediaChunkHasConsistentTrunAndMdat) {
  MediaTrack t = VideoTrack();
  std::vector<uint8_t> a(100, 1), b(50, 2), c(70, 3);
  // B-frame order: I(pts 80) P(pts 160) B(pts 120), 40 ms apart in dts.
  std::vector<Sample> samples = {
      {a, 0, 80000000, true}, {b, 40000000, 160000000, false}, {c, 80000000, 120000000, false}};
  auto bytes = WriteMediaChunk(t, 7, samples, 120000000);
  std::vector<Box> boxes;
  ASSERT_TRUE(ParseBoxes(bytes, boxes));
  ASSERT_EQ(boxes.size(), 2u);
  ASSERT_EQ(boxes[1].type, "mdat");
  EXPECT_EQ(boxes[1].payload.size(), 220u);
  EXPECT_EQ(Be32(FindIn(boxes, "moof/mfhd")->payload.data() + 4), 7u);
  auto tfdt = FindIn(boxes, "moof/traf/tfdt")->payload;
  EXPECT_EQ(tfdt[0], 1);
  auto trun = FindIn(boxes, "moof/traf/trun")->payload;
  uint32_t flags = Be32(trun.data()) & 0xffffff;
  EXPECT_EQ(flags, 0xf01u);
  EXPECT_EQ(Be32(trun.data() + 4), 3u);
  uint32_t data_offset = Be32(trun.data() + 8);
  EXPECT_EQ(bytes[data_offset], 1);                        // first byte of sample a
  EXPECT_EQ(data_offset, boxes[1].payload.data() - bytes.data());
  const uint8_t* s = trun.data() + 12;
  for (int i = 0; i < 3; ++i, s += 16) EXPECT_EQ(Be32(s), 3600u) << i;  // 40 ms at 90 kHz
  EXPECT_EQ(Be32(trun.data() + 12 + 4), 100u);
  EXPECT_EQ(Be32(trun.data() + 12 + 8), 0x02000000u);
  EXPECT_EQ(Be32(trun.data() + 28 + 8), 0x01010000u);
  EXPECT_EQ(static_cast<int32_t>(Be32(trun.data() + 12 + 12)), 7200);
  EXPECT_EQ(static_cast<int32_t>(Be32(trun.data() + 44 + 12)), 3600);
}

TEST(Fmp4Writer, TimescaleRoundingKeepsDecodeTimesContiguous) {
  MediaTrack t;
  t.video = false;
  t.codec = MediaCodec::kAAC;
  t.rate = 44100;
  // 1024-sample frames at 44.1 kHz are not whole ns: sums of rounded durations must match.
  int64_t frame_ns = 1024LL * 1000000000 / 44100;
  std::vector<uint8_t> payload(10);
  std::vector<Sample> first, second;
  for (int i = 0; i < 10; ++i) first.push_back({payload, i * frame_ns, i * frame_ns, true});
  for (int i = 10; i < 20; ++i) second.push_back({payload, i * frame_ns, i * frame_ns, true});
  auto one = WriteMediaChunk(t, 1, first, second.front().dts);
  auto two = WriteMediaChunk(t, 2, second, kUnknownEnd);
  std::vector<Box> b1, b2;
  ASSERT_TRUE(ParseBoxes(one, b1));
  ASSERT_TRUE(ParseBoxes(two, b2));
  auto trun = FindIn(b1, "moof/traf/trun")->payload;
  uint64_t sum = 0;
  for (int i = 0; i < 10; ++i) sum += Be32(trun.data() + 12 + i * 12);
  auto tfdt2 = FindIn(b2, "moof/traf/tfdt")->payload;
  uint64_t base2 = (uint64_t(Be32(tfdt2.data() + 4)) << 32) | Be32(tfdt2.data() + 8);
  EXPECT_EQ(sum, base2);
  EXPECT_EQ(base2, 10240u);
}

TEST(CodecString, FromConfigRecords) {
  MediaTrack v = VideoTrack();
  EXPECT_EQ(CodecString(v), "avc1.64001f");
  MediaTrack h;
  h.codec = MediaCodec::kH265;
  // hvcC: version, Main profile (1), compat flags 0x60000000, constraints 0x90..., level 93.
  h.init = {0x01, 0x01, 0x60, 0x00, 0x00, 0x00, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00, 93};
  EXPECT_EQ(CodecString(h), "hvc1.1.6.L93.90");
  MediaTrack he;
  he.video = false;
  he.codec = MediaCodec::kAAC;
  he.init = {0x2b, 0x92, 0x08, 0x00};  // AOT 5 (HE-AAC)
  EXPECT_EQ(CodecString(he), "mp4a.40.5");
  auto asc = ParseAsc(std::vector<uint8_t>{0x12, 0x10});
  EXPECT_EQ(asc.rate, 44100);
  EXPECT_EQ(asc.channels, 2);
}

}  // namespace
}  // namespace haze::cmaf
