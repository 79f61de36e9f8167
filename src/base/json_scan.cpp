#include "json_scan.h"

namespace haze {

std::string CheckJsonShape(std::string_view text, const JsonShapeLimits& limits,
                           JsonShape* shape) {
  JsonShape s;
  s.bytes = text.size();
  if (shape) *shape = s;
  if (text.size() > limits.max_bytes)
    return "JSON document of " + std::to_string(text.size()) + " bytes exceeds " +
           std::to_string(limits.max_bytes);
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '{':
      case '[':
        if (++depth > s.depth) s.depth = depth;
        if (depth > limits.max_depth) {
          if (shape) *shape = s;
          return "JSON nested deeper than " + std::to_string(limits.max_depth) + " levels";
        }
        break;
      case '}':
      case ']':
        if (depth > 0) --depth;  // unbalanced text is the parser's error to report
        break;
      default:
        break;
    }
  }
  if (shape) *shape = s;
  return {};
}

}  // namespace haze
