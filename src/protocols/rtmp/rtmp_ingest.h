// RtmpIngest: turns a publisher's FLV audio/video/data messages into tracks and frames of the
// stream's LiveBuffer (canonical caps, media timestamps from 0 or after the buffer's newest
// frame on a resumed publish, 32-bit roll-over, composition offsets). No GStreamer pipeline.
// Thread: the main context (the publishing connection's). Owns the PublishSession.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/gst_ref.h"
#include "base/result.h"
#include "core/stream_host.h"
#include "protocols/rtmp/amf0.h"
#include "protocols/rtmp/chunk.h"
#include "protocols/rtmp/flv_tags.h"

namespace haze::rtmp {

// Canonical LiveBuffer caps for a codec configuration (config may be empty for MP3/VP9).
MiniRef<GstCaps> MakeCaps(flv::Codec codec, std::string_view config, int width, int height,
                          int rate, int channels);

class RtmpIngest {
 public:
  explicit RtmpIngest(std::unique_ptr<core::PublishSession> session);
  ~RtmpIngest();  // ends the publish: WriterGone on the buffer, then the session ends

  const std::string& stream() const { return session_->stream(); }
  // Audio (8) or video (9) message; the payload is taken (wrapped without a copy).
  Status OnMedia(Message& message);
  // onMetaData (from @setDataFrame or sent bare): width/height for the video caps.
  void OnMetaData(const amf0::Value& meta);
  uint64_t frames() const { return frames_; }

 private:
  struct Track {
    std::optional<uint32_t> id;
    flv::Codec codec = flv::Codec::kUnknown;
    std::string config;
    int rate = 0, channels = 0;
  };
  Status OnConfig(Track* track, const flv::Tag& tag);
  Status EnsureTrack(Track* track, const flv::Tag& tag);
  int64_t MediaTime(uint32_t rtmp_ts);

  std::unique_ptr<core::PublishSession> session_;
  std::shared_ptr<dtsc::LiveBuffer> buffer_;
  Track video_, audio_;
  int width_ = 0, height_ = 0;
  TimestampUnwrapper unwrap_;
  std::optional<int64_t> base_ms_;
  int64_t offset_ns_ = 0;  // media time of the first frame (after the old data on resume)
  uint64_t frames_ = 0;
};

}  // namespace haze::rtmp
