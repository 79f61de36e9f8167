// RtspServer: RTSP play (rtsp://HOST:5554/STREAM) and publish (ANNOUNCE/RECORD to
// rtsp://HOST:5554/STREAM or /APP/KEY) on gst-rtsp-server. A stream is mounted for play when the
// first client DESCRIBEs it: one shared media per stream (dtscsrc and a payloader per track, see
// rtsp_launch.h), so every RTSP viewer of a stream shares one pipeline; the mount goes away when
// the last viewer left. A publisher's ANNOUNCE goes through the StreamHost's publish decisions,
// then a RECORD media (depayloaders into dtscsink) stores its tracks. Each client holds its
// core::PlaySession / PublishSession.
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
  // Stops listening and closes every client (publishers end, viewers' sessions close).
  // Idempotent; the destructor calls it.
  void Stop();

  struct State;  // shared with the client threads

 private:
  std::shared_ptr<State> state_;
};

}  // namespace haze::rtsp
