// RtspServer: RTSP play (rtsp://HOST:5554/STREAM) on gst-rtsp-server. A stream is mounted when the
// first client DESCRIBEs it: one shared media per stream (dtscsrc and a payloader per track, see
// rtsp_launch.h), so every RTSP viewer of a stream shares one pipeline; the mount goes away when
// the last viewer left. Each client holds a core::PlaySession (viewer count, on-demand start).
// Thread: construct, Start and destroy on the thread that runs |context|; RTSP clients are served
// from gst-rtsp-server's own client threads, which marshal to |context| for the StreamHost.
#pragma once

#include <glib.h>

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "core/stream_host.h"

namespace haze::rtsp {

class RtspServer {
 public:
  explicit RtspServer(core::StreamHost& host);
  ~RtspServer();
  RtspServer(const RtspServer&) = delete;
  RtspServer& operator=(const RtspServer&) = delete;

  // Listens on |address|:|port| (port 0 picks a free port); returns the bound port.
  Result<uint16_t> Start(GMainContext* context, const std::string& address, uint16_t port);

  struct State;  // shared with the client threads

 private:
  std::shared_ptr<State> state_;
};

}  // namespace haze::rtsp
