#include "protocols/rtsp/rtsp_server.h"

#include <gst/rtsp-server/rtsp-server.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "base/log.h"
#include "protocols/rtsp/rtsp_hooks.h"
#include "protocols/rtsp/rtsp_launch.h"
#include "protocols/rtsp/rtsp_sdp.h"

#define GST_CAT_DEFAULT haze_core_debug

namespace haze::rtsp {

namespace {

constexpr auto kOpenTimeout = std::chrono::seconds(15);  // StreamHost answer (triggers may block)
constexpr int64_t kReadyTimeoutMs = 10000;               // stream playable
constexpr guint kClientThreads = 16;
// Publishers' RECORD mounts live under this prefix, so viewers can play the same URL.
const std::string kRecordPrefix = "/.record";
constexpr guint kBodyLimit = 64 * 1024;  // request bodies (ANNOUNCE SDPs)

using SessionList = std::vector<std::unique_ptr<core::PlaySession>>;

// Runs |fn| on |context| (from any thread).
void RunOn(GMainContext* context, std::function<void()> fn) {
  auto* heap = new std::function<void()>(std::move(fn));
  g_main_context_invoke_full(
      context, G_PRIORITY_DEFAULT,
      [](gpointer data) -> gboolean {
        (*static_cast<std::function<void()>*>(data))();
        return G_SOURCE_REMOVE;
      },
      heap, [](gpointer data) { delete static_cast<std::function<void()>*>(data); });
}

bool SafeName(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!g_ascii_isalnum(c) && c != '_' && c != '-' && c != '+' && c != '.') return false;
  return true;
}

}  // namespace

struct RtspServer::State : std::enable_shared_from_this<RtspServer::State> {
  core::StreamHost* host = nullptr;  // null once the server is going away
  GMainContext* context = nullptr;
  GstRTSPServer* server = nullptr;  // set and cleared on the main thread
  std::mutex server_mutex;          // media threads read |server| under it
  guint source = 0;
  std::mutex mutex;
  std::map<std::string, bool> mounted;              // mount path -> true for RECORD (publish)
  std::map<GstRTSPClient*, std::string> announced;  // publisher -> its URL path
  std::map<GstRTSPClient*, SessionList> viewers;    // sessions per client
  std::map<GstRTSPClient*, std::vector<std::unique_ptr<core::PublishSession>>> publishers;

  // Client thread: asks the main thread for a play session of |stream|; waits for the answer.
  std::unique_ptr<core::PlaySession> Open(const std::string& stream, const std::string& ip,
                                          const std::string& url);
  // Client thread: asks the main thread to authorize a publisher; waits for the answer.
  std::unique_ptr<core::PublishSession> Authorize(const core::PublishRequest& request);
  // Client thread: mounts |path| for |session|'s stream if nothing serves it yet.
  bool Mount(const std::string& path, core::PlaySession& session);
  // Client thread: mounts (or replaces) the RECORD factory of a publisher at |path|.
  void MountRecord(const std::string& path, const std::string& stream, const std::string& launch);
  // Client thread: the mount path for |path| requested by |ctx|'s client ("" = refuse).
  std::string MapPath(GstRTSPContext* ctx, const std::string& path);
  // |stream| names the mount in logs: a publisher's path may hold its stream key.
  void AddFactory(const std::string& path, const std::string& stream, GstRTSPMediaFactory* factory,
                  bool record);
  void Release(GstRTSPClient* client);
};

