#include "protocols/cmaf/segment_service.h"

#include <ctime>

#include "base/log.h"
#include "protocols/hls/playlist.h"

#define GST_CAT_DEFAULT haze_hls_debug

namespace haze::cmaf {

SegmentService::SegmentService(Lookup lookup, ServiceOptions options)
    : SegmentService(
          Opener([lookup = std::move(lookup)](const std::string& stream, OpenDone done) {
            done({lookup ? lookup(stream) : nullptr, nullptr});
          }),
          std::move(options)) {
  reuse_ = false;
}

SegmentService::SegmentService(Opener opener, ServiceOptions options)
    : opener_(std::move(opener)), reuse_(true), options_(std::move(options)) {
  InitLogging();
  reaper_ = g_timeout_source_new_seconds(10);
  g_source_set_callback(
      reaper_,
      [](gpointer self) -> gboolean {
        auto* s = static_cast<SegmentService*>(self);
        s->DropIdle(s->options_.idle_ms);
        return G_SOURCE_CONTINUE;
      },
      this, nullptr);
  g_source_attach(reaper_, g_main_context_get_thread_default());
}

SegmentService::~SegmentService() {
  *alive_ = false;
  g_source_destroy(reaper_);
  g_source_unref(reaper_);
}

void SegmentService::Acquire(const std::string& requested,
                             std::function<void(SegmentStore*)> done) {
  const std::string stream =
      options_.canonical_name ? options_.canonical_name(requested) : requested;
  if (stream.empty()) {
    done(nullptr);
    return;
  }
  auto it = stores_.find(stream);
  if (reuse_ && it != stores_.end() && !(it->second.store->ended() && !it->second.store->vod())) {
    it->second.store->Touch();
    done(it->second.store.get());
    return;
  }
  auto& waiting = opening_[stream];
  waiting.push_back(std::move(done));
  if (waiting.size() > 1) return;  // an open is already under way
  std::weak_ptr<bool> alive = alive_;
  opener_(stream, [this, alive, stream](OpenResult result) {
    auto token = alive.lock();
    if (token && *token) Opened(stream, std::move(result));
  });
}

void SegmentService::Opened(const std::string& stream, OpenResult result) {
  SegmentStore* store = nullptr;
  if (!result.source) {
    stores_.erase(stream);
  } else {
    Entry& entry = stores_[stream];
    if (!entry.store || entry.identity != result.source->Identity()) {
      GST_INFO("segment store for stream %s", stream.c_str());
      entry.identity = result.source->Identity();
      entry.store.reset();
      entry.store = std::make_unique<SegmentStore>(stream, std::move(result.source), options_.store);
      entry.session = std::move(result.session);
    }
    entry.store->Touch();
    store = entry.store.get();
  }
  auto callers = std::move(opening_[stream]);
  opening_.erase(stream);
  for (auto& done : callers) done(store);
}

SegmentStore* SegmentService::Acquire(const std::string& stream) {
  auto result = std::make_shared<SegmentStore*>(nullptr);
  Acquire(stream, [result](SegmentStore* store) { *result = store; });
  return *result;  // a late answer lands in |result| harmlessly
}

size_t SegmentService::DropIdle(int64_t idle_ms) {
  int64_t now = g_get_real_time() / 1000;
  size_t dropped = 0;
  for (auto it = stores_.begin(); it != stores_.end();) {
    const auto& store = *it->second.store;
    if (now - store.last_access_ms() >= idle_ms && store.waiter_count() == 0) {
      GST_INFO("dropping idle segment store %s", it->first.c_str());
      it = stores_.erase(it);
      ++dropped;
    } else {
      ++it;
    }
  }
  return dropped;
}

std::string HttpDate(int64_t unix_ms) {
  time_t secs = static_cast<time_t>(unix_ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

HttpResponse TextResponse(int status, const char* type, std::string text, const char* cache) {
  HttpResponse r;
  r.status = status;
  r.content_type = type;
  r.headers = {{"Cache-Control", cache}, {"Access-Control-Allow-Origin", "*"}};
  r.body = BytesRef::FromString(text);
  return r;
}

HttpResponse SegmentResponse(const SegmentData& data, const char* type, const HttpRequest& req) {
  HttpResponse r;
  r.content_type = type;
  r.headers = {{"Cache-Control", kSegmentCache},
               {"ETag", data.etag},
               {"Last-Modified", HttpDate(data.created_ms)},
               {"Access-Control-Allow-Origin", "*"}};
  if (!req.if_none_match.empty() && req.if_none_match.find(data.etag) != std::string::npos) {
    r.status = 304;
    return r;
  }
  r.body = data.bytes;
  return r;
}

HttpResponse NotFound() {
  return TextResponse(404, "text/plain", "Not found\n", "no-cache");
}

HttpResponse HandleTime() {
  return TextResponse(200, "text/plain", hls::IsoTime(g_get_real_time() / 1000), "no-cache");
}

}  // namespace haze::cmaf
