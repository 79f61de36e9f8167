// Test helper: walks an ISO BMFF byte buffer into a tree of boxes (type, payload span), checking
// that every size fits its parent. Header-only, tests only.
#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace haze::testing {

struct Box {
  std::string type;
  std::span<const uint8_t> payload;  // after the 8-byte header
  std::vector<Box> children;
  const Box* Find(const std::string& path) const;  // "moov/trak/mdia"
};

inline uint32_t Be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

// Sample entries have fixed fields before their child boxes.
inline size_t ChildOffset(const std::string& type) {
  static const std::set<std::string> kContainers = {"moov", "trak", "mdia", "minf", "dinf",
                                                    "stbl", "mvex", "moof", "traf"};
  if (kContainers.count(type)) return 0;
  if (type == "stsd" || type == "dref") return 8;
  if (type == "avc1" || type == "hvc1") return 78;
  if (type == "mp4a" || type == "Opus") return 28;
  return SIZE_MAX;
}

inline bool ParseBoxes(std::span<const uint8_t> data, std::vector<Box>& out) {
  size_t pos = 0;
  while (pos < data.size()) {
    if (data.size() - pos < 8) return false;
    uint32_t size = Be32(data.data() + pos);
    if (size < 8 || size > data.size() - pos) return false;
    Box box;
    box.type.assign(reinterpret_cast<const char*>(data.data() + pos + 4), 4);
    box.payload = data.subspan(pos + 8, size - 8);
    size_t child = ChildOffset(box.type);
    if (child != SIZE_MAX) {
      if (child > box.payload.size()) return false;
      if (!ParseBoxes(box.payload.subspan(child), box.children)) return false;
    }
    out.push_back(std::move(box));
    pos += size;
  }
  return true;
}

inline const Box* FindIn(const std::vector<Box>& boxes, const std::string& path) {
  size_t slash = path.find('/');
  std::string head = path.substr(0, slash);
  for (const Box& b : boxes) {
    if (b.type != head) continue;
    if (slash == std::string::npos) return &b;
    return b.Find(path.substr(slash + 1));
  }
  return nullptr;
}

inline const Box* Box::Find(const std::string& path) const { return FindIn(children, path); }

}  // namespace haze::testing
