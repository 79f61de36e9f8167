#include "protocols/rtsp/rtsp_hooks.h"

#include <memory>

using HookPtr = std::shared_ptr<haze::rtsp::PathHook>;

namespace {

gchar* ApplyHook(const HookPtr* hook, gchar* path) {
  GstRTSPContext* ctx = gst_rtsp_context_get_current();
  if (!path || !ctx || !hook || !*hook) return path;
  std::string mapped = (**hook)(ctx, path);
  g_free(path);
  return mapped.empty() ? nullptr : g_strdup(mapped.c_str());
}

}  // namespace

// --- mount points ---

struct _HazeRtspMounts {
  GstRTSPMountPoints parent;
  HookPtr* hook;
};

G_DEFINE_TYPE(HazeRtspMounts, haze_rtsp_mounts, GST_TYPE_RTSP_MOUNT_POINTS)

static gchar* haze_rtsp_mounts_make_path(GstRTSPMountPoints* mounts, const GstRTSPUrl* url) {
  gchar* path = GST_RTSP_MOUNT_POINTS_CLASS(haze_rtsp_mounts_parent_class)->make_path(mounts, url);
  return ApplyHook(HAZE_RTSP_MOUNTS(mounts)->hook, path);
}

static void haze_rtsp_mounts_finalize(GObject* object) {
  delete HAZE_RTSP_MOUNTS(object)->hook;
  G_OBJECT_CLASS(haze_rtsp_mounts_parent_class)->finalize(object);
}

static void haze_rtsp_mounts_class_init(HazeRtspMountsClass* klass) {
  G_OBJECT_CLASS(klass)->finalize = haze_rtsp_mounts_finalize;
  GST_RTSP_MOUNT_POINTS_CLASS(klass)->make_path = haze_rtsp_mounts_make_path;
}

static void haze_rtsp_mounts_init(HazeRtspMounts* self) { self->hook = nullptr; }

// --- client ---

struct _HazeRtspClient {
  GstRTSPClient parent;
  HookPtr* hook;
};

G_DEFINE_TYPE(HazeRtspClient, haze_rtsp_client, GST_TYPE_RTSP_CLIENT)

static gchar* haze_rtsp_client_make_path_from_uri(GstRTSPClient* client, const GstRTSPUrl* uri) {
  gchar* path =
      GST_RTSP_CLIENT_CLASS(haze_rtsp_client_parent_class)->make_path_from_uri(client, uri);
  return ApplyHook(HAZE_RTSP_CLIENT(client)->hook, path);
}

static void haze_rtsp_client_finalize(GObject* object) {
  delete HAZE_RTSP_CLIENT(object)->hook;
  G_OBJECT_CLASS(haze_rtsp_client_parent_class)->finalize(object);
}

static void haze_rtsp_client_class_init(HazeRtspClientClass* klass) {
  G_OBJECT_CLASS(klass)->finalize = haze_rtsp_client_finalize;
  GST_RTSP_CLIENT_CLASS(klass)->make_path_from_uri = haze_rtsp_client_make_path_from_uri;
}

static void haze_rtsp_client_init(HazeRtspClient* self) { self->hook = nullptr; }

// --- server ---

struct _HazeRtspServer {
  GstRTSPServer parent;
  HookPtr* hook;
  guint body_limit;
};

G_DEFINE_TYPE(HazeRtspServer, haze_rtsp_server, GST_TYPE_RTSP_SERVER)

// What gst-rtsp-server's default does, with our client type.
static GstRTSPClient* haze_rtsp_server_create_client(GstRTSPServer* server) {
  HazeRtspServer* self = HAZE_RTSP_SERVER(server);
  auto* client = static_cast<HazeRtspClient*>(g_object_new(HAZE_TYPE_RTSP_CLIENT, nullptr));
  client->hook = new HookPtr(*self->hook);
  GstRTSPClient* c = GST_RTSP_CLIENT(client);
  GstRTSPSessionPool* pool = gst_rtsp_server_get_session_pool(server);
  gst_rtsp_client_set_session_pool(c, pool);
  if (pool) g_object_unref(pool);
  GstRTSPMountPoints* mounts = gst_rtsp_server_get_mount_points(server);
  gst_rtsp_client_set_mount_points(c, mounts);
  if (mounts) g_object_unref(mounts);
  GstRTSPAuth* auth = gst_rtsp_server_get_auth(server);
  gst_rtsp_client_set_auth(c, auth);
  if (auth) g_object_unref(auth);
  GstRTSPThreadPool* threads = gst_rtsp_server_get_thread_pool(server);
  gst_rtsp_client_set_thread_pool(c, threads);
  if (threads) g_object_unref(threads);
  gst_rtsp_client_set_content_length_limit(c, self->body_limit);
  return c;
}

static void haze_rtsp_server_finalize(GObject* object) {
  delete HAZE_RTSP_SERVER(object)->hook;
  G_OBJECT_CLASS(haze_rtsp_server_parent_class)->finalize(object);
}

static void haze_rtsp_server_class_init(HazeRtspServerClass* klass) {
  G_OBJECT_CLASS(klass)->finalize = haze_rtsp_server_finalize;
  GST_RTSP_SERVER_CLASS(klass)->create_client = haze_rtsp_server_create_client;
}

static void haze_rtsp_server_init(HazeRtspServer* self) {
  self->hook = nullptr;
  self->body_limit = 0;
}

namespace haze::rtsp {

GstRTSPServer* NewServer(PathHook hook, guint body_limit) {
  auto shared = std::make_shared<PathHook>(std::move(hook));
  auto* server = static_cast<HazeRtspServer*>(g_object_new(HAZE_TYPE_RTSP_SERVER, nullptr));
  server->hook = new HookPtr(shared);
  server->body_limit = body_limit;
  auto* mounts = static_cast<HazeRtspMounts*>(g_object_new(HAZE_TYPE_RTSP_MOUNTS, nullptr));
  mounts->hook = new HookPtr(shared);
  gst_rtsp_server_set_mount_points(GST_RTSP_SERVER(server), GST_RTSP_MOUNT_POINTS(mounts));
  g_object_unref(mounts);
  return GST_RTSP_SERVER(server);
}

}  // namespace haze::rtsp
