// StreamBackend: what the HTTP layer needs from the core (the stream registry), as an interface so
// API, stream-info and output tests run against a dummy. RegistryBackend (registry_backend.cpp)
// adapts core::StreamRegistry. Thread: main GMainContext only.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "core/stream_host.h"
#include "core/stream_registry.h"

namespace haze::http {

// A copy of a running stream's buffer metadata (taken through the adapter, so HTTP code never
// links the buffer implementation directly).
struct MediaInfo {
  std::vector<dtsc::TrackInfo> tracks;
  dtsc::BufferStats stats;
  bool playable = false;
};

class StreamBackend {
 public:
  virtual ~StreamBackend() = default;
  virtual std::vector<core::StreamSnapshot> Snapshots() const = 0;
  virtual std::optional<core::StreamSnapshot> Snapshot(const std::string& name) const = 0;
  virtual std::vector<core::ClientSnapshot> Clients() const = 0;
  // Metadata of the running stream's buffer; nullopt when not running.
  virtual std::optional<MediaInfo> Media(const std::string& name) const = 0;
  // True when |name| (sanitized; wildcards resolve to their base) is configured.
  virtual bool IsConfigured(const std::string& name) const = 0;
  virtual Status Start(const std::string& name) = 0;
  virtual void Stop(const std::string& name) = 0;
  [[nodiscard]] virtual Subscription AddStatusObserver(core::StreamRegistry::StatusObserver observer) = 0;
  virtual core::StreamHost& host() = 0;
};

// Starts |name| on demand and polls (on the thread-default context) until its buffer is
// playable or |timeout_ms| passed, then calls |done(ready)|. Calls |done| at once when ready.
// Nothing is called once |alive| (the caller's lifetime token) is gone.
void WhenPlayable(const std::shared_ptr<void>& alive, StreamBackend& backend,
                  const std::string& name, unsigned timeout_ms,
                  std::function<void(bool ready)> done);

// "Offline", "Booting", "Waiting for data", "Online", "Shutting down", "Failed".
const char* StatusText(core::StreamStatus status);
// MistServer's `online` number in the streams list: 0 offline/error, 1 active, 2 starting.
int StatusOnline(core::StreamStatus status);
// MistServer codec and track-type names ("H264", "AAC", "video", ...).
const char* CodecText(dtsc::Codec codec);
const char* KindText(dtsc::TrackKind kind);
// "BOOTING", "FULL", "DRY", "RECOVER", "EMPTY".
const char* BufferStateText(dtsc::BufferState state);

}  // namespace haze::http