namespace {

// Calls |call| (StreamHost::OpenForPlay or AuthorizePublish) with |request| on the main context
// and waits, on this client thread, for the session it answers. Null with |error| set when the
// host refuses, the server is going away or the host does not answer in time.
template <typename Session, typename Request, typename Done>
std::unique_ptr<Session> AskHost(const std::shared_ptr<RtspServer::State>& state,
                                 void (core::StreamHost::*call)(const Request&, Done),
                                 const Request& request, std::string* error) {
  struct Answer {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    std::unique_ptr<Session> session;
    std::string error;
  };
  auto answer = std::make_shared<Answer>();
  auto finish = [answer](std::unique_ptr<Session> s, std::string e) {
    std::lock_guard lock(answer->m);
    answer->session = std::move(s);
    answer->error = std::move(e);
    answer->done = true;
    answer->cv.notify_all();
  };
  std::weak_ptr<RtspServer::State> weak = state;
  RunOn(state->context, [weak, call, request, finish] {
    auto s = weak.lock();  // on the main context: host is only cleared there
    if (!s || !s->host) return finish(nullptr, "server stopping");
    (s->host->*call)(request, [finish](Result<std::unique_ptr<Session>> r) {
      if (r)
        finish(std::move(r.value()), {});
      else
        finish(nullptr, r.error().ToString());
    });
  });
  std::unique_lock lock(answer->m);
  if (!answer->cv.wait_for(lock, kOpenTimeout, [&] { return answer->done; })) {
    *error = "no answer from the stream host";
    return nullptr;
  }
  *error = answer->error;
  return std::move(answer->session);
}

// Ends a session on the main context, like every StreamHost call.
template <typename Session>
void EndOnMain(GMainContext* context, std::unique_ptr<Session> session) {
  if (!session) return;
  auto* heap = new std::unique_ptr<Session>(std::move(session));
  RunOn(context, [heap] { delete heap; });
}

}  // namespace

std::unique_ptr<core::PlaySession> RtspServer::State::Open(const std::string& stream,
                                                           const std::string& ip,
                                                           const std::string& url) {
  core::PlayRequest request{.connector = "RTSP", .url = url, .stream = stream, .client_ip = ip};
  std::string error;
  auto session = AskHost<core::PlaySession>(shared_from_this(), &core::StreamHost::OpenForPlay,
                                            request, &error);
  if (!session)
    GST_INFO("rtsp: play %s from %s refused: %s", stream.c_str(), ip.c_str(), error.c_str());
  return session;
}

std::unique_ptr<core::PublishSession> RtspServer::State::Authorize(
    const core::PublishRequest& request) {
  std::string error;
  auto session = AskHost<core::PublishSession>(shared_from_this(),
                                               &core::StreamHost::AuthorizePublish, request, &error);
  // The request URL and key are never logged: they may hold a stream key.
  if (!session)
    GST_INFO("rtsp: publish from %s refused: %s", request.client_ip.c_str(), error.c_str());
  return session;
}

struct MountRef {
  std::weak_ptr<RtspServer::State> state;
  std::string path;    // never logged (a publisher's holds its key)
  std::string stream;  // for logs
  bool record = false;
};

static void DeleteMountRef(gpointer d, GClosure*) { delete static_cast<MountRef*>(d); }
static void OnMediaUnprepared(GstRTSPMedia*, gpointer data);

static void OnMediaConfigure(GstRTSPMediaFactory*, GstRTSPMedia* media, gpointer data) {
  g_signal_connect_data(media, "unprepared", G_CALLBACK(OnMediaUnprepared),
                        new MountRef(*static_cast<MountRef*>(data)), DeleteMountRef,
                        GConnectFlags(0));
}

// The last viewer left (or the pipeline failed): unmount, so the next viewer gets a fresh media
// built for the stream's tracks at that time.
static void OnMediaUnprepared(GstRTSPMedia*, gpointer data) {
  auto* ref = static_cast<MountRef*>(data);
  auto state = ref->state.lock();
  if (!state) return;
  GstRTSPMountPoints* mounts = nullptr;
  {
    std::lock_guard server_lock(state->server_mutex);
    if (!state->server) return;  // stopped: the server is gone
    mounts = gst_rtsp_server_get_mount_points(state->server);
  }
  gst_rtsp_mount_points_remove_factory(mounts, ref->path.c_str());
  g_object_unref(mounts);
  std::lock_guard lock(state->mutex);
  state->mounted.erase(ref->path);
  GST_INFO("rtsp: %s %s ended", ref->stream.c_str(), ref->record ? "publish" : "play mount");
}

