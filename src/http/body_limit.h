// Request-body limits on a SoupServer's messages. libsoup reads a whole body before any handler
// runs (and before it would send an answer), so a limit has to act while the body arrives: a
// declared Content-Length over the limit is refused as soon as the headers are in; a chunked body
// when it passes the limit. Refusing writes one "413" answer with "Connection: close" on the
// socket at once, logs one warning, keeps none of the body (libsoup stops accumulating it) and
// drains at most kDrainBytes more so the client can read the answer before the socket closes.
// Thread: the server's main context.
#pragma once

#include <libsoup/soup.h>

#include <cstddef>
#include <string>

namespace haze::http {

inline constexpr size_t kDrainBytes = 1024 * 1024;

// Starts guarding |msg|'s body (call from "got-headers"). |what| names the server and path in
// the log line.
void GuardRequestBody(SoupServerMessage* msg, size_t limit, const std::string& what);
// Whether |msg| was refused (its handler must not run).
bool BodyRefused(SoupServerMessage* msg);

}  // namespace haze::http
