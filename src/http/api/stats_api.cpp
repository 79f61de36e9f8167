// API resource "stats": active_streams, stats_streams, clients, totals. Reads registry
// snapshots (plain copies); buffer metadata only when a requested field needs it.
#include <algorithm>
#include <set>

#include <unistd.h>

#include "http/api/api_context.h"

namespace haze::http {

namespace {

std::vector<std::string> StringList(JsonNode* n) {
  std::vector<std::string> out;
  if (n && JSON_NODE_HOLDS_ARRAY(n)) {
    JsonArray* a = json_node_get_array(n);
    for (guint i = 0; i < json_array_get_length(a); ++i) {
      JsonNode* e = json_array_get_element(a, i);
      if (JSON_NODE_HOLDS_VALUE(e) && json_node_get_value_type(e) == G_TYPE_STRING)
        out.push_back(json_node_get_string(e));
    }
  } else if (n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING) {
    out.push_back(json_node_get_string(n));
  }
  return out;
}

JsonNode* Member(JsonObject* o, const char* key) {
  return o && json_object_has_member(o, key) ? json_object_get_member(o, key) : nullptr;
}

bool NeedsMedia(const std::string& field) {
  return field == "tracks" || field == "firstms" || field == "lastms" || field == "zerounix" ||
         field == "health";
}

// The value of one active_streams field.
JsonNode* Field(const std::string& f, const core::StreamSnapshot& s, const MediaInfo* media) {
  int64_t now = g_get_real_time() / G_USEC_PER_SEC;
  if (f == "status") return StringNode(StatusText(s.status));
  if (f == "viewers" || f == "clients") return IntNode(static_cast<int64_t>(s.viewers));
  if (f == "inputs") return IntNode(static_cast<int64_t>(s.inputs));
  if (f == "outputs") return IntNode(static_cast<int64_t>(s.outputs));
  if (f == "views") return IntNode(static_cast<int64_t>(s.total_viewers));
  if (f == "upbytes") return IntNode(static_cast<int64_t>(s.bytes_in));
  if (f == "downbytes") return IntNode(static_cast<int64_t>(s.bytes_out));
  if (f == "tags") {
    JsonArray* a = nullptr;
    JsonNode* n = NewArrayNode(&a);
    for (const auto& t : s.tags) json_array_add_string_element(a, t.c_str());
    return n;
  }
  if (f == "pid") return IntNode(static_cast<int64_t>(getpid()));
  if (f == "viewseconds") return IntNode(static_cast<int64_t>(s.viewers) * (now - s.started_unix));
  if (media) {
    int64_t first = INT64_MAX, last = 0;
    for (const auto& t : media->tracks) {
      if (t.first_ts != dtsc::kNone) first = std::min(first, t.first_ts);
      if (t.last_ts != dtsc::kNone) last = std::max(last, t.last_ts);
    }
    if (first == INT64_MAX) first = 0;
    if (f == "tracks") return IntNode(static_cast<int64_t>(media->tracks.size()));
    if (f == "firstms") return IntNode(first / 1000000);
    if (f == "lastms") return IntNode(last / 1000000);
    if (f == "zerounix") return IntNode(media->stats.unix_offset_ms / 1000);
    if (f == "health") {
      JsonObject* o = nullptr;
      JsonNode* n = NewObjectNode(&o);
      json_object_set_string_member(o, "state", BufferStateText(media->stats.state));
      json_object_set_int_member(o, "jitter", media->stats.jitter_ms);
      json_object_set_int_member(o, "buffer", media->stats.window_ns / 1000000);
      if (!media->stats.issues.empty())
        json_object_set_string_member(o, "issues", media->stats.issues.c_str());
      return n;
    }
  }
  return IntNode(0);  // unspecified, pack*, sourcepids, or no media yet
}

JsonNode* ActiveStreams(ApiContext& ctx, JsonNode* arg) {
  std::vector<std::string> fields, only;
  bool longform = false;
  if (arg && JSON_NODE_HOLDS_ARRAY(arg)) {
    fields = StringList(arg);
  } else if (arg && JSON_NODE_HOLDS_OBJECT(arg)) {
    JsonObject* o = json_node_get_object(arg);
    fields = StringList(Member(o, "fields"));
    only = StringList(Member(o, "streams"));
    JsonNode* lf = Member(o, "longform");
    longform = lf && JSON_NODE_HOLDS_VALUE(lf) && json_node_get_value_type(lf) == G_TYPE_BOOLEAN &&
               json_node_get_boolean(lf);
  }
  std::set<std::string> wanted(only.begin(), only.end());
  bool media_needed = std::any_of(fields.begin(), fields.end(), NeedsMedia);
  auto snaps = ctx.streams.Snapshots();
  if (fields.empty()) {
    JsonArray* a = nullptr;
    JsonNode* n = NewArrayNode(&a);
    for (const auto& s : snaps)
      if (s.status != core::StreamStatus::kOffline && (wanted.empty() || wanted.count(s.name)))
        json_array_add_string_element(a, s.name.c_str());
    return n;
  }
  JsonObject* out = nullptr;
  JsonNode* node = NewObjectNode(&out);
  for (const auto& s : snaps) {
    if (s.status == core::StreamStatus::kOffline) continue;
    if (!wanted.empty() && !wanted.count(s.name)) continue;
    std::optional<MediaInfo> media;
    if (media_needed) media = ctx.streams.Media(s.name);
    const MediaInfo* m = media ? &*media : nullptr;
    if (longform) {
      JsonObject* o = nullptr;
      JsonNode* on = NewObjectNode(&o);
      for (const auto& f : fields) json_object_set_member(o, f.c_str(), Field(f, s, m));
      json_object_set_member(out, s.name.c_str(), on);
    } else {
      JsonArray* a = nullptr;
      JsonNode* an = NewArrayNode(&a);
      for (const auto& f : fields) json_array_add_element(a, Field(f, s, m));
      json_object_set_member(out, s.name.c_str(), an);
    }
  }
  return node;
}

JsonNode* StatsStreams(ApiContext& ctx, JsonNode* arg) {
  std::vector<std::string> fields = StringList(arg);
  if (fields.empty()) fields = {"clients", "lastms"};
  bool media_needed = std::any_of(fields.begin(), fields.end(), NeedsMedia);
  JsonObject* out = nullptr;
  JsonNode* node = NewObjectNode(&out);
  for (const auto& s : ctx.streams.Snapshots()) {
    if (s.status == core::StreamStatus::kOffline) continue;
    std::optional<MediaInfo> media;
    if (media_needed) media = ctx.streams.Media(s.name);
    JsonObject* o = nullptr;
    JsonNode* on = NewObjectNode(&o);
    for (const auto& f : fields) json_object_set_member(o, f.c_str(), Field(f, s, media ? &*media : nullptr));
    json_object_set_member(out, s.name.c_str(), on);
  }
  return node;
}

JsonNode* ClientField(const std::string& f, const core::ClientSnapshot& c, int64_t now) {
  int64_t secs = std::max<int64_t>(1, now - c.connected_unix);
  if (f == "host") return StringNode(c.host);
  if (f == "stream") return StringNode(c.stream);
  if (f == "protocol") return StringNode(c.protocol);
  if (f == "conntime") return IntNode(now - c.connected_unix);
  if (f == "down") return IntNode(static_cast<int64_t>(c.bytes_down));
  if (f == "up") return IntNode(static_cast<int64_t>(c.bytes_up));
  if (f == "downbps") return IntNode(static_cast<int64_t>(c.bytes_down) / secs);
  if (f == "upbps") return IntNode(static_cast<int64_t>(c.bytes_up) / secs);
  if (f == "sessid") return StringNode(std::to_string(c.id));
  return IntNode(0);  // position, pktcount, pktlost, pktretransmit
}

JsonNode* ClientsOne(ApiContext& ctx, JsonObject* req) {
  static const char* kDefault[] = {"host", "stream", "protocol", "conntime", "position", "down",
                                   "up", "downbps", "upbps", "sessid", "pktcount", "pktlost",
                                   "pktretransmit"};
  std::vector<std::string> fields = StringList(Member(req, "fields"));
  if (fields.empty()) fields.assign(std::begin(kDefault), std::end(kDefault));
  auto streams = StringList(Member(req, "streams"));
  auto protocols = StringList(Member(req, "protocols"));
  std::set<std::string> s_set(streams.begin(), streams.end()), p_set(protocols.begin(), protocols.end());
  int64_t now = g_get_real_time() / G_USEC_PER_SEC;
  JsonObject* out = nullptr;
  JsonNode* node = NewObjectNode(&out);
  json_object_set_int_member(out, "time", now);  // always the current connections
  JsonArray* fa = nullptr;
  json_object_set_member(out, "fields", NewArrayNode(&fa));
  for (const auto& f : fields) json_array_add_string_element(fa, f.c_str());
  JsonArray* data = nullptr;
  json_object_set_member(out, "data", NewArrayNode(&data));
  for (const auto& c : ctx.streams.Clients()) {
    if (!s_set.empty() && !s_set.count(c.stream)) continue;
    if (!p_set.empty() && !p_set.count(c.protocol)) continue;
    JsonArray* row = nullptr;
    JsonNode* rn = NewArrayNode(&row);
    for (const auto& f : fields) json_array_add_element(row, ClientField(f, c, now));
    json_array_add_element(data, rn);
  }
  return node;
}

JsonNode* Clients(ApiContext& ctx, JsonNode* arg) {
  if (arg && JSON_NODE_HOLDS_ARRAY(arg)) {
    JsonArray* in = json_node_get_array(arg);
    JsonArray* a = nullptr;
    JsonNode* n = NewArrayNode(&a);
    for (guint i = 0; i < json_array_get_length(in); ++i) {
      JsonNode* e = json_array_get_element(in, i);
      json_array_add_element(a, ClientsOne(ctx, JSON_NODE_HOLDS_OBJECT(e) ? json_node_get_object(e) : nullptr));
    }
    return n;
  }
  return ClientsOne(ctx, arg && JSON_NODE_HOLDS_OBJECT(arg) ? json_node_get_object(arg) : nullptr);
}

// The sample's values (no per-stream part), for the whole server or summed over |streams|
// (empty = all).
TotalsSample Filtered(const TotalsSample& s, const std::vector<std::string>& streams) {
  if (streams.empty())
    return TotalsSample{s.unix_s, s.clients, s.inputs, s.outputs, s.down_bytes, s.up_bytes, {}};
  TotalsSample out{.unix_s = s.unix_s};
  for (const auto& st : s.streams) {
    if (std::find(streams.begin(), streams.end(), st.stream) == streams.end()) continue;
    out.clients += st.clients;
    out.inputs += st.inputs;
    out.outputs += st.outputs;
    out.down_bytes += st.down_bytes;
    out.up_bytes += st.up_bytes;
  }
  return out;
}

// MistServer's start/end: unix seconds; 0 or less counts back from now.
int64_t TimeArg(JsonObject* req, const char* name, int64_t now, int64_t fallback) {
  JsonNode* n = Member(req, name);
  if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) == G_TYPE_STRING)
    return fallback;
  const int64_t v = json_node_get_value_type(n) == G_TYPE_DOUBLE
                        ? static_cast<int64_t>(json_node_get_double(n))
                        : json_node_get_int(n);
  return v <= 0 ? now + v : v;
}

