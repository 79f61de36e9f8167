// Result<T>: a value or an Error{code, message, context}. Used by app code instead of bool
// returns or exceptions across C callbacks. Thread: any.
#pragma once

#include <glib.h>

#include <string>
#include <utility>
#include <variant>

namespace haze {

enum class ErrorCode {
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kParse,
  kIo,
  kUnavailable,
  kInternal,
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string context;  // stream name, template, JSON path, file...

  std::string ToString() const { return context.empty() ? message : context + ": " + message; }
  static Error FromGError(const GError* e, ErrorCode code, std::string context = {}) {
    return Error{code, e ? e->message : "unknown error", std::move(context)};
  }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& value() const& { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;
inline Status OkStatus() { return Ok{}; }

}  // namespace haze
