// The `pools` section: named groups of backend servers, how to reach them, how requests are
// spread over them and retried. Health checks and outlier ejection live in health_schema.cc.

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "config/schema.h"
#include "config/value_syntax.h"

namespace rampart::config {

namespace {

// Balancers that hand out requests in proportion to the servers' weights.
constexpr std::string_view kWeightedBalancers[] = {"weighted_round_robin", "least_conn", "ip_hash",
                                                   "consistent_hash", "p2c"};

// What ReadServers leaves for the checks that need the whole pool.
struct ServerFields {
  std::vector<Field> weights;  // the `weight` of servers whose weight is not 1
};

// A server name: how metrics, logs and the admin API call it.
std::optional<std::string> ReadServerName(const Field& field) {
  std::optional<std::string> name = field.AsString();
  if (!name) return std::nullopt;
  if (name->empty()) {
    field.Fail("must not be empty");
    return std::nullopt;
  }
  if (HasSpaceOrControl(*name) || name->find('/') != std::string::npos) {
    field.Fail("must not contain spaces, control characters or '/'");
    return std::nullopt;
  }
  return name;
}

// Addresses and names are unique within a pool; a server without a name goes by its address.
void CheckUnique(const ServerConfig& server, const MapReader& map,
                 const std::vector<ServerConfig>& earlier) {
  const auto name_of = [](const ServerConfig& s) { return s.name.empty() ? s.address : s.name; };
  const std::string name = name_of(server);
  for (const ServerConfig& other : earlier) {
    const std::string also = " (also at line " + std::to_string(other.mark.line) + ")";
    if (!server.address.empty() && other.address == server.address) {
      map.Find("address")->Fail("duplicate server address " + server.address + also);
      return;
    }
    // Two unnamed servers with different addresses never clash.
    const bool named = !server.name.empty() || !other.name.empty();
    if (named && !name.empty() && name == name_of(other)) {
      const Field* f = server.name.empty() ? map.Find("address") : map.Find("name");
      f->Fail("duplicate server name " + name + also);
      return;
    }
  }
}

// One entry of `servers`; `earlier` are the entries before it, for the duplicate checks.
std::optional<ServerConfig> ReadServer(const Field& field, const std::vector<ServerConfig>& earlier,
                                       ServerFields* fields) {
  ServerConfig server;
  server.mark = MarkOf(field);
  const MapReader map =
      SchemaMap(field, {"address", "name", "weight", "backup", "max_connections"});
  if (!map.is_map()) return std::nullopt;
  if (const Field* f = map.Require("address")) {
    if (auto address = ReadAddress(*f)) server.address = std::move(*address);
  }
  if (const Field* f = map.Find("name")) {
    if (auto name = ReadServerName(*f)) server.name = std::move(*name);
  }
  CheckUnique(server, map, earlier);
  map.ReadInteger("weight", &server.weight, 1, 1000);
  if (server.weight != 1) fields->weights.push_back(*map.Find("weight"));
  map.ReadBool("backup", &server.backup);
  map.ReadInteger("max_connections", &server.max_connections, 0, UINT32_MAX);
  return server;
}

void ReadServers(const MapReader& map, PoolConfig* pool, ServerFields* fields) {
  const Field* field = map.Find("servers");
  if (field == nullptr) {
    if (map.is_map()) map.field().FailChild("servers", "at least one server is required");
    return;
  }
  auto items = field->AsList();
  if (!items) return;
  if (items->empty()) {
    field->Fail("at least one server is required");
    return;
  }
  for (const Field& item : *items) {
    if (auto server = ReadServer(item, pool->servers, fields)) {
      pool->servers.push_back(std::move(*server));
    }
  }
}

// Checks that need the pool's final balancer (the key may come after `servers`).
void CheckBalancerFit(const MapReader& map, const PoolConfig& pool, const ServerFields& fields) {
  const bool weighted = std::find(std::begin(kWeightedBalancers), std::end(kWeightedBalancers),
                                  pool.balance) != std::end(kWeightedBalancers);
  if (!weighted) {
    const std::string reason = pool.balance + " ignores weights; use weighted_round_robin";
    for (const Field& weight : fields.weights) weight.Fail(reason);
  }
  if (const Field* f = map.Find("hash_key"); f != nullptr && pool.balance != "consistent_hash") {
    f->Fail("hash_key needs balance: consistent_hash");
  }
}

void ReadRetryStatuses(const Field& field, std::vector<int>* out) {
  auto items = field.AsList();
  if (!items) return;
  for (const Field& item : *items) {
    const std::optional<int64_t> status = item.AsInteger(500, 599);
    if (!status) continue;
    if (std::find(out->begin(), out->end(), *status) != out->end()) {
      item.Fail("duplicate status " + std::to_string(*status));
      continue;
    }
    out->push_back(static_cast<int>(*status));
  }
}

void ReadSticky(const Field& field, PoolConfig* pool) {
  const MapReader map = SchemaMap(field, {"cookie"});
  const Field* f = map.Require("cookie");
  if (f == nullptr) return;
  std::optional<std::string> cookie = f->AsString();
  if (!cookie) return;
  if (!IsHttpToken(*cookie)) {
    f->Fail("invalid cookie name");
    return;
  }
  pool->sticky_cookie = std::move(*cookie);
}

// Retries, their budget and the circuit breaker's limits.
void ReadRetryKeys(const MapReader& map, PoolConfig* pool) {
  map.ReadInteger("retries", &pool->retries, 0, 10);
  if (const Field* f = map.Find("retry_statuses")) ReadRetryStatuses(*f, &pool->retry_statuses);
  if (const Field* f = map.Find("retry_budget")) {
    const MapReader budget = SchemaMap(*f, {"percent", "min"});
    budget.ReadInteger("percent", &pool->retry_budget_percent, 0, 100);
    budget.ReadInteger("min", &pool->retry_budget_min, 0, 10'000);
    // A budget of nothing would silently turn every retry off, failover included.
    if (pool->retry_budget_percent == 0 && pool->retry_budget_min == 0 && pool->retries != 0) {
      f->Fail("percent 0 and min 0 allow no retry at all; set retries: 0 to turn retries off");
    }
  }
  if (const Field* f = map.Find("circuit_breaker")) {
    const MapReader breaker = SchemaMap(*f, {"max_pending_requests", "max_retries_in_flight"});
    breaker.ReadInteger("max_pending_requests", &pool->max_pending_requests, 0, UINT32_MAX);
    breaker.ReadInteger("max_retries_in_flight", &pool->max_retries_in_flight, 0, UINT32_MAX);
  }
}

PoolConfig ReadPool(const std::string& name, const Field& field) {
  PoolConfig pool;
  pool.name = name;
  pool.mark = MarkOf(field);
  if (name.empty()) field.Fail("a pool name must not be empty");
  const MapReader map =
      SchemaMap(field, {"balance", "hash_key", "servers", "connect_timeout", "read_timeout",
                        "write_timeout", "keepalive", "retries", "retry_statuses", "retry_budget",
                        "circuit_breaker", "health", "outlier", "slow_start", "sticky", "tls"});
  bool balance_ok = true;
  if (const Field* f = map.Find("balance")) {
    auto balance = ReadEnum(*f, {"round_robin", "weighted_round_robin", "least_conn", "ip_hash",
                                 "consistent_hash", "p2c"});
    balance_ok = balance.has_value();
    if (balance) pool.balance = std::move(*balance);
  }
  if (const Field* f = map.Find("hash_key")) {
    if (auto key = ReadHashKey(*f)) pool.hash_key = std::move(*key);
  }
  ServerFields server_fields;
  ReadServers(map, &pool, &server_fields);
  if (balance_ok) CheckBalancerFit(map, pool, server_fields);
  map.ReadDurationMs("connect_timeout", &pool.connect_timeout_ms, 1);
  map.ReadDurationMs("read_timeout", &pool.read_timeout_ms, 1);
  map.ReadDurationMs("write_timeout", &pool.write_timeout_ms, 1);
  if (const Field* f = map.Find("keepalive")) {
    const MapReader keepalive = SchemaMap(*f, {"idle", "timeout"});
    keepalive.ReadInteger("idle", &pool.keepalive_idle, 0, UINT32_MAX);
    keepalive.ReadDurationMs("timeout", &pool.keepalive_timeout_ms, 1);
  }
  ReadRetryKeys(map, &pool);
  if (const Field* f = map.Find("health")) pool.health = ReadHealth(*f);
  if (const Field* f = map.Find("outlier")) ReadOutlier(*f, &pool.outlier);
  map.ReadDurationMs("slow_start", &pool.slow_start_ms);
  if (const Field* f = map.Find("sticky")) ReadSticky(*f, &pool);
  if (const Field* f = map.Find("tls")) pool.tls = ReadPoolTls(*f);
  return pool;
}

}  // namespace

void ReadPools(const Field& pools, std::map<std::string, PoolConfig>* out) {
  auto entries = pools.AsEntries();
  if (!entries) return;
  for (const auto& [name, field] : *entries) out->emplace(name, ReadPool(name, field));
}

}  // namespace rampart::config
