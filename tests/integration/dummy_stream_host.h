// DummyStreamHost: a StreamHost for protocol tests and benches. Accepts publishes to configured
// stream bases (wildcards "base+x" included), refuses unknown names and a second publisher, and
// serves players from dtsc::BufferRegistry. Thread: the test's main context.
#pragma once

#include <memory>
#include <set>
#include <string>

#include "core/stream_host.h"
#include "core/stream_name.h"
#include "dtsc/live_buffer.h"

namespace haze::testing {

class DummyStreamHost : public core::StreamHost {
 public:
  std::set<std::string> push_bases;  // streams configured with a push:// source
  bool resume = false;               // the streams' "resume" option
  int publishes = 0;

  bool publishing(const std::string& name) const { return active_.count(name) > 0; }

  void AuthorizePublish(const core::PublishRequest& req, PublishDone done) override {
    std::string name = core::SanitizeStreamName(req.stream_key);
    auto parsed = core::ParseStreamName(name);
    if (name.empty() || !push_bases.count(parsed.base))
      return done(Error{ErrorCode::kNotFound, "stream not configured for push"});
    if (active_.count(name))
      return done(Error{ErrorCode::kAlreadyExists, "stream is already being published"});
    auto buffer = dtsc::BufferRegistry::Get().Acquire(name);
    dtsc::BufferOptions opts = buffer->options();
    opts.resume = resume;
    buffer->SetOptions(opts);
    active_.insert(name);
    ++publishes;
    done(std::unique_ptr<core::PublishSession>(new Publish(this, name, buffer)));
  }

  void OpenForPlay(const core::PlayRequest& req, PlayDone done) override {
    std::string name = core::SanitizeStreamName(req.stream);
    auto buffer = dtsc::BufferRegistry::Get().Find(name);
    // A configured stream exists before its publisher arrives (players may wait for it).
    if (!buffer && !name.empty() && push_bases.count(core::ParseStreamName(name).base))
      buffer = dtsc::BufferRegistry::Get().Acquire(name);
    if (!buffer) return done(Error{ErrorCode::kNotFound, "stream not found"});
    done(std::unique_ptr<core::PlaySession>(new Play(name, buffer)));
  }

 private:
  class Publish : public core::PublishSession {
   public:
    Publish(DummyStreamHost* host, std::string name, std::shared_ptr<dtsc::LiveBuffer> b)
        : host_(host), name_(std::move(name)), buffer_(std::move(b)) {}
    ~Publish() override {
      host_->active_.erase(name_);
      if (!host_->resume) dtsc::BufferRegistry::Get().Remove(name_);
    }
    const std::string& stream() const override { return name_; }
    std::shared_ptr<dtsc::LiveBuffer> buffer() const override { return buffer_; }

   private:
    DummyStreamHost* host_;
    std::string name_;
    std::shared_ptr<dtsc::LiveBuffer> buffer_;
  };
  class Play : public core::PlaySession {
   public:
    Play(std::string name, std::shared_ptr<dtsc::LiveBuffer> b)
        : name_(std::move(name)), buffer_(std::move(b)) {}
    const std::string& stream() const override { return name_; }
    std::shared_ptr<dtsc::LiveBuffer> buffer() const override { return buffer_; }
    void AddBytesOut(uint64_t bytes) override { bytes_ += bytes; }

   private:
    std::string name_;
    std::shared_ptr<dtsc::LiveBuffer> buffer_;
    uint64_t bytes_ = 0;
  };
  std::set<std::string> active_;
};

}  // namespace haze::testing
