#include "triggers/trigger_dispatcher.h"

#include <signal.h>

#include "base/log.h"

#define GST_CAT_DEFAULT haze_trigger_debug

namespace haze::triggers {
namespace {

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i) out += '\n';
    out += lines[i];
  }
  return out;
}

std::string NewUuid() {
  char* u = g_uuid_string_random();
  std::string s = u;
  g_free(u);
  return s;
}

ResponseKind KindOf(std::string_view name) {
  const TriggerSpec* spec = FindTrigger(name);
  return spec ? spec->response : ResponseKind::kBool;
}

}  // namespace

// One Decide() call waiting for its sync handlers.
struct TriggerDispatcher::Pending {
  ResponseKind kind = ResponseKind::kBool;
  std::vector<std::string> responses;  // per sync handler, in config order
  size_t remaining = 0;
  DecisionDone done;

  Decision Combine() const {
    Decision d;
    d.handled = true;
    for (const auto& r : responses) {
      if (kind == ResponseKind::kRewrite) {
        if (r.empty()) d.allow = false;
      } else if (!ParseBoolResponse(r)) {
        d.allow = false;
      }
      d.response = r;
    }
    if (kind == ResponseKind::kRewrite && !d.allow) d.response.clear();
    return d;
  }
};

TriggerDispatcher::TriggerDispatcher(DispatcherOptions options)
    : options_(std::move(options)),
      session_(soup_session_new_with_options("max-conns-per-host", 8, nullptr)) {
  InitLogging();
  // A handler that exits without reading its stdin must not kill the server with SIGPIPE.
  struct sigaction old {};
  if (sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) signal(SIGPIPE, SIG_IGN);
}

TriggerDispatcher::~TriggerDispatcher() {
  runs_.clear();  // abandons (kills) everything still running
  soup_session_abort(session_);
  g_object_unref(session_);
}

void TriggerDispatcher::SetConfig(TriggerConfig config) { config_ = std::move(config); }

std::vector<const HandlerConfig*> TriggerDispatcher::Matching(
    std::string_view name, std::string_view stream, const std::vector<std::string>& tags) const {
  std::vector<const HandlerConfig*> out;
  auto it = config_.find(std::string(name));
  if (it == config_.end()) return out;
  const TriggerSpec* spec = FindTrigger(name);
  bool filtered = !spec || spec->stream_specific;
  for (const auto& h : it->second) {
    if (!filtered || h.streams.Matches(stream, tags)) out.push_back(&h);
  }
  return out;
}

// LIVE_BANDWIDTH handlers only run when the bitrate (line 2) reaches their `params` threshold.
std::vector<const HandlerConfig*> TriggerDispatcher::MatchingFor(
    std::string_view name, std::string_view stream, const std::vector<std::string>& lines,
    const std::vector<std::string>& tags) const {
  auto handlers = Matching(name, stream, tags);
  if (name != "LIVE_BANDWIDTH" || lines.size() < 2) return handlers;
  uint64_t value = g_ascii_strtoull(lines[1].c_str(), nullptr, 10);
  std::vector<const HandlerConfig*> out;
  for (const auto* h : handlers) {
    if (h->params.empty() || value >= g_ascii_strtoull(h->params.c_str(), nullptr, 10)) {
      out.push_back(h);
    }
  }
  return out;
}

bool TriggerDispatcher::HasHandlers(std::string_view name, std::string_view stream,
                                    const std::vector<std::string>& tags, bool sync_only) const {
  for (const auto* h : Matching(name, stream, tags)) {
    if (!sync_only || h->sync) return true;
  }
  return false;
}

void TriggerDispatcher::Record(const std::string& name, int64_t start_us, bool ok) {
  auto& s = stats_[name];
  ++s.count;
  s.total_ms += static_cast<uint64_t>((g_get_monotonic_time() - start_us) / 1000);
  if (!ok) ++s.fails;
}

