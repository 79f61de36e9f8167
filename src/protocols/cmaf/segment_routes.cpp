#include "protocols/cmaf/segment_routes.h"

#include "core/stream_name.h"
#include "protocols/cmaf/soup_bridge.h"

namespace haze::cmaf {

SegmentService::Opener HostOpener(core::StreamHost& host) {
  return [&host](const std::string& stream, SegmentService::OpenDone done) {
    core::PlayRequest request{"HLS", "/hls/" + stream + "/", stream, "127.0.0.1"};
    host.OpenForPlay(request, [done](Result<std::unique_ptr<core::PlaySession>> result) {
      if (!result || !result.value()->buffer()) {
        done({});
        return;
      }
      std::shared_ptr<core::PlaySession> session(std::move(result.value()));
      done({std::make_shared<LiveBufferSource<>>(session->buffer()), session});
    });
  };
}

std::string CanonicalStreamName(const std::string& requested) {
  return core::SanitizeStreamName(requested);
}

void RegisterSegmentRoutes(http::HttpServer& server, SegmentService& service) {
  SegmentService* svc = &service;
  std::shared_ptr<SegmentFastPath> fast;
  if (service.options().fast_path)
    fast = std::make_shared<SegmentFastPath>(server.soup(), &service);
  auto serve = [svc, fast](const http::Request& request) {
    ServeSegmentRequest(request.msg, request.path, request.query, *svc, fast.get());
  };
  server.AddRoute({http::RouteMatch::kPrefix, "/hls/", serve, nullptr});
  server.AddRoute({http::RouteMatch::kPrefix, "/cmaf/", serve, nullptr});
  server.AddRoute({http::RouteMatch::kExact, "/time",
                   [](const http::Request& request) { ApplyResponse(request.msg, HandleTime()); },
                   nullptr});
}

}  // namespace haze::cmaf