void RtspServer::State::AddFactory(const std::string& path, const std::string& stream,
                                   GstRTSPMediaFactory* factory, bool record) {
  g_signal_connect_data(factory, "media-configure", G_CALLBACK(OnMediaConfigure),
                        new MountRef{weak_from_this(), path, stream, record}, DeleteMountRef,
                        GConnectFlags(0));
  GstRTSPMountPoints* mounts = gst_rtsp_server_get_mount_points(server);
  gst_rtsp_mount_points_add_factory(mounts, path.c_str(), factory);  // takes the factory
  g_object_unref(mounts);
  mounted[path] = record;
}

bool RtspServer::State::Mount(const std::string& path, core::PlaySession& session) {
  std::lock_guard lock(mutex);
  if (mounted.count(path)) return true;
  if (!SafeName(session.stream())) return false;
  auto launch = LaunchFor(session.stream(), session.buffer()->Tracks());
  if (!launch) {
    GST_WARNING("rtsp: %s has no track RTSP can carry", session.stream().c_str());
    return false;
  }
  GstRTSPMediaFactory* factory = gst_rtsp_media_factory_new();
  gst_rtsp_media_factory_set_launch(factory, launch->c_str());
  gst_rtsp_media_factory_set_shared(factory, TRUE);
  gst_rtsp_media_factory_set_latency(factory, 100);
  AddFactory(path, session.stream(), factory, false);
  GST_INFO("rtsp: %s mounted for play: %s", session.stream().c_str(), launch->c_str());
  return true;
}

void RtspServer::State::MountRecord(const std::string& path, const std::string& stream,
                                    const std::string& launch) {
  std::lock_guard lock(mutex);
  if (mounted.count(path)) {
    GstRTSPMountPoints* mounts = gst_rtsp_server_get_mount_points(server);
    gst_rtsp_mount_points_remove_factory(mounts, path.c_str());  // a previous publisher's
    g_object_unref(mounts);
  }
  GstRTSPMediaFactory* factory = gst_rtsp_media_factory_new();
  gst_rtsp_media_factory_set_launch(factory, launch.c_str());
  gst_rtsp_media_factory_set_transport_mode(factory, GST_RTSP_TRANSPORT_MODE_RECORD);
  gst_rtsp_media_factory_set_latency(factory, 200);
  AddFactory(path, stream, factory, true);
}

void RtspServer::State::Release(GstRTSPClient* client) {
  auto* sessions = new SessionList;
  auto* published = new std::vector<std::unique_ptr<core::PublishSession>>;
  {
    std::lock_guard lock(mutex);
    if (auto it = viewers.find(client); it != viewers.end()) {
      *sessions = std::move(it->second);
      viewers.erase(it);
    }
    if (auto it = publishers.find(client); it != publishers.end()) {
      *published = std::move(it->second);
      publishers.erase(it);
    }
    announced.erase(client);
  }
  // Sessions end on the main context, like every StreamHost call.
  RunOn(context, [sessions, published] {
    delete sessions;
    delete published;
  });
}

