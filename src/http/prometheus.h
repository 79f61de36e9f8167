// Prometheus output on the API port (config.prometheus = PATH): MistServer's mist_* families
// and labels (Grafana dashboards 1096/4526/4529) plus haze_* families, in valid exposition
// format (HELP/TYPE for every family, a space before every value); and the JSON variant.
// Rendering is pure (MetricsInput -> text/JSON); Gather() reads the live state.
// Thread: main GMainContext.
#pragma once

#include <json-glib/json-glib.h>

#include <map>
#include <string>
#include <vector>

#include "http/api/api_context.h"

namespace haze::http {

struct MetricsInput {
  std::vector<core::StreamSnapshot> streams;
  std::vector<core::ClientSnapshot> clients;
  std::map<std::string, MediaInfo> media;  // running streams only
  std::map<std::string, TriggerStat> triggers;
  uint64_t logs = 0;
  int64_t cpu_tenths = 0;   // host CPU use, tenths of a percent
  int64_t mem_total_kib = 0, mem_used_kib = 0;
  uint64_t viewseconds = 0;
  size_t configured_streams = 0;
  int64_t now_unix = 0;
};

MetricsInput GatherMetrics(ApiContext& ctx);
std::string RenderPrometheusText(const MetricsInput& in);
JsonNode* RenderPrometheusJson(const MetricsInput& in);

}  // namespace haze::http
