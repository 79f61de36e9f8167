#include "push/push_manager.h"

#include <glib/gstdio.h>

#include <algorithm>

#include "base/gst_ref.h"
#include "base/log.h"

#define GST_CAT_DEFAULT haze_trigger_debug

namespace haze::push {
namespace {

constexpr uint32_t kMaxBackoffS = 60;

std::string Text(JsonNode* n) {
  if (!n || !JSON_NODE_HOLDS_VALUE(n)) return "";
  GType t = json_node_get_value_type(n);
  if (t == G_TYPE_STRING) return json_node_get_string(n);
  if (t == G_TYPE_INT64) return std::to_string(json_node_get_int(n));
  if (t == G_TYPE_DOUBLE) return std::to_string(static_cast<int64_t>(json_node_get_double(n)));
  return "";
}

bool IsNumber(JsonNode* n) {
  return n && JSON_NODE_HOLDS_VALUE(n) &&
         (json_node_get_value_type(n) == G_TYPE_INT64 ||
          json_node_get_value_type(n) == G_TYPE_DOUBLE);
}

GSource* Every(guint ms, GSourceFunc fn, gpointer data) {
  GSource* s = g_timeout_source_new(ms);
  g_source_set_callback(s, fn, data, nullptr);
  g_source_attach(s, g_main_context_get_thread_default());
  return s;
}

void DropSource(GSource*& s) {
  if (!s) return;
  g_source_destroy(s);
  g_source_unref(s);
  s = nullptr;
}

}  // namespace

PushManager::PushManager(triggers::TriggerDispatcher* triggers, triggers::VariableStore* variables,
                         StreamInfoProvider streams, SourceFactory source)
    : triggers_(triggers),
      variables_(variables),
      streams_(std::move(streams)),
      source_(std::move(source)) {
  timer_ = Every(
      1000,
      [](gpointer self) -> gboolean {
        static_cast<PushManager*>(self)->Check();
        return G_SOURCE_CONTINUE;
      },
      this);
}

PushManager::~PushManager() {
  *alive_ = false;
  DropSource(timer_);
  DropSource(reaper_);
  pushes_.clear();  // Push destructors stop their pipelines
  ended_.clear();
}

std::vector<std::string> PushManager::Tags(const std::string& stream) const {
  return streams_.tags ? streams_.tags(stream) : std::vector<std::string>{};
}

triggers::VariableMap PushManager::Variables(const std::string& stream) const {
  triggers::VariableContext ctx;
  ctx.stream = stream;
  ctx.source = streams_.source ? streams_.source(stream) : "";
  ctx.custom = variables_ ? &variables_->Values() : nullptr;
  return triggers::BuildVariables(ctx, std::time(nullptr));
}

void PushManager::ConfigChanged() {
  if (config_changed_) config_changed_();
}

const Push* PushManager::Find(uint64_t id) const {
  auto it = pushes_.find(id);
  return it == pushes_.end() ? nullptr : it->second.get();
}

void PushManager::StartPush(const std::string& stream, const std::string& target, StartDone done) {
  if (!triggers_ || !triggers_->HasHandlers("PUSH_OUT_START", stream, Tags(stream), true)) {
    if (triggers_) triggers_->Fire("PUSH_OUT_START", stream, {stream, target}, Tags(stream));
    Continue(stream, target, target, "", std::move(done));
    return;
  }
  // The same request while PUSH_OUT_START is still deciding is a duplicate.
  AutoKey pending{stream, target};
  if (!manual_pending_.insert(pending).second) {
    if (done) done(Error{ErrorCode::kAlreadyExists, "identical push already starting", stream});
    return;
  }
  std::weak_ptr<bool> alive = alive_;
  triggers_->Decide(
      "PUSH_OUT_START", stream, {stream, target},
      [this, alive, stream, target, done, pending](triggers::Decision d) {
        if (alive.expired()) return;
        manual_pending_.erase(pending);
        if (!d.allow) {
          if (done) done(Error{ErrorCode::kInvalidArgument, "refused by PUSH_OUT_START", stream});
          return;
        }
        Continue(stream, target, d.handled ? d.response : target, "", done);
      },
      Tags(stream));
}

void PushManager::Continue(const std::string& stream, const std::string& original,
                           std::string target, const std::string& auto_id, StartDone done) {
  if (shutting_down_) {
    if (done) done(Error{ErrorCode::kUnavailable, "server shutting down", stream});
    return;
  }
  std::string resolved = triggers::ExpandVariables(target, Variables(stream));
  for (const auto& [id, p] : pushes_) {
    if (p->stream() == stream && p->target() == resolved && p->running()) {
      if (done) done(Error{ErrorCode::kAlreadyExists, "identical push already running", stream});
      return;
    }
  }
  auto parsed = ParseTarget(resolved);
  if (!parsed.ok()) {
    if (done) done(parsed.error());
    return;
  }
  if (parsed->is_file()) {
    GCharPtr dir(g_path_get_dirname(parsed->url.c_str()));
    g_mkdir_with_parents(dir.get(), 0755);
  }
  uint64_t id = next_id_++;
  auto push = std::make_unique<Push>(id, stream, original, resolved, std::move(parsed.value()));
  Push* raw = push.get();
  pushes_[id] = std::move(push);
  if (!auto_id.empty()) push_auto_[id] = {auto_id, stream};
  std::weak_ptr<bool> alive = alive_;
  Status st = raw->Start(source_, [this, alive, id](Push&) {
    if (!alive.expired()) OnPushEnded(id);
  });
  if (done) done(st.ok() ? Result<uint64_t>(id) : Result<uint64_t>(st.error()));
}

void PushManager::OnPushEnded(uint64_t id) {
  auto it = pushes_.find(id);
  if (it == pushes_.end()) return;
  std::unique_ptr<Push> push = std::move(it->second);
  pushes_.erase(it);
  const std::string& stream = push->stream();
  auto tags = Tags(stream);
  if (triggers_) {
    triggers_->Fire("PUSH_END", stream, push->PushEndPayload(), tags);
    auto lines = push->OutputEndPayload();
    if (push->parsed().is_file()) triggers_->Fire("RECORDING_END", stream, lines, tags);
    triggers_->Fire("OUTPUT_END", stream, lines, tags);
  }
  auto a = push_auto_.find(id);
  if (a != push_auto_.end()) {
    AutoState& st = auto_state_[a->second];
    auto active_s = std::stoll(push->OutputEndPayload()[4]);
    st.backoff_s =
        active_s > 30 ? 0 : std::min(kMaxBackoffS, std::max<uint32_t>(1, st.backoff_s * 2));
    st.next_attempt_us =
        g_get_monotonic_time() + G_USEC_PER_SEC * std::max(settings_.wait, st.backoff_s);
    push_auto_.erase(a);
  }
  // The push is inside its own end callback: destroy it from an idle callback.
  ended_.push_back(std::move(push));
  if (!reaper_) {
    reaper_ = g_idle_source_new();
    g_source_set_callback(
        reaper_,
        [](gpointer data) -> gboolean {
          auto* self = static_cast<PushManager*>(data);
          self->ended_.clear();
          g_source_unref(self->reaper_);
          self->reaper_ = nullptr;
          return G_SOURCE_REMOVE;
        },
        this, nullptr);
    g_source_attach(reaper_, g_main_context_get_thread_default());
  }
}

void PushManager::StreamStarted(const std::string& name) {
  active_.insert(name);
  int started = 0;
  int64_t now = std::time(nullptr);
  for (const auto& [id, entry] : auto_) {
    AutoKey key{id, name};
    auto_state_[key] = AutoState{};  // start at once, no backoff
    if (entry.MatchesStream(name, Tags(name))) CheckEntry(entry, now, started);
  }
}

void PushManager::StreamStopped(const std::string& name) {
  active_.erase(name);
  for (auto it = auto_state_.begin(); it != auto_state_.end();) {
    it = it->first.second == name ? auto_state_.erase(it) : std::next(it);
  }
  for (auto& [id, p] : pushes_) {
    if (p->stream() == name) p->Stop(true);
  }
}

bool PushManager::AutoRunning(const AutoKey& key) const {
  if (auto_pending_.count(key)) return true;
  for (const auto& [id, k] : push_auto_) {
    if (k == key) return true;
  }
  return false;
}

void PushManager::StopAuto(const AutoKey& key) {
  for (const auto& [id, k] : push_auto_) {
    if (k == key) pushes_.at(id)->Stop(true);
  }
}

void PushManager::CheckEntry(const AutoPush& entry, int64_t now, int& started) {
  if (entry.schedule_time && now < entry.schedule_time) return;
  if (entry.complete_time && now >= entry.complete_time) return;
  std::vector<std::string> candidates;
  for (const auto& s : active_) {
    if (entry.MatchesStream(s, Tags(s)) && !entry.Inhibited(s, Tags(s))) candidates.push_back(s);
  }
  for (const auto& stream : candidates) {
    AutoKey key{entry.id, stream};
    auto vars = Variables(stream);
    bool should_run = !(entry.start_rule && !EvaluateRule(*entry.start_rule, vars)) &&
                      !(entry.end_rule && EvaluateRule(*entry.end_rule, vars));
    if (!should_run) {
      StopAuto(key);
      continue;
    }
    if (AutoRunning(key)) continue;
    if (g_get_monotonic_time() < auto_state_[key].next_attempt_us) continue;
    if (settings_.maxspeed && started >= static_cast<int>(settings_.maxspeed)) return;
    ++started;
    auto_pending_.insert(key);
    std::weak_ptr<bool> alive = alive_;
    auto after = [this, alive, key](const std::string& target) {
      if (alive.expired()) return;
      auto_pending_.erase(key);
      if (!active_.count(key.second) || !auto_.count(key.first)) return;
      Continue(key.second, auto_.at(key.first).target, target, key.first,
               [this, key](Result<uint64_t> r) {
                 if (r.ok()) return;
                 GST_WARNING("auto push for %s failed: %s", key.second.c_str(),
                             r.error().ToString().c_str());
                 AutoState& st = auto_state_[key];
                 st.backoff_s = std::min(kMaxBackoffS, std::max<uint32_t>(1, st.backoff_s * 2));
                 st.next_attempt_us = g_get_monotonic_time() + G_USEC_PER_SEC * st.backoff_s;
               });
    };
    if (triggers_ && triggers_->HasHandlers("PUSH_OUT_START", stream, Tags(stream), true)) {
      triggers_->Decide(
          "PUSH_OUT_START", stream, {stream, entry.target},
          [this, alive, key, after, t = entry.target](triggers::Decision d) {
            if (alive.expired()) return;
            if (!d.allow) {
              auto_pending_.erase(key);
              auto_state_[key].next_attempt_us =
                  g_get_monotonic_time() + G_USEC_PER_SEC * kMaxBackoffS;
              return;
            }
            after(d.handled ? d.response : t);
          },
          Tags(stream));
    } else {
      if (triggers_)
        triggers_->Fire("PUSH_OUT_START", stream, {stream, entry.target}, Tags(stream));
      after(entry.target);
    }
  }
}

void PushManager::Shutdown() {
  shutting_down_ = true;
  for (auto& [id, p] : pushes_) p->Stop(true);
}

void PushManager::Check() {
  if (shutting_down_) return;
  int64_t now = std::time(nullptr);
  int started = 0;
  std::vector<std::string> remove;
  for (const auto& [id, entry] : auto_) {
    if (entry.complete_time && now >= entry.complete_time) {
      remove.push_back(id);
      continue;
    }
    CheckEntry(entry, now, started);
    // A scheduled entry without completetime runs once (MistServer removes it after starting).
    if (entry.schedule_time && !entry.complete_time && now >= entry.schedule_time) {
      bool any = false;
      for (const auto& [pid, key] : push_auto_) any = any || key.first == id;
      if (any) remove.push_back(id);
    }
  }
  for (const auto& id : remove) {
    for (auto& [pid, key] : push_auto_) {
      if (key.first == id && auto_.at(id).complete_time && now >= auto_.at(id).complete_time) {
        pushes_.at(pid)->Stop(true);
      }
    }
    auto_.erase(id);
  }
  if (!remove.empty()) ConfigChanged();
}

std::vector<std::string> PushManager::ExpandStreams(const std::string& spec) const {
  std::vector<std::string> out;
  if (!spec.empty() && (spec[0] == '#' || spec.back() == '+')) {
    AutoPush matcher;
    matcher.stream = spec;
    for (const auto& s : active_) {
      if (matcher.MatchesStream(s, Tags(s))) out.push_back(s);
    }
    return out;
  }
  if (!spec.empty()) out.push_back(spec);
  return out;
}

Status PushManager::ApiPushStart(JsonNode* request) {
  std::string stream, target;
  if (request && JSON_NODE_HOLDS_ARRAY(request)) {
    JsonArray* a = json_node_get_array(request);
    if (json_array_get_length(a) >= 2) {
      stream = Text(json_array_get_element(a, 0));
      target = Text(json_array_get_element(a, 1));
    }
  } else if (request && JSON_NODE_HOLDS_OBJECT(request)) {
    JsonObject* o = json_node_get_object(request);
    stream = Text(json_object_get_member(o, "stream"));
    target = Text(json_object_get_member(o, "target"));
  }
  if (stream.empty() || target.empty()) {
    return Error{ErrorCode::kInvalidArgument, "push_start needs stream and target", ""};
  }
  // Validate the target shape now so the API can answer with an error.
  auto check = ParseTarget(triggers::ExpandVariables(target, Variables(stream)));
  if (!check.ok()) return check.error();
  for (const auto& s : ExpandStreams(stream)) {
    StartPush(s, target, [s](Result<uint64_t> r) {
      if (!r.ok()) GST_WARNING("push_start %s: %s", s.c_str(), r.error().ToString().c_str());
    });
  }
  return OkStatus();
}

void PushManager::ApiPushStop(JsonNode* request, bool graceful) {
  std::vector<uint64_t> ids;
  auto add = [&](JsonNode* n) {
    if (IsNumber(n)) {
      ids.push_back(static_cast<uint64_t>(g_ascii_strtoull(Text(n).c_str(), nullptr, 10)));
      return;
    }
    std::string name = Text(n);
    for (const auto& [id, p] : pushes_) {
      if (p->stream() == name) ids.push_back(id);
    }
  };
  if (request && JSON_NODE_HOLDS_ARRAY(request)) {
    JsonArray* a = json_node_get_array(request);
    for (guint i = 0; i < json_array_get_length(a); ++i) add(json_array_get_element(a, i));
  } else if (request) {
    add(request);
  }
  for (uint64_t id : ids) {
    auto it = pushes_.find(id);
    if (it == pushes_.end()) continue;
    // A stopped automatic push is not restarted until the stream restarts (MistServer keeps
    // the rule; the user removes it with push_auto_remove).
    auto a = push_auto_.find(id);
    if (a != push_auto_.end()) {
      auto_state_[a->second].next_attempt_us = G_MAXINT64;
    }
    it->second->Stop(graceful);  // may end (and erase) synchronously
  }
}

JsonNode* PushManager::ApiPushList() const {
  JsonArray* a = json_array_new();
  for (const auto& [id, p] : pushes_) {
    if (p->running()) json_array_add_element(a, p->ListEntry());
  }
  JsonNode* n = json_node_new(JSON_NODE_ARRAY);
  json_node_take_array(n, a);
  return n;
}

Result<std::string> PushManager::ApiAutoAdd(JsonNode* request) {
  auto entry = ParseAutoPush(request);
  if (!entry.ok()) return entry.error();
  std::string id = entry->id;
  auto_[id] = std::move(entry.value());
  ConfigChanged();
  int started = 0;
  CheckEntry(auto_.at(id), std::time(nullptr), started);
  return id;
}

void PushManager::ApiAutoRemove(JsonNode* request) {
  if (!request) return;
  std::vector<std::string> ids;
  auto add = [&](JsonNode* n) {
    if (JSON_NODE_HOLDS_OBJECT(n) ||
        (JSON_NODE_HOLDS_ARRAY(n) && json_array_get_length(json_node_get_array(n)) >= 2 &&
         !JSON_NODE_HOLDS_ARRAY(json_array_get_element(json_node_get_array(n), 0)))) {
      auto spec = ParseAutoPush(n);
      if (!spec.ok()) return;
      for (const auto& [id, e] : auto_) {
        if (id == spec->id || (e.stream == spec->stream && e.target == spec->target)) {
          ids.push_back(id);
        }
      }
      return;
    }
    std::string s = Text(n);
    for (const auto& [id, e] : auto_) {
      if (id == s || e.stream == s) ids.push_back(id);
    }
  };
  if (JSON_NODE_HOLDS_ARRAY(request) &&
      !(json_array_get_length(json_node_get_array(request)) >= 2 &&
        JSON_NODE_HOLDS_VALUE(json_array_get_element(json_node_get_array(request), 1)) &&
        Text(json_array_get_element(json_node_get_array(request), 1)).find('/') !=
            std::string::npos)) {
    JsonArray* a = json_node_get_array(request);
    for (guint i = 0; i < json_array_get_length(a); ++i) add(json_array_get_element(a, i));
  } else {
    add(request);
  }
  for (const auto& id : ids) {
    for (const auto& [pid, key] : push_auto_) {
      if (key.first == id) pushes_.at(pid)->Stop(true);
    }
    auto_.erase(id);
  }
  if (!ids.empty()) ConfigChanged();
}

JsonObject* PushManager::ApiAutoList() const {
  JsonObject* o = json_object_new();
  for (const auto& [id, e] : auto_) json_object_set_object_member(o, id.c_str(), e.ToJson());
  return o;
}

JsonArray* PushManager::ApiAutoListArrays() const {
  JsonArray* out = json_array_new();
  for (const auto& [id, e] : auto_) {
    JsonArray* a = json_array_new();
    json_array_add_string_element(a, e.stream.c_str());
    json_array_add_string_element(a, e.target.c_str());
    json_array_add_int_element(a, e.schedule_time);
    json_array_add_int_element(a, e.complete_time);
    for (const auto* rule : {&e.start_rule, &e.end_rule}) {
      json_array_add_string_element(a, *rule ? (*rule)->variable.c_str() : "");
      json_array_add_int_element(a, *rule ? (*rule)->op : 0);
      json_array_add_string_element(a, *rule ? (*rule)->value.c_str() : "");
    }
    json_array_add_array_element(out, a);
  }
  return out;
}

JsonObject* PushManager::ApiSettings(JsonNode* request) {
  if (request && JSON_NODE_HOLDS_OBJECT(request)) {
    JsonObject* r = json_node_get_object(request);
    bool changed = false;
    if (json_object_has_member(r, "wait")) {
      settings_.wait = static_cast<uint32_t>(json_object_get_int_member(r, "wait"));
      changed = true;
    }
    if (json_object_has_member(r, "maxspeed")) {
      settings_.maxspeed = static_cast<uint32_t>(json_object_get_int_member(r, "maxspeed"));
      changed = true;
    }
    if (changed) ConfigChanged();
  }
  JsonObject* o = json_object_new();
  json_object_set_int_member(o, "wait", settings_.wait);
  json_object_set_int_member(o, "maxspeed", settings_.maxspeed);
  return o;
}

Status PushManager::LoadConfig(JsonObject* auto_push, JsonObject* push_settings) {
  auto_.clear();
  if (auto_push) {
    GList* ids = json_object_get_members(auto_push);
    for (GList* l = ids; l; l = l->next) {
      auto entry = ParseAutoPush(json_object_get_member(auto_push, static_cast<char*>(l->data)));
      if (!entry.ok()) {
        g_list_free(ids);
        Error e = entry.error();
        e.context = std::string("/auto_push/") + static_cast<char*>(l->data);
        return e;
      }
      auto_[entry->id] = std::move(entry.value());
    }
    g_list_free(ids);
  }
  if (push_settings) {
    JsonNode* n = json_node_new(JSON_NODE_OBJECT);
    json_node_set_object(n, push_settings);
    auto old = config_changed_;
    config_changed_ = nullptr;
    json_object_unref(ApiSettings(n));
    config_changed_ = old;
    json_node_unref(n);
  }
  return OkStatus();
}

}  // namespace haze::push
