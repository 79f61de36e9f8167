#include "protocols/rtmp/rtmp_connection.h"

#include <errno.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstring>

#include "base/log.h"
#include "protocols/rtmp/bytes.h"
#include "protocols/rtmp/handshake.h"
#include "protocols/rtmp/rtmp_messages.h"

#define GST_CAT_DEFAULT haze_rtmp_debug

namespace haze::rtmp {

namespace {
constexpr size_t kReadBlock = 16384;
constexpr int kMaxReadsPerWakeup = 8;  // fairness between connections
constexpr int kMaxIov = 64;
}  // namespace

RtmpConnection::RtmpConnection(ServerContext& server, uint64_t id, int fd, std::string ip)
    : server_(server),
      id_(id),
      fd_(fd),
      ip_(std::move(ip)),
      reader_(ChunkLimits{server.config().max_message_size, 64}),
      ack_window_(server.config().window_ack_size) {}

RtmpConnection::~RtmpConnection() {
  if (!closed_) Close("server shutdown", false);
  for (auto& item : out_) g_bytes_unref(item.bytes);
}

void RtmpConnection::Start() {
  int64_t now = g_get_monotonic_time();
  deadline_ = now + int64_t(server_.config().handshake_timeout_ms) * 1000;
  last_input_ = now;
  watch_ = std::make_unique<FdWatch>(server_.poller(), fd_, GIOCondition(G_IO_IN),
                                     [this](GIOCondition c) { OnIo(c); });
}

void RtmpConnection::Close(const std::string& reason, bool error) {
  if (closed_) return;
  closed_ = true;
  if (error) {
    GST_WARNING("rtmp: connection %" G_GUINT64_FORMAT " from %s closed: %s", id_, ip_.c_str(),
                reason.c_str());
  } else {
    GST_INFO("rtmp: connection %" G_GUINT64_FORMAT " from %s closed: %s", id_, ip_.c_str(),
             reason.c_str());
  }
  StopStreams();
  watch_.reset();
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  server_.Reap(id_);
}

void RtmpConnection::StopStreams() {
  ingest_.reset();
  if (fanout_) {
    fanout_->RemovePlayer(this);
    server_.ReleaseFanout(fanout_);
    fanout_.reset();
  }
  play_.reset();
}

void RtmpConnection::Tick(int64_t now) {
  if (closed_) return;
  if (!connected_ && now > deadline_) {
    Close("handshake/connect timeout", true);
  } else if (ingest_ && server_.config().publish_idle_timeout_ms &&
             now - last_input_ > int64_t(server_.config().publish_idle_timeout_ms) * 1000) {
    Close("publisher idle", true);
  } else if (connected_) {
    CheckPing(now);
  }
}

void RtmpConnection::CheckPing(int64_t now) {
  const RtmpConfig& config = server_.config();
  if (config.ping_interval_ms == 0) return;
  if (ping_sent_ > last_input_) {
    if (now - ping_sent_ >= int64_t(config.ping_timeout_ms) * 1000)
      Close("no answer to ping", true);
    return;
  }
  if (now - last_input_ < int64_t(config.ping_interval_ms) * 1000) return;
  // Any input answers: a client busy sending is alive even if its PingResponse is still queued.
  ping_sent_ = now;
  Send(kCsidControl, kUserControl, 0, msg::UserControl(kPingRequest, uint32_t(now / 1000)));
  Flush();
}

void RtmpConnection::OnIo(GIOCondition cond) {
  if (cond & (G_IO_IN | G_IO_HUP | G_IO_ERR)) Read();
  if (!closed_ && (cond & G_IO_OUT)) Flush();
}

void RtmpConnection::Read() {
  char block[kReadBlock];
  uint64_t got = 0;
  bool eof = false;
  for (int i = 0; i < kMaxReadsPerWakeup && !closed_; ++i) {
    ssize_t n = ::recv(fd_, block, sizeof block, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        Close(std::string("recv: ") + strerror(errno), false);
      break;
    }
    if (n == 0) {
      eof = true;  // still process what came with it (a publisher's last frames)
      break;
    }
    in_.append(block, size_t(n));
    got += uint64_t(n);
    if (size_t(n) < sizeof block) break;
  }
  if (closed_) return;
  if (got == 0) {
    if (eof) Close("peer closed", false);
    return;
  }
  if (phase_ != Phase::kChunks || ingest_ || pending_) {
    // Acknowledge at once: encoders that write each chunk separately without TCP_NODELAY
    // (ffmpeg) otherwise wait for our delayed ACK (Nagle) and add up to 40 ms per frame.
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
  }
  bytes_in_ += got;
  last_input_ = g_get_monotonic_time();
  server_.CountBytes(got, 0);
  Process();
  if (closed_) return;
  if (eof) return Close("peer closed", false);
  if (phase_ == Phase::kChunks && ack_window_ && bytes_in_ - last_ack_ >= ack_window_) {
    last_ack_ = bytes_in_;
    Send(kCsidControl, kAcknowledgement, 0, msg::U32(uint32_t(bytes_in_)));
  }
  Flush();
}

void RtmpConnection::Process() {
  if (phase_ == Phase::kWaitC0C1) {
    if (in_.size() < 1 + handshake::kPacketSize) return;
    auto reply = handshake::ServerResponse(std::string_view(in_).substr(0, 1 + handshake::kPacketSize),
                                           uint32_t(g_get_monotonic_time() / 1000));
    if (!reply) return Close(reply.error().message, true);
    in_.erase(0, 1 + handshake::kPacketSize);
    GBytes* bytes = g_bytes_new(reply->data(), reply->size());
    QueueShared(bytes, false);
    g_bytes_unref(bytes);
    phase_ = Phase::kWaitC2;
  }
  if (phase_ == Phase::kWaitC2) {
    if (in_.size() < handshake::kPacketSize) return;
    in_.erase(0, handshake::kPacketSize);  // C2 echoes S1; nothing to check for a server
    phase_ = Phase::kChunks;
  }
  std::vector<Message> messages;
  auto used = reader_.Parse(in_, &messages);
  if (!used) return Close(used.error().message, true);
  in_.erase(0, used.value());
  if (in_.empty() && in_.capacity() > kReadBlock) std::string().swap(in_);
  for (auto& m : messages) {
    auto st = HandleMessage(m);
    if (!st) return Close(st.error().message, true);
    if (closed_) return;
  }
}

Status RtmpConnection::HandleMessage(Message& m) {
  switch (m.type) {
    case kUserControl:
      if (m.payload.size() >= 6 && ReadU16(U8(m.payload)) == kPingRequest)
        Send(kCsidControl, kUserControl, 0,
             msg::UserControl(kPingResponse, ReadU32(U8(m.payload) + 2)));
      return OkStatus();
    case kWindowAckSize:
      if (m.payload.size() < 4) return Error{ErrorCode::kParse, "short window ack size"};
      ack_window_ = ReadU32(U8(m.payload));
      return OkStatus();
    case kAudio:
    case kVideo:
      if (!ingest_ || m.stream_id == 0) return OkStatus();
      return ingest_->OnMedia(m);
    case kDataAmf0:
      return HandleData(m.payload);
    case kDataAmf3:
      return HandleData(std::string_view(m.payload).substr(m.payload.empty() ? 0 : 1));
    case kCommandAmf0:
    case kCommandAmf3: {
      std::string_view body = m.payload;
      if (m.type == kCommandAmf3 && !body.empty()) body.remove_prefix(1);
      auto args = amf0::DecodeAll(body);
      if (!args) return args.error();
      return HandleCommand(args.value());
    }
    case kAggregate:
      return HandleAggregate(m);
    default:  // chunk size, abort, acknowledgement, peer bandwidth: nothing more to do
      return OkStatus();
  }
}

Status RtmpConnection::HandleData(std::string_view payload) {
  if (!ingest_) return OkStatus();
  auto values = amf0::DecodeAll(payload);
  if (!values) return values.error();
  auto& v = values.value();
  size_t i = 0;
  if (i < v.size() && v[i].is_string() && v[i].string == "@setDataFrame") ++i;
  if (i + 1 < v.size() && v[i].is_string() && v[i].string == "onMetaData" && v[i + 1].has_props())
    ingest_->OnMetaData(v[i + 1]);
  return OkStatus();
}

Status RtmpConnection::HandleAggregate(const Message& m) {
  // A sequence of FLV tags: type(1) size(3) timestamp(3+1) stream(3) body previous-size(4).
  std::string_view rest = m.payload;
  bool first = true;
  uint32_t base = 0;
  while (!rest.empty()) {
    if (rest.size() < 11) return Error{ErrorCode::kParse, "short aggregate tag"};
    const uint8_t* p = U8(rest);
    uint32_t size = ReadU24(p + 1);
    uint32_t ts = ReadU24(p + 4) | (uint32_t(p[7]) << 24);
    if (rest.size() < 11 + size + 4) return Error{ErrorCode::kParse, "truncated aggregate tag"};
    if (first) base = ts;
    first = false;
    Message sub{m.csid, p[0], m.stream_id, m.timestamp + (ts - base),
                std::string(rest.substr(11, size))};
    if (sub.type == kAudio || sub.type == kVideo || sub.type == kDataAmf0) {
      auto st = HandleMessage(sub);
      if (!st) return st;
    }
    rest.remove_prefix(11 + size + 4);
  }
  return OkStatus();
}

void RtmpConnection::Send(uint32_t csid, uint8_t type, uint32_t stream_id,
                          std::string_view payload) {
  if (closed_) return;
  auto* s = new std::string;
  WriteChunks(csid, type, stream_id, 0, payload, out_chunk_size_, s);
  GBytes* b = g_bytes_new_with_free_func(s->data(), s->size(),
                                         [](gpointer p) { delete static_cast<std::string*>(p); }, s);
  out_.push_back(OutItem{b, 0, false});
  out_bytes_ += g_bytes_get_size(b);
}

void RtmpConnection::SendStatus(std::string_view level, std::string_view code,
                                std::string_view description) {
  Send(kCsidStream, kCommandAmf0, kMediaStreamId, msg::OnStatus(level, code, description));
}

void RtmpConnection::QueueShared(GBytes* bytes, bool droppable) {
  if (closed_) return;
  out_.push_back(OutItem{g_bytes_ref(bytes), 0, droppable});
  out_bytes_ += g_bytes_get_size(bytes);
}

bool RtmpConnection::Congested() const { return out_bytes_ > server_.config().max_player_queue; }

void RtmpConnection::DropQueuedMedia() {
  std::deque<OutItem> keep;
  for (size_t i = 0; i < out_.size(); ++i) {
    OutItem& item = out_[i];
    // The message being written must finish, or the peer's chunk stream breaks.
    if (item.droppable && !(i == 0 && item.offset > 0)) {
      out_bytes_ -= g_bytes_get_size(item.bytes) - item.offset;
      g_bytes_unref(item.bytes);
    } else {
      keep.push_back(item);
    }
  }
  out_.swap(keep);
  GST_DEBUG("rtmp: connection %" G_GUINT64_FORMAT " is slow: skipping to the next keyframe", id_);
}

void RtmpConnection::OnStreamEnd() {
  Send(kCsidControl, kUserControl, 0, msg::UserControl(kStreamEof, kMediaStreamId));
  SendStatus("status", "NetStream.Play.UnpublishNotify", "Stream ended.");
  close_after_flush_ = true;  // the fanout flushes next (no re-entrant close from here)
}

void RtmpConnection::CloseAfterFlush() {
  close_after_flush_ = true;
  Flush();
}

void RtmpConnection::Flush() {
  uint64_t sent = 0;
  while (!closed_ && !out_.empty()) {
    struct iovec iov[kMaxIov];
    int n = 0;
    for (auto it = out_.begin(); it != out_.end() && n < kMaxIov; ++it, ++n) {
      gsize size;
      const char* data = static_cast<const char*>(g_bytes_get_data(it->bytes, &size));
      iov[n].iov_base = const_cast<char*>(data + it->offset);
      iov[n].iov_len = size - it->offset;
    }
    struct msghdr mh = {};
    mh.msg_iov = iov;
    mh.msg_iovlen = size_t(n);
    ssize_t w = ::sendmsg(fd_, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      Close(std::string("send: ") + strerror(errno), false);
      return;
    }
    size_t left = size_t(w);
    sent += left;
    out_bytes_ -= left;
    while (left > 0) {
      OutItem& head = out_.front();
      size_t rest = g_bytes_get_size(head.bytes) - head.offset;
      if (left < rest) {
        head.offset += left;
        break;
      }
      left -= rest;
      g_bytes_unref(head.bytes);
      out_.pop_front();
    }
    if (w == 0) break;
  }
  if (sent) {
    server_.CountBytes(0, sent);
    if (play_) play_->AddBytesOut(sent);
  }
  if (closed_) return;
  if (out_.empty() && close_after_flush_) return Close("done", false);
  if (watch_)
    watch_->SetEvents(GIOCondition(out_.empty() ? G_IO_IN : (G_IO_IN | G_IO_OUT)));
}

}  // namespace haze::rtmp
