// Payload storage of the DTSC buffer. The writer copies each frame once into large shared pages
// (anonymous mappings, 256 KiB), so a stored frame costs its bytes plus its index entry instead of
// a GstBuffer and a GstMemory of its own. Readers share the pages: a Payload holds a ref of its
// page, and MakeBuffer() gives a zero-copy GstBuffer over one frame.
// Thread: PageWriter is used by one thread at a time (the LiveBuffer mutex); a Payload is
// immutable once returned and may be read and copied from any thread.
#pragma once

#include <gst/gst.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/gst_ref.h"

namespace haze::dtsc {

// The bytes of one frame inside a page.
struct Payload {
  MiniRef<GstMemory> page;  // keeps the bytes alive; read-only for everyone else
  const uint8_t* data = nullptr;
  uint32_t offset = 0;  // of data inside page
  uint32_t size = 0;

  explicit operator bool() const { return page.get() != nullptr; }
  std::span<const uint8_t> bytes() const { return {data, size}; }
  // A new GstBuffer whose one memory is a read-only share of the page: no bytes are copied.
  MiniRef<GstBuffer> MakeBuffer() const;
  // A payload with a page of its own (tests and one-off frames).
  static Payload Copy(std::span<const uint8_t> bytes);
  static Payload CopyBuffer(GstBuffer* buffer);
};

// Appends payloads into pages. A frame larger than a page gets a page of its own size.
class PageWriter {
 public:
  static constexpr size_t kPageSize = 256 * 1024;

  // Copies |bytes| into the current page (opening a new one when it does not fit). Returns an
  // empty Payload if no memory could be mapped or the frame is over 4 GiB.
  Payload Append(std::span<const uint8_t> bytes);
  Payload Append(GstBuffer* buffer);
  uint64_t pages_opened() const { return pages_opened_; }

 private:
  // Room for |size| bytes in the current page (a new page when they do not fit); it is filled at
  // base_ + offset (the page just reserved in) before anyone sees the payload. Empty when no page could be mapped or size > 4 GiB.
  Payload Reserve(size_t size);
  MiniRef<GstMemory> page_;
  uint8_t* base_ = nullptr;
  size_t capacity_ = 0;
  size_t used_ = 0;
  uint64_t pages_opened_ = 0;
};

}  // namespace haze::dtsc
