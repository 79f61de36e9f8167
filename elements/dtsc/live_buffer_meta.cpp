// Names, caps -> track metadata, the health JSON and the process-global buffer registry.
// Thread: any. FillTrackFromCaps takes its own refs of caps and codec_data.
#include <algorithm>
#include <cstdio>

#include "dtsc/live_buffer.h"
#include "dtsc/live_buffer_impl.h"

namespace haze::dtsc {

const char* CodecName(Codec codec) {
  switch (codec) {
    case Codec::kH264: return "H264";
    case Codec::kH265: return "HEVC";
    case Codec::kAV1: return "AV1";
    case Codec::kVP8: return "VP8";
    case Codec::kVP9: return "VP9";
    case Codec::kAAC: return "AAC";
    case Codec::kOpus: return "opus";
    case Codec::kMP3: return "MP3";
    case Codec::kText: return "subtitle";
    case Codec::kUnknown: break;
  }
  return "unknown";
}

const char* KindName(TrackKind kind) {
  switch (kind) {
    case TrackKind::kVideo: return "video";
    case TrackKind::kAudio: return "audio";
    case TrackKind::kSubtitle: return "subtitle";
    case TrackKind::kMeta: return "meta";
  }
  return "meta";
}

const char* BufferStateName(BufferState state) {
  switch (state) {
    case BufferState::kBooting: return "BOOTING";
    case BufferState::kFull: return "FULL";
    case BufferState::kDry: return "DRY";
    case BufferState::kRecover: return "RECOVER";
    case BufferState::kEmpty: return "EMPTY";
  }
  return "BOOTING";
}

namespace {

struct CapsKind {
  const char* media;
  int mpegversion;  // for audio/mpeg, else 0
  TrackKind kind;
  Codec codec;
};

constexpr CapsKind kCapsKinds[] = {
    {"video/x-h264", 0, TrackKind::kVideo, Codec::kH264},
    {"video/x-h265", 0, TrackKind::kVideo, Codec::kH265},
    {"video/x-av1", 0, TrackKind::kVideo, Codec::kAV1},
    {"video/x-vp8", 0, TrackKind::kVideo, Codec::kVP8},
    {"video/x-vp9", 0, TrackKind::kVideo, Codec::kVP9},
    {"audio/mpeg", 4, TrackKind::kAudio, Codec::kAAC},
    {"audio/mpeg", 2, TrackKind::kAudio, Codec::kAAC},
    {"audio/mpeg", 1, TrackKind::kAudio, Codec::kMP3},
    {"audio/x-opus", 0, TrackKind::kAudio, Codec::kOpus},
    {"text/x-raw", 0, TrackKind::kSubtitle, Codec::kText},
    {"meta/x-klv", 0, TrackKind::kMeta, Codec::kUnknown},
    {"application/x-id3", 0, TrackKind::kMeta, Codec::kUnknown},
};

}  // namespace

bool FillTrackFromCaps(const GstCaps* caps, TrackInfo* info) {
  if (gst_caps_get_size(caps) < 1) return false;
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  const char* media = gst_structure_get_name(s);
  int mpegversion = 0;
  gst_structure_get_int(s, "mpegversion", &mpegversion);
  const CapsKind* match = nullptr;
  for (const auto& k : kCapsKinds) {
    if (g_strcmp0(k.media, media) != 0) continue;
    if (k.mpegversion != 0 && k.mpegversion != mpegversion) continue;
    match = &k;
    break;
  }
  if (!match) return false;
  info->kind = match->kind;
  info->codec = match->codec;
  info->caps = MiniRef<GstCaps>::Borrow(caps);
  const GValue* cd = gst_structure_get_value(s, "codec_data");
  if (cd && G_VALUE_HOLDS(cd, GST_TYPE_BUFFER))
    info->init = MiniRef<GstBuffer>::Borrow(gst_value_get_buffer(cd));
  gst_structure_get_int(s, "width", &info->width);
  gst_structure_get_int(s, "height", &info->height);
  int n = 0, d = 1;
  if (gst_structure_get_fraction(s, "framerate", &n, &d) && d > 0) {
    info->fps_n = n;
    info->fps_d = d;
  }
  gst_structure_get_int(s, "rate", &info->rate);
  gst_structure_get_int(s, "channels", &info->channels);
  return true;
}

// --- health JSON ---

namespace {

std::string JsonEscape(const std::string& in) {
  std::string out;
  for (char c : in) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

std::string TrackJson(const TrackInfo& t, int64_t jitter_ms) {
  const int64_t span =
      t.first_ts != kNone && t.last_ts != kNone ? (t.last_ts - t.first_ts) / kMs : 0;
  std::string out = "{\"codec\":\"" + std::string(CodecName(t.codec)) + "\",\"kind\":\"" +
                    KindName(t.kind) + "\",\"buffer\":" + std::to_string(span) +
                    ",\"jitter\":" + std::to_string(jitter_ms) +
                    ",\"kbits\":" + std::to_string(t.bps * 8 / 1000);
  if (t.kind == TrackKind::kVideo) {
    out += ",\"width\":" + std::to_string(t.width) + ",\"height\":" + std::to_string(t.height);
    out += ",\"fps\":" + std::to_string(t.fps_d > 0 ? t.fps_n / t.fps_d : 0);
  } else if (t.kind == TrackKind::kAudio) {
    out += ",\"rate\":" + std::to_string(t.rate) + ",\"channels\":" + std::to_string(t.channels);
  }
  return out + "}";
}

}  // namespace

std::string LiveBuffer::HealthJson() const {
  const auto tracks = Tracks();
  std::vector<int64_t> jitter;
  BufferStats stats;
  int64_t keepaway = 0;
  {
    std::lock_guard lock(impl_->mutex);
    for (const auto& t : impl_->tracks) jitter.push_back(t.jitter / kMs);
    keepaway = impl_->options.max_keepaway_ms;
  }
  stats = Stats();
  std::string out = "{";
  for (size_t i = 0; i < tracks.size() && i < jitter.size(); ++i) {
    const auto& t = tracks[i];
    out += "\"" + std::string(KindName(t.kind)) + "_" + CodecName(t.codec) + "_" +
           std::to_string(t.id) + "\":" + TrackJson(t, jitter[i]) + ",";
  }
  out += "\"buffer\":" + std::to_string(stats.window_ns / kMs) +
         ",\"jitter\":" + std::to_string(stats.jitter_ms) +
         ",\"maxkeepaway\":" + std::to_string(keepaway);
  if (!stats.issues.empty()) out += ",\"issues\":\"" + JsonEscape(stats.issues) + "\"";
  return out + "}";
}

// --- registry ---

BufferRegistry& BufferRegistry::Get() {
  static BufferRegistry* registry = new BufferRegistry();  // never destroyed (process-global)
  return *registry;
}

std::shared_ptr<LiveBuffer> BufferRegistry::Acquire(const std::string& name) {
  std::lock_guard lock(mutex_);
  for (const auto& [n, b] : entries_)
    if (n == name) return b;
  auto buffer = std::make_shared<LiveBuffer>(name);
  entries_.emplace_back(name, buffer);
  return buffer;
}

std::shared_ptr<LiveBuffer> BufferRegistry::Find(const std::string& name) const {
  std::lock_guard lock(mutex_);
  for (const auto& [n, b] : entries_)
    if (n == name) return b;
  return nullptr;
}

void BufferRegistry::Remove(const std::string& name) {
  std::lock_guard lock(mutex_);
  std::erase_if(entries_, [&](const auto& e) { return e.first == name; });
}

std::vector<std::string> BufferRegistry::Names() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& e : entries_) out.push_back(e.first);
  return out;
}

}  // namespace haze::dtsc
