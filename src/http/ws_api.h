// WsApi: MistServer's API WebSocket (/ws on the API port). First frame ["auth", bool]; a client
// that is not auto-authorized sends ["auth", {username, password}] within 10 s. Then it pushes
// ["log", [time, kind, msg, stream, pid, exe, line]] and, with ?streams=1,
// ["stream", [name, status, viewers, inputs, outputs, tags]] on status changes.
// Thread: main GMainContext; log lines arrive from any thread and are marshalled.
#pragma once

#include <libsoup/soup.h>

#include <memory>
#include <string>
#include <vector>

#include "core/log_ring.h"
#include "http/api/api_router.h"
#include "http/http_server.h"

namespace haze::http {

class WsApi {
 public:
  WsApi(ApiRouter& router, GMainContext* context);
  ~WsApi();
  WsApi(const WsApi&) = delete;
  WsApi& operator=(const WsApi&) = delete;

  void Accept(const Request& request, SoupWebsocketConnection* conn);
  size_t connections() const { return clients_.size(); }

 private:
  struct Client;
  void OnMessage(Client* c, const std::string& text);
  void Authorized(Client* c);
  void Drop(Client* c);
  void BroadcastLog(const core::LogLine& line);
  void BroadcastStream(const std::string& name);
  static void Send(Client* c, JsonNode* frame);

  ApiRouter& router_;
  GMainContext* context_;
  std::vector<Client*> clients_;
  uint64_t log_listener_ = 0;
  Subscription status_sub_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace haze::http
