// FakeStreamBackend: a StreamBackend + StreamHost dummy for HTTP layer tests. Streams are set by
// the test (status, tracks, playable); OpenForPlay hands out sessions that count viewers.
// Thread: the server's main context (tests mutate it through RunOnServer).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "http/stream_backend.h"

namespace haze::testing {

class FakeStreamBackend : public http::StreamBackend, public core::StreamHost {
 public:
  struct Entry {
    core::StreamSnapshot snap;
    http::MediaInfo media;
    bool running = false;
  };

  std::map<std::string, Entry> streams;   // running or known streams
  std::vector<std::string> configured;    // names IsConfigured() accepts
  std::vector<std::string> started, stopped;
  std::vector<core::StreamRegistry::StatusObserver> observers;
  bool start_makes_playable = false;  // Start() makes the stream running and playable

  // A running live stream with one H.264 640x360 track and one AAC track.
  void AddLive(const std::string& name) {
    Entry e;
    e.snap.name = name;
    e.snap.status = core::StreamStatus::kOnline;
    e.snap.inputs = 1;
    e.snap.started_unix = g_get_real_time() / G_USEC_PER_SEC - 10;
    dtsc::TrackInfo v;
    v.id = 0;
    v.kind = dtsc::TrackKind::kVideo;
    v.codec = dtsc::Codec::kH264;
    v.width = 640;
    v.height = 360;
    v.fps_n = 25;
    v.bps = 75000;
    v.first_ts = 0;
    v.last_ts = 10 * GST_SECOND;
    dtsc::TrackInfo a;
    a.id = 1;
    a.kind = dtsc::TrackKind::kAudio;
    a.codec = dtsc::Codec::kAAC;
    a.rate = 48000;
    a.channels = 2;
    a.bps = 12000;
    e.media.tracks = {v, a};
    e.media.stats.window_ns = 10 * GST_SECOND;
    e.media.stats.unix_offset_ms = 1700000000000;
    e.media.stats.state = dtsc::BufferState::kFull;
    e.media.playable = true;
    e.running = true;
    streams[name] = e;
    configured.push_back(name);
  }

  std::vector<core::StreamSnapshot> Snapshots() const override {
    std::vector<core::StreamSnapshot> out;
    for (const auto& [n, e] : streams) out.push_back(e.snap);
    return out;
  }
  std::optional<core::StreamSnapshot> Snapshot(const std::string& name) const override {
    auto it = streams.find(name);
    if (it == streams.end()) return std::nullopt;
    return it->second.snap;
  }
  std::vector<core::ClientSnapshot> Clients() const override {
    std::vector<core::ClientSnapshot> out;
    uint64_t id = 1;
    for (const auto& [n, e] : streams)
      for (uint64_t i = 0; i < e.snap.viewers; ++i)
        out.push_back({id++, "127.0.0.1", n, "HTTP", g_get_real_time() / G_USEC_PER_SEC - 5, 1000, 0});
    return out;
  }
  std::optional<http::MediaInfo> Media(const std::string& name) const override {
    auto it = streams.find(name);
    if (it == streams.end() || !it->second.running) return std::nullopt;
    return it->second.media;
  }
  bool IsConfigured(const std::string& name) const override {
    std::string base = name.substr(0, name.find('+'));
    for (const auto& c : configured)
      if (c == base) return true;
    return false;
  }
  Status Start(const std::string& name) override {
    started.push_back(name);
    if (start_makes_playable && !streams.count(name)) AddLive(name);
    return OkStatus();
  }
  void Stop(const std::string& name) override { stopped.push_back(name); }
  Subscription AddStatusObserver(core::StreamRegistry::StatusObserver o) override {
    observers.push_back(std::move(o));
    return {};
  }
  core::StreamHost& host() override { return *this; }

  void AuthorizePublish(const core::PublishRequest&, PublishDone done) override {
    done(Error{ErrorCode::kUnavailable, "no publishing in the fake"});
  }
  void OpenForPlay(const core::PlayRequest& request, PlayDone done) override {
    if (!IsConfigured(request.stream)) {
      done(Error{ErrorCode::kNotFound, "not configured"});
      return;
    }
    done(std::unique_ptr<core::PlaySession>(new Session(this, request.stream)));
  }

 private:
  class Session : public core::PlaySession {
   public:
    Session(FakeStreamBackend* owner, std::string stream) : owner_(owner), stream_(std::move(stream)) {
      if (auto it = owner_->streams.find(stream_); it != owner_->streams.end()) {
        it->second.snap.viewers++;
        it->second.snap.total_viewers++;
      }
    }
    ~Session() override {
      if (auto it = owner_->streams.find(stream_); it != owner_->streams.end())
        it->second.snap.viewers--;
    }
    const std::string& stream() const override { return stream_; }
    std::shared_ptr<dtsc::LiveBuffer> buffer() const override { return nullptr; }
    void AddBytesOut(uint64_t bytes) override {
      if (auto it = owner_->streams.find(stream_); it != owner_->streams.end())
        it->second.snap.bytes_out += bytes;
    }

   private:
    FakeStreamBackend* owner_;
    std::string stream_;
  };
};

}  // namespace haze::testing
