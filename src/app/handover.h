// Handover: what a restarting haze passes to the process it re-executes (SIGHUP): the listening
// sockets by connector, and each live stream's next fragment number, so HLS/DASH numbering goes
// on (the new buffer's first fragment is marked a discontinuity). Carried in the HAZE_HANDOVER
// environment variable as JSON. Pure data and (de)serialization.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace haze::app {

struct Handover {
  std::map<std::string, int> sockets;         // connector ("API", "HTTP", "RTMP") -> fd
  std::map<std::string, uint64_t> fragments;  // stream -> next fragment number
};

inline constexpr char kHandoverEnv[] = "HAZE_HANDOVER";

std::string SerializeHandover(const Handover& handover);
// Nothing usable (malformed, wrong types, fds out of range): empty.
std::optional<Handover> ParseHandover(const std::string& text);

}  // namespace haze::app
