// API resource "system": capabilities and version.
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "haze_build_config.h"
#include "http/api/api_context.h"
#include "triggers/trigger_types.h"
#include "http/output_catalog.h"

namespace haze::http {

namespace {

JsonNode* Connectors() {
  JsonObject* out = nullptr;
  JsonNode* node = NewObjectNode(&out);
  for (const auto& o : Outputs()) {
    JsonObject* c = nullptr;
    JsonNode* cn = NewObjectNode(&c);
    json_object_set_string_member(c, "name", o.id);
    json_object_set_string_member(c, "friendly", o.name);
    json_object_set_string_member(c, "desc", o.name);
    json_object_set_string_member(c, "url_match", (std::string("/") + o.pattern).c_str());
    json_object_set_string_member(c, "type", o.mime);
    json_object_set_int_member(c, "priority", o.priority);
    json_object_set_member(out, o.id, cn);
  }
  return node;
}

JsonNode* Memory() {
  JsonObject* o = nullptr;
  JsonNode* n = NewObjectNode(&o);
  std::ifstream f("/proc/meminfo");
  std::string key;
  int64_t value = 0, total = 0, avail = 0;
  std::string unit;
  while (f >> key >> value >> unit) {
    if (key == "MemTotal:") total = value;
    if (key == "MemAvailable:") avail = value;
  }
  json_object_set_int_member(o, "total", total / 1024);  // MiB, as MistServer reports
  json_object_set_int_member(o, "free", avail / 1024);
  json_object_set_int_member(o, "used", (total - avail) / 1024);
  return n;
}

JsonNode* Load() {
  JsonObject* o = nullptr;
  JsonNode* n = NewObjectNode(&o);
  std::ifstream f("/proc/loadavg");
  double l1 = 0, l5 = 0, l15 = 0;
  f >> l1 >> l5 >> l15;
  json_object_set_int_member(o, "one", static_cast<int64_t>(l1 * 100));
  json_object_set_int_member(o, "five", static_cast<int64_t>(l5 * 100));
  json_object_set_int_member(o, "fifteen", static_cast<int64_t>(l15 * 100));
  return n;
}

JsonNode* Capabilities(ApiContext& ctx, JsonNode*) {
  JsonObject* o = nullptr;
  JsonNode* n = NewObjectNode(&o);
  json_object_set_member(o, "connectors", Connectors());
  json_object_set_member(o, "inputs", NewObjectNode(nullptr));
  json_object_set_member(o, "processes", NewObjectNode(nullptr));
  json_object_set_object_member(o, "triggers", triggers::TriggerCapabilities());
  JsonArray* writers = nullptr;
  json_object_set_member(o, "internal_writers", NewArrayNode(&writers));
  json_array_add_string_element(writers, "http");
  json_array_add_string_element(writers, "https");
  unsigned threads = std::thread::hardware_concurrency();
  JsonArray* cpu = nullptr;
  json_object_set_member(o, "cpu", NewArrayNode(&cpu));
  for (unsigned i = 0; i < threads; ++i) {
    JsonObject* c = nullptr;
    json_array_add_element(cpu, NewObjectNode(&c));
    json_object_set_int_member(c, "cores", 1);
    json_object_set_int_member(c, "threads", 1);
  }
  json_object_set_int_member(o, "threads", threads);
  JsonObject* ports = nullptr;
  json_object_set_member(o, "listen_ports", NewObjectNode(&ports));
  for (const auto& [connector, port] : ctx.listen_ports)
    json_object_set_int_member(ports, connector.c_str(), port);
  json_object_set_member(o, "mem", Memory());
  json_object_set_member(o, "load", Load());
  return n;
}

JsonNode* Version(ApiContext&, JsonNode*) {
  JsonObject* o = nullptr;
  JsonNode* n = NewObjectNode(&o);
  json_object_set_string_member(o, "version", HAZE_VERSION);
  json_object_set_string_member(o, "release", "Haze");
  json_object_set_string_member(o, "date", __DATE__);
  return n;
}

}  // namespace

void RegisterSystemApi(CommandTable& table) {
  table.Add("capabilities", &Capabilities);
  table.Add("version", &Version);
}

}  // namespace haze::http
