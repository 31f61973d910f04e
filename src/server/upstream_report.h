#pragma once
// What the admin listener says about the upstreams: JSON for /api/upstreams and Prometheus text
// for /metrics, both read from the pools' shared ServerState/PoolState atomics, plus the drain
// switch the admin API flips. Pure functions of the pools and a clock reading (NowMs()), so
// they are tested without a listener. Main thread only (the admin listener's), though reading
// the atomics from anywhere is safe.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "upstream/pool.h"

namespace rampart::server {

using PoolList = std::vector<std::shared_ptr<const upstream::Pool>>;

// One word for a server's state, the first that applies: "drained" (taken out through the
// admin API), "down" (failed its health checks), "ejected" (outlier ejection running), "full"
// (max_connections requests in flight), "up".
std::string_view ServerStateName(const upstream::Server& server, int64_t now_ms);

// {"name":..,"address":..,"weight":N,"backup":bool,"state":..,"healthy":bool,"drained":bool,
//  "ejected_for_ms":N,"slow_start_factor":x,"active_requests":N,"open_connections":N,
//  "requests_total":N,"failures_total":N,"ejections_total":N,"health_checks_failed_total":N}
std::string ServerJson(const upstream::Pool& pool, const upstream::Server& server, int64_t now_ms);
// {"name":..,"balance":..,"pending_requests":N,"retries_in_flight":N,"retries_total":N,
//  "overflow":{"pending":N,"retries":N},"servers":[ServerJson...]}
std::string PoolJson(const upstream::Pool& pool, int64_t now_ms);
// {"pools":[PoolJson...]} in configuration order.
std::string UpstreamsJson(const PoolList& pools, int64_t now_ms);

// Appends the per-server and per-pool metric families (HELP and TYPE lines included) in the
// Prometheus text format 0.0.4.
void AppendUpstreamMetrics(std::string& out, const PoolList& pools, int64_t now_ms);

// The pool called `name`; nullptr when there is none.
const upstream::Pool* FindPool(const PoolList& pools, std::string_view name);
// The server whose name, else whose configured address, is `name_or_address`; nullptr when
// there is none.
const upstream::Server* FindServer(const upstream::Pool& pool, std::string_view name_or_address);

// Drains (true) or re-enables (false) a server. Re-enabling a drained server starts its slow
// start at `now_ms`; enabling a server that was not drained changes nothing. Returns whether
// the state changed.
bool SetDrained(const upstream::Server& server, bool drained, int64_t now_ms);

}  // namespace rampart::server
