#pragma once
// The bot challenge's process-wide parts: the good-bot list and the page template (read once
// per runtime), each route's Challenger, and the secrets' refresher, which keeps the
// BotKeyRing on the current and previous rotation period's secrets, shared through the state
// store so that every node of a cluster signs and checks with the same ones.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "bot/good_bots.h"
#include "config/config.h"
#include "stages/bot/bot_counters.h"
#include "stages/bot/bot_key_ring.h"
#include "stages/bot/challenger.h"

struct event_base;
struct event;

namespace rampart::state {
class Store;
}

namespace rampart::server {

struct BotShared {
  std::shared_ptr<const bot::GoodBots> good_bots;  // null: none
  std::shared_ptr<const std::string> page;
  std::vector<std::string> files;  // to watch: the good-bot list and its range files, the page
};

// Reads the good-bot list (bot.good_bots, else rules_dir/good-bots.yaml when it exists) and the
// page (bot.page, else the built-in one). Errors go to `errors`.
BotShared BuildBotShared(const config::Config& config, const std::string& rules_dir,
                         std::vector<std::string>& errors);

// Route `route`'s challenger; null when the route has no `bot`, or it is off or an API.
std::shared_ptr<const stages::bot::Challenger> BuildChallenger(
    const config::Config& config, const config::RouteConfig& route, const BotShared& shared,
    std::shared_ptr<const stages::bot::BotKeyRing> keys,
    std::shared_ptr<stages::bot::BotCounters> counters);

// Keys made in this process alone (random, for `rampart check` and until the shared ones come).
std::shared_ptr<const bot::BotKeys> LocalBotKeys(std::chrono::milliseconds rotation);

// Keeps `ring` on the shared secrets of the current and previous period. Runs on the main
// loop; the first Refresh happens in the constructor.
class BotKeysRefresher {
 public:
  BotKeysRefresher(event_base* base, state::Store& store,
                   std::shared_ptr<stages::bot::BotKeyRing> ring,
                   std::chrono::milliseconds rotation);
  ~BotKeysRefresher();
  BotKeysRefresher(const BotKeysRefresher&) = delete;
  BotKeysRefresher& operator=(const BotKeysRefresher&) = delete;

  void Refresh();

 private:
  static void OnTimer(int fd, short what, void* arg);
  void Publish(uint64_t period, bool current, const std::string& secret, bool fallback);

  state::Store& store_;
  std::shared_ptr<stages::bot::BotKeyRing> ring_;
  std::chrono::milliseconds rotation_;
  event* timer_ = nullptr;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace rampart::server
