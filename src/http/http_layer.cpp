#include "http/http_layer.h"

#include <unistd.h>

#include <utility>

#include "base/log.h"
#include "config/config_loader.h"
#include "http/api/api_router.h"
#include "http/progressive/progressive_endpoint.h"
#include "http/prometheus.h"
#include "http/static_files.h"
#include "http/stream_info.h"
#include "http/ws_api.h"

#define GST_CAT_DEFAULT haze_http_debug

namespace haze::http {

namespace {
constexpr int64_t kTotalsKeepS = 600;
constexpr guint kTotalsIntervalS = 5;
}  // namespace

HttpLayer::HttpLayer(config::ConfigStore& config, StreamBackend& streams, core::LogRing& log)
    : ctx_{config, streams, log, {}, g_get_real_time() / G_USEC_PER_SEC, {}, false},
      api_(std::make_unique<HttpServer>("api")),
      media_(std::make_unique<HttpServer>("http")) {
  InitLogging();
  web_root_ = WebRoot();
  router_ = std::make_unique<ApiRouter>(ctx_);
  info_ = std::make_unique<StreamInfoEndpoint>(config, streams, 8080);
  progressive_ = std::make_unique<ProgressiveEndpoint>(streams);
}

HttpLayer::~HttpLayer() { Stop(); }

void HttpLayer::AddApiCommand(const std::string& name, Command command) {
  router_->AddCommand(name, std::move(command));
}

Result<std::pair<uint16_t, uint16_t>> HttpLayer::Start(GMainContext* context,
                                                       const std::string& api_iface,
                                                       uint16_t api_port,
                                                       const std::string& http_iface,
                                                       std::optional<uint16_t> http_port) {
  ws_ = std::make_unique<WsApi>(*router_, context);
  BodyLimit api_body = [this](const Request& r) { return router_->BodyLimit(r); };
  api_->AddRoute({RouteMatch::kExact, "/api", [this](const Request& r) { router_->Handle(r, false); },
                  {}, api_body});
  api_->AddRoute({RouteMatch::kExact, "/api2", [this](const Request& r) { router_->Handle(r, true); },
                  {}, api_body});
  api_->AddRoute({RouteMatch::kExact, "/ws", [](const Request& r) {
                    RespondError(r.msg, SOUP_STATUS_BAD_REQUEST, "WebSocket only");
                  },
                  [this](const Request& r, SoupWebsocketConnection* c) { ws_->Accept(r, c); }});
  api_->AddRoute({RouteMatch::kPrefix, "/", [this](const Request& r) { ServeApiPort(r); }, {}});
  // config.limits is read here: a change takes effect at the next start.
  auto body_bytes = size_t(ctx_.config.typed().limits.http_body_bytes);
  api_->set_default_body_limit(body_bytes);
  media_->set_default_body_limit(body_bytes);
  info_->Register(*media_);
  progressive_->Register(*media_);

  auto api = api_->Listen(context, api_iface, api_port, std::exchange(inherited_api_, -1));
  if (!api) return api.error();
  uint16_t bound_http = 0;
  if (http_port) {
    auto http = media_->Listen(context, http_iface, *http_port, std::exchange(inherited_http_, -1));
    if (!http) {
      api_->Disconnect();
      return http.error();
    }
    bound_http = http.value();
  }
  if (int unused = std::exchange(inherited_http_, -1); unused >= 0) close(unused);  // HTTP off
  info_->set_http_port(bound_http);
  totals_timer_ = g_timeout_source_new_seconds(kTotalsIntervalS);
  g_source_set_callback(totals_timer_, [](gpointer self) -> gboolean {
    static_cast<HttpLayer*>(self)->SampleTotals();
    return G_SOURCE_CONTINUE;
  }, this, nullptr);
  g_source_attach(totals_timer_, context);
  SampleTotals();
  return std::make_pair(api.value(), bound_http);
}

std::pair<int, int> HttpLayer::DupListenersForExec() const {
  return {api_->DupListenerForExec(), media_->DupListenerForExec()};
}

void HttpLayer::Stop() {
  if (totals_timer_) {
    g_source_destroy(totals_timer_);
    g_source_unref(totals_timer_);
    totals_timer_ = nullptr;
  }
  if (progressive_) progressive_->Shutdown();
  api_->Disconnect();
  media_->Disconnect();
  ws_.reset();
}

void HttpLayer::ServeApiPort(const Request& request) {
  const std::string& prom = ctx_.config.typed().prometheus;
  if (!prom.empty() && (request.path == "/" + prom || request.path == "/" + prom + ".json")) {
    MetricsInput in = GatherMetrics(ctx_);
    AddCors(request.msg);
    if (request.path.size() > prom.size() + 1) {
      JsonNode* n = RenderPrometheusJson(in);
      RespondText(request.msg, SOUP_STATUS_OK, config::ToJsonText(n, false), "application/json");
      json_node_unref(n);
    } else {
      RespondText(request.msg, SOUP_STATUS_OK, RenderPrometheusText(in),
                  "text/plain; version=0.0.4; charset=utf-8");
    }
    return;
  }
  ServeStatic(web_root_, request);
}

void HttpLayer::SampleTotals() {
  TotalsSample s;
  s.unix_s = g_get_real_time() / G_USEC_PER_SEC;
  for (const auto& snap : ctx_.streams.Snapshots()) {
    s.clients += snap.viewers;
    s.inputs += snap.inputs;
    s.outputs += snap.outputs;
    s.down_bytes += snap.bytes_out;
    s.up_bytes += snap.bytes_in;
    if (snap.viewers || snap.inputs || snap.outputs || snap.bytes_out || snap.bytes_in)
      s.streams.push_back(StreamTotals{snap.name, snap.viewers, snap.inputs, snap.outputs,
                                       snap.bytes_out, snap.bytes_in});
  }
  ctx_.totals.push_back(s);
  while (!ctx_.totals.empty() && ctx_.totals.front().unix_s < s.unix_s - kTotalsKeepS)
    ctx_.totals.pop_front();
}

}  // namespace haze::http
