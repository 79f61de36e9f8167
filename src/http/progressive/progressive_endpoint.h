// ProgressiveEndpoint: /STREAM.flv .ts .mkv .webm .mp4 on the HTTP port. Each viewer opens a
// PlaySession (counts as a viewer, starts on-demand streams), waits briefly for the stream, then
// joins the shared MuxSession of its (stream, format, selection): header first, then chunks from
// the newest sync point. Once attached, the connection is taken over from libsoup and the shared,
// pre-framed HTTP chunks are written with one non-blocking sendmsg per flush (no per-viewer copy
// or queue: a viewer is a ring position plus at most one partly sent chunk). A viewer whose socket falls behind skips to the newest sync point or is
// disconnected; it never holds back the muxer or other viewers. A MuxSession stops shortly after
// its last viewer leaves. Thread: main GMainContext.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "http/http_server.h"
#include "http/progressive/mux_session.h"
#include "http/stream_backend.h"

namespace haze::http {

struct ProgressiveStats {
  size_t viewers = 0;
  size_t sessions = 0;
  uint64_t skips = 0;
  uint64_t drops = 0;
};

class ProgressiveEndpoint {
 public:
  explicit ProgressiveEndpoint(StreamBackend& streams, SourceFactory factory = &MakeDtscSource);
  ~ProgressiveEndpoint();
  ProgressiveEndpoint(const ProgressiveEndpoint&) = delete;
  ProgressiveEndpoint& operator=(const ProgressiveEndpoint&) = delete;

  void Register(HttpServer& server);
  // Ends every viewer and stops every muxer.
  void Shutdown();
  ProgressiveStats stats() const;
  void set_linger_ms(unsigned ms) { linger_ms_ = ms; }
  // Replaces the track source (tests use test patterns instead of dtscsrc).
  void set_source_factory(SourceFactory factory) { factory_ = std::move(factory); }
  void set_start_wait_ms(unsigned ms) { start_wait_ms_ = ms; }
  // Extra time after the start wait for the muxer's first keyframe; then 503.
  void set_start_margin_ms(unsigned ms) { start_margin_ms_ = ms; }

 private:
  struct Viewer;
  struct Session;
  void Serve(const Request& request, MuxFormat format);
  void OnPlay(uint64_t viewer_id, Result<std::unique_ptr<core::PlaySession>> play);
  void OnPlayable(uint64_t viewer_id, bool ready);
  void Attach(Viewer* v);
  void OnData(const std::string& key);
  void EndSession(const std::string& key, const std::string& reason);
  void Feed(Viewer* v, Session* s);
  // Writes what the viewer may send now (one sendmsg); false when the viewer was removed.
  bool Pump(Viewer* v, Session* s);
  void WaitWritable(Viewer* v);
  static gboolean OnWritable(GSocket*, GIOCondition, gpointer viewer) noexcept;
  void Fail(Viewer* v, guint status, const std::string& reason);
  // Ends a viewer: 503 when nothing was sent yet, else the last chunk; then removes it.
  void End(Viewer* v);
  void Remove(uint64_t viewer_id, bool close_socket);
  void ScheduleLinger(const std::string& key);
  static void OnFinished(SoupServerMessage*, gpointer viewer) noexcept;

  StreamBackend& streams_;
  SourceFactory factory_;
  std::map<uint64_t, std::unique_ptr<Viewer>> viewers_;
  std::map<std::string, std::unique_ptr<Session>> sessions_;
  uint64_t next_viewer_ = 1;
  unsigned linger_ms_ = 3000;
  unsigned start_wait_ms_ = 5000;
  unsigned start_margin_ms_ = 10000;
  uint64_t skips_ = 0, drops_ = 0;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // for pending waits
};

}  // namespace haze::http
