#include "config/config_store.h"

#include <gio/gio.h>

#include "base/log.h"
#include "config/config_loader.h"
#include "core/resources.h"

#define GST_CAT_DEFAULT haze_config_debug

namespace haze::config {

Result<ConfigRw> ParseConfigRw(const std::string& s) {
  if (s == "r") return ConfigRw::kRead;
  if (s == "w") return ConfigRw::kWrite;
  if (s == "rw") return ConfigRw::kReadWrite;
  if (s == "off" || s.empty()) return ConfigRw::kOff;
  return Error{ErrorCode::kInvalidArgument, "--configrw takes r, w, rw or off, not '" + s + "'"};
}

std::string ConfigStore::EmbeddedDefault() {
  core::RegisterResources();
  GBytes* bytes = g_resources_lookup_data("/haze/config/default.json",
                                          G_RESOURCE_LOOKUP_FLAGS_NONE, nullptr);
  if (!bytes) return "{}";
  gsize size = 0;
  const char* data = static_cast<const char*>(g_bytes_get_data(bytes, &size));
  std::string out(data, size);
  g_bytes_unref(bytes);
  return out;
}

ConfigStore::ConfigStore(std::string path, ConfigRw mode) : path_(std::move(path)), mode_(mode) {}

ConfigStore::~ConfigStore() {
  if (save_source_) g_source_remove(save_source_);
  if (monitor_) g_signal_handlers_disconnect_by_data(monitor_.get(), this);
  if (root_) json_node_unref(root_);
  if (last_valid_) json_node_unref(last_valid_);
}

Result<std::unique_ptr<ConfigStore>> ConfigStore::Open(const std::string& path, ConfigRw mode) {
  std::string text;
  std::string context = path.empty() ? "built-in default config" : path;
  bool exists = !path.empty() && g_file_test(path.c_str(), G_FILE_TEST_EXISTS);
  if (exists) {
    gchar* contents = nullptr;
    gsize len = 0;
    GError* err = nullptr;
    if (!g_file_get_contents(path.c_str(), &contents, &len, &err)) {
      GErrorPtr e(err);
      return Error::FromGError(e.get(), ErrorCode::kIo, path);
    }
    text.assign(contents, len);
    g_free(contents);
  } else {
    text = EmbeddedDefault();
  }
  auto node = ParseJsonText(text, context, kConfigFileLimits);
  if (!node) return node.error();
  std::unique_ptr<ConfigStore> store(new ConfigStore(path, path.empty() ? ConfigRw::kOff : mode));
  if (auto st = store->Adopt(node.value()); !st) return st.error();
  if (exists) store->last_written_ = text;
  if (!path.empty() && !exists)
    GST_INFO("config file %s does not exist yet; starting from the built-in default",
             path.c_str());
  if (store->mode_ == ConfigRw::kRead || store->mode_ == ConfigRw::kReadWrite)
    store->StartMonitor();
  return store;
}

JsonObject* ConfigStore::root() const { return json_node_get_object(root_); }

JsonObject* ConfigStore::Section(const char* key) {
  JsonObject* r = root();
  JsonNode* n = json_object_get_member(r, key);
  if (!n || !JSON_NODE_HOLDS_OBJECT(n)) json_object_set_object_member(r, key, json_object_new());
  return json_object_get_object_member(r, key);
}

// Takes ownership of |candidate| if it validates; otherwise frees it and keeps the old state.
Status ConfigStore::Adopt(JsonNode* candidate) {
  auto typed = ParseServerConfig(candidate);
  if (!typed) {
    json_node_unref(candidate);
    return typed.error();
  }
  if (root_ && root_ != candidate) json_node_unref(root_);
  root_ = candidate;
  typed_ = std::move(typed.value());
  RememberValid();
  return OkStatus();
}

void ConfigStore::RememberValid() {
  if (last_valid_) json_node_unref(last_valid_);
  last_valid_ = DeepCopyJson(root_);
}

Status ConfigStore::Changed() {
  auto typed = ParseServerConfig(root_);
  if (!typed) {
    GST_WARNING("config change refused: %s", typed.error().ToString().c_str());
    json_node_unref(root_);
    root_ = DeepCopyJson(last_valid_);
    return typed.error();
  }
  typed_ = std::move(typed.value());
  RememberValid();
  observers_.Notify(typed_);
  ScheduleSave();
  return OkStatus();
}

Status ConfigStore::Replace(JsonNode* new_root) {
  if (auto st = Adopt(DeepCopyJson(new_root)); !st) return st;
  observers_.Notify(typed_);
  ScheduleSave();
  return OkStatus();
}

std::string ConfigStore::ToText(bool pretty) const { return ToJsonText(root_, pretty); }

Status ConfigStore::Save() {
  if (path_.empty())
    return Error{ErrorCode::kUnavailable, "running on the built-in default config (no -c file)"};
  std::string text = ToText(true) + "\n";
  GError* err = nullptr;
  // CONSISTENT writes a temp file and renames it; DURABLE fsyncs: a crash leaves old or new.
  if (!g_file_set_contents_full(
          path_.c_str(), text.data(), static_cast<gssize>(text.size()),
          static_cast<GFileSetContentsFlags>(G_FILE_SET_CONTENTS_CONSISTENT |
                                             G_FILE_SET_CONTENTS_DURABLE),
          0644, &err)) {
    GErrorPtr e(err);
    return Error::FromGError(e.get(), ErrorCode::kIo, path_);
  }
  last_written_ = text;
  GST_INFO("config saved to %s", path_.c_str());
  return OkStatus();
}

Status ConfigStore::Reload() {
  if (path_.empty()) return Error{ErrorCode::kUnavailable, "no config file to reload"};
  gchar* contents = nullptr;
  gsize len = 0;
  GError* err = nullptr;
  if (!g_file_get_contents(path_.c_str(), &contents, &len, &err)) {
    GErrorPtr e(err);
    return Error::FromGError(e.get(), ErrorCode::kIo, path_);
  }
  std::string text(contents, len);
  g_free(contents);
  auto node = ParseJsonText(text, path_, kConfigFileLimits);
  if (!node) return node.error();
  if (auto st = Adopt(node.value()); !st) return st;
  last_written_ = text;
  observers_.Notify(typed_);
  return OkStatus();
}

Status ConfigStore::FlushPendingSave() {
  if (!save_source_) return OkStatus();
  g_source_remove(save_source_);
  save_source_ = 0;
  return Save();
}

void ConfigStore::ScheduleSave() {
  if (mode_ != ConfigRw::kWrite && mode_ != ConfigRw::kReadWrite) return;
  if (save_source_) g_source_remove(save_source_);
  save_source_ = g_timeout_add(autosave_delay_ms_, &ConfigStore::OnSaveTimeout, this);
}

gboolean ConfigStore::OnSaveTimeout(gpointer data) {
  auto* self = static_cast<ConfigStore*>(data);
  self->save_source_ = 0;
  if (auto st = self->Save(); !st) GST_WARNING("auto-save failed: %s", st.error().ToString().c_str());
  return G_SOURCE_REMOVE;
}

void ConfigStore::StartMonitor() {
  auto file = GRef<GFile>::Adopt(g_file_new_for_path(path_.c_str()));
  GError* err = nullptr;
  monitor_ = GRef<GFileMonitor>::Adopt(
      g_file_monitor_file(file.get(), G_FILE_MONITOR_WATCH_MOVES, nullptr, &err));
  if (!monitor_) {
    GErrorPtr e(err);
    GST_WARNING("cannot watch %s: %s", path_.c_str(), e ? e->message : "?");
    return;
  }
  g_signal_connect(monitor_.get(), "changed", G_CALLBACK(&ConfigStore::OnFileChanged), this);
}

void ConfigStore::OnFileChanged(GFileMonitor*, GFile*, GFile*, GFileMonitorEvent event,
                                gpointer data) {
  if (event != G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT && event != G_FILE_MONITOR_EVENT_CREATED &&
      event != G_FILE_MONITOR_EVENT_RENAMED && event != G_FILE_MONITOR_EVENT_MOVED_IN)
    return;
  auto* self = static_cast<ConfigStore*>(data);
  gchar* contents = nullptr;
  gsize len = 0;
  if (!g_file_get_contents(self->path_.c_str(), &contents, &len, nullptr)) return;
  std::string text(contents, len);
  g_free(contents);
  if (text == self->last_written_) return;  // our own save, or no change
  auto node = ParseJsonText(text, self->path_, kConfigFileLimits);
  if (!node) {
    GST_WARNING("config file changed on disk but does not parse; keeping the running config: %s",
                node.error().ToString().c_str());
    return;
  }
  if (auto st = self->Adopt(node.value()); !st) {
    GST_WARNING("config file changed on disk but is invalid; keeping the running config: %s",
                st.error().ToString().c_str());
    return;
  }
  self->last_written_ = text;
  GST_INFO("config reloaded from %s", self->path_.c_str());
  self->observers_.Notify(self->typed_);
}

}  // namespace haze::config
