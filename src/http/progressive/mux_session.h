// MuxSession: one muxing pipeline per (stream, format, track selection), shared by every viewer
// of that combination: `source ! queue ! parser ! muxer ! appsink`, whose output fills a
// ChunkRing (header + chunks with sync points). The pipeline never waits for viewers.
// Thread: created, fed and stopped on the main GMainContext; appsink samples are marshalled
// there from the streaming thread. Owned by ProgressiveEndpoint.
#pragma once

#include <gst/gst.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/gst_ref.h"
#include "base/result.h"
#include "http/progressive/chunk_ring.h"

namespace haze::http {

struct MuxOptions {
  std::string stream;
  MuxFormat format = MuxFormat::kFlv;
  std::string audio;  // MistServer selectors: "" (first track), "none"/"-1", "all"/"*", or ids
  std::string video;
  int64_t start_ms = -1;  // VoD/DVR range (private sessions only)
  int64_t stop_ms = -1;
  std::string Key() const;
};

// Makes the element that reads |stream| (transfer full, floating ok): a dtscsrc by default;
// tests pass a test-pattern bin. Its src pads (always or sometimes) carry one track each.
using SourceFactory = std::function<GstElement*(const MuxOptions& options)>;
GstElement* MakeDtscSource(const MuxOptions& options);

const char* FormatExtension(MuxFormat format);  // "flv", "ts", ...
const char* FormatMime(MuxFormat format);       // "video/x-flv", ...

class MuxSession {
 public:
  using DataFn = std::function<void()>;
  using EndFn = std::function<void(const std::string& reason)>;

  MuxSession(MuxOptions options, SourceFactory factory, GMainContext* context);
  ~MuxSession();
  MuxSession(const MuxSession&) = delete;
  MuxSession& operator=(const MuxSession&) = delete;

  Status Start(DataFn on_data, EndFn on_end);
  void Stop();
  const MuxOptions& options() const { return options_; }
  ChunkRing& ring() { return ring_; }

 private:
  struct Shared;
  static void OnPadAdded(GstElement* src, GstPad* pad, gpointer self) noexcept;
  void LinkTrack(GstPad* pad);
  bool Wanted(bool video, const std::string& pad_name);
  void Drain();
  static gboolean OnBus(GstBus*, GstMessage* msg, gpointer self) noexcept;

  MuxOptions options_;
  SourceFactory factory_;
  GMainContext* context_;
  GstRef<GstElement> pipeline_;
  GstElement* mux_ = nullptr;  // owned by the pipeline
  ChunkRing ring_;
  std::shared_ptr<Shared> shared_;
  GSource* bus_watch_ = nullptr;
  DataFn on_data_;
  EndFn on_end_;
  std::mutex link_mutex_;  // pad-added runs on a streaming thread
  int linked_video_ = 0, linked_audio_ = 0, mux_pads_ = 0;
  bool has_video_ = false;
  uint32_t video_track_id_ = 1;
};

}  // namespace haze::http