uint64_t TriggerDispatcher::Start(const std::string& name, const HandlerConfig& handler,
                                  const std::string& payload, const std::string& uuid,
                                  std::function<void(HandlerResult)> done) {
  HandlerRequest req;
  req.trigger = name;
  req.handler = handler.handler;
  req.payload = payload;
  req.default_response = handler.default_response.value_or("");
  req.uuid = uuid;
  req.unix_ms = g_get_real_time() / 1000;
  req.instance = options_.instance_id;
  req.server_name = options_.server_name;
  req.term_after_ms = options_.term_after_ms;
  req.kill_after_ms = options_.kill_after_ms;
  req.max_output = options_.max_response_bytes;
  uint64_t id = next_id_++;
  int64_t start_us = g_get_monotonic_time();
  if (runs_.size() >= options_.max_running) {
    GST_WARNING("trigger %s: %zu handlers running, not starting another", name.c_str(),
                runs_.size());
    Record(name, start_us, false);
    HandlerResult r;
    r.error = "too many running handlers";
    if (done) done(std::move(r));
    return id;
  }
  auto finished = [this, id, name, start_us, done = std::move(done)](HandlerResult r) {
    if (!r.ok) GST_WARNING("trigger %s: handler failed: %s", name.c_str(), r.error.c_str());
    Record(name, start_us, r.ok);
    HandlerRunPtr self = std::move(runs_[id]);  // released when this callback returns
    runs_.erase(id);
    if (done) done(std::move(r));
  };
  GST_DEBUG("trigger %s: starting %s handler (%s)", name.c_str(), handler.sync ? "sync" : "async",
            handler.is_http() ? "http" : "exec");
  runs_[id] = handler.is_http() ? StartHttpHandler(session_, req, std::move(finished))
                                : StartExecHandler(req, std::move(finished));
  return id;
}

void TriggerDispatcher::Fire(std::string_view name, std::string_view stream,
                             const std::vector<std::string>& lines,
                             const std::vector<std::string>& tags) {
  auto handlers = MatchingFor(name, stream, lines, tags);
  if (handlers.empty()) return;
  std::string payload = JoinLines(lines);
  std::string uuid = NewUuid();
  for (const auto* h : handlers) Start(std::string(name), *h, payload, uuid, nullptr);
}

void TriggerDispatcher::Decide(std::string_view name, std::string_view stream,
                               const std::vector<std::string>& lines, DecisionDone done,
                               const std::vector<std::string>& tags) {
  auto handlers = MatchingFor(name, stream, lines, tags);
  std::string payload = JoinLines(lines);
  std::string uuid = NewUuid();
  auto pending = std::make_shared<Pending>();
  pending->kind = KindOf(name);
  pending->done = std::move(done);
  std::vector<const HandlerConfig*> sync;
  for (const auto* h : handlers) {
    if (h->sync) {
      sync.push_back(h);
    } else {
      // Non-sync handlers never delay the caller. MistServer answers their `default`; keep that
      // when one is configured.
      if (h->default_response) pending->responses.push_back(TrimResponse(*h->default_response));
      Start(std::string(name), *h, payload, uuid, nullptr);
    }
  }
  if (sync.empty()) {
    Decision d = pending->responses.empty() ? Decision{} : pending->Combine();
    if (pending->done) pending->done(std::move(d));
    return;
  }
  size_t base = pending->responses.size();
  pending->responses.resize(base + sync.size());
  pending->remaining = sync.size();
  for (size_t i = 0; i < sync.size(); ++i) {
    std::optional<std::string> fallback = sync[i]->default_response;
    Start(std::string(name), *sync[i], payload, uuid,
          [pending, slot = base + i, fallback](HandlerResult r) {
            std::string answer;
            if (r.usable) {
              answer = TrimResponse(r.output);
            } else if (fallback) {
              answer = TrimResponse(*fallback);
            } else {
              answer = pending->kind == ResponseKind::kRewrite ? "" : "true";
            }
            pending->responses[slot] = std::move(answer);
            if (--pending->remaining == 0 && pending->done) {
              auto done = std::move(pending->done);
              done(pending->Combine());
            }
          });
  }
}

}  // namespace haze::triggers
