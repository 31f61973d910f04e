#include "upstream/pool.h"

#include "upstream/round_robin.h"

namespace rampart::upstream {

core::Result<std::shared_ptr<const Pool>> Pool::Build(const config::PoolConfig& config) {
  auto pool = std::make_shared<Pool>();
  pool->name_ = config.name;
  pool->config_ = config;
  for (const auto& s : config.servers) {
    auto resolved = net::Resolve(s.address);
    if (!resolved.ok()) {
      return core::MakeError("pool '" + config.name + "': " + resolved.error().message);
    }
    Server server;
    server.address_text = s.address;
    server.address = resolved.value().front();
    server.weight = s.weight;
    server.backup = s.backup;
    server.max_connections = s.max_connections;
    pool->servers_.push_back(std::move(server));
  }
  if (config.balance != "round_robin") {
    return core::MakeError("pool '" + config.name + "': balance '" + config.balance +
                           "' is not supported in this version");
  }
  pool->balancer_ = std::make_unique<RoundRobin>();
  return std::shared_ptr<const Pool>(std::move(pool));
}

}  // namespace rampart::upstream
