// Settings of the RTMP server (the "rtmp" section of the server config). Plain values.
#pragma once

#include <cstdint>

namespace haze::rtmp {

struct RtmpConfig {
  uint32_t out_chunk_size = 4096;               // chunk size of everything we send
  uint32_t max_message_size = 8 * 1024 * 1024;  // larger incoming messages close the connection
  uint32_t max_connections = 5000;
  uint32_t max_connections_per_ip = 1200;       // 0 = unlimited
  uint32_t window_ack_size = 2500000;
  uint32_t handshake_timeout_ms = 10000;        // handshake + connect must finish in this time
  uint32_t publish_idle_timeout_ms = 30000;     // a publisher that sends nothing is dropped
  // A connected client that sent nothing for |ping_interval_ms| gets a PingRequest; one that
  // then sends nothing (no PingResponse) for |ping_timeout_ms| is closed. 0 = no pings.
  uint32_t ping_interval_ms = 60000;
  uint32_t ping_timeout_ms = 30000;
  // A player whose queue holds more than this many bytes skips to the next keyframe.
  uint32_t max_player_queue = 2 * 1024 * 1024;
  // SO_SNDBUF of player sockets in bytes (0 = kernel autotuning): bounds kernel memory per player
  // and how long a stalled player takes to be noticed.
  uint32_t player_send_buffer = 0;
  // Bytes of recent media (since the last keyframe) kept to start joining players at once.
  uint32_t max_gop_cache = 8 * 1024 * 1024;
  // Merged writes, for scale (the kernel's per-send cost dominates with many players): with at
  // least |merge_write_players| players of a stream, its frames collect for up to
  // |merge_write_ms| and go out in one send per player. Fewer players, or 0 ms: every frame goes
  // out at once. Config: "merge_write_ms" / "merge_write_players" of the RTMP protocol entry.
  uint32_t merge_write_players = 50;
  uint32_t merge_write_ms = 100;
};

}  // namespace haze::rtmp
