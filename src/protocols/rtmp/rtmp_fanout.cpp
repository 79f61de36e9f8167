#include "protocols/rtmp/rtmp_fanout.h"

#include <algorithm>

#include "base/log.h"
#include "protocols/rtmp/amf0.h"
#include "protocols/rtmp/chunk.h"
#include "protocols/rtmp/rtmp_messages.h"

#define GST_CAT_DEFAULT haze_rtmp_debug

namespace haze::rtmp {

namespace {

void DeleteString(gpointer p) { delete static_cast<std::string*>(p); }

GBytes* TakeBytes(std::string* s) {
  return g_bytes_new_with_free_func(s->data(), s->size(), DeleteString, s);
}

flv::Codec CodecOf(const dtsc::TrackInfo& info) {
  switch (info.codec) {
    case dtsc::Codec::kH264: return flv::Codec::kH264;
    case dtsc::Codec::kH265: return flv::Codec::kH265;
    case dtsc::Codec::kAV1: return flv::Codec::kAV1;
    case dtsc::Codec::kVP9: return flv::Codec::kVP9;
    case dtsc::Codec::kAAC: return flv::Codec::kAAC;
    case dtsc::Codec::kMP3: return flv::Codec::kMP3;
    default: break;
  }
  if (!info.caps) return flv::Codec::kUnknown;
  const GstStructure* s = gst_caps_get_structure(info.caps.get(), 0);
  std::string_view name = gst_structure_get_name(s);
  int mpegversion = 0;
  gst_structure_get_int(s, "mpegversion", &mpegversion);
  if (name == "video/x-h264") return flv::Codec::kH264;
  if (name == "video/x-h265") return flv::Codec::kH265;
  if (name == "video/x-av1") return flv::Codec::kAV1;
  if (name == "video/x-vp9") return flv::Codec::kVP9;
  if (name == "audio/mpeg" && (mpegversion == 4 || mpegversion == 2)) return flv::Codec::kAAC;
  if (name == "audio/mpeg" && mpegversion == 1) return flv::Codec::kMP3;
  return flv::Codec::kUnknown;
}

std::string BufferBytes(GstBuffer* buf) {
  std::string out;
  if (!buf) return out;
  out.resize(gst_buffer_get_size(buf));
  gst_buffer_extract(buf, 0, out.data(), out.size());
  return out;
}

std::string InitOf(const dtsc::TrackInfo& info) {
  if (info.init) return BufferBytes(info.init.get());
  if (!info.caps) return {};
  const GValue* v = gst_structure_get_value(gst_caps_get_structure(info.caps.get(), 0),
                                            "codec_data");
  return v && GST_VALUE_HOLDS_BUFFER(v) ? BufferBytes(gst_value_get_buffer(v)) : std::string();
}

double CodecId(flv::Codec codec) {
  switch (codec) {
    case flv::Codec::kH264: return 7;
    case flv::Codec::kH265: return 1752589105;  // 'hvc1'
    case flv::Codec::kAV1: return 1635135537;   // 'av01'
    case flv::Codec::kVP9: return 1987063865;   // 'vp09'
    case flv::Codec::kAAC: return 10;
    case flv::Codec::kMP3: return 2;
    case flv::Codec::kUnknown: break;
  }
  return 0;
}

}  // namespace

StreamFanout::StreamFanout(std::shared_ptr<dtsc::LiveBuffer> buffer, const RtmpConfig& config,
                           GMainContext* context)
    : buffer_(std::move(buffer)), config_(config), context_(g_main_context_ref(context)) {}

StreamFanout::~StreamFanout() {
  if (listener_) buffer_->RemoveListener(listener_);
  CancelFlush();
  ClearGop();
  for (GBytes* m : batch_) g_bytes_unref(m);
  if (headers_) g_bytes_unref(headers_);
  g_main_context_unref(context_);
}

void StreamFanout::Start() {
  std::weak_ptr<StreamFanout> weak = weak_from_this();
  GMainContext* ctx = context_;
  std::shared_ptr<std::atomic<bool>> pending = drain_pending_;
  listener_ = buffer_->AddListener([weak, ctx, pending] {
    // Writer thread: coalesce wake-ups; the drain runs on the server's context.
    if (pending->exchange(true)) return;
    g_main_context_invoke_full(ctx, G_PRIORITY_DEFAULT, &StreamFanout::DrainCallback,
                               new std::weak_ptr<StreamFanout>(weak), [](gpointer p) {
                                 delete static_cast<std::weak_ptr<StreamFanout>*>(p);
                               });
  });
  Drain();
}

gboolean StreamFanout::DrainCallback(gpointer data) {
  if (auto self = static_cast<std::weak_ptr<StreamFanout>*>(data)->lock()) {
    self->Drain();
  }
  return G_SOURCE_REMOVE;
}

void StreamFanout::Drain() {
  *drain_pending_ = false;
  if (!reader_) {
    if (!buffer_->Playable()) return;
    reader_ = buffer_->NewReader();
  }
  bool any = false, urgent = false;
  while (auto frame = reader_->Next()) {
    Distribute(*frame);
    any = true;
  }
  if (!ended_ && reader_->AtEnd()) {
    ended_ = true;
    CommitBatch();  // the end follows the last frames
    for (auto& p : players_) p.player->OnStreamEnd();  // queues only; closes after the flush
    any = urgent = true;
  }
  if (!any) return;
  // Merged writes: with many players, frames collect for up to merge_write_ms and go out in
  // one send per player (the kernel's per-send cost dominates, not the bytes).
  ScheduleFlush(urgent || !Merging());
}

void StreamFanout::AddPlayer(FanoutPlayer* player) {
  PlayerState st{player, false, false};
  if (!gop_.empty() && !gop_overflow_) {
    player->QueueShared(Headers(headers_ts_), false);
    for (GBytes* m : gop_) player->QueueShared(m, true);
    st.synced = true;
  }
  players_.push_back(st);
  if (ended_) player->OnStreamEnd();
  // With merged writes, a joiner does not flush everyone early (many joins would defeat the
  // merging): the connection flushes its own first bytes after AddPlayer.
  ScheduleFlush(ended_ || !Merging());
}

bool StreamFanout::Merging() const {
  return config_.merge_write_ms > 0 && players_.size() >= config_.merge_write_players;
}

void StreamFanout::RemovePlayer(FanoutPlayer* player) {
  if (flushing_) {
    // FlushCallback walks players_ by index: mark the entry, it compacts when done.
    for (auto& p : players_) {
      if (p.player != player) continue;
      p.player = nullptr;
      ++removed_;
    }
    return;
  }
  players_.erase(std::remove_if(players_.begin(), players_.end(),
                                [player](const PlayerState& p) { return p.player == player; }),
                 players_.end());
}

void StreamFanout::RefreshTracks() {
  std::vector<TrackOut> fresh;
  bool video = false;
  for (const auto& info : buffer_->Tracks()) {
    TrackOut t;
    t.id = info.id;
    t.codec = CodecOf(info);
    if (t.codec == flv::Codec::kUnknown) continue;
    t.video = info.kind == dtsc::TrackKind::kVideo;
    t.rate = info.rate;
    t.channels = info.channels;
    t.width = info.width;
    t.height = info.height;
    t.fps = info.fps_n > 0 && info.fps_d > 0 ? double(info.fps_n) / info.fps_d : 0;
    t.init = InitOf(info);
    video |= t.video;
    fresh.push_back(std::move(t));
  }
  bool changed = fresh.size() != tracks_.size();
  for (size_t i = 0; !changed && i < fresh.size(); ++i)
    changed = fresh[i].codec != tracks_[i].codec || fresh[i].init != tracks_[i].init;
  tracks_ = std::move(fresh);
  has_video_ = video;
  if (changed && headers_) {
    g_bytes_unref(headers_);
    headers_ = nullptr;
  }
}

const StreamFanout::TrackOut* StreamFanout::FindTrack(uint32_t id) const {
  for (const auto& t : tracks_)
    if (t.id == id) return &t;
  return nullptr;
}

GBytes* StreamFanout::Headers(uint32_t timestamp) {
  if (headers_ && headers_ts_ == timestamp) return headers_;
  if (headers_) g_bytes_unref(headers_);
  using amf0::Value;
  std::vector<amf0::Property> meta = {{"duration", Value::Number(0)}};
  for (const auto& t : tracks_) {
    if (t.video) {
      if (t.width > 0) meta.push_back({"width", Value::Number(t.width)});
      if (t.height > 0) meta.push_back({"height", Value::Number(t.height)});
      if (t.fps > 0) meta.push_back({"framerate", Value::Number(t.fps)});
      meta.push_back({"videocodecid", Value::Number(CodecId(t.codec))});
    } else {
      meta.push_back({"audiocodecid", Value::Number(CodecId(t.codec))});
      if (t.rate > 0) meta.push_back({"audiosamplerate", Value::Number(t.rate)});
      meta.push_back({"stereo", Value::Bool(t.channels > 1)});
    }
  }
  meta.push_back({"encoder", Value::String("Haze")});
  auto* out = new std::string;
  std::string data =
      amf0::EncodeAll({Value::String("onMetaData"), Value::EcmaArray(std::move(meta))});
  // Timestamp 0: ffmpeg's FLV reader turns metadata at any other time into a text stream.
  WriteChunks(kCsidStream, kDataAmf0, kMediaStreamId, 0, data, config_.out_chunk_size, out);
  for (const auto& t : tracks_) {
    if (t.init.empty()) continue;
    std::string hdr = t.video ? flv::VideoHeader(t.codec, true, true, 0)
                              : flv::AudioHeader(t.codec, true, t.rate, t.channels);
    WriteChunks(t.video ? kCsidVideo : kCsidAudio, t.video ? kVideo : kAudio, kMediaStreamId,
                timestamp, {hdr, t.init}, config_.out_chunk_size, out);
  }
  headers_ = TakeBytes(out);
  headers_ts_ = timestamp;
  return headers_;
}

GBytes* StreamFanout::SerializeFrame(const TrackOut& t, const dtsc::Frame& frame) {
  int32_t cts = 0;
  if (frame.pts != dtsc::kNone && frame.dts != dtsc::kNone)
    cts = int32_t((frame.pts - frame.dts) / 1000000);
  int64_t dts = frame.dts != dtsc::kNone ? frame.dts : frame.pts;
  uint32_t ts = uint32_t(uint64_t(std::max<int64_t>(0, dts) / 1000000));
  std::string hdr = t.video ? flv::VideoHeader(t.codec, frame.keyframe, false, cts)
                            : flv::AudioHeader(t.codec, false, t.rate, t.channels);
  auto* out = new std::string;
  std::string_view data(reinterpret_cast<const char*>(frame.payload.data), frame.payload.size);
  WriteChunks(t.video ? kCsidVideo : kCsidAudio, t.video ? kVideo : kAudio, kMediaStreamId, ts,
              {hdr, data}, config_.out_chunk_size, out);
  return TakeBytes(out);
}

void StreamFanout::ClearGop() {
  for (GBytes* m : gop_) g_bytes_unref(m);
  gop_.clear();
  gop_bytes_ = 0;
}

void StreamFanout::Distribute(const dtsc::Frame& frame) {
  if (!Merging()) CommitBatch();  // dropped below the threshold: batched frames go first
  const TrackOut* t = FindTrack(frame.track);
  bool video_key = frame.keyframe && (!t || t->video);
  if (!t || video_key) {
    GBytes* old_headers = headers_ ? g_bytes_ref(headers_) : nullptr;
    RefreshTracks();
    t = FindTrack(frame.track);
    // New codec configuration: players already running get the new sequence headers.
    if (t && old_headers && !headers_) {
      GBytes* fresh = Headers(uint32_t(frame.dts / 1000000));
      for (auto& p : players_)
        if (p.synced && !p.in_batch) p.player->QueueShared(fresh, false);
      if (Merging()) {
        batch_.push_back(g_bytes_ref(fresh));
        batch_bytes_ += g_bytes_get_size(fresh);
      }
    }
    if (old_headers) g_bytes_unref(old_headers);
    if (!t) return;
    video_key = frame.keyframe && t->video;
  }
  GBytes* msg = SerializeFrame(*t, frame);
  uint32_t ts = uint32_t(uint64_t(std::max<int64_t>(0, frame.dts)) / 1000000);
  bool sync_point = video_key || (!has_video_ && !t->video);
  if (video_key) {
    ClearGop();
    gop_overflow_ = false;
    headers_ts_ = ts;
    if (headers_) Headers(ts);
  }
  if (has_video_ && !gop_overflow_ && (video_key || !gop_.empty())) {
    gop_.push_back(g_bytes_ref(msg));
    gop_bytes_ += g_bytes_get_size(msg);
    if (gop_bytes_ > config_.max_gop_cache) {
      ClearGop();
      gop_overflow_ = true;
    }
  }
  if (Merging()) {
    batch_.push_back(g_bytes_ref(msg));
    batch_bytes_ += g_bytes_get_size(msg);
  }
  for (auto& p : players_) {
    if (p.in_batch) continue;
    if (p.synced && p.player->Congested()) {
      p.player->DropQueuedMedia();
      p.synced = false;
      ++skips_;
    }
    if (!p.synced) {
      if (!sync_point) continue;
      p.player->QueueShared(Headers(ts), false);
      p.synced = true;
    }
    p.player->QueueShared(msg, true);
  }
  g_bytes_unref(msg);
}

void StreamFanout::CommitBatch() {
  if (!batch_.empty()) {
    auto* merged = new std::string;
    merged->reserve(batch_bytes_);
    for (GBytes* m : batch_) {
      gsize size = 0;
      const auto* data = static_cast<const char*>(g_bytes_get_data(m, &size));
      merged->append(data, size);
      g_bytes_unref(m);
    }
    batch_.clear();
    batch_bytes_ = 0;
    GBytes* bytes = TakeBytes(merged);
    for (auto& p : players_) {
      if (!p.in_batch) continue;
      if (p.player->Congested()) {
        p.player->DropQueuedMedia();
        p.synced = false;
        ++skips_;
      } else {
        p.player->QueueShared(bytes, true);
      }
    }
    g_bytes_unref(bytes);
  }
  bool merging = Merging();
  for (auto& p : players_) p.in_batch = merging && p.synced;
}

void StreamFanout::CancelFlush() {
  if (!flush_source_) return;
  g_source_destroy(flush_source_);
  g_source_unref(flush_source_);
  flush_source_ = nullptr;
}

void StreamFanout::ScheduleFlush(bool urgent) {
  if (players_.empty()) return;
  if (flush_source_ && (flush_urgent_ || !urgent)) return;
  CancelFlush();
  // Urgent: once per main-loop iteration, so the frames of one publisher read go out in one
  // write per player. Otherwise a timer merges the frames of up to merge_write_ms.
  flush_urgent_ = urgent;
  flush_source_ = urgent ? g_idle_source_new() : g_timeout_source_new(config_.merge_write_ms);
  g_source_set_priority(flush_source_, G_PRIORITY_DEFAULT);
  g_source_set_callback(flush_source_, &StreamFanout::FlushCallback, this, nullptr);
  g_source_attach(flush_source_, context_);
}

gboolean StreamFanout::FlushCallback(gpointer data) {
  // A player may close while flushing: RemovePlayer then only clears its entry, and closing may
  // drop the last reference to this fanout, so keep it alive until the loop is done.
  std::shared_ptr<StreamFanout> self = static_cast<StreamFanout*>(data)->shared_from_this();
  g_source_unref(self->flush_source_);
  self->flush_source_ = nullptr;
  self->CommitBatch();
  self->flushing_ = true;
  for (size_t i = 0; i < self->players_.size(); ++i)
    if (FanoutPlayer* p = self->players_[i].player) p->FlushOutput();
  self->flushing_ = false;
  self->removed_ = 0;
  std::erase_if(self->players_, [](const PlayerState& p) { return p.player == nullptr; });
  return G_SOURCE_REMOVE;
}

}  // namespace haze::rtmp
