// RtmpServer: the RTMP listener (publish into and play from the streams' LiveBuffers). Accepts
// TCP connections on a GMainContext, enforces connection limits, owns the connections and one
// StreamFanout per played stream. Publish/play decisions go to the core::StreamHost.
// Thread: construct, Start, Stop and destroy on the thread that runs |context|.
#pragma once

#include <glib.h>

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "core/stream_host.h"
#include "protocols/rtmp/rtmp_config.h"

namespace haze::rtmp {

struct RtmpStats {
  size_t connections = 0;
  size_t publishers = 0;
  size_t players = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  uint64_t refused = 0;        // connections refused by the limits
  uint64_t player_skips = 0;   // slow players moved to the next keyframe
};

class RtmpServer {
 public:
  RtmpServer(core::StreamHost& host, RtmpConfig config = {});
  ~RtmpServer();
  RtmpServer(const RtmpServer&) = delete;
  RtmpServer& operator=(const RtmpServer&) = delete;

  // Listens on |address|:|port| (port 0 picks a free port); returns the bound port.
  // |inherited_fd|: a listener handed over across a restart, adopted when it listens on |port|
  // (else closed).
  Result<uint16_t> Start(GMainContext* context, const std::string& address = "0.0.0.0",
                         uint16_t port = 1935, int inherited_fd = -1);
  // A copy of the listener that survives exec, or -1 (restart handover).
  int DupListenerForExec() const;
  // Closes the listener and every connection (publishers end, players are dropped).
  void Stop();
  uint16_t port() const;
  RtmpStats Stats() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace haze::rtmp
