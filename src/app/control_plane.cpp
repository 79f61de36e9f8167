#include "app/control_plane.h"

#include "base/log.h"
#include "triggers/hook_message.h"
#include "haze_build_config.h"

#define GST_CAT_DEFAULT haze_trigger_debug

namespace haze::app {
namespace {

using core::StreamStatus;
using triggers::Decision;

// RTMP_PUSH_REWRITE answers a full URL; the stream is its last path part (without ?query).
std::string StreamFromUrl(const std::string& url) {
  std::string path = url.substr(0, url.find('?'));
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

push::StreamInfoProvider InfoFrom(core::StreamRegistry& registry) {
  push::StreamInfoProvider p;
  p.tags = [&registry](const std::string& s) {
    const config::StreamConfig* c = registry.ConfigFor(s);
    return c ? c->tags : std::vector<std::string>{};
  };
  p.source = [&registry](const std::string& s) {
    const config::StreamConfig* c = registry.ConfigFor(s);
    return c ? c->source : std::string();
  };
  return p;
}

}  // namespace

ControlPlane::ControlPlane(config::ConfigStore& config, core::StreamRegistry& registry,
                           http::HttpLayer& http)
    : config_(config),
      registry_(registry),
      http_(http),
      automation_(triggers::DispatcherOptions{.instance_id = config.typed().serverid,
                                              .server_name = config.typed().serverid},
                  InfoFrom(registry)) {}

ControlPlane::~ControlPlane() {
  if (poll_) g_source_remove(poll_);
  config_sub_.Reset();
  status_sub_.Reset();
  http_.api_context().pushes = nullptr;
  http_.set_stream_event(nullptr);
  http_.set_trigger_stats(nullptr);
  registry_.SetPublishHooks(nullptr, nullptr);
  registry_.SetPlayRewrite(nullptr);
  registry_.SetMessageObserver(nullptr);
}

void ControlPlane::Start() {
  if (auto st = automation_.ApplyConfig(config_.root()); !st)
    GST_WARNING("triggers/pushes config: %s", st.error().ToString().c_str());
  config_sub_ = config_.AddObserver([this](const config::ServerConfig&) {
    if (auto st = automation_.ApplyConfig(config_.root()); !st)
      GST_WARNING("triggers/pushes config: %s", st.error().ToString().c_str());
  });
  automation_.SetConfigChangedCallback([this] {
    automation_.WriteConfig(config_.root());
    (void)config_.Changed();
  });
  http_.api_context().pushes = &automation_.pushes();
  // STREAM_ADD / STREAM_CONFIG / STREAM_REMOVE after an API edit validated (notifications).
  http_.set_stream_event([this](const char* event, const std::string& stream,
                                const std::string& config_json) {
    std::vector<std::string> lines{stream};
    if (!config_json.empty()) lines.push_back(config_json);
    automation_.triggers().Fire(event, stream, lines, TagsOf(stream));
  });
  http_.set_trigger_stats([this] {
    std::map<std::string, http::TriggerStat> out;
    for (const auto& [name, s] : automation_.triggers().Stats())
      out[name] = http::TriggerStat{s.count, s.total_ms, s.fails};
    return out;
  });
  InstallHooks();
  // triggerhook elements in templates -> PIPELINE_HOOK (STREAM_BUFFER comes from PollBuffers).
  registry_.SetMessageObserver([this](const std::string& stream, GstMessage* msg) {
    if (gst_message_has_name(msg, "haze-trigger"))
      triggers::FireHookMessage(automation_.triggers(), msg, stream, TagsOf(stream));
  });
  status_sub_ = registry_.AddStatusObserver([this](const std::string& stream, StreamStatus status,
                                     const std::string& detail) { OnStatus(stream, status, detail); });
  poll_ = g_timeout_add(500, [](gpointer self) -> gboolean {
    static_cast<ControlPlane*>(self)->PollBuffers();
    return G_SOURCE_CONTINUE;
  }, this);
  automation_.triggers().Fire("SYSTEM_START", "", {HAZE_VERSION});
}

void ControlPlane::BeginShutdown(const std::string& reason) {
  automation_.triggers().Fire("SYSTEM_STOP", "", {reason});
  automation_.pushes().Shutdown();
}

bool ControlPlane::Busy() {
  return automation_.pushes().running() > 0 || automation_.triggers().running() > 0;
}

std::vector<std::string> ControlPlane::TagsOf(const std::string& stream) const {
  const config::StreamConfig* c = registry_.ConfigFor(stream);
  return c ? c->tags : std::vector<std::string>{};
}

void ControlPlane::InstallHooks() {
  auto& d = automation_.triggers();
  registry_.SetPublishHooks(
      [this, &d](const core::PublishRequest& req, core::StreamRegistry::RewriteDone done) {
        if (req.connector != "RTMP" || !d.HasHandlers("RTMP_PUSH_REWRITE")) {
          return PushRewrite(req, req.url, req.stream_key, std::move(done));
        }
        d.Decide("RTMP_PUSH_REWRITE", "", triggers::RtmpPushRewritePayload(req.url, req.client_ip),
                 [this, req, done](Decision dec) {
                   if (!dec.handled) return PushRewrite(req, req.url, req.stream_key, done);
                   if (!dec.allow)
                     return done(Error{ErrorCode::kInvalidArgument, "refused by RTMP_PUSH_REWRITE"});
                   PushRewrite(req, dec.response, StreamFromUrl(dec.response), done);
                 });
      },
      [&d](const std::string& stream, const core::PublishRequest& req,
           core::StreamRegistry::AcceptDone done) {
        if (!d.HasHandlers("STREAM_PUSH", stream)) return done(true);
        d.Decide("STREAM_PUSH", stream,
                 triggers::ConnPayload(stream, req.client_ip, req.connector, req.url),
                 [done](Decision dec) { done(!dec.handled || dec.allow); });
      });
  registry_.SetPlayRewrite([&d](const core::PlayRequest& req, core::StreamRegistry::RewriteDone done) {
    if (!d.HasHandlers("PLAY_REWRITE", req.stream)) return done(req.stream);
    d.Decide("PLAY_REWRITE", req.stream,
             triggers::ConnPayload(req.stream, req.client_ip, req.connector, req.url),
             [req, done](Decision dec) {
               if (!dec.handled) return done(req.stream);
               if (!dec.allow) return done(Error{ErrorCode::kNotFound, "refused by PLAY_REWRITE"});
               done(dec.response);
             });
  });
}

// PUSH_REWRITE: push URL, client IP, parsed stream name -> the stream name to use (may carry
// ?params, which are cut), empty = deny.
void ControlPlane::PushRewrite(const core::PublishRequest& req, const std::string& url,
                               const std::string& name, core::StreamRegistry::RewriteDone done) {
  auto& d = automation_.triggers();
  if (!d.HasHandlers("PUSH_REWRITE")) return done(name);
  d.Decide("PUSH_REWRITE", "", triggers::PushRewritePayload(url, req.client_ip, name),
           [name, done](Decision dec) {
             if (!dec.handled) return done(name);
             if (!dec.allow) return done(Error{ErrorCode::kInvalidArgument, "refused by PUSH_REWRITE"});
             done(dec.response.substr(0, dec.response.find('?')));
           });
}

void ControlPlane::OnStatus(const std::string& stream, StreamStatus status, const std::string& detail) {
  auto& d = automation_.triggers();
  auto tags = TagsOf(stream);
  const config::StreamConfig* cfg = registry_.ConfigFor(stream);
  std::string input = cfg && cfg->source.rfind("push://", 0) == 0 ? "Buffer" : "GStreamer";
  switch (status) {
    case StreamStatus::kBooting:
      d.Fire("STREAM_LOAD", stream, {stream}, tags);
      break;
    case StreamStatus::kOnline:
      automation_.StreamActive(stream, true);
      d.Decide("STREAM_READY", stream, triggers::StreamReadyPayload(stream, input),
               [this, stream](Decision dec) {
                 if (dec.handled && !dec.allow) {
                   GST_INFO("STREAM_READY handler refused %s: stopping it", stream.c_str());
                   registry_.Stop(stream);
                 }
               }, tags);
      break;
    case StreamStatus::kFailed:
      d.Fire("INPUT_ABORT", stream,
             triggers::InputAbortPayload(stream, cfg ? cfg->source : "", input, "INTERNAL_ERROR",
                                         detail),
             tags);
      [[fallthrough]];
    case StreamStatus::kOffline: {
      automation_.StreamActive(stream, false);
      d.Fire("STREAM_UNLOAD", stream,
             triggers::StreamUnloadPayload(stream, input, false, detail.empty() ? "stopped" : detail),
             tags);
      auto it = watches_.find(stream);
      if (it != watches_.end()) {
        dtsc::BufferStats empty;
        empty.state = dtsc::BufferState::kEmpty;
        if (auto lines = it->second.tracker.Update(stream, empty, {}))
          d.Fire("STREAM_BUFFER", stream, *lines, tags);
        watches_.erase(it);
      }
      triggers::StreamTotals totals;
      d.Fire("STREAM_END", stream, triggers::StreamEndPayload(stream, totals), tags);
      break;
    }
    default:
      break;
  }
}

// STREAM_BUFFER on buffer state changes, LIVE_TRACK_LIST when the track set changes.
void ControlPlane::PollBuffers() {
  auto& d = automation_.triggers();
  for (const auto& snap : registry_.Snapshots()) {
    if (!snap.buffer) continue;
    Watch& w = watches_[snap.name];
    auto tracks = snap.buffer->Tracks();
    auto stats = snap.buffer->Stats();
    const config::StreamConfig* cfg = registry_.ConfigFor(snap.name);
    int64_t keepaway = cfg ? cfg->max_keepaway_ms : 45000;
    if (auto lines = w.tracker.Update(snap.name, stats, tracks, keepaway))
      d.Fire("STREAM_BUFFER", snap.name, *lines, snap.tags);
    if (tracks.size() != w.tracks) {
      w.tracks = tracks.size();
      d.Fire("LIVE_TRACK_LIST", snap.name, triggers::LiveTrackListPayload(snap.name, tracks),
             snap.tags);
    }
  }
}

}  // namespace haze::app
