// Typed view of the MistServer-shaped config document. Built from JSON at the edge
// (config_loader.h); the JSON tree in ConfigStore stays the source of truth so unknown keys
// survive a save. Defaults here are the ones data/config/README.md documents.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace haze::config {

struct StreamConfig {
  std::string name;
  std::string source;             // "videogen", "/media/a.mp4", "push://", "ts-exec:...", ...
  std::string pipeline;           // inline gst-launch template; overrides the source's template
  int64_t dvr_ms = 50000;         // "DVR"
  int64_t segment_ms = 1900;      // "segmentsize"
  int64_t max_keepaway_ms = 45000;  // "maxkeepaway"
  int64_t input_timeout_s = 30;   // "inputtimeout": stop an on-demand stream after this idle time
  bool always_on = false;         // "always_on"
  bool resume = false;            // "resume"
  int64_t resume_grace_s = 30;    // "resume_grace": how long a resumable buffer waits
  std::vector<std::string> tags;  // "tags"
};

// One entry of config.protocols[] ({"connector": "RTMP", "port": 1935, ...}).
struct ProtocolConfig {
  std::string connector;
  int port = -1;          // -1 = the connector's default
  std::string interface;  // "" = config.controller.interface (or all)
  // RTMP merged writes and pings ("merge_write_ms", "merge_write_players", "ping_interval_ms",
  // "ping_timeout_ms"); -1 = the server's default.
  int64_t merge_write_ms = -1;
  int64_t merge_write_players = -1;
  int64_t ping_interval_ms = -1;
  int64_t ping_timeout_ms = -1;
};

// Bounds on untrusted input, checked before parsing ("config.limits", a Haze extension; see
// data/config/README.md). Values in bytes unless named otherwise.
struct InputLimits {
  int64_t json_depth = 64;                       // API, WebSocket and config JSON nesting
  int64_t api_body_bytes = 4 * 1024 * 1024;      // an API request from an authenticated peer
  int64_t api_preauth_body_bytes = 16 * 1024;    // an API request before the peer authenticated
  int64_t http_body_bytes = 64 * 1024;           // a request body on any other HTTP route
  int64_t ws_message_bytes = 64 * 1024;          // one incoming WebSocket message
  int64_t rtmp_message_bytes = 8 * 1024 * 1024;  // one RTMP message (larger closes the connection)
};

struct ServerConfig {
  std::map<std::string, StreamConfig> streams;
  std::vector<ProtocolConfig> protocols;
  // config.protocols is present: only the connectors it lists run (absent: every default one).
  bool protocols_listed = false;
  std::string serverid;
  std::string prometheus;        // metrics path on the API port, "" = off
  std::string public_address;    // base URL used in generated URLs (reverse proxies)
  std::string templates_dir;     // extra pipeline templates folder
  std::string interface;         // config.controller.interface
  int api_port = -1;             // config.controller.port
  bool local_auto_auth = true;   // config.controller.local_auto_auth
  std::map<std::string, std::string> accounts;  // name -> md5(password)
  std::map<std::string, std::string> stream_keys;  // "streamkeys": key -> stream name
  InputLimits limits;                              // config.limits

  const StreamConfig* FindStream(const std::string& base) const {
    auto it = streams.find(base);
    return it == streams.end() ? nullptr : &it->second;
  }
  const ProtocolConfig* FindProtocol(const std::string& connector) const {
    for (const auto& p : protocols)
      if (p.connector == connector) return &p;
    return nullptr;
  }
};

}  // namespace haze::config
