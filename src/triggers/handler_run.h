// One running trigger handler: an executable (GSubprocess, no shell) or an HTTP POST (SoupSession).
// Internal to the dispatcher. Thread: created, driven and finished on the GMainContext that was
// thread-default at Start; `done` runs there. Ownership: reference counted; the starter holds one
// reference and drops it with Release() (which also cancels a run that is still going).
#pragma once

#include <libsoup/soup.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace haze::triggers {

struct HandlerRequest {
  std::string trigger;             // trigger name, argv[1] / X-Trigger
  std::string handler;             // executable path or http(s) URL
  std::string payload;             // payload lines joined by "\n"
  std::string default_response;    // MIST_TRIG_DEF
  std::string uuid;                // MIST_TUUID / X-Trigger-UUID
  int64_t unix_ms = 0;             // MIST_TIME / X-Trigger-UnixMillis
  std::string instance;            // MIST_INSTANCE / X-Instance, "" = unset
  std::string server_name;         // MIST_NAME / X-Name, "" = unset
  uint32_t term_after_ms = 10000;  // SIGTERM (executables) / cancel (HTTP)
  uint32_t kill_after_ms = 14000;  // SIGKILL (executables)
  size_t max_output = 64 * 1024;   // bytes of stdout/body kept; the rest is read and dropped
  // Non-trigger uses (custom variables): replace argv, add environment/headers, use GET and
  // leave out the MIST_* trigger environment and X-Trigger headers.
  bool trigger_protocol = true;
  std::vector<std::string> argv;                           // empty: [handler, trigger]
  std::vector<std::pair<std::string, std::string>> extra;  // env (exec) or headers (HTTP)
  std::string method = "POST";
};

struct HandlerResult {
  bool usable = false;  // the output is a real answer (process exited / HTTP 2xx response)
  bool ok = false;      // exit status 0 / HTTP 2xx, and no timeout
  bool timed_out = false;
  std::string output;  // raw, at most max_output bytes
  std::string error;   // why it failed, for the log
};

using HandlerDone = std::function<void(HandlerResult)>;

// Opaque, reference-counted run. The starter's reference is a HandlerRunPtr; dropping it while the
// run is still going cancels it: the process is killed, I/O is cancelled, `done` is never called.
class HandlerRun;
void ReleaseHandlerRun(HandlerRun* run);
struct HandlerRunReleaser {
  void operator()(HandlerRun* run) const { ReleaseHandlerRun(run); }
};
using HandlerRunPtr = std::unique_ptr<HandlerRun, HandlerRunReleaser>;

// Starts an executable handler: argv = [handler, trigger], payload on stdin (then closed),
// MIST_* environment, stdout captured up to max_output. `done` is never called synchronously.
HandlerRunPtr StartExecHandler(const HandlerRequest& request, HandlerDone done);
// Starts an HTTP handler: POST of the payload with MistServer's X-Trigger headers.
HandlerRunPtr StartHttpHandler(SoupSession* session, const HandlerRequest& request,
                               HandlerDone done);

}  // namespace haze::triggers
