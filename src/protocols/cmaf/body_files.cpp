#include "protocols/cmaf/body_files.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

namespace haze::cmaf {

BodyFile::~BodyFile() {
  if (fd_ >= 0) close(fd_);
}

std::shared_ptr<BodyFile> BodyFiles::Get(const BytesRef& body) {
  if (unavailable_ || body.size() < kMinBody || body.size() > kMaxBytes / 4) return nullptr;
  auto it = entries_.find(body.get());
  if (it != entries_.end()) {
    it->second.used = ++tick_;
    return it->second.file;
  }
  int fd = memfd_create("haze-segment", MFD_CLOEXEC);
  if (fd < 0) {
    unavailable_ = errno == ENOSYS;
    return nullptr;
  }
  auto file = std::make_shared<BodyFile>(fd);
  const uint8_t* data = body.data();
  size_t left = body.size();
  while (left > 0) {
    ssize_t n = write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return nullptr;
    data += n;
    left -= static_cast<size_t>(n);
  }
  EvictFor(body.size());
  entries_[body.get()] = Entry{body, file, ++tick_};
  bytes_ += body.size();
  return file;
}

void BodyFiles::EvictFor(size_t incoming) {
  while (!entries_.empty() &&
         (bytes_ + incoming > kMaxBytes || entries_.size() + 1 > kMaxEntries)) {
    auto oldest = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it)
      if (it->second.used < oldest->second.used) oldest = it;
    bytes_ -= oldest->second.body.size();
    entries_.erase(oldest);  // a connection still sending keeps its own reference
  }
}

}  // namespace haze::cmaf
