// libFuzzer entry for the segment fast path's HTTP/1.1 request parser (http1_request.h): the
// bytes a client sends on a taken-over keep-alive connection, possibly several pipelined
// requests. Checks the parser's invariants and writes a response head for each request.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocols/cmaf/http1_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (int guard = 0; guard < 64 && !in.empty(); ++guard) {
    haze::cmaf::RequestHead head;
    auto status = haze::cmaf::ParseRequestHead(in, head);
    if (status != haze::cmaf::ParseStatus::kOk) break;
    if (head.head_size == 0 || head.head_size > in.size() ||
        head.head_size > haze::cmaf::kMaxRequestHead || head.path.empty() || head.path[0] != '/')
      std::abort();
    std::map<std::string, std::string> query;
    haze::cmaf::DecodeQuery(head.query, query);
    std::vector<std::pair<std::string, std::string>> headers = {{"ETag", head.if_none_match}};
    haze::cmaf::ResponseHeadInfo info;
    info.status = static_cast<int>(head.path.size() % 600);
    info.minor = head.minor;
    info.date = "Thu, 01 Jan 1970 00:00:00 GMT";
    info.content_type = head.method;
    info.headers = &headers;
    info.content_length = head.query.size();
    info.close = !head.keep_alive;
    std::string out = haze::cmaf::WriteResponseHead(info);
    if (out.size() < 4 || out.compare(out.size() - 4, 4, "\r\n\r\n") != 0) std::abort();
    in.remove_prefix(head.head_size);
  }
  return 0;
}
