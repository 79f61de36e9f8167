// Test fixture: real encoded media (x264 H.264 avc + AAC raw from GStreamer encoders via
// appsink) and a FragmentSource that fragments it the way the DTSC buffer does (a fragment
// starts at a video keyframe once segment_ms passed). Header-only, tests and benchmarks only.
#pragma once

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include "protocols/cmaf/fragment_source.h"

namespace haze::testing {

struct EncodedFrame {
  uint32_t track = 0;
  MiniRef<GstBuffer> buffer;
  int64_t dts = 0, pts = 0;
  bool keyframe = false;
};

struct EncodedMedia {
  std::vector<dtsc::TrackInfo> tracks;  // 0 = video, 1 = audio
  std::vector<EncodedFrame> frames;     // by dts
};

inline MiniRef<GstBuffer> CodecData(GstCaps* caps) {
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  const GValue* v = gst_structure_get_value(s, "codec_data");
  return v ? MiniRef<GstBuffer>::Borrow(gst_value_get_buffer(v)) : MiniRef<GstBuffer>();
}

// Runs |launch| (ending in "appsink name=sink") to EOS and appends its samples as |track|.
inline void Collect(const std::string& launch, uint32_t track, EncodedMedia& media) {
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(launch.c_str(), &error);
  if (!pipeline) {
    g_printerr("%s\n", error ? error->message : "parse failed");
    g_clear_error(&error);
    return;
  }
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  g_object_set(sink, "sync", FALSE, "emit-signals", FALSE, nullptr);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  while (GstSample* sample = gst_app_sink_pull_sample(GST_APP_SINK(sink))) {
    GstBuffer* b = gst_sample_get_buffer(sample);
    if (media.tracks[track].init.get() == nullptr) {
      media.tracks[track].init = CodecData(gst_sample_get_caps(sample));
      media.tracks[track].caps = MiniRef<GstCaps>::Borrow(gst_sample_get_caps(sample));
    }
    EncodedFrame f;
    f.track = track;
    f.buffer = MiniRef<GstBuffer>::Borrow(b);
    f.pts = static_cast<int64_t>(GST_BUFFER_PTS(b));
    f.dts = GST_BUFFER_DTS_IS_VALID(b) ? static_cast<int64_t>(GST_BUFFER_DTS(b)) : f.pts;
    f.keyframe = !GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT);
    media.frames.push_back(std::move(f));
    gst_sample_unref(sample);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
}

// |seconds| of 320x180p25 H.264 (1 s GOP, B-frames, |kbps|) + 48 kHz stereo AAC; with |hevc|,
// H.265 (hvc1) instead of H.264.
inline EncodedMedia EncodeTestMedia(int seconds, int width = 320, int height = 180,
                                    int kbps = 400, const char* pattern = "smpte",
                                    bool hevc = false) {
  gst_init(nullptr, nullptr);
  EncodedMedia media;
  media.tracks.resize(2);
  auto& v = media.tracks[0];
  v.id = 0;
  v.kind = dtsc::TrackKind::kVideo;
  v.codec = hevc ? dtsc::Codec::kH265 : dtsc::Codec::kH264;
  v.width = width;
  v.height = height;
  v.fps_n = 25;
  auto& a = media.tracks[1];
  a.id = 1;
  a.kind = dtsc::TrackKind::kAudio;
  a.codec = dtsc::Codec::kAAC;
  a.rate = 48000;
  a.channels = 2;
  std::string encoder =
      hevc ? "x265enc key-int-max=25 speed-preset=ultrafast bitrate=" + std::to_string(kbps) +
                 " ! h265parse ! video/x-h265,stream-format=hvc1,alignment=au"
           : "x264enc key-int-max=25 speed-preset=ultrafast bframes=2 bitrate=" +
                 std::to_string(kbps) +
                 " ! video/x-h264,profile=main ! h264parse ! "
                 "video/x-h264,stream-format=avc,alignment=au";
  Collect(std::string("videotestsrc pattern=") + pattern + " num-buffers=" +
              std::to_string(seconds * 25) + " ! video/x-raw,format=I420,width=" +
              std::to_string(width) + ",height=" + std::to_string(height) +
              ",framerate=25/1 ! " + encoder + " ! appsink name=sink",
          0, media);
  Collect("audiotestsrc num-buffers=" + std::to_string(seconds * 48000 / 1024) +
              " samplesperbuffer=1024 ! audio/x-raw,rate=48000,channels=2 ! avenc_aac ! "
              "aacparse ! audio/mpeg,stream-format=raw ! appsink name=sink",
          1, media);
  // Each encoder has its own origin (x264enc starts at 1000 h): media time 0 = first frame.
  int64_t origin[2] = {INT64_MAX, INT64_MAX};
  for (const auto& f : media.frames) origin[f.track] = std::min(origin[f.track], f.dts);
  for (auto& f : media.frames) {
    f.dts -= origin[f.track];
    f.pts -= origin[f.track];
  }
  std::stable_sort(media.frames.begin(), media.frames.end(),
                   [](const auto& x, const auto& y) { return x.dts < y.dts; });
  return media;
}

// A FragmentSource fed frame by frame. Thread: Push from any thread; readers from any.
class FakeSource : public cmaf::FragmentSource {
 public:
  FakeSource(std::vector<dtsc::TrackInfo> tracks, dtsc::BufferOptions options = {})
      : tracks_(std::move(tracks)), options_(options) {
    stats_.unix_offset_ms = g_get_real_time() / 1000;
  }

