#pragma once
// Pool: a named group of backend servers with its balancer, timeouts and run-time state.
// Immutable and shared by all workers through the runtime snapshot; what changes at run time
// (health, ejections, load) lives in the ServerState/PoolState objects it points to.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/result.h"
#include "net/address.h"
#include "upstream/balancer.h"
#include "upstream/server_state.h"

namespace rampart::upstream {

struct Server {
  std::string address_text;    // as configured, e.g. "127.0.0.1:9000"
  std::string connection_key;  // pool name + address: idle connections are per pool, since
                               // pools differ in keep-alive settings and count their own
  std::string name;            // the configured name, or the address
  net::SocketAddress address;
  uint32_t weight = 1;
  bool backup = false;
  uint32_t max_connections = 0;
  std::string sticky_id;  // the sticky cookie's value for this server (a hash, not the address)
  std::shared_ptr<ServerState> state;
};

// One attempt's request for a server.
struct PickRequest {
  const std::vector<size_t>& excluded;  // servers this request already tried
  std::string_view key;                 // see PickContext::key
  std::string_view sticky_id;           // the request's sticky cookie value, if any
  uint64_t random = 0;
  int64_t now_ms = 0;  // NowMs()
};

// What a TLS pool asks `server` for in SNI and checks its certificate against: the pool's
// tls.server_name, else the server's configured host ("b.internal:8443" -> "b.internal").
std::string TlsServerName(const config::PoolConfig& config, const Server& server);

class Pool {
 public:
  // Resolves every server address (blocking getaddrinfo: the main thread only, never a
  // worker), attaches the servers' state from `registry` and builds the balancer.
  static core::Result<std::shared_ptr<const Pool>> Build(const config::PoolConfig& config,
                                                         StateRegistry& registry);

  const std::string& name() const { return name_; }
  const std::vector<Server>& servers() const { return servers_; }
  const config::PoolConfig& config() const { return config_; }
  PoolState& state() const { return *state_; }
  // What the balancer hashes (PickContext::key): the client address for ip_hash, `hash_key`
  // for consistent_hash; nullopt for balancers that hash nothing.
  const std::optional<config::HashKeyConfig>& balancer_key() const { return balancer_key_; }

  // The server for the next attempt: the sticky server when the request names an available
  // one, else the balancer's choice among the available primaries not yet tried (backups
  // when no primary is available). nullopt when no server can take the request.
  std::optional<size_t> Pick(const PickRequest& request) const;

  // Whether a server not in `excluded` could take the request now (a retry is worth making).
  bool HasCandidate(const std::vector<size_t>& excluded, int64_t now_ms) const;
  // Whether a server may take new requests now: not drained, healthy, not ejected, below
  // max_connections.
  static bool IsAvailable(const Server& server, int64_t now_ms);
  // Slow start: the share (0.1 .. 1] a server that came back ramp_start_ms ago may take.
  double SlowStartFactor(const Server& server, int64_t now_ms) const;

 private:
  std::string name_;
  std::vector<Server> servers_;
  config::PoolConfig config_;
  std::unique_ptr<Balancer> balancer_;
  std::optional<config::HashKeyConfig> balancer_key_;
  std::shared_ptr<PoolState> state_;
};

// Milliseconds on a monotonic clock; the unit of every *_ms state field.
int64_t NowMs();

}  // namespace rampart::upstream
