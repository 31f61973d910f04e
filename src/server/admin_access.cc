#include "server/admin_access.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "core/strings.h"
#include "net/ip_range_set.h"
#include "server/query_params.h"
#include "state/store.h"

namespace rampart::server {

namespace {

using Clock = std::chrono::system_clock;

std::string BanJson(const state::Ban& ban, Clock::time_point now) {
  const auto expires_s =
      std::chrono::duration_cast<std::chrono::seconds>(ban.expires.time_since_epoch()).count();
  const auto left_s = std::chrono::duration_cast<std::chrono::seconds>(ban.expires - now).count();
  std::string out = "{\"ip\":\"";
  core::AppendJsonEscaped(out, ban.ip);
  out += fmt::format("\",\"expires\":{},\"expires_in\":{},\"reason\":\"", expires_s,
                     left_s < 0 ? 0 : left_s);
  core::AppendJsonEscaped(out, ban.reason);
  out += "\"}";
  return out;
}

}  // namespace

ApiReply HandleBansApi(std::string_view method, const std::vector<std::string>& segments,
                       std::string_view query, state::Store& store) {
  const Clock::time_point now = Clock::now();
  if (segments.size() == 2) {
    if (method != "GET" && method != "HEAD") {
      return {405, ApiErrorJson("method not allowed; allowed: GET, HEAD")};
    }
    std::string out = "{\"bans\":[";
    bool first = true;
    for (const state::Ban& ban : store.ListBans(now)) {
      if (!first) out += ',';
      first = false;
      out += BanJson(ban, now);
    }
    out += "]}";
    return {200, std::move(out)};
  }
  if (segments.size() != 3) return {404, ApiErrorJson("no such API endpoint")};
  // The canonical text, as the proxy writes client addresses ("::ffff:1.2.3.4" is 1.2.3.4).
  const std::optional<net::IpAddress> parsed = net::IpAddress::Parse(segments[2]);
  if (!parsed) return {400, ApiErrorJson("not an IP address: " + segments[2])};
  const std::optional<std::string> ip = parsed->ToString();

  if (method == "DELETE") {
    // Removed locally and in the shared backend, where it may exist without being mirrored
    // here yet: so the answer is 200 either way, and says what this node knew.
    const bool known = store.FindBan(*ip, now).has_value();
    store.RemoveBan(*ip);
    spdlog::info("admin: ban on {} lifted{}", *ip, known ? "" : " (none known on this node)");
    return {200,
            "{\"removed\":\"" + *ip + "\",\"was_banned_here\":" + (known ? "true" : "false") + "}"};
  }
  if (method != "PUT" && method != "POST") {
    return {405, ApiErrorJson("method not allowed; allowed: PUT, POST, DELETE")};
  }
  const QueryParams params(query);
  if (!params.ok()) return {400, ApiErrorJson("malformed query string")};
  uint64_t duration_ms = 3'600'000;  // an hour unless told
  std::string reason = "admin";
  std::optional<std::string> error;
  for (const evkeyval* kv = params.first(); kv != nullptr; kv = kv->next.tqe_next) {
    const std::string_view key = kv->key;
    if (key == "duration") {
      auto ms = core::ParseDurationMs(kv->value);
      if (!ms || *ms == 0) error = "duration: expected a duration such as 30s, 10m or 24h";
      if (ms) duration_ms = *ms;
    } else if (key == "reason") {
      reason = std::string("admin: ") + kv->value;
    } else {
      error = "unknown parameter '" + std::string(key) + "' (duration, reason)";
    }
  }
  if (error) return {400, ApiErrorJson(*error)};
  state::Ban ban{*ip, now + std::chrono::milliseconds(duration_ms), reason};
  store.AddBan(ban);
  spdlog::info("admin: banned {} for {} ms ({})", *ip, duration_ms, reason);
  return {200, BanJson(*store.FindBan(*ip, now), now)};
}

void AppendAccessMetrics(std::string& out, const state::Store& store,
                         const proxy::Runtime& runtime) {
  out += "# HELP rampart_bans IP addresses banned now (dynamic and admin bans).\n";
  out += "# TYPE rampart_bans gauge\n";
  out += fmt::format("rampart_bans {}\n", store.ban_count());
  out += "# HELP rampart_rate_limit_keys Keys in the in-process rate-limit table.\n";
  out += "# TYPE rampart_rate_limit_keys gauge\n";
  out += fmt::format("rampart_rate_limit_keys {}\n", store.rate_keys());
  out += "# HELP rampart_rate_limit_table_bytes Memory of the in-process rate-limit table.\n";
  out += "# TYPE rampart_rate_limit_table_bytes gauge\n";
  out += fmt::format("rampart_rate_limit_table_bytes {}\n", store.rate_table_bytes());
  out += "# HELP rampart_ip_list_ranges Disjoint address ranges in the IP reputation lists.\n";
  out += "# TYPE rampart_ip_list_ranges gauge\n";
  out +=
      fmt::format("rampart_ip_list_ranges{{list=\"allow\"}} {}\n", runtime.ip_lists.allow_ranges);
  out += fmt::format("rampart_ip_list_ranges{{list=\"deny\"}} {}\n", runtime.ip_lists.deny_ranges);
  out += "# HELP rampart_ip_list_bytes Memory of the IP reputation lists' lookup tables.\n";
  out += "# TYPE rampart_ip_list_bytes gauge\n";
  out += fmt::format("rampart_ip_list_bytes {}\n", runtime.ip_lists.bytes);
  if (!store.has_backend()) return;
  const state::BackendStatus status = store.backend_status();
  out += "# HELP rampart_state_backend_up 1 while every connection to the shared state is up.\n";
  out += "# TYPE rampart_state_backend_up gauge\n";
  out += fmt::format("rampart_state_backend_up {}\n", status.up ? 1 : 0);
  out += "# HELP rampart_state_backend_errors_total Shared-state calls that failed.\n";
  out += "# TYPE rampart_state_backend_errors_total counter\n";
  out += fmt::format("rampart_state_backend_errors_total {}\n", status.errors);
  out += "# HELP rampart_state_backend_reconnects_total Connections to the shared state re-made.\n";
  out += "# TYPE rampart_state_backend_reconnects_total counter\n";
  out += fmt::format("rampart_state_backend_reconnects_total {}\n", status.reconnects);
}

}  // namespace rampart::server
