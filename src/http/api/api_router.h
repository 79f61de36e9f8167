// ApiRouter: MistServer's JSON API transport on /api and /api2: POST JSON body or ?command=,
// authorization (local auto-auth, challenge-response, `Authorization: json {...}`), dispatch
// through the CommandTable, non-minimal extras, "LTS":1 and callback/jsonp wrapping.
// Thread: main GMainContext. Borrows the ApiContext.
#pragma once

#include <json-glib/json-glib.h>

#include <string>

#include "http/api/api_context.h"
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

  ApiContext& context() { return ctx_; }
  // Lets other modules answer API commands (push_*, streamkeys, ...) or take over one of ours
  // (variable_* through the trigger module's VariableStore). Runs in table order.
  void AddCommand(const std::string& name, Command command) {
    table_.Add(name, std::move(command));
  }

 private:
  ApiContext& ctx_;
  CommandTable table_;
};

}  // namespace haze::http
