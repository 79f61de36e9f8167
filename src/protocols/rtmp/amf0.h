// AMF0 values: decode from and encode to bytes (the RTMP command and data message payload).
// Pure C++, no GObject; bounded by depth and value-count limits so hostile input stays cheap.
// Thread: any (no shared state). Values own their strings and children.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace haze::rtmp::amf0 {

enum class Type : uint8_t {
  kNumber = 0x00,
  kBoolean = 0x01,
  kString = 0x02,
  kObject = 0x03,
  kNull = 0x05,
  kUndefined = 0x06,
  kEcmaArray = 0x08,
  kObjectEnd = 0x09,  // marker only, never a decoded value
  kStrictArray = 0x0a,
  kDate = 0x0b,
  kLongString = 0x0c,
};

struct Property;

struct Value {
  Type type = Type::kNull;
  double number = 0;   // kNumber, kDate (ms since the epoch)
  bool boolean = false;
  std::string string;  // kString, kLongString
  std::vector<Property> props;  // kObject, kEcmaArray (in order)
  std::vector<Value> items;     // kStrictArray
  int16_t timezone = 0;         // kDate

  static Value Number(double v);
  static Value Bool(bool v);
  static Value String(std::string v);  // becomes a long string when over 65535 bytes
  static Value Null();
  static Value Undefined();
  // (No "= {}" defaults: Property is incomplete here; pass an empty vector instead.)
  static Value Object(std::vector<Property> props);
  static Value EcmaArray(std::vector<Property> props);
  static Value StrictArray(std::vector<Value> items);
  static Value Date(double ms, int16_t tz = 0);

  bool is_string() const { return type == Type::kString || type == Type::kLongString; }
  bool is_number() const { return type == Type::kNumber; }
  bool has_props() const { return type == Type::kObject || type == Type::kEcmaArray; }
  // Property lookup for objects and ECMA arrays; null when absent.
  const Value* Get(std::string_view key) const;
  // Convenience: the property as a string / number, or |fallback|.
  std::string GetString(std::string_view key, std::string fallback = {}) const;
  double GetNumber(std::string_view key, double fallback = 0) const;
};

struct Property {
  std::string key;
  Value value;
};

struct Limits {
  int max_depth = 16;           // nesting of objects/arrays
  size_t max_values = 4096;     // values per Decode call
};

// Decodes one value at |*pos| and advances |*pos|.
Result<Value> Decode(std::string_view data, size_t* pos, const Limits& limits = {});
// Decodes every value in |data| (a command or data message).
Result<std::vector<Value>> DecodeAll(std::string_view data, const Limits& limits = {});

// Appends the encoding of |value| to |out|.
void Encode(const Value& value, std::string* out);
std::string EncodeAll(const std::vector<Value>& values);

}  // namespace haze::rtmp::amf0
