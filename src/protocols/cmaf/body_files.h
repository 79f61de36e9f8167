// In-memory files (memfd) holding copies of the large response bodies the fast path serves
// most, so that it can sendfile() them: the kernel then references the pages instead of
// copying every response from user memory. A small LRU (bounded bytes and entries) keyed by the
// body's GBytes, which it keeps referenced. Thread: the fast path's main context.
#pragma once

#include <glib.h>

#include <cstdint>
#include <memory>
#include <unordered_map>

#include "protocols/cmaf/bytes_ref.h"

namespace haze::cmaf {

class BodyFile {
 public:
  explicit BodyFile(int fd) : fd_(fd) {}
  ~BodyFile();
  BodyFile(const BodyFile&) = delete;
  BodyFile& operator=(const BodyFile&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

class BodyFiles {
 public:
  static constexpr size_t kMinBody = 128 * 1024;
  static constexpr size_t kMaxBytes = 64 * 1024 * 1024;
  static constexpr size_t kMaxEntries = 64;

  // The file for |body| (made on first use), or null: small body, memfd unavailable, too big.
  std::shared_ptr<BodyFile> Get(const BytesRef& body);
  size_t bytes() const { return bytes_; }
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    BytesRef body;  // keeps the GBytes (the key) alive
    std::shared_ptr<BodyFile> file;
    uint64_t used = 0;
  };
  void EvictFor(size_t incoming);

  std::unordered_map<GBytes*, Entry> entries_;
  size_t bytes_ = 0;
  uint64_t tick_ = 0;
  bool unavailable_ = false;
};

}  // namespace haze::cmaf
