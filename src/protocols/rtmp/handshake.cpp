#include "protocols/rtmp/handshake.h"

#include <glib.h>

#include <cstring>

#include "protocols/rtmp/bytes.h"

namespace haze::rtmp::handshake {

namespace {

// The publicly documented keys of the Flash handshake: a text prefix plus 32 constant bytes.
constexpr uint8_t kKeyTail[32] = {0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8,
                                  0x2e, 0x00, 0xd0, 0xd1, 0x02, 0x9e, 0x7e, 0x57,
                                  0x6e, 0xec, 0x5d, 0x2d, 0x29, 0x80, 0x6f, 0xab,
                                  0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae};
constexpr std::string_view kPlayerText = "Genuine Adobe Flash Player 001";        // 30 bytes
constexpr std::string_view kServerText = "Genuine Adobe Flash Media Server 001";  // 36 bytes
constexpr size_t kDigestSize = 32;

std::string FullKey(std::string_view text) {
  std::string key(text);
  key.append(reinterpret_cast<const char*>(kKeyTail), sizeof kKeyTail);
  return key;
}

std::string Hmac(std::string_view key, std::string_view a, std::string_view b = {}) {
  GHmac* h = g_hmac_new(G_CHECKSUM_SHA256, U8(key), key.size());
  g_hmac_update(h, U8(a), a.size());
  if (!b.empty()) g_hmac_update(h, U8(b), b.size());
  std::string out(kDigestSize, '\0');
  gsize len = kDigestSize;
  g_hmac_get_digest(h, reinterpret_cast<guint8*>(out.data()), &len);
  g_hmac_unref(h);
  return out;
}

// Where the digest sits for scheme 0 (digest block first, base 8) or 1 (key block first, 772).
size_t DigestOffset(std::string_view p, int scheme) {
  size_t base = scheme == 0 ? 8 : 772;
  const uint8_t* b = U8(p) + base;
  return (size_t(b[0]) + b[1] + b[2] + b[3]) % 728 + base + 4;
}

// HMAC over the packet without its 32 digest bytes.
std::string PacketDigest(std::string_view p, size_t offset, std::string_view key) {
  return Hmac(key, p.substr(0, offset), p.substr(offset + kDigestSize));
}

void FillRandom(std::string* p, size_t from) {
  for (size_t i = from; i + 4 <= p->size(); i += 4) {
    uint32_t r = g_random_int();
    std::memcpy(p->data() + i, &r, 4);
  }
}

std::string NewPacket(uint32_t now_ms, uint32_t version) {
  std::string p(kPacketSize, '\0');
  std::string head;
  PutU32(&head, now_ms);
  PutU32(&head, version);
  p.replace(0, 8, head);
  FillRandom(&p, 8);
  return p;
}

void Imprint(std::string* p, int scheme, std::string_view key) {
  size_t off = DigestOffset(*p, scheme);
  std::string d = PacketDigest(*p, off, key);
  p->replace(off, kDigestSize, d);
}

// S2/C2 of the digest scheme: random bytes signed with a key derived from the peer's digest.
std::string SignedReply(std::string_view peer_digest, std::string_view full_key,
                        uint32_t now_ms) {
  std::string p = NewPacket(now_ms, 0);
  std::string key = Hmac(full_key, peer_digest);
  size_t sig_at = kPacketSize - kDigestSize;
  p.replace(sig_at, kDigestSize, Hmac(key, std::string_view(p).substr(0, sig_at)));
  return p;
}

}  // namespace

int FindDigest(std::string_view c1, bool client) {
  if (c1.size() != kPacketSize) return -1;
  std::string key = client ? std::string(kPlayerText) : std::string(kServerText);
  for (int scheme : {1, 0}) {
    size_t off = DigestOffset(c1, scheme);
    if (PacketDigest(c1, off, key) == c1.substr(off, kDigestSize)) return int(off);
  }
  return -1;
}

Result<std::string> ServerResponse(std::string_view c0c1, uint32_t now_ms) {
  if (c0c1.size() != 1 + kPacketSize) return Error{ErrorCode::kParse, "handshake: short C0C1"};
  if (U8(c0c1)[0] != kVersion) {
    return Error{ErrorCode::kParse,
                 "handshake: unsupported version " + std::to_string(U8(c0c1)[0])};
  }
  std::string_view c1 = c0c1.substr(1);
  std::string out(1, char(kVersion));
  int off = ReadU32(U8(c1) + 4) != 0 ? FindDigest(c1, true) : -1;
  if (off < 0) {
    // Plain: S1 = time, zero, random; S2 echoes C1.
    out += NewPacket(now_ms, 0);
    out.append(c1);
    return out;
  }
  int scheme = size_t(off) == DigestOffset(c1, 0) ? 0 : 1;
  std::string s1 = NewPacket(now_ms, 0x04050001);
  Imprint(&s1, scheme, kServerText);
  out += s1;
  out += SignedReply(c1.substr(off, kDigestSize), FullKey(kServerText), now_ms);
  return out;
}

std::string ClientHello(bool digest, uint32_t now_ms) {
  std::string out(1, char(kVersion));
  std::string c1 = NewPacket(now_ms, digest ? 0x09007c02 : 0);
  if (digest) Imprint(&c1, 0, kPlayerText);
  return out + c1;
}

bool VerifyServerResponse(std::string_view s0s1s2, std::string_view c1, bool digest) {
  if (s0s1s2.size() != 1 + 2 * kPacketSize || U8(s0s1s2)[0] != kVersion) return false;
  std::string_view s1 = s0s1s2.substr(1, kPacketSize);
  std::string_view s2 = s0s1s2.substr(1 + kPacketSize);
  if (!digest) return s2 == c1;
  if (FindDigest(s1, false) < 0) return false;
  int c_off = FindDigest(c1, true);
  if (c_off < 0) return false;
  std::string key = Hmac(FullKey(kServerText), c1.substr(c_off, kDigestSize));
  size_t sig_at = kPacketSize - kDigestSize;
  return Hmac(key, s2.substr(0, sig_at)) == s2.substr(sig_at);
}

}  // namespace haze::rtmp::handshake
