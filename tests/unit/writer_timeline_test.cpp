#include "dtsc/writer_timeline.h"

#include <gtest/gtest.h>

namespace haze::dtsc {
namespace {

constexpr int64_t kS = 1000000000;

struct Epoch {
  int64_t value = INT64_MIN;
  int64_t operator()(int64_t proposed) {
    if (value == INT64_MIN) value = proposed;
    return value;
  }
};

TEST(WriterTimeline, FirstWriterStartsAtZero) {
  Epoch epoch;
  WriterTimeline t;
  auto fn = [&](int64_t p) { return epoch(p); };
  EXPECT_EQ(t.ToMedia(5 * kS, 100 * kS, 0, fn), 0);
  EXPECT_EQ(t.ToMedia(6 * kS, 100 * kS, 0, fn), kS);
  EXPECT_EQ(epoch.value, 105 * kS);
}

TEST(WriterTimeline, SecondWriterSharesTheWallClock) {
  Epoch epoch;
  WriterTimeline a, b;
  auto fn = [&](int64_t p) { return epoch(p); };
  a.ToMedia(0, 100 * kS, 0, fn);
  // Another pipeline, started 7 s later (base 107 s), its running time 1 s = clock 108 s.
  EXPECT_EQ(b.ToMedia(1 * kS, 107 * kS, 0, fn), 8 * kS);
}

TEST(WriterTimeline, WithoutAClockTheArrivalAnchors) {
  Epoch epoch;
  WriterTimeline t;
  auto fn = [&](int64_t p) { return epoch(p); };
  EXPECT_EQ(t.ToMedia(2 * kS, -1, 50 * kS, fn), 0);
  EXPECT_EQ(t.ToMedia(3 * kS, -1, 50 * kS, fn), kS);  // "now" only matters for the anchor
}

TEST(WriterTimeline, FloorAfterReset) {
  Epoch epoch;
  WriterTimeline t;
  auto fn = [&](int64_t p) { return epoch(p); };
  t.ToMedia(0, 10 * kS, 0, fn);
  t.ToMedia(4 * kS, 10 * kS, 0, fn);
  t.Reset();
  t.SetFloor(4 * kS + 1);
  EXPECT_EQ(t.ToMedia(0, 10 * kS, 0, fn), 4 * kS + 1);  // a flush restarted running time
  EXPECT_EQ(t.ToMedia(kS, 10 * kS, 0, fn), 5 * kS + 1);
}

}  // namespace
}  // namespace haze::dtsc
