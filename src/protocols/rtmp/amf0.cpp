#include "protocols/rtmp/amf0.h"

#include <cstring>

#include "protocols/rtmp/bytes.h"

namespace haze::rtmp::amf0 {

Value Value::Number(double v) {
  Value r;
  r.type = Type::kNumber;
  r.number = v;
  return r;
}
Value Value::Bool(bool v) {
  Value r;
  r.type = Type::kBoolean;
  r.boolean = v;
  return r;
}
Value Value::String(std::string v) {
  Value r;
  r.type = v.size() > 0xffff ? Type::kLongString : Type::kString;
  r.string = std::move(v);
  return r;
}
Value Value::Null() { return Value{}; }
Value Value::Undefined() {
  Value r;
  r.type = Type::kUndefined;
  return r;
}
Value Value::Object(std::vector<Property> props) {
  Value r;
  r.type = Type::kObject;
  r.props = std::move(props);
  return r;
}
Value Value::EcmaArray(std::vector<Property> props) {
  Value r;
  r.type = Type::kEcmaArray;
  r.props = std::move(props);
  return r;
}
Value Value::StrictArray(std::vector<Value> items) {
  Value r;
  r.type = Type::kStrictArray;
  r.items = std::move(items);
  return r;
}
Value Value::Date(double ms, int16_t tz) {
  Value r;
  r.type = Type::kDate;
  r.number = ms;
  r.timezone = tz;
  return r;
}

const Value* Value::Get(std::string_view key) const {
  for (const auto& p : props)
    if (p.key == key) return &p.value;
  return nullptr;
}
std::string Value::GetString(std::string_view key, std::string fallback) const {
  const Value* v = Get(key);
  return v && v->is_string() ? v->string : fallback;
}
double Value::GetNumber(std::string_view key, double fallback) const {
  const Value* v = Get(key);
  return v && v->is_number() ? v->number : fallback;
}

namespace {

class Decoder {
 public:
  Decoder(std::string_view data, size_t pos, const Limits& limits)
      : d_(data), pos_(pos), limits_(limits) {}

  Result<Value> ReadValue(int depth) {
    if (depth > limits_.max_depth) return Fail("nesting too deep");
    if (++values_ > limits_.max_values) return Fail("too many values");
    if (!Need(1)) return Fail("truncated marker");
    uint8_t marker = U8(d_)[pos_++];
    Value v;
    v.type = static_cast<Type>(marker);
    switch (v.type) {
      case Type::kNumber:
        if (!ReadDouble(&v.number)) return Fail("truncated number");
        return v;
      case Type::kBoolean:
        if (!Need(1)) return Fail("truncated boolean");
        v.boolean = U8(d_)[pos_++] != 0;
        return v;
      case Type::kString:
      case Type::kLongString:
        if (!ReadString(v.type == Type::kLongString, &v.string)) return Fail("truncated string");
        return v;
      case Type::kNull:
      case Type::kUndefined:
        return v;
      case Type::kEcmaArray:
        if (!Need(4)) return Fail("truncated ecma array");
        pos_ += 4;  // count is advisory; the end marker terminates
        [[fallthrough]];
      case Type::kObject: {
        auto st = ReadProps(depth, v.type == Type::kEcmaArray, &v.props);
        if (!st) return st.error();
        return v;
      }
      case Type::kStrictArray:
        return ReadStrictArray(depth, std::move(v));
      case Type::kDate:
        if (!ReadDouble(&v.number) || !Need(2)) return Fail("truncated date");
        v.timezone = int16_t(ReadU16(U8(d_) + pos_));
        pos_ += 2;
        return v;
      default:
        return Fail("unsupported AMF0 type " + std::to_string(marker));
    }
  }

  size_t pos() const { return pos_; }

 private:
  bool Need(size_t n) const { return d_.size() - pos_ >= n; }
  static Error Fail(std::string msg) { return Error{ErrorCode::kParse, "amf0: " + std::move(msg)}; }

