#include "protocols/hls/hls_endpoint.h"

#include <algorithm>

#include "protocols/cmaf/codec_string.h"
#include "protocols/cmaf/track_choice.h"
#include "protocols/hls/playlist.h"

namespace haze::hls {
namespace {

using cmaf::HttpRequest;
using cmaf::HttpResponse;
using cmaf::SegmentStore;
using cmaf::TsVariant;

constexpr int64_t kMsNs = 1000000;

HttpResponse ErrorPlaylist(const std::string& message) {
  return cmaf::TextResponse(200, cmaf::kM3u8Type, RenderErrorPlaylist(message), "no-cache");
}

const char* PlaylistCache(const SegmentStore& store) {
  return store.ended() ? "public, max-age=60" : "public, max-age=1";
}

// The variants for audio=/video= selections, in selection order (null: the default ones).
std::vector<const TsVariant*> SelectedVariants(SegmentStore& store, const HttpRequest& req) {
  std::vector<const TsVariant*> out;
  cmaf::TrackChoice choice = cmaf::ChooseTracks(store.source_tracks(), req);
  if (!choice.active) {
    for (const TsVariant& v : store.ts_variants()) out.push_back(&v);
    return out;
  }
  for (const auto& ids : cmaf::TsVariantsFor(choice)) {
    store.WantTsVariant(ids);
    std::string key;
    for (uint32_t id : ids) key += (key.empty() ? "" : "_") + std::to_string(id);
    if (const TsVariant* v = store.FindTsVariant(key)) out.push_back(v);
  }
  return out;
}

HttpResponse Master(SegmentStore& store, const HttpRequest& req) {
  std::vector<Variant> variants;
  for (const TsVariant* vp : SelectedVariants(store, req)) {
    const TsVariant& v = *vp;
    if (v.segments.empty()) continue;
    Variant out;
    out.uri = v.key + "/index.m3u8";
    auto bw = MeasureBandwidth(v.segments, [](const auto& s) { return s.data.bytes.size(); });
    out.bandwidth = bw.peak;
    out.average_bandwidth = bw.average;
    for (const auto& t : v.infos) {
      out.codecs += (out.codecs.empty() ? "" : ",") + cmaf::CodecString(t);
      if (t.video) {
        out.width = t.width;
        out.height = t.height;
        if (t.fps_n > 0) out.frame_rate = static_cast<double>(t.fps_n) / t.fps_d;
      }
    }
    variants.push_back(std::move(out));
  }
  if (variants.empty()) return ErrorPlaylist("Stream is booting");
  return cmaf::TextResponse(200, cmaf::kM3u8Type, RenderMasterPlaylist(variants, {}, true),
                            PlaylistCache(store));
}

HttpResponse Media(const SegmentStore& store, const TsVariant& v) {
  MediaPlaylist p;
  p.vod = store.ended();
  p.min_target_ns = store.buffer_options().segment_ms * kMsNs;
  p.discontinuity_sequence = store.discontinuity_sequence();
  size_t first = 0;
  // The oldest live segment is about to leave the window: do not hand it out.
  if (!p.vod && v.segments.size() > 3) first = 1;
  for (size_t i = first; i < v.segments.size(); ++i) {
    const auto& s = v.segments[i];
    PlaylistSegment out;
    out.msn = s.number;
    out.duration_ns = s.duration_ns;
    out.uri = s.name;
    out.discontinuity = s.discontinuity || (i == first && store.DiscontinuityUpTo(s.number));
    if (store.stats().unix_offset_ms > 0)
      out.unix_ms = store.stats().unix_offset_ms + s.start_ns / kMsNs;
    p.segments.push_back(std::move(out));
  }
  if (p.segments.empty()) return ErrorPlaylist("Stream is booting");
  return cmaf::TextResponse(200, cmaf::kM3u8Type, RenderMediaPlaylist(p), PlaylistCache(store));
}


bool HasTsContent(const SegmentStore& store) {
  for (const auto& v : store.ts_variants())
    if (!v.segments.empty()) return true;
  return store.ended();
}

void Serve(SegmentStore& store, const HttpRequest& req, const cmaf::Respond& respond) {
  bool playlist = req.path.ends_with(".m3u8");
  if (req.path == "index.m3u8") {
    respond(Master(store, req));
    return;
  }
  size_t slash = req.path.find('/');
  const TsVariant* v =
      slash == std::string::npos ? nullptr : store.FindTsVariant(req.path.substr(0, slash));
  if (!v) {
    respond(playlist ? ErrorPlaylist(kStreamOpenFailed) : cmaf::NotFound());
    return;
  }
  std::string file = req.path.substr(slash + 1);
  if (file == "index.m3u8") {
    respond(Media(store, *v));
    return;
  }
  for (const auto& s : v->segments) {
    if (s.name == file) {
      respond(cmaf::SegmentResponse(s.data, cmaf::kTsType, req));
      return;
    }
  }
  respond(cmaf::NotFound());
}

}  // namespace

void HandleHls(cmaf::SegmentService& service, const HttpRequest& req,
               const cmaf::Respond& respond) {
  int64_t boot_wait = service.options().boot_wait_ms;
  service.Acquire(req.stream, [req, respond, boot_wait](SegmentStore* store) {
    bool playlist = req.path.ends_with(".m3u8");
    if (!store) {
      respond(playlist ? ErrorPlaylist(kStreamOpenFailed) : cmaf::NotFound());
      return;
    }
    store->EnableTs();
    if (!playlist || boot_wait <= 0 || HasTsContent(*store)) {
      Serve(*store, req, respond);
      return;
    }
    // A stream that is starting: wait a little for its first segment, then answer anyway.
    store->WaitFor([store] { return HasTsContent(*store); }, boot_wait,
                   [store, req, respond](bool ready) {
                     if (ready)
                       Serve(*store, req, respond);
                     else
                       respond(ErrorPlaylist("Stream is booting"));
                   });
  });
}

}  // namespace haze::hls
