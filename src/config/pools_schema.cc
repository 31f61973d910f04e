// The `pools` section: named groups of backend servers and how to reach them.

#include <cstdint>
#include <string_view>

#include "config/schema.h"
#include "config/value_syntax.h"

namespace rampart::config {

namespace {

// Balancers named in design.md that a later version implements.
constexpr std::string_view kLaterBalancers[] = {
    "weighted_round_robin", "least_conn", "ip_hash", "consistent_hash", "p2c",
};

// One entry of `servers`; `earlier` are the entries before it, for the duplicate check.
std::optional<ServerConfig> ReadServer(const Field& field,
                                       const std::vector<ServerConfig>& earlier) {
  ServerConfig server;
  server.mark = MarkOf(field);
  const MapReader map = SchemaMap(field, {"address", "weight", "backup", "max_connections"});
  if (!map.is_map()) return std::nullopt;
  if (const Field* f = map.Require("address")) {
    if (auto address = ReadAddress(*f)) {
      for (const ServerConfig& other : earlier) {
        if (other.address == *address) {
          f->Fail("duplicate server address " + *address + " (also at line " +
                  std::to_string(other.mark.line) + ")");
          break;
        }
      }
      server.address = std::move(*address);
    }
  }
  map.ReadInteger("weight", &server.weight, 1, 1000);
  map.ReadBool("backup", &server.backup);
  map.ReadInteger("max_connections", &server.max_connections, 0, UINT32_MAX);
  // Accepted keys that this version would silently ignore are refused instead.
  if (server.weight != 1) {
    map.Find("weight")->Fail("weights need a weighted balancer, not supported in this version");
  }
  if (server.max_connections != 0) {
    map.Find("max_connections")->Fail("not supported in this version");
  }
  return server;
}

void ReadServers(const MapReader& map, PoolConfig* pool) {
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
    if (auto server = ReadServer(item, pool->servers)) pool->servers.push_back(std::move(*server));
  }
}

void ReadBalance(const Field& field, PoolConfig* pool) {
  std::optional<std::string> balance = field.AsString();
  if (!balance) return;
  if (*balance == "round_robin") {
    pool->balance = std::move(*balance);
    return;
  }
  for (std::string_view later : kLaterBalancers) {
    if (*balance == later) {
      field.Fail("'" + *balance + "' is not supported in this version");
      return;
    }
  }
  field.Fail("unknown balancer '" + *balance + "' (this version implements round_robin)");
}

PoolConfig ReadPool(const std::string& name, const Field& field) {
  PoolConfig pool;
  pool.name = name;
  pool.mark = MarkOf(field);
  if (name.empty()) field.Fail("a pool name must not be empty");
  const MapReader map = SchemaMap(field, {"balance", "servers", "connect_timeout", "read_timeout",
                                          "write_timeout", "keepalive", "retries"});
  if (const Field* f = map.Find("balance")) ReadBalance(*f, &pool);
  ReadServers(map, &pool);
  map.ReadDurationMs("connect_timeout", &pool.connect_timeout_ms, 1);
  map.ReadDurationMs("read_timeout", &pool.read_timeout_ms, 1);
  map.ReadDurationMs("write_timeout", &pool.write_timeout_ms, 1);
  if (const Field* f = map.Find("keepalive")) {
    const MapReader keepalive = SchemaMap(*f, {"idle", "timeout"});
    keepalive.ReadInteger("idle", &pool.keepalive_idle, 0, UINT32_MAX);
    keepalive.ReadDurationMs("timeout", &pool.keepalive_timeout_ms, 1);
  }
  map.ReadInteger("retries", &pool.retries, 0, 10);
  return pool;
}

}  // namespace

void ReadPools(const Field& pools, std::map<std::string, PoolConfig>* out) {
  auto entries = pools.AsEntries();
  if (!entries) return;
  for (const auto& [name, field] : *entries) out->emplace(name, ReadPool(name, field));
}

}  // namespace rampart::config
