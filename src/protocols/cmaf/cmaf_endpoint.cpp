#include "protocols/cmaf/cmaf_endpoint.h"

#include <charconv>
#include <optional>

#include "protocols/dash/dash_endpoint.h"
#include "protocols/hls/hls_endpoint.h"
#include "protocols/cmaf/track_choice.h"
#include "protocols/hls/playlist.h"

namespace haze::cmaf {
namespace {

constexpr int64_t kMsNs = 1000000;

std::optional<uint64_t> ParseNumber(std::string_view s) {
  uint64_t v = 0;
  if (s.empty() || s.size() > 18) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

HttpResponse ErrorPlaylist(const std::string& message) {
  return TextResponse(200, kM3u8Type, hls::RenderErrorPlaylist(message), "no-cache");
}

const char* PlaylistCache(const SegmentStore& store) {
  return store.ended() ? "public, max-age=60" : "public, max-age=1";
}

bool LowLatency(const HttpRequest& req) { return req.Query("llhls") != "0"; }

std::vector<const CmafSegment*> Listed(const SegmentStore& store, const CmafTrack& t) {
  std::vector<const CmafSegment*> out;
  for (const auto& s : t.segments)
    if (s.complete) out.push_back(&s);
  if (!store.ended() && out.size() > 3) out.erase(out.begin());  // leaving the window
  return out;
}

HttpResponse Master(const SegmentStore& store, const HttpRequest& req) {
  std::string suffix = LowLatency(req) ? "" : "?llhls=0";
  std::vector<hls::Variant> variants;
  std::vector<hls::AudioRendition> audio;
  const CmafTrack* first_audio = nullptr;
  TrackChoice choice = ChooseTracks(store.source_tracks(), req);
  for (const auto& t : store.cmaf_tracks()) {
    if (t.info.video || !t.LastComplete() || !choice.Allows(t.id, false)) continue;
    if (!first_audio) first_audio = &t;
    audio.push_back({"aud", "audio " + std::to_string(t.id), t.info.lang,
                     std::to_string(t.id) + "/index.m3u8" + suffix, t.info.channels,
                     first_audio == &t});
  }
  auto bandwidth = [](const CmafTrack& t) {
    return hls::MeasureBandwidth(t.segments, [](const auto& s) { return s.full.bytes.size(); });
  };
  size_t video_tracks = 0;
  for (const auto& t : store.cmaf_tracks())
    if (t.info.video && choice.Allows(t.id, true)) ++video_tracks;
  for (const auto& t : store.cmaf_tracks()) {
    bool audio_only = video_tracks == 0;
    if ((!t.info.video && !audio_only) || !t.LastComplete()) continue;
    if (!choice.Allows(t.id, t.info.video)) continue;
    hls::Variant v;
    v.uri = std::to_string(t.id) + "/index.m3u8" + suffix;
    auto bw = bandwidth(t);
    v.codecs = t.codecs;
    if (t.info.video && first_audio) {
      auto abw = bandwidth(*first_audio);
      bw.peak += abw.peak;
      bw.average += abw.average;
      v.codecs += "," + first_audio->codecs;
      v.audio_group = "aud";
    }
    v.bandwidth = bw.peak;
    v.average_bandwidth = bw.average;
    v.width = t.info.width;
    v.height = t.info.height;
    if (t.info.fps_n > 0) v.frame_rate = static_cast<double>(t.info.fps_n) / t.info.fps_d;
    variants.push_back(std::move(v));
  }
  if (variants.empty()) return ErrorPlaylist("Stream is booting");
  if (variants.front().audio_group.empty()) audio.clear();
  return TextResponse(200, kM3u8Type, hls::RenderMasterPlaylist(variants, audio, true),
                      PlaylistCache(store));
}

std::string PartUri(uint64_t number, size_t part) {
  return std::to_string(number) + "." + std::to_string(part) + ".m4s";
}

std::string MediaText(const SegmentStore& store, const CmafTrack& t, bool ll) {
  hls::MediaPlaylist p;
  p.vod = store.ended();
  p.map_uri = "init.mp4";
  p.min_target_ns = store.buffer_options().segment_ms * kMsNs;
  p.discontinuity_sequence = store.discontinuity_sequence();
  for (const CmafSegment* s : Listed(store, t)) {
    bool disc = s->discontinuity || (p.segments.empty() && store.DiscontinuityUpTo(s->number));
    hls::PlaylistSegment out{s->number, s->duration_ns, std::to_string(s->number) + ".m4s", disc,
                             hls::kNoTime, {}};
    if (store.stats().unix_offset_ms > 0)
      out.unix_ms = store.stats().unix_offset_ms + s->start_ns / kMsNs;
    if (ll)
      for (size_t k = 0; k < s->parts.size(); ++k)
        out.parts.push_back({s->parts[k].duration_ns, PartUri(s->number, k), s->parts[k].independent});
    p.segments.push_back(std::move(out));
  }
  if (p.segments.empty()) return {};
  if (ll && !p.vod) {
    p.part_target_ns = store.options().part_target_ns;
    p.part_hold_back_ns = store.options().part_hold_back_ns;
    uint64_t next = p.segments.back().msn + 1;
    const CmafSegment* open = t.segments.back().complete ? nullptr : &t.segments.back();
    if (open && open->number == next) {
      for (size_t k = 0; k < open->parts.size(); ++k)
        p.open_parts.push_back({open->parts[k].duration_ns, PartUri(next, k), open->parts[k].independent});
    }
    p.preload_hint_uri = PartUri(next, p.open_parts.size());
    for (const auto& other : store.cmaf_tracks()) {
      if (other.id == t.id) continue;
      PlaylistEdge e = TrackEdge(other);
      if (e.msn >= 0)
        p.reports.push_back({"../" + std::to_string(other.id) + "/index.m3u8",
                             static_cast<uint64_t>(e.msn), e.part});
    }
  }
  return hls::RenderMediaPlaylist(p);
}

HttpResponse Media(const SegmentStore& store, uint32_t id, bool ll) {
  const CmafTrack* t = store.FindCmafTrack(id);
  if (!t) return ErrorPlaylist(hls::kStreamOpenFailed);
  std::string text = MediaText(store, *t, ll);
  if (text.empty()) return ErrorPlaylist("Stream is booting");
  return TextResponse(200, kM3u8Type, std::move(text), PlaylistCache(store));
}

// True once segment |msn| is complete, or part |part| of it exists (part >= 0).
bool Reached(const SegmentStore& store, uint32_t id, uint64_t msn, int64_t part) {
  const CmafTrack* t = store.FindCmafTrack(id);
  if (!t || store.ended()) return true;
  PlaylistEdge e = TrackEdge(*t);
  const CmafSegment* last = t->LastComplete();
  if (last && last->number >= msn) return true;
  if (part < 0 || e.msn < 0) return false;
  return static_cast<uint64_t>(e.msn) > msn || (static_cast<uint64_t>(e.msn) == msn && e.part >= part);
}

int64_t BlockTimeoutMs(const SegmentStore& store) {
  if (store.options().block_timeout_ms > 0) return store.options().block_timeout_ms;
  return 3 * std::max<int64_t>(store.buffer_options().segment_ms, 1000) + 1000;
}

void BlockingMedia(SegmentStore& store, uint32_t id, const HttpRequest& req, const Respond& respond) {
  auto msn = ParseNumber(req.Query("_HLS_msn"));
  std::optional<uint64_t> part;
  if (!req.Query("_HLS_part").empty() && !(part = ParseNumber(req.Query("_HLS_part")))) {
    respond(TextResponse(400, "text/plain", "Bad _HLS_part\n", "no-cache"));
    return;
  }
  const CmafTrack* t = store.FindCmafTrack(id);
  PlaylistEdge e = t ? TrackEdge(*t) : PlaylistEdge{};
  if (!msn || !t || static_cast<int64_t>(*msn) > e.msn + 2) {
    respond(TextResponse(400, "text/plain", "Bad _HLS_msn\n", "no-cache"));
    return;
  }
  int64_t p = part ? static_cast<int64_t>(*part) : -1;
  SegmentStore* s = &store;
  store.WaitFor([s, id, m = *msn, p] { return Reached(*s, id, m, p); }, BlockTimeoutMs(store),
                [s, id, respond](bool ready) {
                  if (!ready) {
                    respond(TextResponse(503, "text/plain", "Not available\n", "no-cache"));
                    return;
                  }
                  respond(Media(*s, id, true));
                });
}

void ServeFile(SegmentStore& store, const CmafTrack& t, const std::string& file,
               const HttpRequest& req, const Respond& respond) {
  if (file == "init.mp4") {
    respond(SegmentResponse(t.init, kMp4Type, req));
    return;
  }
  if (!file.ends_with(".m4s")) {
    respond(NotFound());
    return;
  }
  std::string_view stem(file.data(), file.size() - 4);
  size_t dot = stem.find('.');
  auto number = ParseNumber(stem.substr(0, dot));
  std::optional<uint64_t> part;
  if (dot != std::string_view::npos && !(part = ParseNumber(stem.substr(dot + 1)))) number.reset();
  if (!number) {
    respond(NotFound());
    return;
  }
  auto lookup = [&store, id = t.id, n = *number, part, req]() -> std::optional<HttpResponse> {
    const CmafTrack* tr = store.FindCmafTrack(id);
    const CmafSegment* seg = tr ? tr->Find(n) : nullptr;
    if (!seg) return std::nullopt;
    if (!part) {
      if (!seg->complete) return std::nullopt;
      return SegmentResponse(seg->full, "video/iso.segment", req);
    }
    if (*part >= seg->parts.size()) return std::nullopt;
    return SegmentResponse(seg->parts[*part].data, "video/iso.segment", req);
  };
  if (auto r = lookup()) {
    respond(std::move(*r));
    return;
  }
  // A request for what the playlist hinted (the next part or segment) waits for it.
  PlaylistEdge e = TrackEdge(t);
  int64_t n = static_cast<int64_t>(*number);
  if (store.ended() || n < e.msn || n > e.msn + 1) {
    respond(NotFound());
    return;
  }
  store.WaitFor([lookup] { return lookup().has_value(); }, BlockTimeoutMs(store),
                [lookup, respond](bool ready) {
                  auto r = ready ? lookup() : std::nullopt;  // the store is alive when ready
                  respond(r ? std::move(*r) : NotFound());
                });
}

}  // namespace

PlaylistEdge TrackEdge(const CmafTrack& t) {
  PlaylistEdge e;
  if (t.segments.empty()) return e;
  const CmafSegment& back = t.segments.back();
  if (!back.complete && !back.parts.empty()) return {static_cast<int64_t>(back.number),
                                                     static_cast<int64_t>(back.parts.size()) - 1};
  const CmafSegment* last = t.LastComplete();
  if (!last) return e;
  return {static_cast<int64_t>(last->number), static_cast<int64_t>(last->parts.size()) - 1};
}

namespace {

bool HasCmafContent(const SegmentStore& store) {
  for (const auto& t : store.cmaf_tracks())
    if (t.LastComplete()) return true;
  return store.ended();
}

void Serve(SegmentService& service, SegmentStore& store, const HttpRequest& req,
           const Respond& respond) {
  bool playlist = req.path.ends_with(".m3u8");
  if (req.path == "index.m3u8") {
    respond(Master(store, req));
    return;
  }
  if (req.path == "index.mpd") {
    std::string mpd = dash::RenderStoreMpd(store, service.options().utc_timing_url,
                                           g_get_real_time() / 1000,
                                           ChooseTracks(store.source_tracks(), req));
    respond(mpd.empty() ? NotFound()
                        : TextResponse(200, kMpdType, std::move(mpd), PlaylistCache(store)));
    return;
  }
  size_t slash = req.path.find('/');
  auto id = slash == std::string::npos ? std::nullopt : ParseNumber(req.path.substr(0, slash));
  const CmafTrack* t = id ? store.FindCmafTrack(static_cast<uint32_t>(*id)) : nullptr;
  if (!t) {
    respond(playlist ? ErrorPlaylist(hls::kStreamOpenFailed) : NotFound());
    return;
  }
  std::string file = req.path.substr(slash + 1);
  if (file == "index.m3u8") {
    bool ll = LowLatency(req);
    if (ll && !req.Query("_HLS_msn").empty())
      BlockingMedia(store, t->id, req, respond);
    else
      respond(Media(store, t->id, ll));
    return;
  }
  ServeFile(store, *t, file, req, respond);
}

}  // namespace

void HandleCmaf(SegmentService& service, const HttpRequest& req, const Respond& respond) {
  SegmentService* svc = &service;
  service.Acquire(req.stream, [svc, req, respond](SegmentStore* store) {
    bool manifest = req.path.ends_with(".m3u8") || req.path.ends_with(".mpd");
    if (!store) {
      respond(req.path.ends_with(".m3u8") ? ErrorPlaylist(hls::kStreamOpenFailed) : NotFound());
      return;
    }
    store->EnableCmaf();
    int64_t boot_wait = svc->options().boot_wait_ms;
    if (!manifest || boot_wait <= 0 || HasCmafContent(*store)) {
      Serve(*svc, *store, req, respond);
      return;
    }
    // A stream that is starting: wait a little for its first segment, then answer anyway.
    store->WaitFor([store] { return HasCmafContent(*store); }, boot_wait,
                   [svc, store, req, respond](bool ready) {
                     if (ready)
                       Serve(*svc, *store, req, respond);
                     else
                       respond(req.path.ends_with(".mpd") ? NotFound()
                                                          : ErrorPlaylist("Stream is booting"));
                   });
  });
}

}  // namespace haze::cmaf
