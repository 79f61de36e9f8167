// RtmpConnection: the NetConnection / NetStream commands (connect, createStream, publish, play,
// deleteStream...) and the publish/play decisions from the StreamHost.
#include <sys/socket.h>

#include <string>

#include "base/log.h"
#include "protocols/rtmp/rtmp_connection.h"
#include "protocols/rtmp/rtmp_messages.h"

#define GST_CAT_DEFAULT haze_rtmp_debug

namespace haze::rtmp {

namespace {

using amf0::Value;

// "mp4:name?key=x" -> "name": MistServer-style prefixes and parameters are not part of the name.
std::string StreamNameOf(std::string name) {
  if (auto q = name.find('?'); q != std::string::npos) name.resize(q);
  for (const char* prefix : {"mp4:", "flv:", "mp3:", "aac:", "f4v:"}) {
    if (name.rfind(prefix, 0) == 0) {
      name.erase(0, strlen(prefix));
      break;
    }
  }
  return name;
}

std::string Arg(const std::vector<Value>& args, size_t i) {
  return i < args.size() && args[i].is_string() ? args[i].string : std::string();
}

}  // namespace

Status RtmpConnection::HandleCommand(const std::vector<Value>& args) {
  if (args.empty() || !args[0].is_string()) return Error{ErrorCode::kParse, "command without name"};
  const std::string& name = args[0].string;
  double txn = args.size() > 1 && args[1].is_number() ? args[1].number : 0;
  if (name == "connect") {
    OnConnect(txn, args);
    return OkStatus();
  }
  if (!connected_) {
    if (name == "_result" || name == "_error") return OkStatus();
    return Error{ErrorCode::kParse, "command before connect"};
  }
  if (name == "createStream") {
    Send(kCsidCommand, kCommandAmf0, 0,
         msg::Reply(true, txn, Value::Null(), Value::Number(kMediaStreamId)));
  } else if (name == "releaseStream" || name == "FCPublish" || name == "FCUnpublish" ||
             name == "getStreamLength") {
    if (txn > 0) Send(kCsidCommand, kCommandAmf0, 0, msg::Reply(true, txn, Value::Null(),
                                                                 Value::Undefined()));
  } else if (name == "publish") {
    return StartPublish(Arg(args, 3));
  } else if (name == "play") {
    return StartPlay(Arg(args, 3));
  } else if (name == "deleteStream" || name == "closeStream") {
    if (ingest_) {
      SendStatus("status", "NetStream.Unpublish.Success", "Stream is now unpublished.");
      GST_INFO("rtmp: connection %" G_GUINT64_FORMAT " unpublished %s", id_,
               ingest_->stream().c_str());
    }
    StopStreams();
  } else {
    GST_DEBUG("rtmp: connection %" G_GUINT64_FORMAT " ignores command %s", id_, name.c_str());
  }
  return OkStatus();
}

void RtmpConnection::OnConnect(double txn, const std::vector<Value>& args) {
  if (args.size() > 2 && args[2].has_props()) {
    app_ = args[2].GetString("app");
    tc_url_ = args[2].GetString("tcUrl");
  }
  if (auto q = app_.find('?'); q != std::string::npos) app_.resize(q);
  connected_ = true;
  Send(kCsidControl, kWindowAckSize, 0, msg::U32(server_.config().window_ack_size));
  Send(kCsidControl, kSetPeerBandwidth, 0, msg::PeerBandwidth(server_.config().window_ack_size, 2));
  Send(kCsidControl, kSetChunkSize, 0, msg::U32(server_.config().out_chunk_size));
  out_chunk_size_ = server_.config().out_chunk_size;
  Send(kCsidCommand, kCommandAmf0, 0, msg::ConnectResult(txn));
}

Status RtmpConnection::StartPublish(const std::string& path) {
  if (pending_ || ingest_ || play_) return Error{ErrorCode::kParse, "publish on a busy connection"};
  pending_ = true;
  core::PublishRequest req;
  req.connector = "RTMP";
  req.url = tc_url_ + "/" + path;  // with ?parameters, for RTMP_PUSH_REWRITE
  req.app = app_;
  req.stream_key = StreamNameOf(path);
  req.client_ip = ip_;
  std::weak_ptr<ServerContext> weak = server_.weak();
  uint64_t id = id_;
  server_.stream_host().AuthorizePublish(
      req, [weak, id](Result<std::unique_ptr<core::PublishSession>> result) {
        auto server = weak.lock();
        if (!server) return;
        if (RtmpConnection* c = server->Find(id)) c->OnPublishDecision(std::move(result));
      });
  return OkStatus();
}

void RtmpConnection::OnPublishDecision(Result<std::unique_ptr<core::PublishSession>> result) {
  pending_ = false;
  if (closed_) return;
  if (!result.ok()) {
    // Only the peer sees the host's text: it may quote the requested name (a stream key).
    GST_INFO("rtmp: connection %" G_GUINT64_FORMAT " from %s: publish refused (code %d)", id_,
             ip_.c_str(), int(result.error().code));
    SendStatus("error", "NetStream.Publish.BadName", result.error().message);
    CloseAfterFlush();
    return;
  }
  ingest_ = std::make_unique<RtmpIngest>(std::move(result).value());
  GST_INFO("rtmp: connection %" G_GUINT64_FORMAT " from %s publishes %s", id_, ip_.c_str(),
           ingest_->stream().c_str());
  Send(kCsidControl, kUserControl, 0, msg::UserControl(kStreamBegin, kMediaStreamId));
  SendStatus("status", "NetStream.Publish.Start", ingest_->stream() + " is now published.");
  Flush();
}

Status RtmpConnection::StartPlay(const std::string& path) {
  if (pending_ || ingest_ || play_) return Error{ErrorCode::kParse, "play on a busy connection"};
  pending_ = true;
  core::PlayRequest req;
  req.connector = "RTMP";
  req.url = tc_url_ + "/" + path;
  req.stream = StreamNameOf(path);
  req.client_ip = ip_;
  std::weak_ptr<ServerContext> weak = server_.weak();
  uint64_t id = id_;
  server_.stream_host().OpenForPlay(
      req, [weak, id](Result<std::unique_ptr<core::PlaySession>> result) {
        auto server = weak.lock();
        if (!server) return;
        if (RtmpConnection* c = server->Find(id)) c->OnPlayDecision(std::move(result));
      });
  return OkStatus();
}

void RtmpConnection::OnPlayDecision(Result<std::unique_ptr<core::PlaySession>> result) {
  pending_ = false;
  if (closed_) return;
  if (!result.ok()) {
    GST_INFO("rtmp: connection %" G_GUINT64_FORMAT " from %s: play refused (code %d)", id_,
             ip_.c_str(), int(result.error().code));
    SendStatus("error", "NetStream.Play.StreamNotFound", result.error().message);
    CloseAfterFlush();
    return;
  }
  play_ = std::move(result).value();
  if (int size = int(server_.config().player_send_buffer); size > 0)
    setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  GST_INFO("rtmp: connection %" G_GUINT64_FORMAT " from %s plays %s", id_, ip_.c_str(),
           play_->stream().c_str());
  Send(kCsidControl, kUserControl, 0, msg::UserControl(kStreamBegin, kMediaStreamId));
  SendStatus("status", "NetStream.Play.Reset", "Playing and resetting " + play_->stream() + ".");
  SendStatus("status", "NetStream.Play.Start", "Started playing " + play_->stream() + ".");
  Send(kCsidStream, kDataAmf0, kMediaStreamId, msg::SampleAccess());
  fanout_ = server_.AcquireFanout(play_->buffer());
  fanout_->AddPlayer(this);
  Flush();
}

}  // namespace haze::rtmp
