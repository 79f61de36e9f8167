// What the segment store reads: the fragment index and frames of one stream. LiveBuffer
// satisfies it through LiveBufferSource; tests use their own sources. Thread: the methods may
// be called from the store's thread while a writer runs; listeners fire on the writer's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "dtsc/live_buffer.h"

namespace haze::cmaf {

class FragmentSource {
 public:
  virtual ~FragmentSource() = default;
  virtual std::vector<dtsc::TrackInfo> Tracks() const = 0;
  virtual std::vector<dtsc::Fragment> Fragments() const = 0;
  virtual std::vector<dtsc::Frame> FragmentFrames(uint64_t number, uint32_t track) const = 0;
  virtual dtsc::BufferStats Stats() const = 0;
  virtual dtsc::BufferOptions Options() const = 0;
  virtual uint64_t AddListener(std::function<void()> listener) = 0;
  virtual void RemoveListener(uint64_t id) = 0;
  // Identifies the underlying buffer: a new publisher session means a new store.
  virtual const void* Identity() const { return this; }
};

// Adapter over the DTSC buffer (a template so that only users instantiate it).
template <typename Buffer = dtsc::LiveBuffer>
class LiveBufferSource final : public FragmentSource {
 public:
  explicit LiveBufferSource(std::shared_ptr<Buffer> buffer) : buffer_(std::move(buffer)) {}
  std::vector<dtsc::TrackInfo> Tracks() const override { return buffer_->Tracks(); }
  std::vector<dtsc::Fragment> Fragments() const override { return buffer_->Fragments(); }
  std::vector<dtsc::Frame> FragmentFrames(uint64_t number, uint32_t track) const override {
    return buffer_->FragmentFrames(number, track);
  }
  dtsc::BufferStats Stats() const override { return buffer_->Stats(); }
  dtsc::BufferOptions Options() const override { return buffer_->options(); }
  uint64_t AddListener(std::function<void()> listener) override {
    return buffer_->AddListener(std::move(listener));
  }
  void RemoveListener(uint64_t id) override { buffer_->RemoveListener(id); }
  const void* Identity() const override { return buffer_.get(); }

 private:
  std::shared_ptr<Buffer> buffer_;
};

}  // namespace haze::cmaf
