// StreamHost: what protocol servers (RTMP, HTTP outputs, HLS, RTSP, SRT...) need from the core.
// Implemented by the stream registry; protocol code depends only on this interface (tests use a
// dummy). Thread: call and get callbacks on the main GMainContext only; marshal with
// g_main_context_invoke from other threads.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "dtsc/live_buffer.h"

namespace haze::core {

struct PublishRequest {
  std::string connector;   // "RTMP", "SRT", "RTSP", "WHIP", ...
  std::string url;         // full request URL as the client sent it (never logged: holds keys)
  std::string app;         // RTMP app / first path part ("live"); acts as push password
  std::string stream_key;  // requested stream name or stream key (last path part)
  std::string client_ip;
};

// Held by the publishing connection. Destroying it ends the publish (the stream's buffer sees
// WriterGone: it waits for a reconnect with `resume`, else the stream ends).
class PublishSession {
 public:
  virtual ~PublishSession() = default;
  virtual const std::string& stream() const = 0;  // resolved stream name ("live+john")
  virtual std::shared_ptr<dtsc::LiveBuffer> buffer() const = 0;
};

struct PlayRequest {
  std::string connector;  // "RTMP", "HTTP", "HLS", "CMAF", "HTTPTS", "FLV", ...
  std::string url;
  std::string stream;  // requested stream name (not yet sanitized)
  std::string client_ip;
};

// Held by a viewer connection while it plays; counts as a viewer and keeps an on-demand stream
// running. Destroying it ends the view.
class PlaySession {
 public:
  virtual ~PlaySession() = default;
  virtual const std::string& stream() const = 0;
  virtual std::shared_ptr<dtsc::LiveBuffer> buffer() const = 0;
  // Bytes sent to this viewer, for stats.
  virtual void AddBytesOut(uint64_t bytes) = 0;
};

class StreamHost {
 public:
  virtual ~StreamHost() = default;

  // Runs the publish decision chain: RTMP_PUSH_REWRITE / PUSH_REWRITE triggers, stream-key map,
  // sanitizing, the stream must be configured (wildcards included) with a push:// source, the
  // push://HOST and push://@PASSWORD restrictions, STREAM_PUSH, and "already publishing".
  // |done| is called later on the main context (sync triggers may take seconds).
  using PublishDone = std::function<void(Result<std::unique_ptr<PublishSession>>)>;
  virtual void AuthorizePublish(const PublishRequest& request, PublishDone done) = 0;

  // Resolves a viewer's stream (PLAY_REWRITE, wildcards, on-demand start). |done| gets a
  // session as soon as the stream exists; the buffer may still be filling (check Playable()).
  using PlayDone = std::function<void(Result<std::unique_ptr<PlaySession>>)>;
  virtual void OpenForPlay(const PlayRequest& request, PlayDone done) = 0;
};

}  // namespace haze::core
