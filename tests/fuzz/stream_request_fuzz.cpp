// libFuzzer entry: what a stream-info or media request carries into URL building: the path's
// stream name (sanitized and split), and the X-Mst-Path, public address and Host header that
// make the base of every generated URL. Lines of the input: path, X-Mst-Path, public address,
// Host.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/stream_name.h"
#include "http/output_catalog.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  while (parts.size() < 3) {
    size_t nl = in.find('\n');
    if (nl == std::string_view::npos) break;
    parts.emplace_back(in.substr(0, nl));
    in.remove_prefix(nl + 1);
  }
  parts.emplace_back(in);
  parts.resize(4);
  const std::string& path = parts[0];
  // "/json_NAME.js": the name between the prefix and the suffix, as the endpoint takes it.
  std::string raw = path.size() > 9 ? path.substr(6, path.size() - 9) : path;
  std::string name = haze::core::SanitizeStreamName(raw);
  if (name.size() > haze::core::kMaxStreamNameLength) __builtin_trap();
  haze::core::StreamName parsed = haze::core::ParseStreamName(name);
  (void)haze::core::StreamVariables(parsed);
  haze::http::UrlBase base = haze::http::MakeUrlBase(parts[1], parts[2], parts[3], 8080);
  // Generated URLs never carry what the Host header smuggled in.
  if (parts[1].empty() && parts[2].empty())
    for (char c : base.http)
      if (c == '"' || c == '<' || c == '>' || c == ' ' || c == '\n') __builtin_trap();
  for (const auto& out : haze::http::Outputs()) (void)haze::http::OutputUrl(out, base, name);
  return 0;
}
