// Big-endian (and RTMP's one little-endian) integer helpers for the RTMP parsers and writers.
// Pure, header-only. Callers check lengths before reading.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace haze::rtmp {

inline uint32_t ReadU16(const uint8_t* p) { return (uint32_t(p[0]) << 8) | p[1]; }
inline uint32_t ReadU24(const uint8_t* p) {
  return (uint32_t(p[0]) << 16) | (uint32_t(p[1]) << 8) | p[2];
}
inline uint32_t ReadU32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}
inline uint32_t ReadU32LE(const uint8_t* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}
// Signed 24-bit (FLV composition time).
inline int32_t ReadS24(const uint8_t* p) {
  uint32_t v = ReadU24(p);
  return (v & 0x800000) ? int32_t(v | 0xff000000u) : int32_t(v);
}

inline void PutU8(std::string* out, uint32_t v) { out->push_back(char(v & 0xff)); }
inline void PutU16(std::string* out, uint32_t v) {
  PutU8(out, v >> 8);
  PutU8(out, v);
}
inline void PutU24(std::string* out, uint32_t v) {
  PutU8(out, v >> 16);
  PutU8(out, v >> 8);
  PutU8(out, v);
}
inline void PutU32(std::string* out, uint32_t v) {
  PutU8(out, v >> 24);
  PutU8(out, v >> 16);
  PutU8(out, v >> 8);
  PutU8(out, v);
}
inline void PutU32LE(std::string* out, uint32_t v) {
  PutU8(out, v);
  PutU8(out, v >> 8);
  PutU8(out, v >> 16);
  PutU8(out, v >> 24);
}

inline const uint8_t* U8(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

}  // namespace haze::rtmp
