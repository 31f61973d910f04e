#pragma once
// Pool: a named group of backend servers with its balancer and timeouts. Immutable and shared
// by all workers through the runtime snapshot; the only mutable part is the balancer's cursor.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/result.h"
#include "net/address.h"
#include "upstream/balancer.h"

namespace rampart::upstream {

struct Server {
  std::string address_text;  // as configured, e.g. "127.0.0.1:9000"; the connection-pool key
  net::SocketAddress address;
  uint32_t weight = 1;
  bool backup = false;
  uint32_t max_connections = 0;
};

class Pool {
 public:
  // Resolves every server address (blocking getaddrinfo: call on the main thread only) and
  // builds the balancer.
  static core::Result<std::shared_ptr<const Pool>> Build(const config::PoolConfig& config);

  const std::string& name() const { return name_; }
  const std::vector<Server>& servers() const { return servers_; }
  const config::PoolConfig& config() const { return config_; }
  const Balancer& balancer() const { return *balancer_; }

 private:
  std::string name_;
  std::vector<Server> servers_;
  config::PoolConfig config_;
  std::unique_ptr<Balancer> balancer_;
};

}  // namespace rampart::upstream
