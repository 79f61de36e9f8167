#include "stream_name.h"

#include <cctype>

namespace haze::core {
namespace {

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

}  // namespace

std::string SanitizeStreamName(std::string_view name) {
  std::string out;
  size_t i = 0;
  for (; i < name.size(); ++i) {
    char c = name[i];
    if (c == '+' || c == ' ') break;
    if (IsNameChar(c)) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (i < name.size()) {
    std::string wildcard;
    for (++i; i < name.size() && name[i] != '?'; ++i) {
      if (IsNameChar(name[i])) wildcard += name[i];
    }
    // A lone '+' (no usable wildcard) is the base stream itself.
    if (!wildcard.empty() && wildcard != "." && wildcard != "..") out += "+" + wildcard;
  }
  if (out.size() > kMaxStreamNameLength) out.resize(kMaxStreamNameLength);
  return out;
}

StreamName ParseStreamName(std::string_view sanitized) {
  StreamName n;
  n.full = std::string(sanitized);
  auto plus = sanitized.find('+');
  if (plus == std::string_view::npos) {
    n.base = n.full;
  } else {
    n.base = std::string(sanitized.substr(0, plus));
    n.wildcard = std::string(sanitized.substr(plus + 1));
  }
  return n;
}

std::map<std::string, std::string> StreamVariables(const StreamName& name) {
  return {
      {"stream", name.full},
      {"basename", name.base},
      {"wildcard", name.wildcard},
      {"pluswildcard", name.plus_wildcard()},
  };
}

}  // namespace haze::core
