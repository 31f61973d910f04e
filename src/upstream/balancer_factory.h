#pragma once
// The balancer a pool's `balance` names, built over the pool's servers.

#include <memory>
#include <vector>

#include "config/config.h"
#include "upstream/balancer.h"

namespace rampart::upstream {

struct Server;

// `config.balance` was validated by the loader; an unknown name falls back to round robin.
std::unique_ptr<Balancer> MakeBalancer(const config::PoolConfig& config,
                                       const std::vector<Server>& servers);

}  // namespace rampart::upstream
