#include "protocols/cmaf/segment_service.h"

#include <ctime>

#include "base/log.h"
#include "protocols/hls/playlist.h"

#define GST_CAT_DEFAULT haze_hls_debug

namespace haze::cmaf {

SegmentService::SegmentService(Lookup lookup, ServiceOptions options)
    : lookup_(std::move(lookup)), options_(std::move(options)) {
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
  g_source_destroy(reaper_);
  g_source_unref(reaper_);
}

SegmentStore* SegmentService::Acquire(const std::string& stream) {
  auto source = lookup_ ? lookup_(stream) : nullptr;
  auto it = stores_.find(stream);
  if (!source) {
    if (it != stores_.end()) {
      stores_.erase(it);
      identities_.erase(stream);
    }
    return nullptr;
  }
  if (it != stores_.end() && identities_[stream] == source->Identity()) {
    it->second->Touch();
    return it->second.get();
  }
  GST_INFO("segment store for stream %s", stream.c_str());
  identities_[stream] = source->Identity();
  auto store = std::make_unique<SegmentStore>(stream, std::move(source), options_.store);
  auto* raw = store.get();
  stores_[stream] = std::move(store);
  return raw;
}

size_t SegmentService::DropIdle(int64_t idle_ms) {
  int64_t now = g_get_real_time() / 1000;
  size_t dropped = 0;
  for (auto it = stores_.begin(); it != stores_.end();) {
    if (now - it->second->last_access_ms() >= idle_ms && it->second->waiter_count() == 0) {
      GST_INFO("dropping idle segment store %s", it->first.c_str());
      identities_.erase(it->first);
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
