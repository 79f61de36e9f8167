// RAII handles for GObject, GstObject and GstMiniObject references.
// Every construction states the transfer: Adopt() takes a full reference (sinking a floating
// one), Borrow() takes a new reference of a transfer-none pointer. Thread: any.
#pragma once

#include <glib-object.h>
#include <gst/gst.h>

#include <memory>
#include <utility>

namespace haze {

// Reference handle for plain GObjects and GstObjects.
template <typename T>
class GRef {
 public:
  GRef() = default;
  GRef(std::nullptr_t) {}
  ~GRef() { Reset(); }
  GRef(const GRef& o) : p_(o.p_) {
    if (p_) g_object_ref(p_);
  }
  GRef(GRef&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  GRef& operator=(GRef o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }

  // Transfer full; a floating reference is sunk.
  static GRef Adopt(T* p) {
    GRef r;
    if (p && g_object_is_floating(p)) g_object_ref_sink(p);
    r.p_ = p;
    return r;
  }
  // Transfer none: takes its own reference.
  static GRef Borrow(T* p) {
    GRef r;
    r.p_ = p ? static_cast<T*>(g_object_ref(p)) : nullptr;
    return r;
  }

  T* get() const { return p_; }
  T* operator->() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }
  // Hands a full reference back to C.
  T* Release() { return std::exchange(p_, nullptr); }
  void Reset() {
    if (auto* p = std::exchange(p_, nullptr)) g_object_unref(p);
  }

 private:
  T* p_ = nullptr;
};

template <typename T>
using GstRef = GRef<T>;

// Reference handle for mini-objects (GstBuffer, GstCaps, GstEvent, GstMessage, GstSample...).
template <typename T>
class MiniRef {
 public:
  MiniRef() = default;
  MiniRef(std::nullptr_t) {}
  ~MiniRef() { Reset(); }
  MiniRef(const MiniRef& o) : p_(o.p_) {
    if (p_) gst_mini_object_ref(GST_MINI_OBJECT_CAST(p_));
  }
  MiniRef(MiniRef&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  MiniRef& operator=(MiniRef o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }

  static MiniRef Adopt(T* p) {
    MiniRef r;
    r.p_ = p;
    return r;
  }
  static MiniRef Borrow(const T* p) {
    MiniRef r;
    r.p_ = p ? reinterpret_cast<T*>(gst_mini_object_ref(GST_MINI_OBJECT_CAST(const_cast<T*>(p))))
             : nullptr;
    return r;
  }

  T* get() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }
  T* Release() { return std::exchange(p_, nullptr); }
  void Reset() {
    if (auto* p = std::exchange(p_, nullptr)) gst_mini_object_unref(GST_MINI_OBJECT_CAST(p));
  }

 private:
  T* p_ = nullptr;
};

// Owning pointer for boxed values and strings: GUnique<gchar, g_free>.
template <auto Free>
struct GFreeFn {
  template <typename T>
  void operator()(T* p) const {
    if (p) Free(p);
  }
};
template <typename T, auto Free>
using GUnique = std::unique_ptr<T, GFreeFn<Free>>;

using GCharPtr = GUnique<gchar, g_free>;
using GErrorPtr = GUnique<GError, g_error_free>;

}  // namespace haze
