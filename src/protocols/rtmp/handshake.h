// RTMP handshake, server side (plus the client side for tests and the bench): plain C0/C1/C2
// and the HMAC-SHA256 digest variant Flash-era clients (ffmpeg, rtmpdump) use. Pure C++ on GLib's
// GHmac, no GObject. Thread: any (no shared state).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace haze::rtmp::handshake {

inline constexpr size_t kPacketSize = 1536;
inline constexpr uint8_t kVersion = 3;

// Offset of a valid client digest in C1 (1536 bytes), or -1 when C1 carries none (plain client).
int FindDigest(std::string_view c1, bool client);

// Builds S0+S1+S2 for a client's C0+C1 (1537 bytes). Refuses other versions than 3 (RTMPE).
Result<std::string> ServerResponse(std::string_view c0c1, uint32_t now_ms);

// Client side. C0+C1, with a digest when |digest|.
std::string ClientHello(bool digest, uint32_t now_ms);
// Checks S0+S1+S2 against the client's C1 (digest clients validate the server's digests).
bool VerifyServerResponse(std::string_view s0s1s2, std::string_view c1, bool digest);

}  // namespace haze::rtmp::handshake
