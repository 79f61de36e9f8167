// Bridges the segment endpoints to a libsoup 3 SoupServer: GET/HEAD /hls/<stream>/...,
// /cmaf/<stream>/... and /time, with parked (paused) messages for LL-HLS blocking requests.
// Usable as-is, or as the reference for wiring HandleHls/HandleCmaf into Haze's HTTP router.
// Thread: the GMainContext the SoupServer dispatches on (the service's). Borrows |service|.
#pragma once

#include <libsoup/soup.h>

#include <string>
#include <string_view>

#include "protocols/cmaf/fast_http.h"
#include "protocols/cmaf/http_types.h"
#include "protocols/cmaf/segment_service.h"

namespace haze::cmaf {

// Registers the /hls, /cmaf and /time handlers. |service| must outlive |server|'s handlers.
void AddSegmentRoutes(SoupServer* server, SegmentService* service);

// For a router that matched the prefix itself: serves a GET/HEAD to "/hls/..." or "/cmaf/..."
// (|path| as the router has it, decoded or not) from |service|, pausing |msg| when needed.
// With |fast|, a plain keep-alive GET/HEAD takes the connection over (fast_http.h).
void ServeSegmentRequest(SoupServerMessage* msg, const std::string& path, GHashTable* query,
                         SegmentService& service, SegmentFastPath* fast = nullptr);

// Splits "/<prefix>/<stream>/<rest>" (path still percent-encoded). False for anything else,
// including stream names with '/', "..", control characters or over 100 bytes.
bool SplitSegmentPath(std::string_view path, std::string_view prefix, std::string& stream,
                      std::string& rest);

// Applies |response| to |msg| (status, headers, body without copying).
void ApplyResponse(SoupServerMessage* msg, const HttpResponse& response);

// Runs |handler| for |msg|; pauses the message if the handler answers later.
void Dispatch(SoupServerMessage* msg, HttpRequest request,
              const std::function<void(const HttpRequest&, const Respond&)>& handler);

}  // namespace haze::cmaf
