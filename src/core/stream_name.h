// Stream names and wildcards, as MistServer sanitizes them. Pure logic, no GObject.
// "base+suffix" is a wildcard instance of the configured stream "base".
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace haze::core {

inline constexpr size_t kMaxStreamNameLength = 100;

// MistServer's sanitizeName, made safe for file paths: the base (before the first '+' or space)
// keeps [a-z0-9_.-] lower-cased; a space becomes '+'; the wildcard part is cut at '?' and keeps
// [A-Za-z0-9_.-] (MistServer keeps it as-is, which lets '/' reach recording paths). Names longer
// than 100 characters are cut.
std::string SanitizeStreamName(std::string_view name);

struct StreamName {
  std::string full;      // "live+john"
  std::string base;      // "live"
  std::string wildcard;  // "john", "" for a plain stream

  bool is_wildcard() const { return !wildcard.empty(); }
  std::string plus_wildcard() const { return wildcard.empty() ? "" : "+" + wildcard; }
};

// Splits an already sanitized name.
StreamName ParseStreamName(std::string_view sanitized);

// Variables every template and push target can use: stream, basename, wildcard, pluswildcard.
std::map<std::string, std::string> StreamVariables(const StreamName& name);

}  // namespace haze::core
