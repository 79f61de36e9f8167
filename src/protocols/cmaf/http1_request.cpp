#include "protocols/cmaf/http1_request.h"

#include <cstdio>

namespace haze::cmaf {
namespace {

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool IContains(std::string_view haystack, std::string_view needle) {
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i)
    if (IEquals(haystack.substr(i, needle.size()), needle)) return true;
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsTokenChar(char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Visible ASCII only: no spaces, controls or bytes >= 0x7f in a request target.
bool IsTargetChar(char c) { return c > 0x20 && c < 0x7f; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool Unescape(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return true;
}

bool ParseRequestLine(std::string_view line, RequestHead& out) {
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return false;
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return false;
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  for (char c : method)
    if (!IsTokenChar(c)) return false;
  for (char c : target)
    if (!IsTargetChar(c)) return false;
  if (version.size() != 8 || version.substr(0, 7) != "HTTP/1." || version[7] < '0' ||
      version[7] > '9')
    return false;
  out.method = std::string(method);
  out.minor = version[7] - '0';
  out.keep_alive = out.minor >= 1;
  if (target.front() != '/') {  // absolute-form, authority-form, '*': not for the fast path
    out.unusual = true;
    target = "/";
  }
  size_t hash = target.find('#');
  if (hash != std::string_view::npos) target = target.substr(0, hash);
  size_t q = target.find('?');
  out.path = std::string(target.substr(0, q));
  out.query = q == std::string_view::npos ? std::string() : std::string(target.substr(q + 1));
  return true;
}

bool ParseHeader(std::string_view line, RequestHead& out) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view name = line.substr(0, colon);
  for (char c : name)
    if (!IsTokenChar(c)) return false;
  std::string_view value = Trim(line.substr(colon + 1));
  for (char c : value)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) return false;
  if (IEquals(name, "Connection")) {
    if (IContains(value, "close")) out.keep_alive = false;
    if (IContains(value, "keep-alive") && out.minor == 0) out.keep_alive = true;
    if (IContains(value, "upgrade")) out.unusual = true;
  } else if (IEquals(name, "Content-Length")) {
    if (value.empty() || value.size() > 18) return false;
    for (char c : value)
      if (c < '0' || c > '9') return false;
    if (value.find_first_not_of('0') != std::string_view::npos) out.has_body = true;
  } else if (IEquals(name, "Host")) {
    ++out.host_lines;
  } else if (IEquals(name, "Transfer-Encoding")) {
    out.has_body = true;
  } else if (IEquals(name, "If-None-Match")) {
    if (!out.if_none_match.empty()) out.if_none_match += ", ";
    out.if_none_match += std::string(value);
  } else if (IEquals(name, "Upgrade") || IEquals(name, "Expect") || IEquals(name, "Range") ||
             IEquals(name, "If-Range") || IEquals(name, "Sec-WebSocket-Key")) {
    out.unusual = true;
  }
  return true;
}

}  // namespace

ParseStatus ParseRequestHead(std::string_view data, RequestHead& out) {
  out = RequestHead();
  // RFC 9112 2.2: ignore at least one empty line before the request line.
  size_t start = 0;
  while (start + 1 < data.size() && data[start] == '\r' && data[start + 1] == '\n') start += 2;
  size_t end = data.find("\r\n\r\n", start);
  if (end == std::string_view::npos) {
    if (data.size() >= kMaxRequestHead) return ParseStatus::kBad;
    return ParseStatus::kIncomplete;
  }
  if (end + 4 > kMaxRequestHead) return ParseStatus::kBad;
  std::string_view head = data.substr(start, end - start);
  size_t line_end = head.find("\r\n");
  std::string_view request_line = head.substr(0, line_end);
  if (!ParseRequestLine(request_line, out)) return ParseStatus::kBad;
  size_t lines = 0;
  size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t next = head.find("\r\n", pos);
    if (next == std::string_view::npos) next = head.size();
    std::string_view line = head.substr(pos, next - pos);
    if (line.find('\n') != std::string_view::npos || line.find('\r') != std::string_view::npos)
      return ParseStatus::kBad;
    if (line.empty() || line.front() == ' ' || line.front() == '\t') return ParseStatus::kBad;
    if (++lines > kMaxHeaderLines || !ParseHeader(line, out)) return ParseStatus::kBad;
    pos = next + 2;
  }
  if (request_line.find('\n') != std::string_view::npos) return ParseStatus::kBad;
  if (out.host_lines != 1) out.unusual = true;  // HTTP/1.1 needs exactly one Host (RFC 9112 3.2)
  out.head_size = end + 4;
  return ParseStatus::kOk;
}

bool DecodeQuery(std::string_view query, std::map<std::string, std::string>& out) {
  std::string key, value;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (!Unescape(pair.substr(0, eq), key) || !Unescape(pair.substr(eq + 1), value)) return false;
    out[key] = value;
  }
  return true;
}

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 410:
      return "Gone";
    case 412:
      return "Precondition Failed";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

std::string WriteResponseHead(const ResponseHeadInfo& info) {
  std::string out;
  out.reserve(384);
  char status[32];
  std::snprintf(status, sizeof(status), "HTTP/1.%d %d ", info.minor == 0 ? 0 : 1, info.status);
  out += status;
  out += ReasonPhrase(info.status);
  out += "\r\n";
  auto add = [&out](std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
  };
  if (!info.server.empty()) add("Server", info.server);
  add("Date", info.date);
  if (info.headers)
    for (const auto& [k, v] : *info.headers) add(k, v);
  if (!info.content_type.empty()) add("Content-Type", info.content_type);
  add("Content-Length", std::to_string(info.content_length));
  if (info.close) add("Connection", "close");
  out += "\r\n";
  return out;
}

}  // namespace haze::cmaf
