#include "http/prometheus.h"

#include <fstream>
#include <set>
#include <sstream>

namespace haze::http {

namespace {

// Host CPU use since the previous scrape, from /proc/stat.
int64_t HostCpuTenths() {
  static uint64_t last_busy = 0, last_total = 0;
  std::ifstream f("/proc/stat");
  std::string cpu;
  uint64_t v[8] = {};
  f >> cpu;
  for (auto& x : v) f >> x;
  uint64_t idle = v[3] + v[4];
  uint64_t total = 0;
  for (auto x : v) total += x;
  uint64_t busy = total - idle;
  int64_t out = 0;
  if (total > last_total && last_total)
    out = static_cast<int64_t>(1000 * (busy - last_busy) / (total - last_total));
  last_busy = busy;
  last_total = total;
  return out;
}

std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

class Writer {
 public:
  void Family(const char* name, const char* type, const char* help) {
    os_ << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
  }
  void Sample(const char* name, const std::vector<std::pair<const char*, std::string>>& labels,
              int64_t value) {
    os_ << name;
    if (!labels.empty()) {
      os_ << '{';
      for (size_t i = 0; i < labels.size(); ++i)
        os_ << (i ? "," : "") << labels[i].first << "=\"" << Escape(labels[i].second) << '"';
      os_ << '}';
    }
    os_ << ' ' << value << '\n';
  }
  void SampleReal(const char* name, const std::vector<std::pair<const char*, std::string>>& labels,
                  double value) {
    os_ << name;
    if (!labels.empty()) {
      os_ << '{';
      for (size_t i = 0; i < labels.size(); ++i)
        os_ << (i ? "," : "") << labels[i].first << "=\"" << Escape(labels[i].second) << '"';
      os_ << '}';
    }
    os_ << ' ' << value << '\n';
  }
  std::string str() const { return os_.str(); }

