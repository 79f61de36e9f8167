// A small, strict HTTP/1.x request-head parser and response-head writer for the segment fast
// path (fast_http.h): it only has to recognize the plain GET/HEAD requests players send for
// playlists and segments; anything unusual is reported so the caller hands it to libsoup.
// Pure (no GLib objects), thread-agnostic, fuzzed by tests/fuzz/segment_http_fuzz.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace haze::cmaf {

inline constexpr size_t kMaxRequestHead = 16 * 1024;
inline constexpr size_t kMaxHeaderLines = 100;

struct RequestHead {
  std::string method;
  std::string path;   // origin-form path, still percent-encoded
  std::string query;  // raw query after '?', "" if none
  int minor = 1;      // HTTP/1.<minor>
  bool keep_alive = true;
  bool has_body = false;      // Content-Length > 0 or any Transfer-Encoding
  bool unusual = false;       // Upgrade, Expect, Range, absolute-form target, no Host, ...
  std::string if_none_match;  // "" if absent
  int host_lines = 0;
  size_t head_size = 0;  // bytes up to and including the blank line
};

enum class ParseStatus { kIncomplete, kOk, kBad };

// Parses the request head at the start of |data|. kIncomplete: no blank line yet (and below
// kMaxRequestHead); kBad: malformed or over the limits.
ParseStatus ParseRequestHead(std::string_view data, RequestHead& out);

// Decodes an application/x-www-form-urlencoded query ("a=1&b=%20"), as libsoup's form decoder
// does: '+' is a space, later keys win, pairs without '=' are dropped. False on bad escapes.
bool DecodeQuery(std::string_view query, std::map<std::string, std::string>& out);

// The reason phrase for the statuses the endpoints answer with ("" for others).
const char* ReasonPhrase(int status);

struct ResponseHeadInfo {
  int status = 200;
  int minor = 1;
  std::string_view server;        // Server header ("" = none)
  std::string_view date;          // Date header value
  std::string_view content_type;  // "" = none
  const std::vector<std::pair<std::string, std::string>>* headers = nullptr;
  uint64_t content_length = 0;
  bool close = false;  // adds "Connection: close"
};

// Serializes the status line and headers, ending with the blank line.
std::string WriteResponseHead(const ResponseHeadInfo& info);

}  // namespace haze::cmaf
