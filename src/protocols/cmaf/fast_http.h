// The segment fast path: a plain HTTP/1.1 GET/HEAD for /hls/... or /cmaf/... takes its keep-alive
// connection over from libsoup (soup_server_message_steal_connection); later requests on it are
// parsed here (http1_request.h) and answered from the in-memory segments with one sendmsg of
// head + body, partial writes resumed from the main context. A request it does not serve
// (other path or method, Range, upgrade, malformed) goes back to libsoup with the bytes already
// read (soup_server_accept_iostream). Thread: the server's main context. Borrows the server and
// the service; owns the connections it took over (closed when it is destroyed).
#pragma once

#include <libsoup/soup.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "protocols/cmaf/body_files.h"
#include "protocols/cmaf/segment_service.h"

namespace haze::cmaf {

class SegmentFastPath {
 public:
  SegmentFastPath(SoupServer* server, SegmentService* service);
  ~SegmentFastPath();
  SegmentFastPath(const SegmentFastPath&) = delete;
  SegmentFastPath& operator=(const SegmentFastPath&) = delete;

  // For a segment request libsoup parsed: takes the connection over and answers the request
  // itself (true), or leaves |msg| to the caller (false: HTTP/1.0, Connection: close, Range,
  // TLS, a connection handed back before, ...).
  bool TakeOver(SoupServerMessage* msg, const std::string& path, GHashTable* query);

  // Closes connections idle between requests, or stuck in a response, for over |limit_us|
  // (runs every 15 s with a 120 s limit). Returns how many it closed.
  size_t CloseStale(int64_t limit_us);

  size_t connection_count() const { return connections_.size(); }
  uint64_t requests_served() const { return served_; }
  uint64_t handed_back() const { return handed_back_; }

 private:
  class Connection;
  friend class Connection;
  void Forget(Connection* c);
  const std::string& Date();

  SoupServer* server_;
  SegmentService* service_;
  std::weak_ptr<bool> service_alive_;
  std::string server_header_;
  std::unordered_map<Connection*, std::shared_ptr<Connection>> connections_;
  uint64_t served_ = 0;
  uint64_t handed_back_ = 0;
  BodyFiles files_;
  GSource* sweep_ = nullptr;
  int64_t date_second_ = -1;
  std::string date_;
};

}  // namespace haze::cmaf
