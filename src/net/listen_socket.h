#pragma once
// Listening sockets. Every worker binds its own socket to the same address with SO_REUSEPORT so
// the kernel spreads connections across workers without a shared accept lock.

#include "core/result.h"
#include "net/address.h"

namespace rampart::net {

// Creates a non-blocking, close-on-exec TCP socket bound to `address` with SO_REUSEADDR and
// SO_REUSEPORT, listening with a large backlog. Returns the fd.
core::Result<int> OpenListenSocket(const SocketAddress& address);

}  // namespace rampart::net
