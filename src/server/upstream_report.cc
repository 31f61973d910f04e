#include "server/upstream_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>

#include "core/strings.h"

namespace rampart::server {

namespace {

template <typename T>
T Load(const std::atomic<T>& value) {
  return value.load(std::memory_order_relaxed);
}

bool IsFull(const upstream::Server& server) {
  return server.max_connections != 0 &&
         Load(server.state->active_requests) >= static_cast<int64_t>(server.max_connections);
}

int64_t EjectedForMs(const upstream::Server& server, int64_t now_ms) {
  return std::max<int64_t>(0, Load(server.state->ejected_until_ms) - now_ms);
}

void AppendJsonString(std::string& out, std::string_view value) {
  out.push_back('"');
  core::AppendJsonEscaped(out, value);
  out.push_back('"');
}

const char* Bool(bool value) { return value ? "true" : "false"; }

// A Prometheus label value: backslash, double quote and line feed escaped.
void AppendLabelValue(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out.push_back(c);
    }
  }
}

void AppendFamilyHeader(std::string& out, std::string_view name, std::string_view type,
                        std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

// One family with a sample per server of every pool.
void AppendServerFamily(std::string& out, const PoolList& pools, std::string_view name,
                        std::string_view type, std::string_view help,
                        const std::function<uint64_t(const upstream::Server&)>& value) {
  AppendFamilyHeader(out, name, type, help);
  for (const auto& pool : pools) {
    for (const upstream::Server& server : pool->servers()) {
      out += name;
      out += "{pool=\"";
      AppendLabelValue(out, pool->name());
      out += "\",server=\"";
      AppendLabelValue(out, server.name);
      out += "\"} ";
      out += std::to_string(value(server));
      out += '\n';
    }
  }
}

// One family with a sample per pool (and per `reason` when given).
void AppendPoolSample(std::string& out, std::string_view name, const upstream::Pool& pool,
                      std::string_view reason, int64_t value) {
  out += name;
  out += "{pool=\"";
  AppendLabelValue(out, pool.name());
  out += '"';
  if (!reason.empty()) {
    out += ",reason=\"";
    out += reason;
    out += '"';
  }
  out += "} ";
  out += std::to_string(value);
  out += '\n';
}

uint64_t Gauge(int64_t value) { return static_cast<uint64_t>(std::max<int64_t>(0, value)); }

}  // namespace

std::string_view ServerStateName(const upstream::Server& server, int64_t now_ms) {
  const upstream::ServerState& s = *server.state;
  if (Load(s.drained)) return "drained";
  if (!Load(s.healthy)) return "down";
  if (EjectedForMs(server, now_ms) > 0) return "ejected";
  if (IsFull(server)) return "full";
  return "up";
}

std::string ServerJson(const upstream::Pool& pool, const upstream::Server& server, int64_t now_ms) {
  const upstream::ServerState& s = *server.state;
  // Three decimals are plenty for a share; shortest round-trip text for the rest.
  const double factor = std::round(pool.SlowStartFactor(server, now_ms) * 1000.0) / 1000.0;
  std::string out = "{\"name\":";
  AppendJsonString(out, server.name);
  out += ",\"address\":";
  AppendJsonString(out, server.address_text);
  out += fmt::format(
      ",\"weight\":{},\"backup\":{},\"state\":\"{}\",\"healthy\":{},\"drained\":{},"
      "\"ejected_for_ms\":{},\"slow_start_factor\":{},\"active_requests\":{},"
      "\"open_connections\":{},\"requests_total\":{},\"failures_total\":{},"
      "\"ejections_total\":{},\"health_checks_failed_total\":{}}}",
      server.weight, Bool(server.backup), ServerStateName(server, now_ms), Bool(Load(s.healthy)),
      Bool(Load(s.drained)), EjectedForMs(server, now_ms), factor, Load(s.active_requests),
      Load(s.open_connections), Load(s.requests_total), Load(s.failures_total),
      Load(s.ejections_total), Load(s.health_checks_failed_total));
  return out;
}

std::string PoolJson(const upstream::Pool& pool, int64_t now_ms) {
  const upstream::PoolState& s = pool.state();
  std::string out = "{\"name\":";
  AppendJsonString(out, pool.name());
  out += ",\"balance\":";
  AppendJsonString(out, pool.config().balance);
  out += fmt::format(
      ",\"pending_requests\":{},\"retries_in_flight\":{},\"retries_total\":{},"
      "\"overflow\":{{\"pending\":{},\"retries\":{}}},\"servers\":[",
      Load(s.pending_requests), Load(s.retries_in_flight), Load(s.retries_total),
      Load(s.overflow_pending_total), Load(s.overflow_retries_total));
  bool first = true;
  for (const upstream::Server& server : pool.servers()) {
    if (!first) out.push_back(',');
    first = false;
    out += ServerJson(pool, server, now_ms);
  }
  out += "]}";
  return out;
}

std::string UpstreamsJson(const PoolList& pools, int64_t now_ms) {
  std::string out = "{\"pools\":[";
  bool first = true;
  for (const auto& pool : pools) {
    if (!first) out.push_back(',');
    first = false;
    out += PoolJson(*pool, now_ms);
  }
  out += "]}";
  return out;
}

