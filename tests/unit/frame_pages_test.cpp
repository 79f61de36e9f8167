#include "dtsc/frame_pages.h"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "dtsc/live_buffer.h"

namespace haze::dtsc {
namespace {

std::vector<uint8_t> Bytes(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  std::iota(v.begin(), v.end(), seed);
  return v;
}

TEST(FramePages, SmallFramesShareOnePage) {
  PageWriter pages;
  auto a = Bytes(341, 1), b = Bytes(8667, 2);
  Payload pa = pages.Append(a);
  Payload pb = pages.Append(b);
  ASSERT_TRUE(pa && pb);
  EXPECT_EQ(pa.page.get(), pb.page.get());
  EXPECT_EQ(pb.offset, pa.offset + pa.size);
  EXPECT_EQ(std::vector<uint8_t>(pa.bytes().begin(), pa.bytes().end()), a);
  EXPECT_EQ(std::vector<uint8_t>(pb.bytes().begin(), pb.bytes().end()), b);
  EXPECT_EQ(pages.pages_opened(), 1u);
}

TEST(FramePages, AFullPageOpensANewOneAndBigFramesGetTheirOwn) {
  PageWriter pages;
  Payload first = pages.Append(Bytes(PageWriter::kPageSize - 100, 0));
  Payload next = pages.Append(Bytes(200, 7));  // does not fit in the 100 bytes left
  EXPECT_NE(first.page.get(), next.page.get());
  EXPECT_EQ(next.offset, 0u);
  auto big = Bytes(3 * PageWriter::kPageSize + 5, 9);
  Payload huge = pages.Append(big);
  ASSERT_TRUE(huge);
  EXPECT_EQ(std::vector<uint8_t>(huge.bytes().begin(), huge.bytes().end()), big);
  EXPECT_EQ(pages.pages_opened(), 3u);
}

TEST(FramePages, MakeBufferSharesTheBytesReadOnly) {
  PageWriter pages;
  pages.Append(Bytes(100, 0));
  auto want = Bytes(500, 3);
  Payload p = pages.Append(want);
  MiniRef<GstBuffer> buf = p.MakeBuffer();
  ASSERT_EQ(gst_buffer_n_memory(buf.get()), 1u);
  GstMapInfo map;
  ASSERT_TRUE(gst_buffer_map(buf.get(), &map, GST_MAP_READ));
  EXPECT_EQ(map.data, p.data);  // the page itself, not a copy
  EXPECT_EQ(std::vector<uint8_t>(map.data, map.data + map.size), want);
  gst_buffer_unmap(buf.get(), &map);
  // Nobody writes into the shared page: a writable map gets a copy (copy on write).
  GstBuffer* w = gst_buffer_make_writable(buf.Release());
  ASSERT_TRUE(gst_buffer_map(w, &map, GST_MAP_READWRITE));
  EXPECT_NE(map.data, p.data);
  map.data[0] = 0xff;
  gst_buffer_unmap(w, &map);
  gst_buffer_unref(w);
  EXPECT_EQ(p.data[0], want[0]);
}

TEST(FramePages, BytesOutliveTheWriterWhileReferenced) {
  Payload keep;
  {
    PageWriter pages;
    keep = pages.Append(Bytes(1000, 5));
  }
  auto want = Bytes(1000, 5);
  EXPECT_EQ(std::vector<uint8_t>(keep.bytes().begin(), keep.bytes().end()), want);
  MiniRef<GstBuffer> buf = keep.MakeBuffer();
  keep = {};  // the buffer alone keeps the page
  GstMapInfo map;
  ASSERT_TRUE(gst_buffer_map(buf.get(), &map, GST_MAP_READ));
  EXPECT_EQ(std::vector<uint8_t>(map.data, map.data + map.size), want);
  gst_buffer_unmap(buf.get(), &map);
}

TEST(FramePages, EmptyFramesAreValid) {
  PageWriter pages;
  Payload p = pages.Append(std::span<const uint8_t>());
  ASSERT_TRUE(p);
  EXPECT_EQ(p.size, 0u);
  EXPECT_EQ(gst_buffer_get_size(p.MakeBuffer().get()), 0u);
  Payload c = Payload::Copy({});
  EXPECT_TRUE(c);
  EXPECT_EQ(c.size, 0u);
}

// A frame a reader holds stays intact after the window trimmed it and the writer filled new pages.
TEST(FramePages, TrimmedFramesStayValidForTheirReader) {
  BufferOptions o;
  o.dvr_ms = 1000;
  o.segment_ms = 200;
  auto b = std::make_shared<LiveBuffer>("pages", o);
  GstCaps* caps =
      gst_caps_new_simple("audio/mpeg", "mpegversion", G_TYPE_INT, 1, "layer", G_TYPE_INT, 3,
                          "rate", G_TYPE_INT, 48000, "channels", G_TYPE_INT, 2, nullptr);
  const uint32_t track = *b->AddTrack(caps);
  gst_caps_unref(caps);
  auto first = Bytes(4000, 11);
  ASSERT_TRUE(b->Push(track, first, 0, 0, true));
  auto reader = b->NewReader({.start = 0});
  auto held = reader->Next();
  ASSERT_TRUE(held);
  for (int i = 1; i < 400; ++i)  // 10 s of 40 KB frames: many pages, most trimmed
    ASSERT_TRUE(
        b->Push(track, Bytes(40000, uint8_t(i)), i * 25 * 1000000LL, i * 25 * 1000000LL, true));
  EXPECT_GT(b->Fragments().front().start, 0);
  EXPECT_EQ(std::vector<uint8_t>(held->payload.bytes().begin(), held->payload.bytes().end()),
            first);
}

}  // namespace
}  // namespace haze::dtsc
