#pragma once
// The dashboard's endpoints of /api/ — the attack log read back, summarised and turned into a
// proposed exclusion. Pure request-in, JSON-out functions like the other /api/ handlers;
// admin.cc does the HTTP and the token check. The contract with the page is in
// docs/operations.md ("Dashboard").
//
//   GET  /api/attacks?<filters>&limit=N        matching records, newest first
//   GET  /api/attacks/summary?<filters>&top=N&bucket=5m
//   GET  /api/attacks/<request_id>             one record
//   POST /api/tune   {"request_ids":[..],"rules":[..],"route":"","uri_prefix":"","scope":"path"}
//
// Filters: from, to (RFC 3339, a date or an age such as "2h"), ip (address or CIDR), route, rule,
// action, country, source, uri (path prefix), request_id.

#include <string>
#include <string_view>
#include <vector>

#include "proxy/runtime.h"
#include "server/admin_access.h"
#include "server/attack_log_window.h"

namespace rampart::server {

// `segments`: "api", "attacks"[, "summary" | "<request_id>"].
ApiReply HandleAttacksApi(std::string_view method, const std::vector<std::string>& segments,
                          std::string_view query, AttackLogWindow& window,
                          const proxy::Runtime& runtime);

// POST /api/tune: proposes, never writes.
ApiReply HandleTuneApi(std::string_view method, std::string_view body, AttackLogWindow& window,
                       const proxy::Runtime& runtime);

}  // namespace rampart::server