void AppendUpstreamMetrics(std::string& out, const PoolList& pools, int64_t now_ms) {
  using upstream::Server;
  AppendServerFamily(out, pools, "rampart_upstream_server_up", "gauge",
                     "1 when the server may take new requests now.", [now_ms](const Server& s) {
                       return upstream::Pool::IsAvailable(s, now_ms) ? 1 : 0;
                     });
  AppendServerFamily(out, pools, "rampart_upstream_server_healthy", "gauge",
                     "1 unless the active health checks took the server down.",
                     [](const Server& s) { return Load(s.state->healthy) ? 1 : 0; });
  AppendServerFamily(out, pools, "rampart_upstream_server_drained", "gauge",
                     "1 when the server was drained through the admin API.",
                     [](const Server& s) { return Load(s.state->drained) ? 1 : 0; });
  AppendServerFamily(out, pools, "rampart_upstream_server_ejected", "gauge",
                     "1 while an outlier ejection keeps the server out.",
                     [now_ms](const Server& s) { return EjectedForMs(s, now_ms) > 0 ? 1 : 0; });
  AppendServerFamily(out, pools, "rampart_upstream_server_active_requests", "gauge",
                     "Attempts in progress on the server.",
                     [](const Server& s) { return Gauge(Load(s.state->active_requests)); });
  AppendServerFamily(out, pools, "rampart_upstream_server_open_connections", "gauge",
                     "Connections open to the server, busy and idle.",
                     [](const Server& s) { return Gauge(Load(s.state->open_connections)); });
  AppendServerFamily(out, pools, "rampart_upstream_server_requests_total", "counter",
                     "Attempts started on the server.",
                     [](const Server& s) { return Load(s.state->requests_total); });
  AppendServerFamily(out, pools, "rampart_upstream_server_failures_total", "counter",
                     "Attempts on the server that failed.",
                     [](const Server& s) { return Load(s.state->failures_total); });
  AppendServerFamily(out, pools, "rampart_upstream_server_ejections_total", "counter",
                     "Outlier ejections of the server.",
                     [](const Server& s) { return Load(s.state->ejections_total); });
  AppendServerFamily(out, pools, "rampart_upstream_health_check_failures_total", "counter",
                     "Active health checks of the server that failed.",
                     [](const Server& s) { return Load(s.state->health_checks_failed_total); });

  AppendFamilyHeader(out, "rampart_upstream_pool_pending_requests", "gauge",
                     "Requests in flight to the pool.");
  for (const auto& pool : pools) {
    AppendPoolSample(out, "rampart_upstream_pool_pending_requests", *pool, "",
                     Load(pool->state().pending_requests));
  }
  AppendFamilyHeader(out, "rampart_upstream_pool_retries_in_flight", "gauge",
                     "Retries in flight to the pool.");
  for (const auto& pool : pools) {
    AppendPoolSample(out, "rampart_upstream_pool_retries_in_flight", *pool, "",
                     Load(pool->state().retries_in_flight));
  }
  AppendFamilyHeader(out, "rampart_upstream_retries_total", "counter",
                     "Retries started on the pool.");
  for (const auto& pool : pools) {
    AppendPoolSample(out, "rampart_upstream_retries_total", *pool, "",
                     static_cast<int64_t>(Load(pool->state().retries_total)));
  }
  AppendFamilyHeader(out, "rampart_upstream_overflow_total", "counter",
                     "Requests and retries refused by the pool's circuit breaking limits.");
  for (const auto& pool : pools) {
    AppendPoolSample(out, "rampart_upstream_overflow_total", *pool, "pending",
                     static_cast<int64_t>(Load(pool->state().overflow_pending_total)));
    AppendPoolSample(out, "rampart_upstream_overflow_total", *pool, "retries",
                     static_cast<int64_t>(Load(pool->state().overflow_retries_total)));
  }
}

const upstream::Pool* FindPool(const PoolList& pools, std::string_view name) {
  for (const auto& pool : pools) {
    if (pool->name() == name) return pool.get();
  }
  return nullptr;
}

const upstream::Server* FindServer(const upstream::Pool& pool, std::string_view name_or_address) {
  for (const upstream::Server& server : pool.servers()) {
    if (server.name == name_or_address) return &server;
  }
  for (const upstream::Server& server : pool.servers()) {
    if (server.address_text == name_or_address) return &server;
  }
  return nullptr;
}

bool SetDrained(const upstream::Server& server, bool drained, int64_t now_ms) {
  upstream::ServerState& s = *server.state;
  if (Load(s.drained) == drained) return false;
  // The ramp starts before the server is back in rotation, so no worker sees it enabled at full
  // share. 0 means "not ramping": a clock reading of 0 would skip the ramp.
  if (!drained) s.ramp_start_ms.store(std::max<int64_t>(now_ms, 1), std::memory_order_relaxed);
  s.drained.store(drained, std::memory_order_release);
  return true;
}

}  // namespace rampart::server
