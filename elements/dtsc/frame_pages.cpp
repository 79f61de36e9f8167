#include "dtsc/frame_pages.h"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include "base/log.h"

namespace haze::dtsc {

namespace {

constexpr size_t kSystemPage = 4096;

struct Mapping {
  void* addr;
  size_t length;
};

void Unmap(gpointer data) {
  auto* m = static_cast<Mapping*>(data);
  munmap(m->addr, m->length);
  delete m;
}

// A read-only (for GStreamer) memory over a fresh anonymous mapping of at least |min| bytes.
// Pages of it that are never written are never resident.
GstMemory* NewPage(size_t min, uint8_t** base, size_t* capacity) {
  const size_t length =
      (std::max(min, PageWriter::kPageSize) + kSystemPage - 1) & ~(kSystemPage - 1);
  void* addr = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (addr == MAP_FAILED) {
    GST_CAT_WARNING(haze_core_debug, "dtsc: cannot map a %zu byte page: %s", length,
                    g_strerror(errno));
    return nullptr;
  }
  *base = static_cast<uint8_t*>(addr);
  *capacity = length;
  return gst_memory_new_wrapped(GST_MEMORY_FLAG_READONLY, addr, length, 0, length,
                                new Mapping{addr, length}, Unmap);
}

}  // namespace

MiniRef<GstBuffer> Payload::MakeBuffer() const {
  GstBuffer* buffer = gst_buffer_new();
  if (page && size > 0)
    gst_buffer_append_memory(buffer, gst_memory_share(page.get(), offset, size));
  return MiniRef<GstBuffer>::Adopt(buffer);
}

Payload Payload::Copy(std::span<const uint8_t> bytes) {
  const size_t n = bytes.size();
  auto* data = static_cast<uint8_t*>(g_malloc(std::max<size_t>(n, 1)));
  if (n > 0) std::memcpy(data, bytes.data(), n);
  Payload p;
  p.page = MiniRef<GstMemory>::Adopt(gst_memory_new_wrapped(
      GST_MEMORY_FLAG_READONLY, data, std::max<size_t>(n, 1), 0, n, data, g_free));
  p.data = data;
  p.size = static_cast<uint32_t>(n);
  return p;
}

Payload Payload::CopyBuffer(GstBuffer* buffer) {
  GstMapInfo map;
  if (!buffer || !gst_buffer_map(buffer, &map, GST_MAP_READ)) return {};
  Payload p = Copy({map.data, map.size});
  gst_buffer_unmap(buffer, &map);
  return p;
}

Payload PageWriter::Reserve(size_t size) {
  if (size > std::numeric_limits<uint32_t>::max()) return {};
  if (!page_ || capacity_ - used_ < size) {
    uint8_t* base = nullptr;
    size_t capacity = 0;
    GstMemory* page = NewPage(size, &base, &capacity);
    if (!page) return {};
    page_ = MiniRef<GstMemory>::Adopt(page);
    base_ = base;
    capacity_ = capacity;
    used_ = 0;
    pages_opened_++;
  }
  Payload p{.page = page_,
            .data = base_ + used_,
            .offset = static_cast<uint32_t>(used_),
            .size = static_cast<uint32_t>(size)};
  used_ += size;
  return p;
}

Payload PageWriter::Append(std::span<const uint8_t> bytes) {
  Payload p = Reserve(bytes.size());
  if (p && !bytes.empty()) std::memcpy(base_ + p.offset, bytes.data(), bytes.size());
  return p;
}

Payload PageWriter::Append(GstBuffer* buffer) {
  const size_t size = gst_buffer_get_size(buffer);
  Payload p = Reserve(size);
  if (p) gst_buffer_extract(buffer, 0, base_ + p.offset, size);
  return p;
}

}  // namespace haze::dtsc
