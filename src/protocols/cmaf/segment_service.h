// Owns one SegmentStore per stream that HLS/CMAF/DASH viewers asked for, created on demand from
// the DTSC buffer (through a lookup function), recreated when the stream's buffer changes and
// dropped when idle. Also the shared response helpers of the endpoints. Thread: the main context
// it was created on.
#pragma once

#include <glib.h>

#include <map>
#include <memory>
#include <string>

#include "protocols/cmaf/fragment_source.h"
#include "protocols/cmaf/http_types.h"
#include "protocols/cmaf/segment_store.h"

namespace haze::cmaf {

struct ServiceOptions {
  StoreOptions store;
  int64_t idle_ms = 60000;            // drop a store nobody asked for in this long
  std::string utc_timing_url = "/time";  // DASH UTCTiming (http-iso)
};

class SegmentService {
 public:
  using Lookup = std::function<std::shared_ptr<FragmentSource>(const std::string& stream)>;

  explicit SegmentService(Lookup lookup, ServiceOptions options = {});
  ~SegmentService();
  SegmentService(const SegmentService&) = delete;
  SegmentService& operator=(const SegmentService&) = delete;

  // The store of |stream| (created on demand), or null when the stream has no buffer.
  SegmentStore* Acquire(const std::string& stream);
  size_t DropIdle(int64_t idle_ms);
  size_t store_count() const { return stores_.size(); }
  const ServiceOptions& options() const { return options_; }

 private:
  Lookup lookup_;
  ServiceOptions options_;
  std::map<std::string, std::unique_ptr<SegmentStore>> stores_;
  std::map<std::string, const void*> identities_;
  GSource* reaper_ = nullptr;
};

// Lookup over the process-wide DTSC buffer registry (template: instantiated by its user).
template <typename Registry = dtsc::BufferRegistry>
SegmentService::Lookup RegistryLookup() {
  return [](const std::string& stream) -> std::shared_ptr<FragmentSource> {
    auto buffer = Registry::Get().Find(stream);
    if (!buffer) return nullptr;
    return std::make_shared<LiveBufferSource<>>(std::move(buffer));
  };
}

// Response helpers shared by the endpoints.
HttpResponse TextResponse(int status, const char* type, std::string text, const char* cache);
HttpResponse SegmentResponse(const SegmentData& data, const char* type, const HttpRequest& req);
HttpResponse NotFound();
std::string HttpDate(int64_t unix_ms);
// GET /time for DASH UTCTiming (urn:mpeg:dash:utc:http-iso:2014).
HttpResponse HandleTime();

}  // namespace haze::cmaf
