// RtmpConnection: one RTMP client (publisher or player). Non-blocking socket I/O on the server's
// GMainContext, handshake, chunk parsing, the NetConnection/NetStream commands, and a bounded
// output queue of GBytes (shared media chunks from StreamFanout plus private replies).
// Thread: the server's context only. Owned by the server; never deletes itself (Close() asks the
// server to reap it later, so callers up the stack stay valid).
#pragma once

#include <glib.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/stream_host.h"
#include "protocols/rtmp/amf0.h"
#include "protocols/rtmp/chunk.h"
#include "protocols/rtmp/fd_watch.h"
#include "protocols/rtmp/rtmp_config.h"
#include "protocols/rtmp/rtmp_fanout.h"
#include "protocols/rtmp/rtmp_ingest.h"

namespace haze::rtmp {

class RtmpConnection;

// What a connection needs from its server.
class ServerContext {
 public:
  virtual ~ServerContext() = default;
  virtual core::StreamHost& stream_host() = 0;
  virtual const RtmpConfig& config() const = 0;
  virtual GMainContext* context() const = 0;
  virtual IoPoller& poller() = 0;
  virtual std::weak_ptr<ServerContext> weak() = 0;
  virtual RtmpConnection* Find(uint64_t id) = 0;
  virtual void Reap(uint64_t id) = 0;  // destroy the connection from an idle callback
  virtual std::shared_ptr<StreamFanout> AcquireFanout(std::shared_ptr<dtsc::LiveBuffer> b) = 0;
  virtual void ReleaseFanout(const std::shared_ptr<StreamFanout>& fanout) = 0;
  virtual void CountBytes(uint64_t in, uint64_t out) = 0;
};

class RtmpConnection final : public FanoutPlayer {
 public:
  RtmpConnection(ServerContext& server, uint64_t id, int fd, std::string ip);
  ~RtmpConnection() override;

  void Start();
  // Closes the socket and ends publish/play now; |error| logs one warning line.
  void Close(const std::string& reason, bool error);
  // Periodic checks (handshake timeout, idle publisher); |now| from g_get_monotonic_time().
  void Tick(int64_t now);

  uint64_t id() const { return id_; }
  const std::string& ip() const { return ip_; }
  bool closed() const { return closed_; }
  bool publishing() const { return ingest_ != nullptr; }
  bool playing() const { return play_ != nullptr; }

  // FanoutPlayer
  void QueueShared(GBytes* bytes, bool droppable) override;
  bool Congested() const override;
  void DropQueuedMedia() override;
  void FlushOutput() override { Flush(); }
  void OnStreamEnd() override;

 private:
  enum class Phase { kWaitC0C1, kWaitC2, kChunks };
  struct OutItem {
    GBytes* bytes;
    size_t offset;
    bool droppable;
  };

  void OnIo(GIOCondition cond);
  void Read();
  void Process();
  Status HandleMessage(Message& m);
  Status HandleData(std::string_view payload);
  Status HandleAggregate(const Message& m);
  void Flush();
  void Send(uint32_t csid, uint8_t type, uint32_t stream_id, std::string_view payload);
  void SendStatus(std::string_view level, std::string_view code, std::string_view description);
  void CloseAfterFlush();
  void CheckPing(int64_t now);

  // Commands (rtmp_commands.cpp).
  Status HandleCommand(const std::vector<amf0::Value>& args);
  void OnConnect(double txn, const std::vector<amf0::Value>& args);
  // |path|: the publish/play name as sent ("key?param=1", "mp4:name").
  Status StartPublish(const std::string& path);
  Status StartPlay(const std::string& path);
  void OnPublishDecision(Result<std::unique_ptr<core::PublishSession>> result);
  void OnPlayDecision(Result<std::unique_ptr<core::PlaySession>> result);
  void StopStreams();

  ServerContext& server_;
  const uint64_t id_;
  int fd_;
  const std::string ip_;
  std::unique_ptr<FdWatch> watch_;
  Phase phase_ = Phase::kWaitC0C1;
  std::string in_;
  ChunkReader reader_;
  uint64_t bytes_in_ = 0, last_ack_ = 0;
  uint32_t ack_window_;
  uint32_t out_chunk_size_ = kDefaultChunkSize;
  std::deque<OutItem> out_;
  size_t out_bytes_ = 0;
  bool closed_ = false;
  bool close_after_flush_ = false;
  bool connected_ = false;  // connect command done
  bool pending_ = false;    // waiting for a publish/play decision
  int64_t deadline_ = 0;    // handshake + connect must finish before this
  int64_t last_input_ = 0;
  int64_t ping_sent_ = 0;   // when our unanswered PingRequest went out, 0 = none
  std::string app_, tc_url_;
  std::unique_ptr<RtmpIngest> ingest_;
  std::unique_ptr<core::PlaySession> play_;
  std::shared_ptr<StreamFanout> fanout_;
};

}  // namespace haze::rtmp
