#pragma once
// The admin listener: /healthz, Prometheus /metrics (the process counters, every upstream
// server's state, bans, rate-limit and shared-state counters), the /dashboard page, and the
// /api/ endpoints (the upstreams' state, drain and enable; bans: admin_access.h; cache purge:
// cache_api.h; the attack log and exclusion proposals: dashboard_api.h). Served by
// libevent's evhttp on the main thread — it carries no client traffic, so the strict data-path
// parser is not needed here. /api/ requires "Authorization: Bearer <token>", the token read
// from admin.token_file; without a token file it answers 403.

#include <string>

#include "core/result.h"
#include "net/address.h"
#include "server/attack_log_window.h"

struct event_base;
struct evhttp;
struct evhttp_request;

namespace rampart::proxy {
class Metrics;
class RuntimeSource;
struct CacheStores;
}  // namespace rampart::proxy

namespace rampart::stages::auth {
class AuthCounters;
}
namespace rampart::stages::bot {
class BotCounters;
}
namespace rampart::state {
class Store;
}

namespace rampart::server {

class Admin {
 public:
  // `runtime` gives the current pools and the admin token; `store` the bans and counters;
  // `auth_counters` the auth stages' results for /metrics.
  Admin(event_base* base, const proxy::Metrics& metrics, const proxy::RuntimeSource& runtime,
        state::Store& store, const stages::auth::AuthCounters& auth_counters,
        const stages::bot::BotCounters& bot_counters)
      : base_(base),
        metrics_(metrics),
        runtime_(runtime),
        store_(store),
        auth_counters_(auth_counters),
        bot_counters_(bot_counters) {}
  ~Admin();
  Admin(const Admin&) = delete;
  Admin& operator=(const Admin&) = delete;

  // Binds `address` (port 0 allowed) and returns the bound address.
  core::Result<net::SocketAddress> Listen(const std::string& address);
  // /healthz answers 503 while draining so load balancers in front stop sending traffic.
  void set_draining(bool draining) { draining_ = draining; }
  // The routes' caches, for /api/cache/purge (null: nothing is cached).
  void set_cache_stores(proxy::CacheStores* stores) { cache_stores_ = stores; }

 private:
  static void OnRequest(evhttp_request* req, void* arg);
  void Handle(evhttp_request* req);
  // Everything under /api/: the token check, then the upstreams endpoints.
  void HandleApi(evhttp_request* req, const std::string& path);

  event_base* base_;
  const proxy::Metrics& metrics_;
  const proxy::RuntimeSource& runtime_;
  state::Store& store_;
  const stages::auth::AuthCounters& auth_counters_;
  const stages::bot::BotCounters& bot_counters_;
  evhttp* http_ = nullptr;
  bool draining_ = false;
  proxy::CacheStores* cache_stores_ = nullptr;
  // The dashboard's parsed view of the attack log, kept between requests.
  AttackLogWindow attack_window_;
};

}  // namespace rampart::server
