// RTMP chunk stream: reassembles messages from chunks (all header formats, chunk-size changes,
// extended timestamps, abort) and serializes messages into chunks. Pure C++, no GObject.
// Thread: one connection's thread; a ChunkReader holds only that connection's state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"

namespace haze::rtmp {

// Message type ids (RTMP spec section 5.4 and 7.1).
enum MessageType : uint8_t {
  kSetChunkSize = 1,
  kAbort = 2,
  kAcknowledgement = 3,
  kUserControl = 4,
  kWindowAckSize = 5,
  kSetPeerBandwidth = 6,
  kAudio = 8,
  kVideo = 9,
  kDataAmf3 = 15,
  kCommandAmf3 = 17,
  kDataAmf0 = 18,
  kCommandAmf0 = 20,
  kAggregate = 22,
};

// User control event types.
enum UserControlEvent : uint16_t {
  kStreamBegin = 0,
  kStreamEof = 1,
  kStreamDry = 2,
  kSetBufferLength = 3,
  kStreamIsRecorded = 4,
  kPingRequest = 6,
  kPingResponse = 7,
};

inline constexpr uint32_t kDefaultChunkSize = 128;
inline constexpr uint32_t kMaxChunkSize = 0xffffff;  // what a peer may set (spec: 2^31-1)

struct Message {
  uint32_t csid = 0;
  uint8_t type = 0;
  uint32_t stream_id = 0;
  uint32_t timestamp = 0;  // ms, wraps at 2^32 (callers unwrap)
  std::string payload;
};

struct ChunkLimits {
  uint32_t max_message_size = 8 * 1024 * 1024;
  uint32_t max_chunk_streams = 64;  // distinct chunk stream ids in use at once
  // Bytes of unfinished messages held at once, over all chunk streams (0 = 2 x max message).
  uint32_t max_buffered = 0;
};

class ChunkReader {
 public:
  explicit ChunkReader(ChunkLimits limits = {}) : limits_(limits) {}

  // Parses as many complete chunks of |data| as possible; finished messages go to |out|.
  // Returns the number of bytes consumed (the caller keeps the rest and feeds it again with more
  // data), or an error for a malformed stream. Set Chunk Size and Abort messages are applied here
  // and also returned.
  Result<size_t> Parse(std::string_view data, std::vector<Message>* out);

  // Bytes Parse() needs before the next chunk can complete (a hint for buffering).
  uint32_t chunk_size() const { return chunk_size_; }
  void set_chunk_size(uint32_t size) { chunk_size_ = size; }

 private:
  struct Header {
    uint32_t timestamp = 0;
    uint32_t delta = 0;
    uint32_t length = 0;
    uint8_t type = 0;
    uint32_t stream_id = 0;
    bool extended = false;  // last header carried an extended timestamp
  };
  struct StreamState {
    Header header;
    std::string partial;  // payload of the message being assembled
  };
  // Parses one chunk at |data|; returns bytes used, 0 if incomplete, or an error.
  Result<size_t> ParseChunk(std::string_view data, std::vector<Message>* out);
  Status ApplyControl(const Message& m);

  ChunkLimits limits_;
  uint32_t chunk_size_ = kDefaultChunkSize;
  size_t buffered_ = 0;  // sum of partial payload sizes
  std::unordered_map<uint32_t, StreamState> streams_;
};

// Appends |message| (whose payload is the concatenation of |parts|) as chunks: one type-0 header,
// then type-3 continuation headers (repeating the extended timestamp when used).
void WriteChunks(uint32_t csid, uint8_t type, uint32_t stream_id, uint32_t timestamp,
                 const std::vector<std::string_view>& parts, uint32_t chunk_size, std::string* out);
inline void WriteChunks(uint32_t csid, uint8_t type, uint32_t stream_id, uint32_t timestamp,
                        std::string_view payload, uint32_t chunk_size, std::string* out) {
  WriteChunks(csid, type, stream_id, timestamp, std::vector<std::string_view>{payload}, chunk_size,
              out);
}

// Unwraps 32-bit RTMP millisecond timestamps into a 64-bit timeline. Tolerates small backward
// steps (B-frames, audio/video interleave) without treating them as a wrap.
class TimestampUnwrapper {
 public:
  int64_t Unwrap(uint32_t ts);

 private:
  bool have_ = false;
  uint32_t last_ = 0;
  int64_t epoch_ = 0;  // multiples of 2^32 added so far
};

}  // namespace haze::rtmp