 private:
  std::ostringstream os_;
};

struct Totals {
  uint64_t viewers = 0, inputs = 0, outputs = 0, down = 0, up = 0, views = 0;
};

Totals Sum(const MetricsInput& in) {
  Totals t;
  for (const auto& s : in.streams) {
    t.viewers += s.viewers;
    t.inputs += s.inputs;
    t.outputs += s.outputs;
    t.down += s.bytes_out;
    t.up += s.bytes_in;
    t.views += s.total_viewers;
  }
  return t;
}

void WriteMist(Writer& w, const MetricsInput& in, const Totals& t) {
  w.Family("mist_logs", "untyped", "Count of log messages since server start.");
  w.Sample("mist_logs", {}, static_cast<int64_t>(in.logs));
  w.Family("mist_cpu", "gauge", "Total CPU usage in tenths of percent.");
  w.Sample("mist_cpu", {}, in.cpu_tenths);
  w.Family("mist_mem_total", "untyped", "Total memory available in KiB.");
  w.Sample("mist_mem_total", {}, in.mem_total_kib);
  w.Family("mist_mem_used", "gauge", "Total memory in use in KiB.");
  w.Sample("mist_mem_used", {}, in.mem_used_kib);
  w.Family("mist_shm_total", "untyped", "Total shared memory available in KiB (always 0 in Haze).");
  w.Sample("mist_shm_total", {}, 0);
  w.Family("mist_shm_used", "gauge", "Total shared memory in use in KiB (always 0 in Haze).");
  w.Sample("mist_shm_used", {}, 0);
  w.Family("mist_viewseconds_total", "counter", "Number of seconds any media was received by a viewer.");
  w.Sample("mist_viewseconds_total", {}, static_cast<int64_t>(in.viewseconds));
  w.Family("mist_sessions_count", "untyped", "Counts of unique sessions by type since server start.");
  w.Sample("mist_sessions_count", {{"sessType", "viewers"}}, static_cast<int64_t>(t.views));
  w.Sample("mist_sessions_count", {{"sessType", "incoming"}}, static_cast<int64_t>(t.inputs));
  w.Sample("mist_sessions_count", {{"sessType", "outgoing"}}, static_cast<int64_t>(t.outputs));
  w.Sample("mist_sessions_count", {{"sessType", "unspecified"}}, 0);
  w.Family("mist_bw_total", "counter", "Count of bytes handled since server start, by direction.");
  w.Sample("mist_bw_total", {{"direction", "up"}}, static_cast<int64_t>(t.up));
  w.Sample("mist_bw_total", {{"direction", "down"}}, static_cast<int64_t>(t.down));
  w.Family("mist_packets_total", "counter", "Total packets sent, lost and retransmitted.");
  for (const char* k : {"sent", "lost", "retrans"}) w.Sample("mist_packets_total", {{"pkttype", k}}, 0);
  w.Family("mist_outputs", "gauge", "Number of viewers per output connector.");
  std::map<std::string, int64_t> by_protocol;
  for (const auto& c : in.clients) by_protocol[c.protocol]++;
  for (const auto& [p, n] : by_protocol) w.Sample("mist_outputs", {{"output", p}}, n);
  w.Family("mist_sessions_total", "untyped", "Number of currently active sessions by type.");
  w.Sample("mist_sessions_total", {{"sessType", "viewers"}}, static_cast<int64_t>(t.viewers));
  w.Sample("mist_sessions_total", {{"sessType", "incoming"}}, static_cast<int64_t>(t.inputs));
  w.Sample("mist_sessions_total", {{"sessType", "outgoing"}}, static_cast<int64_t>(t.outputs));
  w.Sample("mist_sessions_total", {{"sessType", "unspecified"}}, 0);
  w.Sample("mist_sessions_total", {{"sessType", "cached"}}, 0);
}

void WritePerStream(Writer& w, const MetricsInput& in) {
  w.Family("mist_sessions", "gauge", "Active sessions per stream and type.");
  for (const auto& s : in.streams) {
    w.Sample("mist_sessions", {{"stream", s.name}, {"sessType", "viewers"}}, static_cast<int64_t>(s.viewers));
    w.Sample("mist_sessions", {{"stream", s.name}, {"sessType", "incoming"}}, static_cast<int64_t>(s.inputs));
    w.Sample("mist_sessions", {{"stream", s.name}, {"sessType", "outgoing"}}, static_cast<int64_t>(s.outputs));
  }
  w.Family("mist_viewcount", "untyped", "Viewer sessions per stream since server start.");
  for (const auto& s : in.streams) w.Sample("mist_viewcount", {{"stream", s.name}}, static_cast<int64_t>(s.total_viewers));
  w.Family("mist_viewseconds", "untyped", "Seconds watched per stream.");
  for (const auto& s : in.streams) {
    int64_t secs = s.started_unix ? in.now_unix - s.started_unix : 0;
    w.Sample("mist_viewseconds", {{"stream", s.name}}, static_cast<int64_t>(s.viewers) * secs);
  }
  w.Family("mist_bw", "untyped", "Bytes per stream by direction since stream start.");
  for (const auto& s : in.streams) {
    w.Sample("mist_bw", {{"stream", s.name}, {"direction", "up"}}, static_cast<int64_t>(s.bytes_in));
    w.Sample("mist_bw", {{"stream", s.name}, {"direction", "down"}}, static_cast<int64_t>(s.bytes_out));
  }
  w.Family("mist_packets", "untyped", "Packets per stream by type.");
  for (const auto& s : in.streams)
    for (const char* k : {"sent", "lost", "retrans"}) w.Sample("mist_packets", {{"stream", s.name}, {"pkttype", k}}, 0);
}

void WriteTriggers(Writer& w, const MetricsInput& in) {
  w.Family("mist_trigger_count", "untyped", "Trigger executions by trigger.");
  for (const auto& [n, s] : in.triggers) w.Sample("mist_trigger_count", {{"trigger", n}}, static_cast<int64_t>(s.count));
  w.Family("mist_trigger_time", "untyped", "Total trigger execution time in ms.");
  for (const auto& [n, s] : in.triggers) w.Sample("mist_trigger_time", {{"trigger", n}}, static_cast<int64_t>(s.ms));
  w.Family("mist_trigger_fails", "untyped", "Failed trigger executions.");
  for (const auto& [n, s] : in.triggers) w.Sample("mist_trigger_fails", {{"trigger", n}}, static_cast<int64_t>(s.fails));
}

void WriteHaze(Writer& w, const MetricsInput& in) {
  w.Family("haze_streams_configured", "gauge", "Configured streams.");
  w.Sample("haze_streams_configured", {}, static_cast<int64_t>(in.configured_streams));
  w.Family("haze_stream_buffer_window_seconds", "gauge", "DVR buffer window per stream.");
  for (const auto& [n, m] : in.media)
    w.SampleReal("haze_stream_buffer_window_seconds", {{"stream", n}}, static_cast<double>(m.stats.window_ns) / 1e9);
  w.Family("haze_stream_track_bytes_per_second", "gauge", "Bit rate per track in bytes per second.");
  for (const auto& [n, m] : in.media)
    for (const auto& t : m.tracks)
      w.Sample("haze_stream_track_bytes_per_second",
               {{"stream", n}, {"track", std::to_string(t.id)}, {"codec", CodecText(t.codec)}},
               static_cast<int64_t>(t.bps));
  w.Family("haze_stream_reader_skips_total", "counter", "Catch-up jumps of slow readers per stream.");
  for (const auto& [n, m] : in.media) w.Sample("haze_stream_reader_skips_total", {{"stream", n}}, static_cast<int64_t>(m.stats.reader_skips));
  w.Family("haze_stream_viewers", "gauge", "Current viewers per stream and protocol.");
  std::map<std::pair<std::string, std::string>, int64_t> viewers;
  for (const auto& c : in.clients)
    if (c.protocol.rfind("INPUT:", 0) != 0) viewers[{c.stream, c.protocol}]++;
  for (const auto& [k, n] : viewers) w.Sample("haze_stream_viewers", {{"stream", k.first}, {"protocol", k.second}}, n);
  w.Family("haze_trigger_executions_total", "counter", "Trigger executions.");
  for (const auto& [n, s] : in.triggers) w.Sample("haze_trigger_executions_total", {{"trigger", n}}, static_cast<int64_t>(s.count));
  w.Family("haze_trigger_failures_total", "counter", "Failed trigger executions.");
  for (const auto& [n, s] : in.triggers) w.Sample("haze_trigger_failures_total", {{"trigger", n}}, static_cast<int64_t>(s.fails));
}

}  // namespace

MetricsInput GatherMetrics(ApiContext& ctx) {
  MetricsInput in;
  in.streams = ctx.streams.Snapshots();
  in.clients = ctx.streams.Clients();
  for (const auto& s : in.streams)
    if (s.status != core::StreamStatus::kOffline)
      if (auto m = ctx.streams.Media(s.name)) in.media.emplace(s.name, std::move(*m));
  if (ctx.trigger_stats) in.triggers = ctx.trigger_stats();
  in.logs = ctx.log.total();
  in.cpu_tenths = HostCpuTenths();
  std::ifstream f("/proc/meminfo");
  std::string key, unit;
  int64_t value = 0, avail = 0;
  while (f >> key >> value >> unit) {
    if (key == "MemTotal:") in.mem_total_kib = value;
    if (key == "MemAvailable:") avail = value;
  }
  in.mem_used_kib = in.mem_total_kib - avail;
  in.now_unix = g_get_real_time() / G_USEC_PER_SEC;
  for (const auto& s : in.streams)
    if (s.started_unix) in.viewseconds += s.viewers * static_cast<uint64_t>(in.now_unix - s.started_unix);
  in.configured_streams = ctx.config.typed().streams.size();
  return in;
}

std::string RenderPrometheusText(const MetricsInput& in) {
  Writer w;
  Totals t = Sum(in);
  WriteMist(w, in, t);
  WritePerStream(w, in);
  WriteTriggers(w, in);
  WriteHaze(w, in);
  return w.str();
}

JsonNode* RenderPrometheusJson(const MetricsInput& in) {
  Totals t = Sum(in);
  JsonObject* o = nullptr;
  JsonNode* n = NewObjectNode(&o);
  json_object_set_int_member(o, "cpu", in.cpu_tenths);
  json_object_set_int_member(o, "mem_total", in.mem_total_kib);
  json_object_set_int_member(o, "mem_used", in.mem_used_kib);
  json_object_set_int_member(o, "shm_total", 0);
  json_object_set_int_member(o, "shm_used", 0);
  json_object_set_int_member(o, "logs", static_cast<int64_t>(in.logs));
  auto sess = [&](uint64_t v, uint64_t i, uint64_t out) {
    JsonArray* a = nullptr;
    JsonNode* an = NewArrayNode(&a);
    for (uint64_t x : {v, i, out, uint64_t{0}, uint64_t{0}}) json_array_add_int_element(a, static_cast<int64_t>(x));
    return an;
  };
  json_object_set_member(o, "curr", sess(t.viewers, t.inputs, t.outputs));
  json_object_set_member(o, "tot", sess(t.views, t.inputs, t.outputs));
  JsonArray* bw = nullptr;
  json_object_set_member(o, "bw", NewArrayNode(&bw));
  json_array_add_int_element(bw, static_cast<int64_t>(t.up));
  json_array_add_int_element(bw, static_cast<int64_t>(t.down));
  JsonObject* trig = nullptr;
  json_object_set_member(o, "triggers", NewObjectNode(&trig));
  for (const auto& [name, s] : in.triggers) {
    JsonObject* e = nullptr;
    json_object_set_member(trig, name.c_str(), NewObjectNode(&e));
    json_object_set_int_member(e, "count", static_cast<int64_t>(s.count));
    json_object_set_int_member(e, "ms", static_cast<int64_t>(s.ms));
    json_object_set_int_member(e, "fails", static_cast<int64_t>(s.fails));
  }
  JsonObject* streams = nullptr;
  json_object_set_member(o, "streams", NewObjectNode(&streams));
  for (const auto& s : in.streams) {
    JsonObject* e = nullptr;
    json_object_set_member(streams, s.name.c_str(), NewObjectNode(&e));
    json_object_set_int_member(e, "tot", static_cast<int64_t>(s.total_viewers));
    json_object_set_int_member(e, "curr", static_cast<int64_t>(s.viewers));
    JsonArray* sbw = nullptr;
    json_object_set_member(e, "bw", NewArrayNode(&sbw));
    json_array_add_int_element(sbw, static_cast<int64_t>(s.bytes_in));
    json_array_add_int_element(sbw, static_cast<int64_t>(s.bytes_out));
  }
  json_object_set_int_member(o, "conf_streams", static_cast<int64_t>(in.configured_streams));
  return n;
}

}  // namespace haze::http
