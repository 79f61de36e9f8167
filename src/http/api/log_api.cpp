// API resource "log": the recent haze* log lines from the LogRing.
#include <unistd.h>

#include "http/api/api_context.h"

namespace haze::http {

JsonNode* LogAnswer(ApiContext& ctx, size_t max_lines) {
  JsonArray* a = nullptr;
  JsonNode* node = NewArrayNode(&a);
  for (const auto& l : ctx.log.Last(max_lines)) {
    // MistServer's shape: [time, kind, message, stream, pid, exe, line].
    JsonArray* e = nullptr;
    json_array_add_element(a, NewArrayNode(&e));
    json_array_add_int_element(e, l.unix_s);
    json_array_add_string_element(e, l.kind.c_str());
    json_array_add_string_element(e, l.message.c_str());
    json_array_add_string_element(e, l.stream.c_str());
    json_array_add_int_element(e, getpid());
    json_array_add_string_element(e, "haze");
    json_array_add_string_element(e, (l.file + ":" + std::to_string(l.line)).c_str());
  }
  return node;
}

namespace {

JsonNode* Log(ApiContext& ctx, JsonNode*) { return LogAnswer(ctx, 500); }

}  // namespace

void RegisterLogApi(CommandTable& table) { table.Add("log", &Log); }

}  // namespace haze::http
