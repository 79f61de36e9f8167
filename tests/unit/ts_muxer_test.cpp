#include "protocols/ts/ts_muxer.h"

#include <gtest/gtest.h>

#include <map>

namespace haze::ts {
namespace {

using cmaf::MediaCodec;
using cmaf::MediaTrack;
using cmaf::Sample;

const std::vector<uint8_t> kAvcC = {0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x04, 0x67,
                                    0x64, 0x00, 0x1f, 0x01, 0x00, 0x02, 0x68, 0xee};

std::vector<MediaTrack> Tracks() {
  MediaTrack v;
  v.codec = MediaCodec::kH264;
  v.init = kAvcC;
  MediaTrack a;
  a.video = false;
  a.codec = MediaCodec::kAAC;
  a.init = {0x11, 0x90};
  a.rate = 48000;
  a.channels = 2;
  return {v, a};
}

struct Packet {
  uint16_t pid;
  bool pusi;
  uint8_t cc;
  bool has_payload;
  bool pcr;
  bool random_access;
  std::vector<uint8_t> payload;
};

std::vector<Packet> Split(const std::vector<uint8_t>& ts) {
  std::vector<Packet> out;
  EXPECT_EQ(ts.size() % 188, 0u);
  for (size_t at = 0; at + 188 <= ts.size(); at += 188) {
    const uint8_t* p = ts.data() + at;
    EXPECT_EQ(p[0], 0x47);
    Packet k{static_cast<uint16_t>(((p[1] & 0x1f) << 8) | p[2]), (p[1] & 0x40) != 0,
             static_cast<uint8_t>(p[3] & 0x0f), (p[3] & 0x10) != 0, false, false, {}};
    size_t start = 4;
    if (p[3] & 0x20) {
      if (p[4] > 0) {
        k.pcr = (p[5] & 0x10) != 0;
        k.random_access = (p[5] & 0x40) != 0;
      }
      start += 1 + p[4];
    }
    EXPECT_LE(start, 188u);
    k.payload.assign(p + start, p + 188);
    out.push_back(std::move(k));
  }
  return out;
}

std::vector<uint8_t> Frame(std::initializer_list<std::vector<uint8_t>> nals) {
  std::vector<uint8_t> out;
  for (const auto& n : nals) {
    uint32_t len = static_cast<uint32_t>(n.size());
    out.insert(out.end(), {uint8_t(len >> 24), uint8_t(len >> 16), uint8_t(len >> 8), uint8_t(len)});
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}

TEST(TsMuxer, Crc32MatchesKnownValue) {
  // The PAT of a single-program stream with PMT PID 0x1000, as common muxers write it.
  std::vector<uint8_t> pat = {0x00, 0xb0, 0x0d, 0x00, 0x01, 0xc1, 0x00, 0x00, 0x00, 0x01, 0xf0, 0x00};
  EXPECT_EQ(Crc32Mpeg(pat), 0x2ab104b2u);
}

TEST(TsMuxer, SegmentsHavePsiPesAndContinuousCounters) {
  TsMuxer mux(Tracks());
  auto idr = Frame({{0x65, 0x88, 0x84}, std::vector<uint8_t>(600, 0x11)});
  auto p = Frame({{0x41, 0x9a}, std::vector<uint8_t>(300, 0x22)});
  std::vector<uint8_t> aac(200, 0x33);
  std::map<uint16_t, int> last_cc;
  std::map<uint16_t, int> pes_starts;
  for (int seg = 0; seg < 3; ++seg) {
    std::vector<TsSample> in;
    int64_t base = seg * 1000000000LL;
    for (int i = 0; i < 25; ++i) {
      int64_t t = base + i * 40000000LL;
      in.push_back({0, Sample{i == 0 ? idr : p, t, t, i == 0}});
    }
    for (int i = 0; i < 46; ++i) {
      int64_t t = base + i * 21333333LL;
      in.push_back({1, Sample{aac, t, t, true}});
    }
    auto packets = Split(mux.WriteSegment(in));
    ASSERT_GE(packets.size(), 3u);
    EXPECT_EQ(packets[0].pid, 0);
    EXPECT_EQ(packets[1].pid, kPmtPid);
    EXPECT_EQ(packets[2].pid, kFirstEsPid);  // video first at the same dts
    EXPECT_TRUE(packets[2].pcr);
    EXPECT_TRUE(packets[2].random_access);
    for (const auto& k : packets) {
      if (last_cc.count(k.pid)) {
        EXPECT_EQ(k.cc, (last_cc[k.pid] + 1) & 0x0f) << "pid " << k.pid;
      }
      last_cc[k.pid] = k.cc;
      if (k.pusi && k.pid >= kFirstEsPid && k.pid < kPmtPid) {
        ++pes_starts[k.pid];
        ASSERT_GE(k.payload.size(), 14u);
        EXPECT_EQ(k.payload[0], 0);
        EXPECT_EQ(k.payload[2], 1);
        EXPECT_EQ(k.payload[3], k.pid == kFirstEsPid ? 0xe0 : 0xc0);
        if (k.pid == kFirstEsPid + 1) {
          EXPECT_EQ(k.payload[9 + 5], 0xff);  // ADTS sync right after the header
          EXPECT_EQ(k.payload[9 + 5 + 1], 0xf1);
        }
      }
    }
    // PMT: two elementary streams, PCR on video.
    const auto& pmt = packets[1].payload;
    EXPECT_EQ(pmt[1], 0x02);
    EXPECT_EQ(((pmt[9] & 0x1f) << 8) | pmt[10], kFirstEsPid);
    EXPECT_EQ(pmt[13], 0x1b);
    EXPECT_EQ(pmt[18], 0x0f);
    size_t section_len = ((pmt[2] & 0x0f) << 8) | pmt[3];
    std::vector<uint8_t> section(pmt.begin() + 1, pmt.begin() + 1 + 3 + section_len);
    EXPECT_EQ(Crc32Mpeg(section), 0u);  // CRC over section incl. CRC is 0
  }
  EXPECT_EQ(pes_starts[kFirstEsPid], 75);
  EXPECT_EQ(pes_starts[kFirstEsPid + 1], 3 * 8);  // 46 frames in PES of up to 6
}

TEST(TsMuxer, KeyframesGetAudAndParameterSetsInAnnexB) {
  TsMuxer mux(Tracks());
  auto idr = Frame({{0x09, 0xf0}, {0x65, 0x88}});
  std::vector<TsSample> in = {{0, Sample{idr, 0, 0, true}}};
  auto packets = Split(mux.WriteSegment(in));
  ASSERT_EQ(packets.size(), 3u);
  const auto& pes = packets[2].payload;
  size_t es = 9 + pes[8];
  std::vector<uint8_t> got(pes.begin() + es, pes.end());
  std::vector<uint8_t> want = {0, 0, 0, 1, 0x09, 0xf0, 0, 0, 0, 1, 0x67, 0x64, 0x00, 0x1f,
                               0, 0, 0, 1, 0x68, 0xee, 0, 0, 0, 1, 0x65, 0x88};
  EXPECT_EQ(got, want);  // the frame's own AUD is dropped, the last packet is stuffed
}

TEST(TsMuxer, OpusIsNotCarried) {
  MediaTrack o;
  o.video = false;
  o.codec = MediaCodec::kOpus;
  TsMuxer mux({o});
  EXPECT_FALSE(mux.Carries(0));
}

}  // namespace
}  // namespace haze::ts