namespace {

struct ClientRef {
  std::weak_ptr<RtspServer::State> state;
};

void DeleteClientRef(gpointer d, GClosure*) { delete static_cast<ClientRef*>(d); }

std::string ClientIp(GstRTSPClient* client) {
  GstRTSPConnection* conn = gst_rtsp_client_get_connection(client);
  const gchar* ip = conn ? gst_rtsp_connection_get_ip(conn) : nullptr;
  return ip ? ip : "";
}

// DESCRIBE of a path nobody serves yet: open the stream for this viewer and mount it.
GstRTSPStatusCode OnPreDescribe(GstRTSPClient* client, GstRTSPContext* ctx, gpointer data) {
  auto state = static_cast<ClientRef*>(data)->state.lock();
  if (!state || !ctx->uri || !ctx->uri->abspath) return GST_RTSP_STS_SERVICE_UNAVAILABLE;
  std::string path = ctx->uri->abspath;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const std::string stream = path.size() > 1 ? path.substr(1) : "";
  if (stream.empty() || stream.find('/') != std::string::npos) return GST_RTSP_STS_NOT_FOUND;
  const std::string ip = ClientIp(client);
  gchar* url = gst_rtsp_url_get_request_uri(ctx->uri);
  auto session = state->Open(stream, ip, url ? url : "");
  g_free(url);
  if (!session) return GST_RTSP_STS_NOT_FOUND;
  // Wait (on this client's thread) until a reader would start on a keyframe with codec data.
  const gint64 start = g_get_monotonic_time();
  for (;;) {
    const int64_t waited = (g_get_monotonic_time() - start) / 1000;
    if (session->buffer() && session->buffer()->ReadyForPlay(waited)) break;
    if (waited > kReadyTimeoutMs) {
      GST_INFO("rtsp: %s not playable after %" G_GINT64_FORMAT " ms", stream.c_str(), waited);
      EndOnMain(state->context, std::move(session));
      return GST_RTSP_STS_SERVICE_UNAVAILABLE;
    }
    g_usleep(20000);
  }
  if (!state->Mount(path, *session)) {
    EndOnMain(state->context, std::move(session));
    return GST_RTSP_STS_UNSUPPORTED_MEDIA_TYPE;
  }
  std::lock_guard lock(state->mutex);
  state->viewers[client].push_back(std::move(session));
  return GST_RTSP_STS_OK;
}

// The media sections of an ANNOUNCE body, or nullopt when it is not an SDP.
std::optional<std::vector<AnnouncedMedia>> ParseAnnounce(GstRTSPMessage* request) {
  guint8* body = nullptr;
  guint size = 0;
  if (!request || gst_rtsp_message_get_body(request, &body, &size) != GST_RTSP_OK || size == 0)
    return std::nullopt;
  return ParseAnnouncedSdp({body, size});
}

// ANNOUNCE: a publisher (rtsp://HOST:5554/STREAM or /APP/KEY, as RTMP). The stream host decides
// (push:// source, keys, triggers); then a RECORD factory for this path stores what the SDP
// announces into the stream's buffer. Runs from the mount points' path lookup (rtsp_mounts.h);
// false fails the lookup (the publisher gets an error status).
bool OnAnnounce(RtspServer::State* state, GstRTSPContext* ctx) {
  GstRTSPClient* client = ctx->client;
  if (!client || !ctx->uri || !ctx->uri->abspath) return false;
  std::string path = ctx->uri->abspath;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  gchar** parts = g_strsplit(path.c_str() + 1, "/", -1);
  const guint n = g_strv_length(parts);
  core::PublishRequest request{.connector = "RTSP", .client_ip = ClientIp(client)};
  if (n == 1 || n == 2) {
    request.app = n == 2 ? parts[0] : "";
    request.stream_key = parts[n - 1];
  }
  g_strfreev(parts);
  if (request.stream_key.empty()) return false;
  auto medias = ParseAnnounce(ctx->request);
  if (!medias) {
    GST_INFO("rtsp: ANNOUNCE from %s without an SDP", request.client_ip.c_str());
    return false;
  }
  gchar* url = gst_rtsp_url_get_request_uri(ctx->uri);
  request.url = url ? url : "";
  g_free(url);
  auto session = state->Authorize(request);
  if (!session) return false;
  auto launch =
      SafeName(session->stream()) ? RecordLaunchFor(session->stream(), *medias) : std::nullopt;
  if (!launch) {
    GST_INFO("rtsp: publish to %s: no announced media can be stored", session->stream().c_str());
    EndOnMain(state->context, std::move(session));
    return false;
  }
  state->MountRecord(kRecordPrefix + path, session->stream(), *launch);
  GST_INFO("rtsp: %s publishing from %s: %s", session->stream().c_str(), request.client_ip.c_str(),
           launch->c_str());
  std::lock_guard lock(state->mutex);
  state->publishers[client].push_back(std::move(session));
  state->announced[client] = path;
  return true;
}

}  // namespace

