#include "core/log_ring.h"

#include <cstring>
#include <utility>

namespace haze::core {

namespace {

const char* KindFor(GstDebugLevel level) {
  switch (level) {
    case GST_LEVEL_ERROR:
      return "ERROR";
    case GST_LEVEL_WARNING:
      return "WARN";
    case GST_LEVEL_FIXME:
      return "FIXME";
    default:
      return "INFO";
  }
}

}  // namespace

LogRing::LogRing(size_t capacity) : capacity_(capacity ? capacity : 1) {}

LogRing::~LogRing() {
  if (installed_) gst_debug_remove_log_function_by_data(this);
}

namespace {

// Without GST_DEBUG the console shows warnings and errors only; the ring still gets INFO.
void ConsoleLog(GstDebugCategory* category, GstDebugLevel level, const gchar* file,
                const gchar* function, gint line, GObject* object, GstDebugMessage* message,
                gpointer) noexcept {
  if (level > GST_LEVEL_WARNING) return;
  gst_debug_log_default(category, level, file, function, line, object, message, nullptr);
}

}  // namespace

void LogRing::Install() {
  if (installed_) return;
  installed_ = true;
  gst_debug_add_log_function(&LogRing::OnLog, this, nullptr);
  if (!g_getenv("GST_DEBUG")) {
    gst_debug_remove_log_function(gst_debug_log_default);
    gst_debug_add_log_function(&ConsoleLog, nullptr, nullptr);
  }
  // INFO of the haze categories must reach the hook; an explicit GST_DEBUG for haze* wins.
  const char* env = g_getenv("GST_DEBUG");
  if (!env || !std::strstr(env, "haze")) gst_debug_set_threshold_for_name("haze*", GST_LEVEL_INFO);
}

void LogRing::OnLog(GstDebugCategory* category, GstDebugLevel level, const gchar* file,
                    const gchar*, gint line, GObject* object, GstDebugMessage* message,
                    gpointer self) noexcept {
  if (level > GST_LEVEL_INFO || level == GST_LEVEL_NONE) return;
  const char* name = gst_debug_category_get_name(category);
  if (!name || std::strncmp(name, "haze", 4) != 0) return;
  if (std::strcmp(name, "haze-http-access") == 0) return;  // the access log has its own sink
  const gchar* text = gst_debug_message_get(message);
  LogLine l;
  l.unix_s = g_get_real_time() / G_USEC_PER_SEC;
  l.kind = KindFor(level);
  l.message = text ? text : "";
  if (object && GST_IS_OBJECT(object)) {
    // Only the name pointer is read; the object lock is not needed for a snapshot.
    const gchar* oname = GST_OBJECT_NAME(object);
    if (oname) l.stream = oname;
  }
  l.file = file ? file : "";
  l.line = line;
  static_cast<LogRing*>(self)->Add(std::move(l));
}

void LogRing::Add(LogLine line) {
  std::vector<Listener> listeners;
  {
    std::lock_guard lock(mutex_);
    line.seq = next_seq_++;
    lines_.push_back(line);
    while (lines_.size() > capacity_) lines_.pop_front();
    for (auto& [id, l] : listeners_) listeners.push_back(l);
  }
  for (auto& l : listeners) l(line);
}

std::vector<LogLine> LogRing::Since(uint64_t after_seq) const {
  std::lock_guard lock(mutex_);
  std::vector<LogLine> out;
  for (const auto& l : lines_)
    if (l.seq > after_seq) out.push_back(l);
  return out;
}

std::vector<LogLine> LogRing::Last(size_t n) const {
  std::lock_guard lock(mutex_);
  size_t start = lines_.size() > n ? lines_.size() - n : 0;
  return {lines_.begin() + static_cast<long>(start), lines_.end()};
}

uint64_t LogRing::total() const {
  std::lock_guard lock(mutex_);
  return next_seq_ - 1;
}

uint64_t LogRing::AddListener(Listener listener) {
  std::lock_guard lock(mutex_);
  uint64_t id = next_listener_++;
  listeners_.emplace(id, std::move(listener));
  return id;
}

void LogRing::RemoveListener(uint64_t id) {
  std::lock_guard lock(mutex_);
  listeners_.erase(id);
}

}  // namespace haze::core
