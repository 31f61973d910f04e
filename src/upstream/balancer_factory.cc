#include "upstream/balancer_factory.h"

#include "upstream/round_robin.h"

namespace rampart::upstream {

std::unique_ptr<Balancer> MakeBalancer(const config::PoolConfig& /*config*/,
                                       const std::vector<Server>& /*servers*/) {
  return std::make_unique<RoundRobin>();
}

}  // namespace rampart::upstream
