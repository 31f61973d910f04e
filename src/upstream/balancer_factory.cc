#include "upstream/balancer_factory.h"

#include "upstream/consistent_hash.h"
#include "upstream/ip_hash.h"
#include "upstream/least_conn.h"
#include "upstream/p2c.h"
#include "upstream/pool.h"
#include "upstream/round_robin.h"
#include "upstream/weighted_round_robin.h"

namespace rampart::upstream {

std::unique_ptr<Balancer> MakeBalancer(const config::PoolConfig& config,
                                       const std::vector<Server>& servers) {
  const std::string& name = config.balance;
  if (name == "weighted_round_robin") return std::make_unique<WeightedRoundRobin>(servers.size());
  if (name == "least_conn") return std::make_unique<LeastConn>();
  if (name == "ip_hash") return std::make_unique<IpHash>(servers);
  if (name == "consistent_hash") return std::make_unique<ConsistentHash>(servers);
  if (name == "p2c") return std::make_unique<P2c>();
  return std::make_unique<RoundRobin>();
}

}  // namespace rampart::upstream
