#pragma once
// The access-control part of the admin listener: the bans endpoints of /api/ and the state and
// IP-list lines of /metrics. Pure request-in, JSON-out functions; admin.cc does the HTTP.
//
//   GET    /api/bans                                   every ban in force
//   PUT    /api/bans/<ip>?duration=10m&reason=text     bans (or extends a ban on) an address
//   DELETE /api/bans/<ip>                              lifts a ban
//
// Changes apply locally at once and go to the shared backend (Redis) in the background, which
// every node copies within its sync interval.

#include <string>
#include <string_view>
#include <vector>

#include "proxy/runtime.h"
#include "server/api_reply.h"

namespace rampart::state {
class Store;
}

namespace rampart::server {

// `segments`: the decoded path segments ("api", "bans"[, "<ip>"]); `method` "GET", "PUT", ...;
// `query`: the raw query string (may be empty).
ApiReply HandleBansApi(std::string_view method, const std::vector<std::string>& segments,
                       std::string_view query, state::Store& store);

// rampart_state_*, rampart_bans, rampart_rate_limit_* and rampart_ip_list_* metrics.
void AppendAccessMetrics(std::string& out, const state::Store& store,
                         const proxy::Runtime& runtime);

}  // namespace rampart::server
