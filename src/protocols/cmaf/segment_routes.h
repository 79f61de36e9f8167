// Wiring of segmented delivery into Haze: an opener over the StreamHost (one PlaySession per
// stream store, so on-demand streams run while HLS/DASH viewers fetch) and the routes on the
// HTTP layer's media server: prefix /hls/ and /cmaf/, exact /time (DASH UTCTiming).
// Thread: main context. Borrows the host, the server and the service.
#pragma once

#include "core/stream_host.h"
#include "http/http_server.h"
#include "protocols/cmaf/segment_service.h"

namespace haze::cmaf {

SegmentService::Opener HostOpener(core::StreamHost& host);
// Stream names as the registry keys them (one store per stream, however it is spelled).
std::string CanonicalStreamName(const std::string& requested);
void RegisterSegmentRoutes(http::HttpServer& server, SegmentService& service);

}  // namespace haze::cmaf
