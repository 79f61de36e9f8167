#include "protocols/rtsp/rtsp_server.h"

#include <gst/rtsp-server/rtsp-server.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "base/log.h"
#include "protocols/rtsp/rtsp_launch.h"

#define GST_CAT_DEFAULT haze_core_debug

namespace haze::rtsp {

namespace {

constexpr auto kOpenTimeout = std::chrono::seconds(15);  // StreamHost answer (triggers may block)
constexpr int64_t kReadyTimeoutMs = 10000;                // stream playable
constexpr guint kClientThreads = 16;

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
  GstRTSPServer* server = nullptr;
  guint source = 0;
  std::mutex mutex;
  std::set<std::string> mounted;                  // mount paths with a factory
  std::map<GstRTSPClient*, SessionList> viewers;  // sessions per client

  // Client thread: asks the main thread for a play session of |stream|; waits for the answer.
  std::unique_ptr<core::PlaySession> Open(const std::string& stream, const std::string& ip,
                                          const std::string& url);
  // Client thread: mounts |path| for |session|'s stream if nothing serves it yet.
  bool Mount(const std::string& path, core::PlaySession& session);
  void Release(GstRTSPClient* client);
};

std::unique_ptr<core::PlaySession> RtspServer::State::Open(const std::string& stream,
                                                           const std::string& ip,
                                                           const std::string& url) {
  struct Answer {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    std::unique_ptr<core::PlaySession> session;
    std::string error;
  };
  auto answer = std::make_shared<Answer>();
  core::PlayRequest request{.connector = "RTSP", .url = url, .stream = stream, .client_ip = ip};
  RunOn(context, [this, answer, request] {
    auto finish = [answer](std::unique_ptr<core::PlaySession> s, std::string error) {
      std::lock_guard lock(answer->m);
      answer->session = std::move(s);
      answer->error = std::move(error);
      answer->done = true;
      answer->cv.notify_all();
    };
    if (!host) return finish(nullptr, "server stopping");
    host->OpenForPlay(request, [finish](Result<std::unique_ptr<core::PlaySession>> r) {
      if (r) finish(std::move(r.value()), {});
      else finish(nullptr, r.error().ToString());
    });
  });
  std::unique_lock lock(answer->m);
  if (!answer->cv.wait_for(lock, kOpenTimeout, [&] { return answer->done; })) {
    GST_WARNING("rtsp: %s from %s: no answer from the stream host", stream.c_str(), ip.c_str());
    return nullptr;
  }
  if (!answer->session)
    GST_INFO("rtsp: play %s from %s refused: %s", stream.c_str(), ip.c_str(),
             answer->error.c_str());
  return std::move(answer->session);
}

struct MountRef {
  std::weak_ptr<RtspServer::State> state;
  std::string path;
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
  GstRTSPMountPoints* mounts = gst_rtsp_server_get_mount_points(state->server);
  gst_rtsp_mount_points_remove_factory(mounts, ref->path.c_str());
  g_object_unref(mounts);
  std::lock_guard lock(state->mutex);
  state->mounted.erase(ref->path);
  GST_INFO("rtsp: %s unmounted (no viewers)", ref->path.c_str());
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
  g_signal_connect_data(factory, "media-configure", G_CALLBACK(OnMediaConfigure),
                        new MountRef{weak_from_this(), path}, DeleteMountRef, GConnectFlags(0));
  GstRTSPMountPoints* mounts = gst_rtsp_server_get_mount_points(server);
  gst_rtsp_mount_points_add_factory(mounts, path.c_str(), factory);  // takes the factory
  g_object_unref(mounts);
  mounted.insert(path);
  GST_INFO("rtsp: %s mounted: %s", path.c_str(), launch->c_str());
  return true;
}

void RtspServer::State::Release(GstRTSPClient* client) {
  SessionList sessions;
  {
    std::lock_guard lock(mutex);
    auto it = viewers.find(client);
    if (it == viewers.end()) return;
    sessions = std::move(it->second);
    viewers.erase(it);
  }
  // Sessions end on the main context, like every StreamHost call.
  auto* heap = new SessionList(std::move(sessions));
  RunOn(context, [heap] { delete heap; });
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
      state->Release(client);
      auto* heap = new std::unique_ptr<core::PlaySession>(std::move(session));
      RunOn(state->context, [heap] { delete heap; });
      return GST_RTSP_STS_SERVICE_UNAVAILABLE;
    }
    g_usleep(20000);
  }
  if (!state->Mount(path, *session)) {
    auto* heap = new std::unique_ptr<core::PlaySession>(std::move(session));
    RunOn(state->context, [heap] { delete heap; });
    return GST_RTSP_STS_UNSUPPORTED_MEDIA_TYPE;
  }
  std::lock_guard lock(state->mutex);
  state->viewers[client].push_back(std::move(session));
  return GST_RTSP_STS_OK;
}

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

RtspServer::~RtspServer() {
  if (!state_->server) return;
  {
    std::lock_guard lock(state_->mutex);
    state_->host = nullptr;
  }
  if (state_->source) g_source_remove(state_->source);
  gst_rtsp_server_client_filter(state_->server, CloseClient, nullptr);
  g_object_unref(state_->server);
  std::lock_guard lock(state_->mutex);
  state_->viewers.clear();  // on the main context: sessions end here
}

Result<uint16_t> RtspServer::Start(GMainContext* context, const std::string& address,
                                   uint16_t port) {
  state_->context = context;
  state_->server = gst_rtsp_server_new();
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
    Error e = Error::FromGError(err, ErrorCode::kIo,
                                "RTSP port " + std::to_string(port));
    g_clear_error(&err);
    return e;
  }
  state_->source = g_source_attach(source, context);
  g_source_unref(source);
  return static_cast<uint16_t>(gst_rtsp_server_get_bound_port(state_->server));
}

}  // namespace haze::rtsp