  void Push(const EncodedFrame& f) {
    std::vector<std::function<void()>> listeners;
    {
      std::lock_guard lock(mutex_);
      dtsc::Frame frame{dtsc::Payload::CopyBuffer(f.buffer.get()), f.track, f.dts, f.pts, dtsc::kNone, f.keyframe, false, seq_++};
      bool has_video = std::any_of(tracks_.begin(), tracks_.end(), [](const auto& t) {
        return t.kind == dtsc::TrackKind::kVideo;
      });
      bool video_key = f.keyframe && (tracks_[f.track].kind == dtsc::TrackKind::kVideo || !has_video);
      if (fragments_.empty() || (video_key && (discont_ || f.dts - fragments_.back().start >=
                                                                 options_.segment_ms * 1000000))) {
        if (!fragments_.empty()) {
          auto& last = fragments_.back();
          last.complete = true;
          last.end_seq = frame.seq;
          last.duration = f.dts - last.start;
        }
        dtsc::Fragment next;
        next.number = fragments_.empty() ? first_number_ : fragments_.back().number + 1;
        next.first_seq = frame.seq;
        next.start = f.dts;
        next.discont = discont_;
        discont_ = false;
        fragments_.push_back(next);
      }
      frames_.push_back(std::move(frame));
      listeners = Listeners();
    }
    for (auto& l : listeners) l();
  }
  // Completes the last fragment and marks the stream ended (a whole VoD file).
  void Finish(int64_t end_dts) {
    std::vector<std::function<void()>> listeners;
    {
      std::lock_guard lock(mutex_);
      if (!fragments_.empty()) {
        fragments_.back().complete = true;
        fragments_.back().end_seq = seq_;
        fragments_.back().duration = end_dts - fragments_.back().start;
      }
      stats_.eos = true;
      listeners = Listeners();
    }
    for (auto& l : listeners) l();
  }
  // Drops fragments older than the newest |keep| (DVR trimming).
  void Trim(size_t keep) {
    std::lock_guard lock(mutex_);
    while (fragments_.size() > keep) fragments_.erase(fragments_.begin());
  }
  void set_first_number(uint64_t n) { first_number_ = n; }
  // A publisher reconnect: the next video keyframe starts a fragment marked discont.
  void MarkDiscont() {
    std::lock_guard lock(mutex_);
    discont_ = true;
  }

  std::vector<dtsc::TrackInfo> Tracks() const override { return tracks_; }
  std::vector<dtsc::Fragment> Fragments() const override {
    std::lock_guard lock(mutex_);
    return fragments_;
  }
  std::vector<dtsc::Frame> FragmentFrames(uint64_t number, uint32_t track) const override {
    std::lock_guard lock(mutex_);
    std::vector<dtsc::Frame> out;
    for (const auto& f : fragments_) {
      if (f.number != number) continue;
      uint64_t end = f.complete ? f.end_seq : seq_;
      for (const auto& fr : frames_)
        if (fr.seq >= f.first_seq && fr.seq < end && fr.track == track) out.push_back(fr);
    }
    return out;
  }
  dtsc::BufferStats Stats() const override {
    std::lock_guard lock(mutex_);
    return stats_;
  }
  dtsc::BufferOptions Options() const override { return options_; }
  uint64_t AddListener(std::function<void()> l) override {
    std::lock_guard lock(mutex_);
    listeners_.emplace_back(++next_id_, std::move(l));
    return next_id_;
  }
  void RemoveListener(uint64_t id) override {
    std::lock_guard lock(mutex_);
    std::erase_if(listeners_, [id](const auto& p) { return p.first == id; });
  }

 private:
  std::vector<std::function<void()>> Listeners() {
    std::vector<std::function<void()>> out;
    for (const auto& [id, l] : listeners_) out.push_back(l);
    return out;
  }
  mutable std::mutex mutex_;
  std::vector<dtsc::TrackInfo> tracks_;
  dtsc::BufferOptions options_;
  dtsc::BufferStats stats_;
  std::vector<dtsc::Fragment> fragments_;
  std::vector<dtsc::Frame> frames_;
  uint64_t seq_ = 0;
  uint64_t first_number_ = 0;
  uint64_t next_id_ = 0;
  bool discont_ = false;
  std::vector<std::pair<uint64_t, std::function<void()>>> listeners_;
};

}  // namespace haze::testing
