#pragma once
// Builds a runtime snapshot from a loaded configuration: resolves pools, compiles routes and
// their stage chains, opens the access log. Runs on the main thread (it may block on DNS and
// file opens); workers only ever see the finished snapshot.

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "config/config.h"
#include "proxy/runtime.h"
#include "upstream/server_state.h"

namespace rampart::modsec {
class Engine;
}
namespace rampart::stages::auth {
class AuthCounters;
}
namespace rampart::stages::bot {
class BotKeyRing;
class BotCounters;
}  // namespace rampart::stages::bot
namespace rampart::state {
class Store;
}
namespace rampart::tls {
class AcmeChallenges;
class TicketKeys;
}  // namespace rampart::tls

namespace rampart::server {

struct BuildOptions {
  uint64_t generation = 0;
  bool open_logs = true;  // false for `rampart check`: only check that log directories exist
  // The snapshot being replaced (kept for stages that carry state across reloads).
  std::shared_ptr<const proxy::Runtime> previous;
  // Where pools find their servers' run-time state; null: a private one (for `check`).
  upstream::StateRegistry* states = nullptr;
  // The process's one libmodsecurity engine: made by the first build with a WAF route (on the
  // main thread) and kept here for every later build; null: a private one (for `check`).
  std::shared_ptr<modsec::Engine>* waf_engine = nullptr;
  // Rate-limit counters and bans, kept across reloads; null: a private in-process one.
  std::shared_ptr<state::Store> store;
  // The auth stages' counters, kept across reloads; null: a private set per route.
  std::shared_ptr<stages::auth::AuthCounters> auth_counters;
  // The bot challenge's secrets and counters, kept across reloads; null: private ones.
  std::shared_ptr<stages::bot::BotKeyRing> bot_keys;
  std::shared_ptr<stages::bot::BotCounters> bot_counters;
  // TLS session ticket keys, rotated by the server and kept across reloads; null: private.
  std::shared_ptr<const tls::TicketKeys> ticket_keys;
  // The ACME challenges board, shared with the ACME client; null: private.
  std::shared_ptr<const tls::AcmeChallenges> acme_challenges;
};

// rampart's rules/ folder (modsecurity.conf, crs-setup.conf): the config's waf.rules_dir, else
// $RAMPART_RULES_DIR, else the source tree's rules/ this binary was built from when it still
// exists, else the installed copy (<prefix>/share/rampart/rules).
std::string WafRulesDir(const config::WafGlobalConfig& waf);

// Either the runtime or every error, each "file:line: key: reason".
using BuildResult = std::variant<std::shared_ptr<const proxy::Runtime>, std::vector<std::string>>;

BuildResult BuildRuntime(const config::Config& config, const BuildOptions& options);

}  // namespace rampart::server