std::string RtspServer::State::MapPath(GstRTSPContext* ctx, const std::string& path) {
  std::string announced_path;
  {
    std::lock_guard lock(mutex);
    auto it = ctx->client ? announced.find(ctx->client) : announced.end();
    if (it != announced.end()) announced_path = it->second;
  }
  auto own = [&](const std::string& p) {  // the publisher's URL, or it plus a control part
    return !announced_path.empty() &&
           (p == announced_path || p.rfind(announced_path + "/", 0) == 0);
  };
  if (path.rfind(kRecordPrefix, 0) == 0)  // already mapped, and only for its publisher
    return own(path.substr(kRecordPrefix.size())) ? path : "";
  if (own(path)) return kRecordPrefix + path;
  if (ctx->method == GST_RTSP_ANNOUNCE) return OnAnnounce(this, ctx) ? kRecordPrefix + path : "";
  return path;
}

namespace {

void OnClientClosed(GstRTSPClient* client, gpointer data) {
  if (auto state = static_cast<ClientRef*>(data)->state.lock()) state->Release(client);
}

void OnClientConnected(GstRTSPServer*, GstRTSPClient* client, gpointer data) {
  auto* ref = static_cast<ClientRef*>(data);
  g_signal_connect_data(client, "pre-describe-request", G_CALLBACK(OnPreDescribe),
                        new ClientRef{*ref}, DeleteClientRef, GConnectFlags(0));
  g_signal_connect_data(client, "closed", G_CALLBACK(OnClientClosed), new ClientRef{*ref},
                        DeleteClientRef, GConnectFlags(0));
}

GstRTSPFilterResult CloseClient(GstRTSPServer*, GstRTSPClient*, gpointer) {
  return GST_RTSP_FILTER_REMOVE;
}

}  // namespace

RtspServer::RtspServer(core::StreamHost& host) : state_(std::make_shared<State>()) {
  state_->host = &host;
}

RtspServer::~RtspServer() { Stop(); }

void RtspServer::Stop() {
  if (!state_->server) return;
  {
    std::lock_guard lock(state_->mutex);
    state_->host = nullptr;
  }
  if (state_->source) g_source_remove(state_->source);
  state_->source = 0;
  gst_rtsp_server_client_filter(state_->server, CloseClient, nullptr);
  GstRTSPServer* server = nullptr;
  {
    // Medias unprepare on their own threads: they see the server gone under server_mutex.
    std::lock_guard lock(state_->server_mutex);
    server = std::exchange(state_->server, nullptr);
  }
  g_object_unref(server);
  std::lock_guard lock(state_->mutex);
  state_->viewers.clear();  // on the main context: sessions end here
  state_->publishers.clear();
}

Result<uint16_t> RtspServer::Start(GMainContext* context, const std::string& address,
                                   uint16_t port) {
  state_->context = context;
  std::weak_ptr<State> weak = state_;
  state_->server = NewServer(
      [weak](GstRTSPContext* ctx, const std::string& path) {
        auto state = weak.lock();
        return state ? state->MapPath(ctx, path) : std::string();
      },
      kBodyLimit);
  gst_rtsp_server_set_address(state_->server, address.c_str());
  gst_rtsp_server_set_service(state_->server, std::to_string(port).c_str());
  GstRTSPThreadPool* pool = gst_rtsp_server_get_thread_pool(state_->server);
  gst_rtsp_thread_pool_set_max_threads(pool, kClientThreads);  // DESCRIBE may wait: not on main
  g_object_unref(pool);
  g_signal_connect_data(state_->server, "client-connected", G_CALLBACK(OnClientConnected),
                        new ClientRef{state_}, DeleteClientRef, GConnectFlags(0));
  GError* err = nullptr;
  GSource* source = gst_rtsp_server_create_source(state_->server, nullptr, &err);
  if (!source) {
    Error e = Error::FromGError(err, ErrorCode::kIo, "RTSP port " + std::to_string(port));
    g_clear_error(&err);
    return e;
  }
  state_->source = g_source_attach(source, context);
  g_source_unref(source);
  return static_cast<uint16_t>(gst_rtsp_server_get_bound_port(state_->server));
}

}  // namespace haze::rtsp
