// RegistryBackend: StreamBackend over core::StreamRegistry (the production wiring), and the
// HttpLayer constructor that uses it. Kept apart so tests link the HTTP layer without the
// registry and buffer implementations.
#include "core/stream_name.h"
#include "http/http_layer.h"

namespace haze::http {

namespace {

class RegistryBackend : public StreamBackend {
 public:
  explicit RegistryBackend(core::StreamRegistry& registry) : registry_(registry) {}

  std::vector<core::StreamSnapshot> Snapshots() const override { return registry_.Snapshots(); }
  std::optional<core::StreamSnapshot> Snapshot(const std::string& name) const override {
    return registry_.Snapshot(name);
  }
  std::vector<core::ClientSnapshot> Clients() const override { return registry_.Clients(); }
  std::optional<MediaInfo> Media(const std::string& name) const override {
    auto snap = registry_.Snapshot(name);
    if (!snap || !snap->buffer) return std::nullopt;
    MediaInfo m;
    m.tracks = snap->buffer->Tracks();
    m.stats = snap->buffer->Stats();
    m.playable = snap->buffer->Playable();
    return m;
  }
  bool IsConfigured(const std::string& name) const override {
    return registry_.ConfigFor(name) != nullptr;
  }
  Status Start(const std::string& name) override { return registry_.Start(name); }
  void Stop(const std::string& name) override { registry_.Stop(name); }
  Subscription AddStatusObserver(core::StreamRegistry::StatusObserver observer) override {
    return registry_.AddStatusObserver(std::move(observer));
  }
  core::StreamHost& host() override { return registry_; }

 private:
  core::StreamRegistry& registry_;
};

}  // namespace

HttpLayer::HttpLayer(config::ConfigStore& config, core::StreamRegistry& registry,
                     core::LogRing& log)
    : HttpLayer(config, *new RegistryBackend(registry), log) {
  owned_backend_.reset(&ctx_.streams);
}

}  // namespace haze::http
