// GObject subclasses of gst-rtsp-server that route every URL -> mount path step through one hook:
// HazeRtspMounts (make_path: DESCRIBE, ANNOUNCE), HazeRtspClient (make_path_from_uri: SETUP,
// PLAY, RECORD, TEARDOWN) and HazeRtspServer (creates HazeRtspClients). The server uses it to
// authorize a publisher and mount its RECORD factory before an ANNOUNCE is looked up
// (gst-rtsp-server emits pre-announce-request only after the lookup), and to send a publisher's
// own requests to its private RECORD mount while viewers of the same URL get the play mount.
// Thread: RTSP client threads.
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

#include <functional>
#include <string>

G_BEGIN_DECLS
#define HAZE_TYPE_RTSP_MOUNTS (haze_rtsp_mounts_get_type())
G_DECLARE_FINAL_TYPE(HazeRtspMounts, haze_rtsp_mounts, HAZE, RTSP_MOUNTS, GstRTSPMountPoints)
#define HAZE_TYPE_RTSP_CLIENT (haze_rtsp_client_get_type())
G_DECLARE_FINAL_TYPE(HazeRtspClient, haze_rtsp_client, HAZE, RTSP_CLIENT, GstRTSPClient)
#define HAZE_TYPE_RTSP_SERVER (haze_rtsp_server_get_type())
G_DECLARE_FINAL_TYPE(HazeRtspServer, haze_rtsp_server, HAZE, RTSP_SERVER, GstRTSPServer)
G_END_DECLS

namespace haze::rtsp {

// Called with the request's context (method, request with its body, client) and the requested
// path. Returns the path to look up instead, the requested one to change nothing, or "" to fail
// the lookup (the client gets an error status; the hook logs why).
using PathHook = std::function<std::string(GstRTSPContext* ctx, const std::string& path)>;

// A server whose clients and mount points ask |hook|. Limits request bodies to |body_limit|.
GstRTSPServer* NewServer(PathHook hook, guint body_limit);

}  // namespace haze::rtsp
