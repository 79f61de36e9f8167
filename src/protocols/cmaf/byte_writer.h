// Big-endian byte writer with ISO BMFF box helpers, used by the fMP4 and MPEG-TS writers.
// Pure C++, no GLib. Thread: one owner. Owns its byte vector; Take() hands it over.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace haze::cmaf {

class ByteWriter {
 public:
  ByteWriter() = default;
  explicit ByteWriter(size_t reserve) { data_.reserve(reserve); }

  void U8(uint32_t v) { data_.push_back(static_cast<uint8_t>(v)); }
  void U16(uint32_t v) {
    U8(v >> 8);
    U8(v);
  }
  void U24(uint32_t v) {
    U8(v >> 16);
    U16(v & 0xffff);
  }
  void U32(uint32_t v) {
    U16(v >> 16);
    U16(v & 0xffff);
  }
  void U64(uint64_t v) {
    U32(static_cast<uint32_t>(v >> 32));
    U32(static_cast<uint32_t>(v));
  }
  void Zeros(size_t n) { data_.insert(data_.end(), n, 0); }
  void Bytes(std::span<const uint8_t> b) { data_.insert(data_.end(), b.begin(), b.end()); }
  void Bytes(const void* p, size_t n) {
    auto* b = static_cast<const uint8_t*>(p);
    data_.insert(data_.end(), b, b + n);
  }
  void FourCC(std::string_view cc) { Bytes(cc.data(), 4); }

  // Opens a box: writes a size placeholder and the type. Returns the offset for EndBox.
  size_t BeginBox(std::string_view type) {
    size_t at = data_.size();
    U32(0);
    FourCC(type);
    return at;
  }
  // Opens a full box (version + 24-bit flags).
  size_t BeginFullBox(std::string_view type, uint8_t version, uint32_t flags) {
    size_t at = BeginBox(type);
    U8(version);
    U24(flags);
    return at;
  }
  void EndBox(size_t at) { PatchU32(at, static_cast<uint32_t>(data_.size() - at)); }
  void PatchU32(size_t at, uint32_t v) {
    data_[at] = static_cast<uint8_t>(v >> 24);
    data_[at + 1] = static_cast<uint8_t>(v >> 16);
    data_[at + 2] = static_cast<uint8_t>(v >> 8);
    data_[at + 3] = static_cast<uint8_t>(v);
  }

  size_t size() const { return data_.size(); }
  const std::vector<uint8_t>& data() const { return data_; }
  std::vector<uint8_t>& mutable_data() { return data_; }
  std::vector<uint8_t> Take() { return std::move(data_); }

 private:
  std::vector<uint8_t> data_;
};

// Big-endian reader over a span; reads past the end return 0 and set failed().
class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> data) : data_(data) {}
  uint32_t U8() { return Need(1) ? data_[pos_++] : 0; }
  uint32_t U16() { return (U8() << 8) | U8(); }
  uint32_t U24() { return (U16() << 8) | U8(); }
  uint32_t U32() { return (U16() << 16) | U16(); }
  uint64_t U64() {
    uint64_t hi = U32();
    return (hi << 32) | U32();
  }
  std::span<const uint8_t> Bytes(size_t n) {
    if (!Need(n)) return {};
    auto s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  void Skip(size_t n) {
    if (Need(n)) pos_ += n;
  }
  size_t pos() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  bool failed() const { return failed_; }

 private:
  bool Need(size_t n) {
    if (data_.size() - pos_ < n) {
      failed_ = true;
      pos_ = data_.size();
      return false;
    }
    return true;
  }
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace haze::cmaf
