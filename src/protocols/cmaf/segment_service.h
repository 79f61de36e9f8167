// Owns one SegmentStore per stream that HLS/CMAF/DASH viewers asked for, created on demand from
// the DTSC buffer (through a synchronous lookup, or an asynchronous opener such as
// StreamHost::OpenForPlay that may start the stream and hands a session to keep while the store
// lives), recreated when the stream's buffer changes or ends, dropped when idle. Also the shared
// response helpers of the endpoints. Thread: the main context it was created on.
#pragma once

#include <glib.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "protocols/cmaf/fragment_source.h"
#include "protocols/cmaf/http_types.h"
#include "protocols/cmaf/segment_store.h"

namespace haze::cmaf {

struct ServiceOptions {
  StoreOptions store;
  int64_t idle_ms = 60000;            // drop a store nobody asked for in this long
  std::string utc_timing_url = "/time";  // DASH UTCTiming (http-iso)
  // A playlist request for a stream without any segment yet waits this long for the first one
  // (on-demand start), then gets the error playlist. 0 answers at once.
  int64_t boot_wait_ms = 2500;
  // Maps a requested stream name to the store key (e.g. CanonicalStreamName); null = as is.
  std::function<std::string(const std::string&)> canonical_name;
  // Plain keep-alive GET/HEAD segment and playlist requests are served by the fast path
  // (fast_http.h) instead of libsoup.
  bool fast_path = true;
};

struct OpenResult {
  std::shared_ptr<FragmentSource> source;  // null: no such stream / not allowed
  std::shared_ptr<void> session;           // kept while the store lives (e.g. a PlaySession)
};

class SegmentService {
 public:
  using Lookup = std::function<std::shared_ptr<FragmentSource>(const std::string& stream)>;
  using OpenDone = std::function<void(OpenResult)>;
  using Opener = std::function<void(const std::string& stream, OpenDone done)>;

  // Synchronous lookup, asked on every request (cheap: registry find).
  explicit SegmentService(Lookup lookup, ServiceOptions options = {});
  // Asynchronous opener, asked when there is no store yet or its live stream ended.
  SegmentService(Opener opener, ServiceOptions options);
  ~SegmentService();
  SegmentService(const SegmentService&) = delete;
  SegmentService& operator=(const SegmentService&) = delete;

  // Calls |done| with the store of |stream| (created on demand), or null when the stream cannot
  // be opened. Possibly later, always on the service's context.
  void Acquire(const std::string& stream, std::function<void(SegmentStore*)> done);
  // Synchronous form: null also when the opener has not answered yet.
  SegmentStore* Acquire(const std::string& stream);
  size_t DropIdle(int64_t idle_ms);
  size_t store_count() const { return stores_.size(); }
  const ServiceOptions& options() const { return options_; }
  // Expires when the service is destroyed (for objects that may outlive it).
  std::weak_ptr<bool> alive_token() const { return alive_; }

 private:
  struct Entry {
    std::unique_ptr<SegmentStore> store;
    std::shared_ptr<void> session;
    const void* identity = nullptr;
  };
  void Opened(const std::string& stream, OpenResult result);

  Opener opener_;
  bool reuse_ = false;  // opener mode: reuse a healthy store without asking again
  ServiceOptions options_;
  std::map<std::string, Entry> stores_;
  std::map<std::string, std::vector<std::function<void(SegmentStore*)>>> opening_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
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
