// ApiRouter: MistServer's JSON API transport on /api and /api2: POST JSON body or ?command=,
// authorization (local auto-auth, challenge-response, `Authorization: json {...}`), dispatch
// through the CommandTable, non-minimal extras, "LTS":1 and callback/jsonp wrapping.
// Thread: main GMainContext. Borrows the ApiContext.
#pragma once

#include <json-glib/json-glib.h>

#include <string>

#include "http/api/api_context.h"
#include "http/api/auth.h"
#include "http/http_server.h"

namespace haze::http {

class ApiRouter {
 public:
  explicit ApiRouter(ApiContext& ctx);

  // Serves one /api (minimal_path=false) or /api2 (true) request.
  void Handle(const Request& request, bool minimal_path);

  // Runs the commands of an authorized |request| object; returns the answer object
  // (transfer full). Used by Handle, the WebSocket and tests.
  JsonNode* Execute(JsonObject* request, bool minimal);

  // Checks credentials; on success with a new account, stores it. Fills |answer| with the
  // `authorize` member. Returns true when authorized.
  bool CheckAuth(JsonObject* credentials, const std::string& client_ip, bool local_direct,
                 JsonObject* answer, std::string* challenge);

  // The most body bytes to read for |headers_only| (its headers and peer; no body yet):
  // config.limits.api_body_bytes for a local auto-authorized peer, a valid `Authorization`
  // header or a peer that authenticated in the last 10 minutes; else api_preauth_body_bytes.
  size_t BodyLimit(const Request& headers_only);

  ApiContext& context() { return ctx_; }
  // Lets other modules answer API commands (push_*, streamkeys, ...) or take over one of ours
  // (variable_* through the trigger module's VariableStore). Runs in table order.
  void AddCommand(const std::string& name, Command command) {
    table_.Add(name, std::move(command));
  }

 private:
  // Credentials of the `Authorization: json {...}` header (transfer full), or null.
  JsonNode* HeaderCredentials(const Request& request) const;

  ApiContext& ctx_;
  CommandTable table_;
  RecentPeers recent_peers_;
};

}  // namespace haze::http
