// The small HTTP adapter contract between the segmented-delivery endpoints (HLS, CMAF, DASH)
// and the HTTP layer: a parsed request in, a response (possibly later, for LL-HLS blocking
// requests) out. No libsoup types. Thread: the store's main context.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "protocols/cmaf/bytes_ref.h"

namespace haze::cmaf {

struct HttpRequest {
  std::string stream;  // stream name, already decoded and sanitized by the router
  std::string path;    // remainder after "/hls/<stream>/" or "/cmaf/<stream>/"
  std::map<std::string, std::string> query;
  std::string if_none_match;  // request header, "" if absent
  std::string Query(const std::string& key) const {
    auto it = query.find(key);
    return it == query.end() ? std::string() : it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
  BytesRef body;
  std::string Header(const std::string& name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return v;
    return {};
  }
};

// Called exactly once, possibly synchronously, possibly later on the main context.
using Respond = std::function<void(HttpResponse)>;

inline constexpr const char* kM3u8Type = "application/vnd.apple.mpegurl";
inline constexpr const char* kMpdType = "application/dash+xml";
inline constexpr const char* kTsType = "video/mp2t";
inline constexpr const char* kMp4Type = "video/mp4";
inline constexpr const char* kSegmentCache = "public, max-age=31536000, immutable";

}  // namespace haze::cmaf
