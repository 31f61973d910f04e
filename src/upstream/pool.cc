#include "upstream/pool.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "core/hash.h"
#include "upstream/balancer_factory.h"

namespace rampart::upstream {

std::string TlsServerName(const config::PoolConfig& config, const Server& server) {
  if (config.tls && !config.tls->server_name.empty()) return config.tls->server_name;
  std::string_view host = server.address_text;
  if (!host.empty() && host.front() == '[') {
    host = host.substr(1, host.find(']') - 1);
  } else if (const size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  return std::string(host);
}

namespace {

bool Contains(const std::vector<size_t>& list, size_t value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// An opaque id for the sticky cookie, the same after a restart: clients must not learn
// backend addresses.
std::string StickyId(const std::string& pool, const std::string& address) {
  const uint64_t h = core::StableHash(pool + '\n' + address);
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
  return text;
}

// A uniform double in [0, 1) from 53 random bits.
double Unit(uint64_t random) { return static_cast<double>(random >> 11) * 0x1.0p-53; }

}  // namespace

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool IsCandidate(const PickContext& context, size_t index) {
  return std::binary_search(context.candidates.begin(), context.candidates.end(), index);
}

core::Result<std::shared_ptr<const Pool>> Pool::Build(const config::PoolConfig& config,
                                                      StateRegistry& registry) {
  auto pool = std::make_shared<Pool>();
  pool->name_ = config.name;
  pool->config_ = config;
  pool->state_ = registry.Pool(config.name);
  for (const auto& s : config.servers) {
    auto resolved = net::Resolve(s.address);
    if (!resolved.ok()) {
      return core::MakeError("pool '" + config.name + "': " + resolved.error().message);
    }
    Server server;
    server.address_text = s.address;
    server.connection_key = config.name + '\n' + s.address;
    // Idle connections are only reused by a pool with the same TLS settings: after a reload
    // that changes them, the old kind is never taken again (it times out).
    if (config.tls) {
      server.connection_key += "\ntls\n" + config.tls->ca + '\n' + config.tls->server_name + '\n' +
                               (config.tls->verify ? "verify" : "no-verify") + '\n' +
                               config.tls->cert;
    }
    server.name = s.name.empty() ? s.address : s.name;
    server.address = resolved.value().front();
    server.weight = s.weight;
    server.backup = s.backup;
    server.max_connections = s.max_connections;
    server.sticky_id = StickyId(config.name, s.address);
    server.state = registry.Server(config.name, s.address);
    pool->servers_.push_back(std::move(server));
  }
  pool->balancer_ = MakeBalancer(config, pool->servers_);
  if (config.balance == "ip_hash") {
    pool->balancer_key_ = config::HashKeyConfig{config::HashKeyConfig::Kind::kClientIp, ""};
  } else if (config.balance == "consistent_hash") {
    pool->balancer_key_ = config.hash_key;
  }
  return std::shared_ptr<const Pool>(std::move(pool));
}

bool Pool::IsAvailable(const Server& server, int64_t now_ms) {
  const ServerState& s = *server.state;
  if (s.drained.load(std::memory_order_relaxed)) return false;
  if (!s.healthy.load(std::memory_order_relaxed)) return false;
  if (now_ms < s.ejected_until_ms.load(std::memory_order_relaxed)) return false;
  return server.max_connections == 0 || s.active_requests.load(std::memory_order_relaxed) <
                                            static_cast<int64_t>(server.max_connections);
}

bool Pool::HasCandidate(const std::vector<size_t>& excluded, int64_t now_ms) const {
  for (size_t i = 0; i < servers_.size(); ++i) {
    if (!Contains(excluded, i) && IsAvailable(servers_[i], now_ms)) return true;
  }
  return false;
}

double Pool::SlowStartFactor(const Server& server, int64_t now_ms) const {
  if (config_.slow_start_ms == 0) return 1.0;
  const int64_t start = server.state->ramp_start_ms.load(std::memory_order_relaxed);
  if (start == 0) return 1.0;
  const auto elapsed = static_cast<double>(now_ms - start);
  const auto period = static_cast<double>(config_.slow_start_ms);
  if (elapsed >= period) return 1.0;
  return 0.1 + 0.9 * std::max(0.0, elapsed) / period;
}

std::optional<size_t> Pool::Pick(const PickRequest& request) const {
  // Primaries first; backups only when no primary can take the request.
  std::vector<size_t> candidates;
  for (bool backups : {false, true}) {
    for (size_t i = 0; i < servers_.size(); ++i) {
      if (servers_[i].backup == backups && !Contains(request.excluded, i) &&
          IsAvailable(servers_[i], request.now_ms)) {
        candidates.push_back(i);
      }
    }
    if (!candidates.empty()) break;
  }
  if (candidates.empty()) return std::nullopt;

  if (!request.sticky_id.empty()) {
    for (size_t i : candidates) {
      if (servers_[i].sticky_id == request.sticky_id) return i;
    }
  }
  PickContext context{servers_, candidates, request.key, request.random};
  size_t picked = balancer_->Pick(context);
  // Slow start: a ramping server keeps its pick with probability = its factor; otherwise
  // another candidate, drawn at random (asking the balancer again would move its cursor and
  // hand the ramping server the next pick).
  if (candidates.size() > 1 && Unit(request.random * 0x9E3779B97F4A7C15ULL) >
                                   SlowStartFactor(servers_[picked], request.now_ms)) {
    candidates.erase(std::find(candidates.begin(), candidates.end(), picked));
    picked = candidates[(request.random >> 7) % candidates.size()];
  }
  return picked;
}

}  // namespace rampart::upstream
