// ConfigStore: the live configuration. Holds the MistServer-shaped JSON document (source of
// truth: unknown keys survive a save) and its typed view. API handlers edit the document and call
// Changed(); observers (the stream registry) reconcile. Saves are atomic (temp file, fsync,
// rename). With --configrw w: auto-save 60 s after the last change; r: reload when the file
// changes on disk (a file that fails to parse is refused and the running config kept).
// Thread: main GMainContext only.
#pragma once

#include <json-glib/json-glib.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/gst_ref.h"
#include "base/observer_list.h"
#include "base/result.h"
#include "config/config.h"

namespace haze::config {

enum class ConfigRw { kOff, kRead, kWrite, kReadWrite };
Result<ConfigRw> ParseConfigRw(const std::string& s);

class ConfigStore {
 public:
  using Observer = std::function<void(const ServerConfig&)>;

  // Loads |path|; an empty path uses the embedded default (never written back). A path that does
  // not exist yet starts from the embedded default and is created on the first save.
  static Result<std::unique_ptr<ConfigStore>> Open(const std::string& path, ConfigRw mode);
  static std::string EmbeddedDefault();
  ~ConfigStore();

  // The document; edit it in place, then call Changed(). Borrowed pointer, never null.
  JsonObject* root() const;
  JsonNode* root_node() const { return root_; }
  // Object member |key| of the root, created when missing.
  JsonObject* Section(const char* key);
  const ServerConfig& typed() const { return typed_; }
  const std::string& path() const { return path_; }

  // Validates the edited document; on success re-derives the typed view, notifies observers and
  // schedules an auto-save. On failure the previous document is restored.
  Status Changed();
  // Replaces the whole document (config_restore); same validation as Changed().
  Status Replace(JsonNode* new_root);
  Status Save();    // atomic write to path()
  // Writes a change still waiting for its auto-save delay now (shutdown); nothing pending: Ok.
  Status FlushPendingSave();
  Status Reload();  // re-read path()
  std::string ToText(bool pretty) const;

  // The observer stays until the returned subscription is destroyed.
  [[nodiscard]] Subscription AddObserver(Observer observer) { return observers_.Add(std::move(observer)); }
  // Seconds between the last change and the auto-save (tests shorten it).
  void set_autosave_delay_ms(unsigned ms) { autosave_delay_ms_ = ms; }

 private:
  ConfigStore(std::string path, ConfigRw mode);
  Status Adopt(JsonNode* candidate);
  void RememberValid();
  void ScheduleSave();
  void StartMonitor();
  static gboolean OnSaveTimeout(gpointer self);
  static void OnFileChanged(GFileMonitor*, GFile*, GFile*, GFileMonitorEvent, gpointer self);

  std::string path_;
  ConfigRw mode_;
  JsonNode* root_ = nullptr;
  JsonNode* last_valid_ = nullptr;  // deep copy of the last document that validated
  ServerConfig typed_;
  std::string last_written_;  // text of our own last save, to ignore our own file events
  ObserverList<const ServerConfig&> observers_;
  guint save_source_ = 0;
  unsigned autosave_delay_ms_ = 60000;
  GRef<GFileMonitor> monitor_;
};

}  // namespace haze::config