  bool ReadDouble(double* out) {
    if (!Need(8)) return false;
    uint64_t bits = (uint64_t(ReadU32(U8(d_) + pos_)) << 32) | ReadU32(U8(d_) + pos_ + 4);
    std::memcpy(out, &bits, sizeof bits);
    pos_ += 8;
    return true;
  }
  bool ReadString(bool long_string, std::string* out) {
    size_t hdr = long_string ? 4 : 2;
    if (!Need(hdr)) return false;
    size_t len = long_string ? ReadU32(U8(d_) + pos_) : ReadU16(U8(d_) + pos_);
    pos_ += hdr;
    if (!Need(len)) return false;
    out->assign(d_.substr(pos_, len));
    pos_ += len;
    return true;
  }
  Status ReadProps(int depth, bool lenient_end, std::vector<Property>* props) {
    for (;;) {
      // Some encoders end an ECMA array at the end of the data without a marker.
      if (lenient_end && d_.size() == pos_) return OkStatus();
      std::string key;
      if (!ReadString(false, &key)) return Fail("truncated property name");
      if (key.empty() && Need(1) && U8(d_)[pos_] == uint8_t(Type::kObjectEnd)) {
        ++pos_;
        return OkStatus();
      }
      auto v = ReadValue(depth + 1);
      if (!v) return v.error();
      props->push_back(Property{std::move(key), std::move(v).value()});
    }
  }
  Result<Value> ReadStrictArray(int depth, Value v) {
    if (!Need(4)) return Fail("truncated strict array");
    uint32_t count = ReadU32(U8(d_) + pos_);
    pos_ += 4;
    // Every value takes at least one byte: a larger count cannot be honest.
    if (count > d_.size() - pos_) return Fail("strict array count exceeds data");
    for (uint32_t i = 0; i < count; ++i) {
      auto item = ReadValue(depth + 1);
      if (!item) return item.error();
      v.items.push_back(std::move(item).value());
    }
    return v;
  }

  std::string_view d_;
  size_t pos_;
  const Limits& limits_;
  size_t values_ = 0;
};

void EncodeString(std::string_view s, std::string* out) {
  PutU16(out, uint32_t(s.size()));
  out->append(s);
}

void EncodeProps(const std::vector<Property>& props, std::string* out) {
  for (const auto& p : props) {
    EncodeString(p.key.substr(0, 0xffff), out);
    Encode(p.value, out);
  }
  PutU16(out, 0);
  PutU8(out, uint8_t(Type::kObjectEnd));
}

void EncodeDouble(double v, std::string* out) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  PutU32(out, uint32_t(bits >> 32));
  PutU32(out, uint32_t(bits));
}

}  // namespace

Result<Value> Decode(std::string_view data, size_t* pos, const Limits& limits) {
  if (*pos > data.size()) return Error{ErrorCode::kParse, "amf0: position past end"};
  Decoder dec(data, *pos, limits);
  auto v = dec.ReadValue(0);
  if (v) *pos = dec.pos();
  return v;
}

Result<std::vector<Value>> DecodeAll(std::string_view data, const Limits& limits) {
  std::vector<Value> out;
  size_t pos = 0;
  size_t budget = limits.max_values;
  while (pos < data.size()) {
    if (budget == 0) return Error{ErrorCode::kParse, "amf0: too many values"};
    Limits l = limits;
    l.max_values = budget;
    auto v = Decode(data, &pos, l);
    if (!v) return v.error();
    out.push_back(std::move(v).value());
    --budget;
  }
  return out;
}

void Encode(const Value& v, std::string* out) {
  switch (v.type) {
    case Type::kNumber:
      PutU8(out, uint8_t(Type::kNumber));
      EncodeDouble(v.number, out);
      return;
    case Type::kBoolean:
      PutU8(out, uint8_t(Type::kBoolean));
      PutU8(out, v.boolean ? 1 : 0);
      return;
    case Type::kString:
    case Type::kLongString:
      if (v.string.size() > 0xffff) {
        PutU8(out, uint8_t(Type::kLongString));
        PutU32(out, uint32_t(v.string.size()));
        out->append(v.string);
      } else {
        PutU8(out, uint8_t(Type::kString));
        EncodeString(v.string, out);
      }
      return;
    case Type::kObject:
      PutU8(out, uint8_t(Type::kObject));
      EncodeProps(v.props, out);
      return;
    case Type::kEcmaArray:
      PutU8(out, uint8_t(Type::kEcmaArray));
      PutU32(out, uint32_t(v.props.size()));
      EncodeProps(v.props, out);
      return;
    case Type::kStrictArray:
      PutU8(out, uint8_t(Type::kStrictArray));
      PutU32(out, uint32_t(v.items.size()));
      for (const auto& item : v.items) Encode(item, out);
      return;
    case Type::kDate:
      PutU8(out, uint8_t(Type::kDate));
      EncodeDouble(v.number, out);
      PutU16(out, uint16_t(v.timezone));
      return;
    case Type::kUndefined:
      PutU8(out, uint8_t(Type::kUndefined));
      return;
    case Type::kNull:
    case Type::kObjectEnd:
      PutU8(out, uint8_t(Type::kNull));
      return;
  }
}

std::string EncodeAll(const std::vector<Value>& values) {
  std::string out;
  for (const auto& v : values) Encode(v, &out);
  return out;
}

}  // namespace haze::rtmp::amf0
