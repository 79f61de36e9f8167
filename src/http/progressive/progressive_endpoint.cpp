#include "http/progressive/progressive_endpoint.h"

#include <algorithm>
#include <deque>
#include <vector>

#include "base/log.h"
#include "http/output_catalog.h"
#include "http/stream_info.h"

#define GST_CAT_DEFAULT haze_http_debug

namespace haze::http {

namespace {

constexpr int64_t kSkipAfterUs = 2 * G_USEC_PER_SEC;   // blocked this long: skip ahead
constexpr int64_t kMaxBehindUs = 10 * G_USEC_PER_SEC;  // blocked this long: disconnected
constexpr size_t kMaxVectors = 64;

const char* ConnectorFor(MuxFormat f) {
  switch (f) {
    case MuxFormat::kFlv: return "FLV";
    case MuxFormat::kTs: return "HTTPTS";
    case MuxFormat::kMkv:
    case MuxFormat::kWebm: return "EBML";
    case MuxFormat::kMp4: return "MP4";
  }
  return "HTTP";
}

int64_t QueryMs(const Request& r, const char* key) {
  std::string v = r.Query(key);
  if (v.empty() || !g_ascii_isdigit(v[0])) return -1;
  return g_ascii_strtoll(v.c_str(), nullptr, 10);
}

}  // namespace

struct ProgressiveEndpoint::Viewer {
  ProgressiveEndpoint* owner = nullptr;
  uint64_t id = 0;
  GRef<SoupServerMessage> msg;  // until the connection is taken over
  GRef<GIOStream> stream;       // after: the raw connection
  GRef<GSocket> socket_ref;
  GSocket* socket = nullptr;    // socket_ref.get()
  MuxOptions options;
  std::string client_ip, url;
  std::unique_ptr<core::PlaySession> play;
  std::string key;  // attached session
  bool started = false;
  uint64_t next = 0;             // next ring chunk to send
  std::deque<GBytes*> pending;   // owned: response head, header, a partly sent chunk
  size_t pending_offset = 0;     // bytes of pending.front() already sent
  GSource* out_watch = nullptr;  // waiting for the socket to drain
  int64_t blocked_since_us = 0;
  bool sent_any = false;
  GSource* deadline = nullptr;  // no media by then: 503
  gulong finished_id = 0;
  ~Viewer() {
    if (deadline) {
      g_source_destroy(deadline);
      g_source_unref(deadline);
    }
    for (GBytes* b : pending) g_bytes_unref(b);
    if (out_watch) {
      g_source_destroy(out_watch);
      g_source_unref(out_watch);
    }
  }
};

struct ProgressiveEndpoint::Session {
  std::unique_ptr<MuxSession> mux;
  std::vector<uint64_t> viewers;
  GSource* linger = nullptr;
  bool private_range = false;
};

ProgressiveEndpoint::ProgressiveEndpoint(StreamBackend& streams, SourceFactory factory)
    : streams_(streams), factory_(std::move(factory)) {}

ProgressiveEndpoint::~ProgressiveEndpoint() { Shutdown(); }

void ProgressiveEndpoint::Register(HttpServer& server) {
  const std::pair<const char*, MuxFormat> kRoutes[] = {
      {"/*.flv", MuxFormat::kFlv}, {"/*.ts", MuxFormat::kTs}, {"/*.mkv", MuxFormat::kMkv},
      {"/*.webm", MuxFormat::kWebm}, {"/*.mp4", MuxFormat::kMp4}};
  for (const auto& [pattern, format] : kRoutes) {
    MuxFormat f = format;
    server.AddRoute({RouteMatch::kPattern, pattern, [this, f](const Request& r) { Serve(r, f); }, {}});
  }
}

void ProgressiveEndpoint::Serve(const Request& request, MuxFormat format) {
  AddCors(request.msg);
  std::string stream = StreamFromPath(request.path, "/", std::string(".") + FormatExtension(format));
  if (stream.empty() || (!streams_.IsConfigured(stream) && !streams_.Media(stream))) {
    RespondError(request.msg, SOUP_STATUS_NOT_FOUND, "Stream not found: it is not configured");
    return;
  }
  auto v = std::make_unique<Viewer>();
  v->owner = this;
  v->id = next_viewer_++;
  v->msg = GRef<SoupServerMessage>::Borrow(request.msg);
  v->options.stream = stream;
  v->options.format = format;
  v->options.audio = request.Query("audio");
  v->options.video = request.Query("video");
  v->options.start_ms = QueryMs(request, "start");
  v->options.stop_ms = QueryMs(request, "stop");
  int64_t duration = QueryMs(request, "duration");
  if (duration >= 0) v->options.stop_ms = std::max<int64_t>(0, v->options.start_ms) + duration;
  v->client_ip = request.ClientIp();
  v->url = request.path;
  soup_server_message_pause(request.msg);
  v->finished_id = g_signal_connect(request.msg, "finished", G_CALLBACK(&OnFinished), v.get());
  uint64_t id = v->id;
  Viewer* raw = v.get();
  viewers_.emplace(id, std::move(v));
  // No request hangs: a viewer that has no media after the start wait plus a margin gets 503.
  raw->deadline = g_timeout_source_new(start_wait_ms_ + start_margin_ms_);
  auto* ctx = new std::pair<ProgressiveEndpoint*, uint64_t>(this, id);
  g_source_set_callback(raw->deadline, [](gpointer d) -> gboolean {
    auto* p = static_cast<std::pair<ProgressiveEndpoint*, uint64_t>*>(d);
    auto it = p->first->viewers_.find(p->second);
    if (it != p->first->viewers_.end()) {
      Viewer* v = it->second.get();
      g_source_unref(v->deadline);
      v->deadline = nullptr;  // destroyed by returning G_SOURCE_REMOVE
      if (!v->sent_any) p->first->End(v);
    }
    return G_SOURCE_REMOVE;
  }, ctx, [](gpointer d) { delete static_cast<std::pair<ProgressiveEndpoint*, uint64_t>*>(d); });
  g_source_attach(raw->deadline, g_main_context_get_thread_default());
  core::PlayRequest play{ConnectorFor(format), raw->url, stream, raw->client_ip};
  std::weak_ptr<int> alive = alive_;
  streams_.host().OpenForPlay(play, [this, id, alive](Result<std::unique_ptr<core::PlaySession>> r) {
    if (alive.expired()) return;  // answered after shutdown: the session just ends
    OnPlay(id, std::move(r));
  });
}

void ProgressiveEndpoint::OnPlay(uint64_t id, Result<std::unique_ptr<core::PlaySession>> play) {
  auto it = viewers_.find(id);
  if (it == viewers_.end()) return;
  Viewer* v = it->second.get();
  if (!play) {
    Fail(v, play.error().code == ErrorCode::kNotFound ? SOUP_STATUS_NOT_FOUND
                                                       : SOUP_STATUS_SERVICE_UNAVAILABLE,
         play.error().message);
    return;
  }
  v->play = std::move(play.value());
  WhenPlayable(alive_, streams_, v->options.stream, start_wait_ms_, [this, id](bool ready) { OnPlayable(id, ready); });
}

void ProgressiveEndpoint::OnPlayable(uint64_t id, bool ready) {
  auto it = viewers_.find(id);
  if (it == viewers_.end()) return;
  Viewer* v = it->second.get();
  if (!ready) {
    soup_message_headers_replace(soup_server_message_get_response_headers(v->msg.get()),
                                 "Retry-After", "3");
    Fail(v, SOUP_STATUS_SERVICE_UNAVAILABLE, "Stream is not ready yet, retry shortly");
    return;
  }
  if (auto media = streams_.Media(v->options.stream)) {
    for (const auto& out : Outputs()) {
      bool mine = (v->options.format == MuxFormat::kFlv && std::string(out.id) == "FLV") ||
                  (v->options.format == MuxFormat::kWebm && std::string(out.id) == "EBML");
      if (mine && !OutputFits(out, media->tracks)) {
        Fail(v, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, "The stream's codecs do not fit this format");
        return;
      }
    }
  }
  Attach(v);
}

void ProgressiveEndpoint::Attach(Viewer* v) {
  bool ranged = v->options.start_ms >= 0 || v->options.stop_ms >= 0;
  // Start/stop ranges need their own pipeline; live viewers share one per key.
  std::string key = ranged ? v->options.Key() + "|" + std::to_string(v->id) : v->options.Key();
  auto it = sessions_.find(key);
  if (it == sessions_.end()) {
    auto s = std::make_unique<Session>();
    s->private_range = ranged;
    s->mux = std::make_unique<MuxSession>(v->options, factory_, g_main_context_get_thread_default());
    Status st = s->mux->Start([this, key] { OnData(key); },
                              [this, key](const std::string& reason) { EndSession(key, reason); });
    if (!st) {
      Fail(v, SOUP_STATUS_SERVICE_UNAVAILABLE, st.error().ToString());
      return;
    }
    it = sessions_.emplace(key, std::move(s)).first;
  }
  Session* s = it->second.get();
  if (s->linger) {
    g_source_destroy(s->linger);
    g_source_unref(s->linger);
    s->linger = nullptr;
  }
  s->viewers.push_back(v->id);
  v->key = key;
  // Take the connection over from libsoup: the response is written by Pump().
  SoupServerMessage* msg = v->msg.get();
  g_signal_handler_disconnect(msg, v->finished_id);
  v->finished_id = 0;
  // libsoup hands back a wrapper stream; the response goes straight to the socket underneath.
  v->socket_ref = GRef<GSocket>::Borrow(soup_server_message_get_socket(msg));
  v->stream = GRef<GIOStream>::Adopt(soup_server_message_steal_connection(msg));
  v->msg.Reset();
  if (!v->stream || !v->socket_ref) {
    Remove(v->id, false);
    return;
  }
  v->socket = v->socket_ref.get();
  g_socket_set_blocking(v->socket, FALSE);
  std::string head = std::string("HTTP/1.1 200 OK\r\nContent-Type: ") + FormatMime(v->options.format) +
                     "\r\nAccess-Control-Allow-Origin: *\r\nCache-Control: no-cache, no-store\r\n"
                     "Transfer-Encoding: chunked\r\nConnection: close\r\nServer: Haze\r\n\r\n";
  v->pending.push_back(g_bytes_new(head.data(), head.size()));
  Feed(v, s);
}

void ProgressiveEndpoint::OnData(const std::string& key) {
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return;
  Session* s = it->second.get();
  std::vector<uint64_t> ids = s->viewers;  // Feed may remove viewers
  for (uint64_t id : ids) {
    auto v = viewers_.find(id);
    if (v != viewers_.end()) Feed(v->second.get(), s);
  }
}

void ProgressiveEndpoint::Feed(Viewer* v, Session* s) {
  if (!v->socket) return;
  ChunkRing& ring = s->mux->ring();
  if (!ring.ready()) return;
  if (!v->started) {
    v->started = true;
    v->next = *ring.newest_sync();
    if (GBytes* header = ring.header(); header && g_bytes_get_size(header) > 0)
      v->pending.push_back(g_bytes_ref(header));
  }
  if (v->out_watch) {
    // Still waiting for its socket: never buffer more for it.
    if (g_get_monotonic_time() - v->blocked_since_us > kMaxBehindUs) {
      ++drops_;
      GST_INFO("progressive viewer %" G_GUINT64_FORMAT " too slow, disconnected", v->id);
      Remove(v->id, true);
    }
    return;
  }
  Pump(v, s);
}

bool ProgressiveEndpoint::Pump(Viewer* v, Session* s) {
  ChunkRing& ring = s->mux->ring();
  if (v->next < ring.first_seq() && v->pending.empty()) {  // fell out of the ring
    v->next = *ring.newest_sync();
    ++skips_;
  }
  GOutputVector vec[kMaxVectors];
  size_t n = 0;
  for (size_t i = 0; i < v->pending.size() && n < kMaxVectors; ++i) {
    gsize size = 0;
    const char* data = static_cast<const char*>(g_bytes_get_data(v->pending[i], &size));
    size_t skip = i == 0 ? v->pending_offset : 0;
    vec[n++] = {data + skip, size - skip};
  }
  size_t from_pending = n;
  uint64_t seq = v->next;
  for (const Chunk* c; n < kMaxVectors && (c = ring.Get(seq)); ++seq) {
    gsize size = 0;
    vec[n++] = {g_bytes_get_data(c->bytes, &size), size};
  }
  if (n == 0) return true;
  GError* err = nullptr;
  gssize sent = g_socket_send_message(v->socket, nullptr, vec, static_cast<gint>(n), nullptr, 0,
                                      0, nullptr, &err);
  if (sent < 0) {
    bool would_block = g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
    g_error_free(err);
    if (!would_block) {  // the player went away
      Remove(v->id, false);
      return false;
    }
    sent = 0;
  }
  if (sent > 0) v->sent_any = true;
  if (v->play && sent > 0) v->play->AddBytesOut(static_cast<uint64_t>(sent));
  // Consume what went out: pending entries first, then ring chunks.
  size_t left = static_cast<size_t>(sent);
  size_t i = 0;
  for (; i < n && left >= vec[i].size; ++i) left -= vec[i].size;
  size_t done_pending = std::min(i, from_pending);
  for (size_t k = 0; k < done_pending; ++k) {
    g_bytes_unref(v->pending.front());
    v->pending.pop_front();
    v->pending_offset = 0;
  }
  if (i > from_pending) v->next += i - from_pending;
  if (i == n) {
    v->blocked_since_us = 0;
    return true;
  }
  if (i >= from_pending) {
    // A ring chunk went out in part: keep a ref so trimming cannot take it away.
    const Chunk* c = ring.Get(v->next);
    v->pending.push_back(g_bytes_ref(c->bytes));
    v->pending_offset = left;
    ++v->next;
  } else {
    v->pending_offset += left;
  }
  if (!v->blocked_since_us) v->blocked_since_us = g_get_monotonic_time();
  WaitWritable(v);
  return true;
}

void ProgressiveEndpoint::WaitWritable(Viewer* v) {
  if (v->out_watch) return;
  v->out_watch = g_socket_create_source(v->socket, G_IO_OUT, nullptr);
  g_source_set_callback(v->out_watch,
                        reinterpret_cast<GSourceFunc>(+[](GSocket* s, GIOCondition c, gpointer d) {
                          return OnWritable(s, c, d);
                        }),
                        v, nullptr);
  g_source_attach(v->out_watch, g_main_context_get_thread_default());
}

gboolean ProgressiveEndpoint::OnWritable(GSocket*, GIOCondition, gpointer data) noexcept {
  auto* v = static_cast<Viewer*>(data);
  ProgressiveEndpoint* self = v->owner;
  g_source_unref(v->out_watch);  // returning G_SOURCE_REMOVE destroys it
  v->out_watch = nullptr;
  auto s = self->sessions_.find(v->key);
  if (s == self->sessions_.end()) return G_SOURCE_REMOVE;
  ChunkRing& ring = s->second->mux->ring();
  bool was_behind =
      v->blocked_since_us && g_get_monotonic_time() - v->blocked_since_us > kSkipAfterUs;
  if (!self->Pump(v, s->second.get())) return G_SOURCE_REMOVE;
  // A viewer that was stuck for a while continues at the newest keyframe once its partly sent
  // chunk is out, instead of replaying everything it missed.
  if (was_behind && v->pending.empty() && !v->out_watch && ring.newest_sync() &&
      v->next < *ring.newest_sync()) {
    v->next = *ring.newest_sync();
    ++self->skips_;
    self->Pump(v, s->second.get());
  }
  return G_SOURCE_REMOVE;
}

void ProgressiveEndpoint::OnFinished(SoupServerMessage*, gpointer data) noexcept {
  auto* v = static_cast<Viewer*>(data);
  v->owner->Remove(v->id, false);
}

void ProgressiveEndpoint::Fail(Viewer* v, guint status, const std::string& reason) {
  SoupServerMessage* msg = v->msg.get();
  if (!msg) {
    Remove(v->id, true);
    return;
  }
  RespondText(msg, status, reason + "\n");
  soup_server_message_unpause(msg);
  Remove(v->id, false);
}

void ProgressiveEndpoint::End(Viewer* v) {
  if (v->msg) {  // still a libsoup message: a normal error response
    Fail(v, SOUP_STATUS_SERVICE_UNAVAILABLE, "Stream ended or is not available");
    return;
  }
  if (v->socket && !v->sent_any) {
    static const char kUnavailable[] =
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 3\r\nContent-Length: 0\r\n"
        "Access-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n";
    g_socket_send(v->socket, kUnavailable, sizeof kUnavailable - 1, nullptr, nullptr);
  } else if (v->socket && v->pending.empty()) {
    g_socket_send(v->socket, "0\r\n\r\n", 5, nullptr, nullptr);  // the last chunk
  }
  Remove(v->id, true);
}

void ProgressiveEndpoint::EndSession(const std::string& key, const std::string& reason) {
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return;
  GST_INFO("progressive session %s ended: %s", key.c_str(), reason.c_str());
  std::vector<uint64_t> ids = it->second->viewers;
  for (uint64_t id : ids) {
    auto v = viewers_.find(id);
    if (v == viewers_.end()) continue;
    End(v->second.get());
  }
  auto again = sessions_.find(key);
  if (again != sessions_.end()) {
    if (again->second->linger) {
      g_source_destroy(again->second->linger);
      g_source_unref(again->second->linger);
    }
    sessions_.erase(again);
  }
}

void ProgressiveEndpoint::Remove(uint64_t id, bool close_socket) {
  auto it = viewers_.find(id);
  if (it == viewers_.end()) return;
  std::unique_ptr<Viewer> v = std::move(it->second);
  viewers_.erase(it);
  if (v->msg && v->finished_id) g_signal_handler_disconnect(v->msg.get(), v->finished_id);
  if (v->stream) {
    if (close_socket && v->socket) g_socket_shutdown(v->socket, TRUE, TRUE, nullptr);
    g_io_stream_close(v->stream.get(), nullptr, nullptr);
  }
  auto s = sessions_.find(v->key);
  if (s != sessions_.end()) {
    std::erase(s->second->viewers, id);
    if (s->second->viewers.empty()) ScheduleLinger(v->key);
  }
}

void ProgressiveEndpoint::ScheduleLinger(const std::string& key) {
  Session* s = sessions_[key].get();
  if (s->linger) return;
  s->linger = g_timeout_source_new(s->private_range ? 0 : linger_ms_);
  auto* data = new std::pair<ProgressiveEndpoint*, std::string>(this, key);
  g_source_set_callback(s->linger, [](gpointer d) -> gboolean {
    auto* p = static_cast<std::pair<ProgressiveEndpoint*, std::string>*>(d);
    auto it = p->first->sessions_.find(p->second);
    if (it != p->first->sessions_.end() && it->second->viewers.empty()) {
      GST_INFO("progressive session %s idle, stopping", p->second.c_str());
      g_source_unref(it->second->linger);
      it->second->linger = nullptr;
      p->first->sessions_.erase(it);
    }
    return G_SOURCE_REMOVE;
  }, data, [](gpointer d) { delete static_cast<std::pair<ProgressiveEndpoint*, std::string>*>(d); });
  g_source_attach(s->linger, g_main_context_get_thread_default());
}

void ProgressiveEndpoint::Shutdown() {
  while (!viewers_.empty()) {
    Viewer* v = viewers_.begin()->second.get();
    if (v->msg) {
      RespondText(v->msg.get(), SOUP_STATUS_SERVICE_UNAVAILABLE, "shutting down\n");
      soup_server_message_unpause(v->msg.get());
    }
    Remove(v->id, true);
  }
  for (auto& [key, s] : sessions_) {
    if (s->linger) {
      g_source_destroy(s->linger);
      g_source_unref(s->linger);
    }
  }
  sessions_.clear();
}

ProgressiveStats ProgressiveEndpoint::stats() const {
  return {viewers_.size(), sessions_.size(), skips_, drops_};
}

}  // namespace haze::http
