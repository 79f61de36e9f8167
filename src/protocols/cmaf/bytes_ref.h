// Shared immutable bytes (GBytes) for segments and responses, with RAII reference handling.
// Thread: any (GBytes is thread-safe and immutable).
#pragma once

#include <glib.h>

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace haze::cmaf {

class BytesRef {
 public:
  BytesRef() = default;
  ~BytesRef() { Reset(); }
  BytesRef(const BytesRef& o) : p_(o.p_ ? g_bytes_ref(o.p_) : nullptr) {}
  BytesRef(BytesRef&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  BytesRef& operator=(BytesRef o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  static BytesRef Adopt(GBytes* p) {
    BytesRef r;
    r.p_ = p;
    return r;
  }
  // Takes the vector without copying.
  static BytesRef FromVector(std::vector<uint8_t>&& v) {
    auto* heap = new std::vector<uint8_t>(std::move(v));
    return Adopt(g_bytes_new_with_free_func(
        heap->data(), heap->size(),
        [](gpointer p) { delete static_cast<std::vector<uint8_t>*>(p); }, heap));
  }
  static BytesRef FromString(std::string_view s) { return Adopt(g_bytes_new(s.data(), s.size())); }

  GBytes* get() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }
  size_t size() const { return p_ ? g_bytes_get_size(p_) : 0; }
  const uint8_t* data() const {
    return p_ ? static_cast<const uint8_t*>(g_bytes_get_data(p_, nullptr)) : nullptr;
  }
  std::string_view view() const { return {reinterpret_cast<const char*>(data()), size()}; }
  GBytes* Release() { return std::exchange(p_, nullptr); }
  void Reset() {
    if (auto* p = std::exchange(p_, nullptr)) g_bytes_unref(p);
  }

 private:
  GBytes* p_ = nullptr;
};

}  // namespace haze::cmaf
