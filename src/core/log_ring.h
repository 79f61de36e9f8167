// LogRing: a bounded ring of recent log lines of the haze* debug categories (INFO and above),
// fed by a gst_debug_add_log_function hook; read by the `log` API, /ws and Prometheus.
// Thread: Add() from any thread (the hook runs on the logging thread); readers on any thread.
// One mutex; listeners are called without it held and must not block.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace haze::core {

struct LogLine {
  int64_t unix_s = 0;
  std::string kind;    // MistServer's kinds: "ERROR", "WARN", "FIXME", "INFO"
  std::string message;
  std::string stream;  // object name (stream) when known, else ""
  std::string file;
  int line = 0;
  uint64_t seq = 0;  // increases by one per line
};

class LogRing {
 public:
  using Listener = std::function<void(const LogLine&)>;

  explicit LogRing(size_t capacity = 500);
  ~LogRing();
  LogRing(const LogRing&) = delete;
  LogRing& operator=(const LogRing&) = delete;

  // Installs the GStreamer log hook (until destruction). At most one ring is installed.
  void Install();
  void Add(LogLine line);
  // Lines with seq > |after_seq| (0 = all), oldest first.
  std::vector<LogLine> Since(uint64_t after_seq = 0) const;
  std::vector<LogLine> Last(size_t n) const;
  uint64_t total() const;

  uint64_t AddListener(Listener listener);
  void RemoveListener(uint64_t id);

 private:
  static void OnLog(GstDebugCategory* category, GstDebugLevel level, const gchar* file,
                    const gchar* function, gint line, GObject* object, GstDebugMessage* message,
                    gpointer self) noexcept;

  mutable std::mutex mutex_;
  size_t capacity_;
  std::deque<LogLine> lines_;
  uint64_t next_seq_ = 1;
  std::map<uint64_t, Listener> listeners_;
  uint64_t next_listener_ = 1;
  bool installed_ = false;
};

}  // namespace haze::core
