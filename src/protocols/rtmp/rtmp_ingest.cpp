#include "protocols/rtmp/rtmp_ingest.h"

#include "base/log.h"

#define GST_CAT_DEFAULT haze_rtmp_debug

namespace haze::rtmp {

namespace {

constexpr int64_t kMs = 1000000;
constexpr int64_t kResumeGapNs = 40 * kMs;  // spacing between the old and the resumed data

void SetCodecData(GstCaps* caps, std::string_view config) {
  if (config.empty()) return;
  GstBuffer* buf = gst_buffer_new_memdup(config.data(), config.size());
  gst_caps_set_simple(caps, "codec_data", GST_TYPE_BUFFER, buf, nullptr);
  gst_buffer_unref(buf);
}

}  // namespace

MiniRef<GstCaps> MakeCaps(flv::Codec codec, std::string_view config, int width, int height,
                          int rate, int channels) {
  GstCaps* caps = nullptr;
  switch (codec) {
    case flv::Codec::kH264:
      caps = gst_caps_new_simple("video/x-h264", "stream-format", G_TYPE_STRING, "avc",
                                 "alignment", G_TYPE_STRING, "au", nullptr);
      break;
    case flv::Codec::kH265:
      caps = gst_caps_new_simple("video/x-h265", "stream-format", G_TYPE_STRING, "hvc1",
                                 "alignment", G_TYPE_STRING, "au", nullptr);
      break;
    case flv::Codec::kAV1:
      caps = gst_caps_new_simple("video/x-av1", "stream-format", G_TYPE_STRING, "obu-stream",
                                 "alignment", G_TYPE_STRING, "tu", nullptr);
      break;
    case flv::Codec::kVP9:
      caps = gst_caps_new_empty_simple("video/x-vp9");
      config = {};
      break;
    case flv::Codec::kAAC:
      caps = gst_caps_new_simple("audio/mpeg", "mpegversion", G_TYPE_INT, 4, "stream-format",
                                 G_TYPE_STRING, "raw", nullptr);
      break;
    case flv::Codec::kMP3:
      caps = gst_caps_new_simple("audio/mpeg", "mpegversion", G_TYPE_INT, 1, "layer", G_TYPE_INT,
                                 3, nullptr);
      break;
    case flv::Codec::kUnknown:
      return {};
  }
  SetCodecData(caps, config);
  if (width > 0 && height > 0)
    gst_caps_set_simple(caps, "width", G_TYPE_INT, width, "height", G_TYPE_INT, height, nullptr);
  if (rate > 0) gst_caps_set_simple(caps, "rate", G_TYPE_INT, rate, nullptr);
  if (channels > 0) gst_caps_set_simple(caps, "channels", G_TYPE_INT, channels, nullptr);
  return MiniRef<GstCaps>::Adopt(caps);
}

RtmpIngest::RtmpIngest(std::unique_ptr<core::PublishSession> session)
    : session_(std::move(session)), buffer_(session_->buffer()) {
  // Resume: the buffer still holds the previous publish; continue after its newest frame.
  int64_t newest = dtsc::kNone;
  for (const auto& t : buffer_->Tracks()) {
    if (t.last_ts != dtsc::kNone && t.last_ts > newest) newest = t.last_ts;
    Track& mine = t.kind == dtsc::TrackKind::kVideo ? video_ : audio_;
    if ((t.kind == dtsc::TrackKind::kVideo || t.kind == dtsc::TrackKind::kAudio) && !mine.id)
      mine.id = t.id;
  }
  if (newest != dtsc::kNone) offset_ns_ = newest + kResumeGapNs;
  // This publish is a writer of the buffer for its lifetime; on a resumed buffer the next
  // frame is marked discont.
  buffer_->WriterBack();
}

RtmpIngest::~RtmpIngest() {
  // With resume, readers wait for a reconnect; without, the buffer ends.
  buffer_->WriterGone();
}

void RtmpIngest::OnMetaData(const amf0::Value& meta) {
  width_ = int(meta.GetNumber("width", width_));
  height_ = int(meta.GetNumber("height", height_));
}

int64_t RtmpIngest::MediaTime(uint32_t rtmp_ts) {
  int64_t ms = unwrap_.Unwrap(rtmp_ts);
  if (!base_ms_) base_ms_ = ms;
  int64_t rel = std::max<int64_t>(0, ms - *base_ms_);
  return offset_ns_ + rel * kMs;
}

Status RtmpIngest::OnConfig(Track* track, const flv::Tag& tag) {
  if (track->codec == tag.codec && track->config == tag.data && track->id) return OkStatus();
  track->codec = tag.codec;
  track->config.assign(tag.data);
  if (tag.codec == flv::Codec::kAAC) {
    auto asc = flv::ParseAudioSpecificConfig(tag.data);
    if (!asc) return asc.error();
    track->rate = asc->rate;
    track->channels = asc->channels;
  }
  return EnsureTrack(track, tag);
}

Status RtmpIngest::EnsureTrack(Track* track, const flv::Tag& tag) {
  auto caps = MakeCaps(track->codec, track->config, tag.video ? width_ : 0,
                       tag.video ? height_ : 0, track->rate, track->channels);
  if (!caps) return Error{ErrorCode::kInvalidArgument, "rtmp: unsupported codec"};
  if (track->id) {
    buffer_->UpdateCaps(*track->id, caps.get());
    return OkStatus();
  }
  track->id = buffer_->AddTrack(caps.get());
  if (!track->id) return Error{ErrorCode::kInvalidArgument, "rtmp: buffer refused the track"};
  GST_INFO("rtmp: %s track %u (%s)", tag.video ? "video" : "audio", *track->id,
           flv::CodecName(track->codec));
  return OkStatus();
}

Status RtmpIngest::OnMedia(Message& message) {
  bool video = message.type == kVideo;
  auto parsed = video ? flv::ParseVideo(message.payload) : flv::ParseAudio(message.payload);
  if (!parsed) return parsed.error();
  const flv::Tag& tag = parsed.value();
  Track* track = video ? &video_ : &audio_;
  if (tag.kind == flv::PacketKind::kSkip) return OkStatus();
  if (tag.kind == flv::PacketKind::kConfig) return OnConfig(track, tag);
  if (track->codec != tag.codec || !track->id) {
    // Codecs without a sequence header (MP3, or VP9 from some encoders) start at a frame.
    if (tag.codec != flv::Codec::kMP3 && tag.codec != flv::Codec::kVP9) return OkStatus();
    track->codec = tag.codec;
    track->config.clear();
    if (tag.codec == flv::Codec::kMP3) {
      auto hdr = flv::ParseMpegAudioHeader(tag.data);
      track->rate = hdr ? hdr->rate : tag.rate;
      track->channels = hdr ? hdr->channels : tag.channels;
    }
    auto st = EnsureTrack(track, tag);
    if (!st) return st;
  }
  int64_t dts = MediaTime(message.timestamp);
  int64_t pts = std::max<int64_t>(0, dts + int64_t(tag.cts_ms) * kMs);
  // The buffer copies the frame into its pages: the message can go.
  buffer_->Push(*track->id,
                {reinterpret_cast<const uint8_t*>(tag.data.data()), tag.data.size()}, dts, pts,
                tag.keyframe);
  ++frames_;
  return OkStatus();
}

}  // namespace haze::rtmp
