// Byte-wise glob matching for route patterns ("/json_*.js", "/*.flv"): '*' matches any run of
// bytes, '?' any one byte. Request paths are untrusted bytes, not necessarily UTF-8 (GLib's
// g_pattern_match_simple asserts on invalid UTF-8 in the text). Pure, thread: any.
#pragma once

#include <string_view>

namespace haze::http {

// At worst O(pattern x text): on a mismatch after a '*', matching resumes one byte further on from
// that '*' only (no backtracking into earlier stars).
constexpr bool GlobMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0;
  size_t star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace haze::http