JsonNode* Totals(ApiContext& ctx, JsonNode* arg) {
  JsonObject* req = arg && JSON_NODE_HOLDS_OBJECT(arg) ? json_node_get_object(arg) : nullptr;
  std::vector<std::string> fields = StringList(Member(req, "fields"));
  if (fields.empty()) fields = {"clients", "inputs", "outputs", "downbps", "upbps", "perc_lost", "perc_retrans"};
  const std::vector<std::string> streams = StringList(Member(req, "streams"));
  const int64_t now = g_get_real_time() / G_USEC_PER_SEC;
  const int64_t start = TimeArg(req, "start", now, INT64_MIN);
  const int64_t end = TimeArg(req, "end", now, INT64_MAX);
  std::vector<TotalsSample> samples;
  for (const auto& s : ctx.totals)
    if (s.unix_s >= start && s.unix_s <= end) samples.push_back(Filtered(s, streams));
  if (samples.empty()) samples.push_back(TotalsSample{now});
  JsonObject* out = nullptr;
  JsonNode* node = NewObjectNode(&out);
  json_object_set_int_member(out, "start", samples.front().unix_s);
  json_object_set_int_member(out, "end", samples.back().unix_s);
  JsonArray* fa = nullptr;
  json_object_set_member(out, "fields", NewArrayNode(&fa));
  for (const auto& f : fields) json_array_add_string_element(fa, f.c_str());
  JsonArray* data = nullptr;
  json_object_set_member(out, "data", NewArrayNode(&data));
  int64_t interval = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    const TotalsSample& s = samples[i];
    const TotalsSample& prev = i ? samples[i - 1] : s;
    int64_t dt = std::max<int64_t>(1, s.unix_s - prev.unix_s);
    if (i) interval = s.unix_s - prev.unix_s;
    JsonArray* row = nullptr;
    JsonNode* rn = NewArrayNode(&row);
    for (const auto& f : fields) {
      int64_t v = 0;
      if (f == "clients") v = static_cast<int64_t>(s.clients);
      else if (f == "inputs") v = static_cast<int64_t>(s.inputs);
      else if (f == "outputs") v = static_cast<int64_t>(s.outputs);
      else if (f == "downbps" && s.down_bytes >= prev.down_bytes) v = static_cast<int64_t>(s.down_bytes - prev.down_bytes) / dt;
      else if (f == "upbps" && s.up_bytes >= prev.up_bytes) v = static_cast<int64_t>(s.up_bytes - prev.up_bytes) / dt;
      json_array_add_int_element(row, v);
    }
    json_array_add_element(data, rn);
  }
  JsonArray* iv = nullptr;
  json_object_set_member(out, "interval", NewArrayNode(&iv));
  JsonArray* pair = nullptr;
  json_array_add_element(iv, NewArrayNode(&pair));
  json_array_add_int_element(pair, static_cast<int64_t>(samples.size()));
  json_array_add_int_element(pair, interval);
  return node;
}

}  // namespace

void RegisterStatsApi(CommandTable& table) {
  table.Add("active_streams", &ActiveStreams);
  table.Add("stats_streams", &StatsStreams);
  table.Add("clients", &Clients);
  table.Add("totals", &Totals);
}

}  // namespace haze::http
