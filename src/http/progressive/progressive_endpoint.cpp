#include "http/progressive/progressive_endpoint.h"

#include <algorithm>
#include <vector>

#include "base/log.h"
#include "http/output_catalog.h"
#include "http/stream_info.h"

#define GST_CAT_DEFAULT haze_http_debug

namespace haze::http {

namespace {

constexpr size_t kMaxQueuedBytes = 1 << 20;  // unsent bytes before a viewer counts as behind
constexpr int64_t kMaxBehindUs = 10 * G_USEC_PER_SEC;  // behind this long: disconnected

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
  GRef<SoupServerMessage> msg;
  MuxOptions options;
  std::string client_ip, url;
  std::unique_ptr<core::PlaySession> play;
  std::string key;  // attached session
  bool started = false;
  uint64_t next = 0;
  size_t queued = 0;
  int64_t behind_since_us = 0;
  gulong wrote_id = 0, finished_id = 0;
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
  core::PlayRequest play{ConnectorFor(format), raw->url, stream, raw->client_ip};
  streams_.host().OpenForPlay(play, [this, id](Result<std::unique_ptr<core::PlaySession>> r) {
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
  WhenPlayable(streams_, v->options.stream, start_wait_ms_, [this, id](bool ready) { OnPlayable(id, ready); });
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
  SoupServerMessage* msg = v->msg.get();
  SoupMessageHeaders* h = soup_server_message_get_response_headers(msg);
  soup_message_headers_set_encoding(h, SOUP_ENCODING_CHUNKED);
  soup_message_headers_replace(h, "Content-Type", FormatMime(v->options.format));
  soup_message_headers_replace(h, "Cache-Control", "no-cache, no-store");
  soup_message_body_set_accumulate(soup_server_message_get_response_body(msg), FALSE);
  soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
  v->wrote_id = g_signal_connect(msg, "wrote-body-data", G_CALLBACK(&OnWrote), v);
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
  ChunkRing& ring = s->mux->ring();
  if (!ring.ready()) return;
  SoupMessageBody* body = soup_server_message_get_response_body(v->msg.get());
  bool appended = false;
  if (!v->started) {
    v->started = true;
    v->next = *ring.newest_sync();
    if (GBytes* header = ring.header(); header && g_bytes_get_size(header) > 0) {
      soup_message_body_append_bytes(body, header);
      v->queued += g_bytes_get_size(header);
      appended = true;
    }
  }
  if (v->queued > kMaxQueuedBytes) {
    int64_t now = g_get_monotonic_time();
    if (!v->behind_since_us) v->behind_since_us = now;
    if (now - v->behind_since_us > kMaxBehindUs) {
      ++drops_;
      GST_INFO("progressive viewer %" G_GUINT64_FORMAT " too slow, disconnected", v->id);
      Remove(v->id, true);
    }
    return;
  }
  if (v->behind_since_us || v->next < ring.first_seq()) {
    // Caught up with its socket (or fell out of the ring): continue at the newest keyframe.
    v->behind_since_us = 0;
    if (v->next != *ring.newest_sync()) ++skips_;
    v->next = std::max(v->next, *ring.newest_sync());
  }
  for (const Chunk* c; (c = ring.Get(v->next)); ++v->next) {
    soup_message_body_append_bytes(body, c->bytes);
    v->queued += g_bytes_get_size(c->bytes);
    appended = true;
  }
  if (appended) soup_server_message_unpause(v->msg.get());
}

void ProgressiveEndpoint::OnWrote(SoupServerMessage*, guint size, gpointer data) noexcept {
  auto* v = static_cast<Viewer*>(data);
  v->queued = v->queued > size ? v->queued - size : 0;
  if (v->play) v->play->AddBytesOut(size);
}

void ProgressiveEndpoint::OnFinished(SoupServerMessage*, gpointer data) noexcept {
  auto* v = static_cast<Viewer*>(data);
  v->owner->Remove(v->id, false);
}

void ProgressiveEndpoint::Fail(Viewer* v, guint status, const std::string& reason) {
  SoupServerMessage* msg = v->msg.get();
  RespondText(msg, status, reason + "\n");
  soup_server_message_unpause(msg);
  Remove(v->id, false);
}

void ProgressiveEndpoint::EndSession(const std::string& key, const std::string& reason) {
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return;
  GST_INFO("progressive session %s ended: %s", key.c_str(), reason.c_str());
  std::vector<uint64_t> ids = it->second->viewers;
  for (uint64_t id : ids) {
    auto v = viewers_.find(id);
    if (v == viewers_.end()) continue;
    SoupServerMessage* msg = v->second->msg.get();
    soup_message_body_complete(soup_server_message_get_response_body(msg));
    soup_server_message_unpause(msg);
    Remove(id, false);
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
  if (v->wrote_id) g_signal_handler_disconnect(v->msg.get(), v->wrote_id);
  if (v->finished_id) g_signal_handler_disconnect(v->msg.get(), v->finished_id);
  if (close_socket)
    if (GSocket* sock = soup_server_message_get_socket(v->msg.get()))
      g_socket_shutdown(sock, TRUE, TRUE, nullptr);
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
    soup_message_body_complete(soup_server_message_get_response_body(v->msg.get()));
    soup_server_message_unpause(v->msg.get());
    Remove(v->id, false);
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
