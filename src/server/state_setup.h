#pragma once
// Makes the process's state::Store from the `state` section: in process, or with the Redis
// backend several nodes share.

#include <memory>

#include "config/config.h"
#include "core/result.h"

namespace rampart::state {
class Store;
}

namespace rampart::server {

// Errors: an unreadable password file, an address that is not host:port.
core::Result<std::shared_ptr<state::Store>> MakeStore(const config::StateConfig& config);

// True when two `state` sections differ in what needs a restart (backend, Redis connection).
bool StateNeedsRestart(const config::StateConfig& a, const config::StateConfig& b);

}  // namespace rampart::server
