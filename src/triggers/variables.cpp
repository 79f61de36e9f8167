#include "triggers/variables.h"

#include <cctype>

namespace haze::triggers {
namespace {

constexpr int kMaxDepth = 10;

std::string Format(const std::tm& tm, const char* fmt) {
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, fmt, &tm);
  return std::string(buf, n);
}

bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// One pass: returns true when something was replaced.
bool ExpandOnce(std::string_view text, const VariableMap& vars, std::string& out) {
  bool changed = false;
  out.clear();
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) {
      out += text[i];
      continue;
    }
    if (text[i + 1] == '{') {
      size_t close = text.find('}', i + 2);
      if (close != std::string_view::npos) {
        auto it = vars.find(std::string(text.substr(i + 2, close - i - 2)));
        if (it != vars.end()) {
          out += it->second;
          i = close;
          changed = true;
          continue;
        }
      }
      out += text[i];
      continue;
    }
    size_t end = i + 1;
    while (end < text.size() && IsNameChar(text[end])) ++end;
    // Longest known prefix of the identifier.
    const std::string* value = nullptr;
    size_t len = 0;
    for (size_t l = end - i - 1; l > 0; --l) {
      auto it = vars.find(std::string(text.substr(i + 1, l)));
      if (it != vars.end()) {
        value = &it->second;
        len = l;
        break;
      }
    }
    if (!value) {
      out += text[i];
      continue;
    }
    out += *value;
    i += len;
    changed = true;
  }
  return changed;
}

}  // namespace

VariableMap BuildVariables(const VariableContext& context, std::time_t now) {
  VariableMap v;
  if (context.custom) v = *context.custom;
  std::tm tm{};
  localtime_r(&now, &tm);
  std::string base = context.stream;
  std::string wildcard;
  size_t plus = context.stream.find_first_of("+ ");
  if (plus != std::string::npos) {
    base = context.stream.substr(0, plus);
    wildcard = context.stream.substr(plus + 1);
  }
  v["stream"] = context.stream;
  v["basename"] = base;
  v["wildcard"] = wildcard;
  v["pluswildcard"] = wildcard.empty() ? "" : "+" + wildcard;
  v["source"] = context.source;
  v["year"] = Format(tm, "%Y");
  v["month"] = Format(tm, "%m");
  v["day"] = Format(tm, "%d");
  v["hour"] = Format(tm, "%H");
  v["minute"] = Format(tm, "%M");
  v["second"] = Format(tm, "%S");
  v["datetime"] = Format(tm, "%Y.%m.%d.%H.%M.%S");
  v["wday"] = Format(tm, "%u");
  v["yday"] = Format(tm, "%j");
  v["week"] = Format(tm, "%V");
  if (context.current_media_time_ms) {
    v["currentMediaTime"] = std::to_string(*context.current_media_time_ms);
  }
  if (context.segment_counter) v["segmentCounter"] = std::to_string(*context.segment_counter);
  return v;
}

std::string ExpandVariables(std::string_view text, const VariableMap& vars) {
  std::string cur(text);
  std::string next;
  for (int depth = 0; depth < kMaxDepth && cur.find('$') != std::string::npos; ++depth) {
    if (!ExpandOnce(cur, vars, next)) break;
    cur.swap(next);
  }
  return cur;
}

bool UsesVariable(std::string_view text, std::string_view name) {
  std::string plain = "$" + std::string(name);
  std::string braced = "${" + std::string(name) + "}";
  if (text.find(braced) != std::string_view::npos) return true;
  for (size_t p = text.find(plain); p != std::string_view::npos; p = text.find(plain, p + 1)) {
    size_t after = p + plain.size();
    if (after >= text.size() || !IsNameChar(text[after])) return true;
  }
  return false;
}

}  // namespace haze::triggers
