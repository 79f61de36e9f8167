// A cheap, allocation-free scan of JSON text for its size and nesting depth, run before a
// recursive parser (json-glib) sees untrusted text: a document nested 100,000 levels deep
// would otherwise overflow the parser's stack. It does not validate JSON; it only counts
// brackets outside strings. Pure C++, thread: any.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace haze {

struct JsonShapeLimits {
  size_t max_bytes = 1024 * 1024;
  int max_depth = 64;
};

struct JsonShape {
  size_t bytes = 0;
  int depth = 0;  // deepest nesting of objects and arrays seen (stops counting at the limit)
};

// Scans |text| and returns "" when it is within |limits|, else a short reason
// ("JSON nested deeper than 64 levels", "JSON document of 2000000 bytes exceeds 1048576").
std::string CheckJsonShape(std::string_view text, const JsonShapeLimits& limits,
                           JsonShape* shape = nullptr);

}  // namespace haze
