#include "push/automation.h"

#include "base/log.h"

#define GST_CAT_DEFAULT haze_trigger_debug

namespace haze::push {
namespace {

JsonObject* MemberObject(JsonObject* root, const char* name) {
  if (!root || !json_object_has_member(root, name)) return nullptr;
  JsonNode* n = json_object_get_member(root, name);
  return JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : nullptr;
}

std::string Text(JsonObject* o) {
  if (!o) return "";
  JsonNode* n = json_node_new(JSON_NODE_OBJECT);
  json_node_set_object(n, o);
  gchar* s = json_to_string(n, FALSE);
  std::string out = s;
  g_free(s);
  json_node_unref(n);
  return out;
}

}  // namespace

Automation::Automation(triggers::DispatcherOptions options, StreamInfoProvider streams,
                       SourceFactory source)
    : triggers_(std::make_unique<triggers::TriggerDispatcher>(std::move(options))),
      variables_(std::make_unique<triggers::VariableStore>()),
      pushes_(std::make_unique<PushManager>(triggers_.get(), variables_.get(), std::move(streams),
                                            std::move(source))) {
  pushes_->SetConfigChangedCallback([this] {
    if (changed_) changed_();
  });
}

Automation::~Automation() {
  pushes_.reset();  // stops pushes (they fire no triggers any more)
  variables_.reset();
  triggers_.reset();
}

void Automation::SetConfigChangedCallback(std::function<void()> cb) { changed_ = std::move(cb); }

Status Automation::ApplyConfig(JsonObject* root) {
  // MistServer keeps triggers under config.triggers; a top-level "triggers" is accepted too.
  JsonObject* cfg = MemberObject(root, "config");
  JsonObject* trig = cfg ? MemberObject(cfg, "triggers") : nullptr;
  if (!trig) trig = MemberObject(root, "triggers");
  std::string t = Text(trig);
  if (t != last_triggers_) {
    auto config = triggers::ParseTriggerConfig(trig);
    if (!config.ok()) return config.error();
    triggers_->SetConfig(std::move(config.value()));
    last_triggers_ = t;
  }
  JsonObject* vars = MemberObject(root, "variables");
  std::string v = Text(vars);
  if (v != last_variables_) {
    Status st = variables_->Load(vars);
    if (!st.ok()) return st;
    last_variables_ = v;
  }
  JsonObject* autos = MemberObject(root, "auto_push");
  JsonObject* settings = MemberObject(root, "push_settings");
  std::string p = Text(autos) + "\n" + Text(settings);
  if (p != last_pushes_) {
    Status st = pushes_->LoadConfig(autos, settings);
    if (!st.ok()) return st;
    last_pushes_ = p;
  }
  return OkStatus();
}

void Automation::WriteConfig(JsonObject* root) {
  JsonObject* autos = pushes_->ApiAutoList();
  JsonObject* settings = pushes_->ApiSettings(nullptr);
  JsonObject* vars = variables_->ToJson();
  // Remember what we wrote, so the next ApplyConfig of the same document is a no-op.
  last_pushes_ = Text(autos) + "\n" + Text(settings);
  last_variables_ = Text(vars);
  json_object_set_object_member(root, "auto_push", autos);
  json_object_set_object_member(root, "push_settings", settings);
  json_object_set_object_member(root, "variables", vars);
}

void Automation::StreamActive(const std::string& stream, bool active) {
  if (active) {
    pushes_->StreamStarted(stream);
  } else {
    pushes_->StreamStopped(stream);
  }
}

}  // namespace haze::push
