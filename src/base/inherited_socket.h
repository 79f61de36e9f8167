// Listening sockets kept across a re-exec (SIGHUP restart): the old process hands each listener
// over as an inherited file descriptor, the new one adopts it, so connection attempts queue in
// the kernel's backlog instead of being refused while the server restarts. Thread: any.
#pragma once

#include <cstdint>

namespace haze {

// The port a socket is bound to, or -1.
int BoundPort(int fd);
// A copy of |fd| that survives exec (no FD_CLOEXEC), or -1.
int DupForExec(int fd);
// True when |fd| is a listening TCP socket bound to |port| (0: any port will do); then it gets
// FD_CLOEXEC again and O_NONBLOCK. Otherwise the caller closes it and binds a new one.
bool AdoptListener(int fd, uint16_t port);

}  // namespace haze
