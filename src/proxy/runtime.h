#pragma once
// Runtime: everything a request needs from the configuration, compiled — routes with their
// stage chains, pools, limits, logs. An immutable snapshot: a reload builds a new one and swaps
// it in; requests in flight finish on the snapshot they started with, which is freed with its
// last user.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "http/h1_parser.h"
#include "net/cidr.h"
#include "proxy/access_log.h"
#include "proxy/attack_log.h"
#include "routing/router.h"
#include "tls/acme_challenges.h"
#include "tls/client_context.h"
#include "tls/server_context.h"
#include "upstream/pool.h"

namespace rampart::proxy {

struct Runtime {
  uint64_t generation = 0;
  config::Config config;  // limits, timeouts and the rest as loaded
  routing::Router router{{}};
  std::vector<std::shared_ptr<const upstream::Pool>> pools;  // Route::pool_index points here
  // Per listener (config.listen order): its TLS context, null for a cleartext listener.
  std::vector<std::shared_ptr<const tls::ServerContext>> listener_tls;
  // Per pool (pools order): the context for TLS to its backends, null for cleartext.
  std::vector<std::shared_ptr<const tls::ClientContext>> pool_tls;
  // ACME HTTP-01 answers (/.well-known/acme-challenge/<token>); null when no acme section.
  std::shared_ptr<const tls::AcmeChallenges> acme_challenges;
  net::CidrSet trusted_proxies;
  http::ParseLimits parse_limits;
  std::shared_ptr<AccessLog> access_log;  // may be null (no access log)
  std::shared_ptr<AttackLog> attack_log;  // may be null (no attack log)
  // Some route has a stage that reads the request headers as received or may record findings
  // (pipeline::StageFactory::NeedsReceivedHeaders): every exchange keeps a copy of them.
  bool keep_received_headers = false;
  std::string admin_token;  // from admin.token_file; empty: /api/ is disabled
  // Files the runtime was built from that are watched for changes (IP lists, GeoIP databases),
  // with their stamps (server/file_watch.h) when they were read.
  std::vector<std::pair<std::string, std::string>> watched_files;
  // The IP reputation lists' size, for /metrics.
  struct IpListStats {
    size_t allow_ranges = 0;
    size_t deny_ranges = 0;
    size_t bytes = 0;
  } ip_lists;
};

}  // namespace rampart::proxy
