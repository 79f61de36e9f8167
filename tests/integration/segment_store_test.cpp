// SegmentStore fed with real x264/AAC frames: TS and CMAF output checked by walking it and by
// ffprobe, LL-HLS parts, eviction.
#include "protocols/cmaf/segment_store.h"

#include <gtest/gtest.h>

#include <glib/gstdio.h>

#include <fstream>
#include <map>

#include "../support/media_fixture.h"
#include "../unit/box_walk.h"
#include "base/log.h"
#include "protocols/ts/ts_muxer.h"

namespace haze::cmaf {
namespace {

using testing::EncodedMedia;
using testing::FakeSource;

const EncodedMedia& Media() {
  static EncodedMedia media = testing::EncodeTestMedia(12);
  return media;
}

std::string WriteTemp(const std::string& name, const std::vector<uint8_t>& bytes) {
  std::string path = std::string(g_get_tmp_dir()) + "/haze-hls-" + std::to_string(getpid()) + "-" + name;
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
  return path;
}

// ffprobe's decoded frame count per stream ("h264=300,aac=562").
std::string FrameCounts(const std::string& path) {
  const char* argv[] = {"ffprobe", "-v", "error", "-count_frames", "-show_entries",
                        "stream=codec_name,nb_read_frames", "-of", "csv=p=0", path.c_str(),
                        nullptr};
  gchar* out = nullptr;
  gchar* err = nullptr;
  gint status = 0;
  if (!g_spawn_sync(nullptr, const_cast<gchar**>(argv), nullptr, G_SPAWN_SEARCH_PATH, nullptr,
                    nullptr, &out, &err, &status, nullptr))
    return "spawn failed";
  std::string text = out ? out : "";
  if (err && *err) ADD_FAILURE() << "ffprobe stderr: " << err;
  g_free(out);
  g_free(err);
  for (char& c : text)
    if (c == '\n') c = ';';
  return text;
}

size_t CountFrames(uint32_t track) {
  size_t n = 0;
  for (const auto& f : Media().frames) n += f.track == track;
  return n;
}

std::string Expected(uint32_t track) {
  return (track == 0 ? "h264," : "aac,") + std::to_string(CountFrames(track)) + ";";
}

void Append(std::vector<uint8_t>& out, const BytesRef& b) {
  out.insert(out.end(), b.data(), b.data() + b.size());
}

std::unique_ptr<SegmentStore> FilledStore(std::shared_ptr<FakeSource>& source, bool ts,
                                          bool cmaf) {
  source = std::make_shared<FakeSource>(Media().tracks);
  auto store = std::make_unique<SegmentStore>("test", source);
  if (ts) store->EnableTs();
  if (cmaf) store->EnableCmaf();
  for (const auto& f : Media().frames) source->Push(f);
  source->Finish(Media().frames.back().dts + 40000000);
  store->Update();
  while (g_main_context_iteration(nullptr, FALSE)) {
  }
  return store;
}

TEST(SegmentStore, TsSegmentsAreContinuousAndDecode) {
  std::shared_ptr<FakeSource> source;
  auto store = FilledStore(source, true, false);
  ASSERT_EQ(store->ts_variants().size(), 1u);
  const TsVariant& v = store->ts_variants()[0];
  EXPECT_EQ(v.key, "0_1");
  ASSERT_EQ(v.segments.size(), 6u);
  EXPECT_EQ(v.segments[0].name, "0_2000.ts");
  EXPECT_EQ(v.segments[1].name, "2000_4000.ts");
  std::vector<uint8_t> all;
  for (const auto& s : v.segments) Append(all, s.data.bytes);
  ASSERT_EQ(all.size() % 188, 0u);
  std::map<int, int> cc;
  int errors = 0;
  for (size_t at = 0; at < all.size(); at += 188) {
    ASSERT_EQ(all[at], 0x47);
    int pid = ((all[at + 1] & 0x1f) << 8) | all[at + 2];
    int c = all[at + 3] & 0x0f;
    if (cc.count(pid) && c != ((cc[pid] + 1) & 0x0f)) ++errors;
    cc[pid] = c;
  }
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(cc.size(), 4u);  // PAT, PMT, video, audio
  std::string path = WriteTemp("all.ts", all);
  std::string counts = FrameCounts(path);
  // (TS output lists each stream under its program as well.)
  EXPECT_EQ(counts.substr(0, counts.find(";;") + 1), Expected(0) + Expected(1)) << counts;
  // A single segment also decodes alone (PAT/PMT + SPS/PPS at its start).
  std::vector<uint8_t> one;
  Append(one, v.segments[3].data.bytes);
  std::string one_path = WriteTemp("one.ts", one);
  std::string one_counts = FrameCounts(one_path);
  EXPECT_EQ(one_counts.substr(0, 9), "h264,50;a") << one_counts;
  g_unlink(path.c_str());
  g_unlink(one_path.c_str());
}

TEST(SegmentStore, CmafTracksDecodeAndTimelineIsContiguous) {
  std::shared_ptr<FakeSource> source;
  auto store = FilledStore(source, false, true);
  ASSERT_EQ(store->cmaf_tracks().size(), 2u);
  for (const CmafTrack& t : store->cmaf_tracks()) {
    ASSERT_EQ(t.segments.size(), 6u) << t.id;
    std::vector<uint8_t> file;
    Append(file, t.init.bytes);
    for (size_t i = 0; i < t.segments.size(); ++i) {
      const CmafSegment& s = t.segments[i];
      ASSERT_TRUE(s.complete);
      Append(file, s.full.bytes);
      if (i + 1 < t.segments.size()) {
        EXPECT_EQ(s.base_ts + s.duration_ts, t.segments[i + 1].base_ts) << t.id << " seg " << i;
      }
      std::vector<testing::Box> boxes;
      ASSERT_TRUE(testing::ParseBoxes({s.full.bytes.data(), s.full.bytes.size()}, boxes));
      EXPECT_EQ(boxes.size() % 2, 0u);  // moof+mdat per part
      EXPECT_GE(boxes.size(), 8u);
      auto tfdt = testing::FindIn(boxes, "moof/traf/tfdt")->payload;
      EXPECT_EQ(testing::Be32(tfdt.data() + 8), static_cast<uint32_t>(s.base_ts));
    }
    std::string path = WriteTemp("track" + std::to_string(t.id) + ".mp4", file);
    std::string counts = FrameCounts(path);
    EXPECT_EQ(counts, Expected(t.id)) << counts;
    g_unlink(path.c_str());
  }
  EXPECT_EQ(store->cmaf_tracks()[0].codecs.substr(0, 5), "avc1.");
  EXPECT_EQ(store->cmaf_tracks()[1].codecs, "mp4a.40.2");
}

TEST(SegmentStore, PartsAreShortAndSegmentsStartIndependent) {
  std::shared_ptr<FakeSource> source;
  auto store = FilledStore(source, false, true);
  const CmafTrack& video = store->cmaf_tracks()[0];
  // Parts are kept for the newest segments only.
  size_t with_parts = 0;
  for (const auto& s : video.segments) {
    if (s.parts.empty()) continue;
    ++with_parts;
    EXPECT_TRUE(s.parts.front().independent);
    EXPECT_GE(s.parts.size(), 4u);
    int64_t sum = 0;
    for (const auto& p : s.parts) {
      EXPECT_LE(p.duration_ns, 500000000);
      sum += p.duration_ns;
    }
    EXPECT_EQ(sum, s.duration_ns);
  }
  EXPECT_EQ(with_parts, 4u);
}

TEST(SegmentStore, EvictsWithTheWindowAndProducesOnlyOnce) {
  auto source = std::make_shared<FakeSource>(Media().tracks);
  SegmentStore store("test", source);
  store.EnableTs();
  store.EnableCmaf();
  size_t half = Media().frames.size() / 2;
  for (size_t i = 0; i < half; ++i) source->Push(Media().frames[i]);
  store.Update();
  uint64_t produced = store.bytes_produced();
  store.Update();  // nothing new: nothing produced again
  EXPECT_EQ(store.bytes_produced(), produced);
  source->Trim(1);
  for (size_t i = half; i < Media().frames.size(); ++i) source->Push(Media().frames[i]);
  store.Update();
  uint64_t oldest = source->Fragments().front().number;
  for (const auto& s : store.ts_variants()[0].segments) EXPECT_GE(s.number, oldest);
  for (const auto& s : store.cmaf_tracks()[0].segments) EXPECT_GE(s.number, oldest);
  EXPECT_GT(store.bytes_produced(), produced);
}

TEST(SegmentStore, HevcInTsAndCmafDecodes) {
  EncodedMedia media = testing::EncodeTestMedia(4, 320, 180, 300, "smpte", true);
  auto source = std::make_shared<FakeSource>(media.tracks);
  SegmentStore store("hevc", source);
  store.EnableTs();
  store.EnableCmaf();
  for (const auto& f : media.frames) source->Push(f);
  source->Finish(media.frames.back().dts + 40000000);
  store.Update();
  ASSERT_EQ(store.ts_variants().size(), 1u);
  std::vector<uint8_t> ts;
  for (const auto& s : store.ts_variants()[0].segments) Append(ts, s.data.bytes);
  std::string path = WriteTemp("hevc.ts", ts);
  std::string counts = FrameCounts(path);
  EXPECT_EQ(counts.substr(0, 9), "hevc,100;") << counts;
  g_unlink(path.c_str());
  const CmafTrack* video = store.FindCmafTrack(0);
  ASSERT_NE(video, nullptr);
  EXPECT_EQ(video->codecs.substr(0, 7), "hvc1.1.");
  std::vector<uint8_t> mp4;
  Append(mp4, video->init.bytes);
  for (const auto& s : video->segments) Append(mp4, s.full.bytes);
  path = WriteTemp("hevc.mp4", mp4);
  EXPECT_EQ(FrameCounts(path), "hevc,100;");
  g_unlink(path.c_str());
}

TEST(SegmentStore, AudioOnlyStream) {
  std::vector<dtsc::TrackInfo> tracks = {Media().tracks[1]};
  tracks[0].id = 0;
  auto source = std::make_shared<FakeSource>(tracks);
  SegmentStore store("radio", source);
  store.EnableTs();
  store.EnableCmaf();
  for (const auto& f : Media().frames) {
    if (f.track != 1) continue;
    testing::EncodedFrame copy = f;
    copy.track = 0;
    source->Push(copy);
  }
  source->Finish(Media().frames.back().dts + 21333333);
  store.Update();
  ASSERT_EQ(store.ts_variants().size(), 1u);
  EXPECT_EQ(store.ts_variants()[0].key, "0");
  EXPECT_GE(store.ts_variants()[0].segments.size(), 5u);
  std::vector<uint8_t> ts;
  for (const auto& s : store.ts_variants()[0].segments) Append(ts, s.data.bytes);
  std::string path = WriteTemp("radio.ts", ts);
  std::string counts = FrameCounts(path);
  EXPECT_EQ(counts.substr(0, counts.find(";;") + 1), "aac," + std::to_string(CountFrames(1)) + ";") << counts;
  g_unlink(path.c_str());
}

}  // namespace
}  // namespace haze::cmaf
