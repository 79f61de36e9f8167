#include "protocols/rtmp/chunk.h"

#include "protocols/rtmp/bytes.h"

namespace haze::rtmp {

namespace {
Error Fail(std::string msg) { return Error{ErrorCode::kParse, "chunk: " + std::move(msg)}; }
constexpr uint32_t kExtendedMarker = 0xffffff;
}  // namespace

Result<size_t> ChunkReader::Parse(std::string_view data, std::vector<Message>* out) {
  size_t used = 0;
  while (used < data.size()) {
    auto n = ParseChunk(data.substr(used), out);
    if (!n) return n.error();
    if (n.value() == 0) break;
    used += n.value();
  }
  return used;
}

// Basic header: fmt (2 bits) and chunk stream id (1, 2 or 3 bytes). Returns its size, or 0 when
// incomplete.
static size_t ReadBasicHeader(std::string_view data, uint8_t* fmt, uint32_t* csid) {
  const uint8_t* p = U8(data);
  *fmt = p[0] >> 6;
  *csid = p[0] & 0x3f;
  if (*csid == 0) {
    if (data.size() < 2) return 0;
    *csid = 64 + p[1];
    return 2;
  }
  if (*csid == 1) {
    if (data.size() < 3) return 0;
    *csid = 64 + p[1] + (uint32_t(p[2]) << 8);
    return 3;
  }
  return 1;
}

Result<size_t> ChunkReader::ParseChunk(std::string_view data, std::vector<Message>* out) {
  uint8_t fmt;
  uint32_t csid;
  size_t pos = ReadBasicHeader(data, &fmt, &csid);
  static constexpr size_t kHeaderSize[4] = {11, 7, 3, 0};
  if (pos == 0 || data.size() < pos + kHeaderSize[fmt]) return size_t{0};
  auto it = streams_.find(csid);
  if (it == streams_.end()) {
    if (fmt != 0) return Fail("first chunk of a chunk stream is not type 0");
    if (streams_.size() >= limits_.max_chunk_streams) return Fail("too many chunk streams");
  }
  // Work on a copy of the header fields; commit only when the whole chunk is available.
  Header h = it != streams_.end() ? it->second.header : Header{};
  bool new_message = it == streams_.end() || it->second.partial.empty();
  const uint8_t* p = U8(data) + pos;
  uint32_t ts_field = fmt <= 2 ? ReadU24(p) : 0;
  if (fmt <= 1) {
    h.length = ReadU24(p + 3);
    h.type = p[6];
  }
  if (fmt == 0) h.stream_id = ReadU32LE(p + 7);
  pos += kHeaderSize[fmt];
  if (fmt <= 2) h.extended = ts_field == kExtendedMarker;
  if (h.extended) {
    if (data.size() < pos + 4) return size_t{0};
    if (fmt <= 2) ts_field = ReadU32(U8(data) + pos);
    pos += 4;
  }
  if (!new_message && fmt != 3) return Fail("new header inside an unfinished message");
  if (h.length > limits_.max_message_size) return Fail("message too large");
  size_t have = new_message ? 0 : it->second.partial.size();
  size_t take = std::min<size_t>(chunk_size_, h.length - have);
  if (data.size() < pos + take) return size_t{0};

  if (new_message) {  // fmt 0: absolute; 1/2: delta; 3: repeats the last delta
    if (fmt == 0) h.timestamp = h.delta = ts_field;
    else if (fmt <= 2) h.timestamp += (h.delta = ts_field);
    else h.timestamp += h.delta;
  }
  StreamState& state = streams_[csid];
  state.header = h;
  if (new_message) state.partial.reserve(std::min<uint32_t>(h.length, 65536));
  state.partial.append(data.substr(pos, take));
  buffered_ += take;
  size_t max_buffered = limits_.max_buffered ? limits_.max_buffered
                                             : size_t(limits_.max_message_size) * 2;
  if (buffered_ > max_buffered) return Fail("too much unfinished message data");
  if (state.partial.size() == h.length) {
    buffered_ -= state.partial.size();
    Message m{csid, h.type, h.stream_id, h.timestamp, std::move(state.partial)};
    state.partial.clear();
    auto ctl = ApplyControl(m);
    if (!ctl) return ctl.error();
    out->push_back(std::move(m));
  }
  return pos + take;
}

Status ChunkReader::ApplyControl(const Message& m) {
  if (m.type == kSetChunkSize) {
    if (m.payload.size() < 4) return Fail("short set chunk size");
    uint32_t size = ReadU32(U8(m.payload)) & 0x7fffffff;
    if (size < 1) return Fail("bad chunk size");
    // No chunk can be longer than the longest allowed message: this also bounds input buffering.
    chunk_size_ = std::min(size, std::min(kMaxChunkSize, limits_.max_message_size));
  } else if (m.type == kAbort) {
    if (m.payload.size() < 4) return Fail("short abort");
    auto it = streams_.find(ReadU32(U8(m.payload)));
    if (it != streams_.end()) {
      buffered_ -= it->second.partial.size();
      it->second.partial.clear();
    }
  }
  return OkStatus();
}

void WriteChunks(uint32_t csid, uint8_t type, uint32_t stream_id, uint32_t timestamp,
                 const std::vector<std::string_view>& parts, uint32_t chunk_size,
                 std::string* out) {
  size_t length = 0;
  for (auto part : parts) length += part.size();
  bool extended = timestamp >= kExtendedMarker;
  auto basic_header = [&](uint8_t fmt) {
    if (csid < 64) {
      PutU8(out, (fmt << 6) | csid);
    } else if (csid < 64 + 256) {
      PutU8(out, fmt << 6);
      PutU8(out, csid - 64);
    } else {
      PutU8(out, (fmt << 6) | 1);
      PutU8(out, (csid - 64) & 0xff);
      PutU8(out, (csid - 64) >> 8);
    }
  };
  size_t chunks = length == 0 ? 1 : (length + chunk_size - 1) / chunk_size;
  out->reserve(out->size() + length + 16 + chunks * (extended ? 5 : 1));
  basic_header(0);
  PutU24(out, extended ? kExtendedMarker : timestamp);
  PutU24(out, uint32_t(length));
  PutU8(out, type);
  PutU32LE(out, stream_id);
  if (extended) PutU32(out, timestamp);

  size_t in_chunk = 0;
  for (auto part : parts) {
    while (!part.empty()) {
      if (in_chunk == chunk_size) {
        basic_header(3);
        if (extended) PutU32(out, timestamp);
        in_chunk = 0;
      }
      size_t n = std::min<size_t>(part.size(), chunk_size - in_chunk);
      out->append(part.substr(0, n));
      part.remove_prefix(n);
      in_chunk += n;
    }
  }
}

int64_t TimestampUnwrapper::Unwrap(uint32_t ts) {
  if (!have_) {
    have_ = true;
    last_ = ts;
    return ts;
  }
  // Signed distance from the last timestamp, modulo 2^32.
  int32_t step = int32_t(ts - last_);
  if (step >= 0 && ts < last_) epoch_ += int64_t(1) << 32;      // forward across the wrap
  else if (step < 0 && ts > last_) epoch_ -= int64_t(1) << 32;  // backward across the wrap
  last_ = ts;
  return epoch_ + ts;
}

}  // namespace haze::rtmp
