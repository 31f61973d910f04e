#include "server/bot_setup.h"

#include <event2/event.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "bot/challenge_page.h"
#include "bot/tokens.h"
#include "stages/bot/bot_stage.h"
#include "state/store.h"

namespace rampart::server {
namespace {

constexpr std::string_view kSecretName = "bot";

bool IsFile(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

uint64_t PeriodOf(std::chrono::milliseconds rotation) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return static_cast<uint64_t>(now.count() / rotation.count());
}

}  // namespace

BotShared BuildBotShared(const config::Config& config, const std::string& rules_dir,
                         std::vector<std::string>& errors) {
  BotShared shared;
  const bool challenges =
      std::any_of(config.routes.begin(), config.routes.end(), [](const config::RouteConfig& route) {
        return route.bot && !route.bot->api &&
               route.bot->mode != config::RouteBotConfig::Mode::kOff;
      });
  if (!challenges) return shared;  // nothing to read or watch
  const std::string where =
      config.source_file + ":" + std::to_string(config.bot.mark.line) + ": bot: ";
  std::string good_bots = config.bot.good_bots;
  if (good_bots.empty() && !rules_dir.empty() && IsFile(rules_dir + "/good-bots.yaml")) {
    good_bots = rules_dir + "/good-bots.yaml";
  }
  if (!good_bots.empty()) {
    shared.files.push_back(good_bots);
    auto loaded = bot::GoodBots::Load(good_bots);
    if (auto* errs = std::get_if<std::vector<std::string>>(&loaded)) {
      errors.insert(errors.end(), errs->begin(), errs->end());
    } else {
      shared.good_bots = std::get<std::shared_ptr<const bot::GoodBots>>(loaded);
      for (const std::string& file : shared.good_bots->files()) shared.files.push_back(file);
    }
  }
  if (config.bot.page.empty()) {
    shared.page = std::make_shared<const std::string>(bot::BuiltInChallengePage());
  } else {
    shared.files.push_back(config.bot.page);
    std::ifstream in(config.bot.page, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) {
      errors.push_back(where + "page: cannot read " + config.bot.page);
    } else if (auto status = bot::CheckChallengePage(text.str(), config.bot.page); !status.ok()) {
      errors.push_back(where + "page: " + status.error().message);
    } else {
      shared.page = std::make_shared<const std::string>(text.str());
    }
  }
  return shared;
}

std::shared_ptr<const stages::bot::Challenger> BuildChallenger(
    const config::Config& config, const config::RouteConfig& route, const BotShared& shared,
    std::shared_ptr<const stages::bot::BotKeyRing> keys,
    std::shared_ptr<stages::bot::BotCounters> counters) {
  if (!route.bot || route.bot->api || route.bot->mode == config::RouteBotConfig::Mode::kOff ||
      !shared.page) {
    return nullptr;
  }
  const config::BotGlobalConfig& g = config.bot;
  stages::bot::ChallengeSettings settings;
  settings.difficulty = route.bot->difficulty.value_or(g.difficulty);
  settings.clearance_ttl = std::chrono::seconds(g.clearance_ttl_ms / 1000);
  settings.challenge_ttl = std::chrono::seconds(g.challenge_ttl_ms / 1000);
  settings.nojs_delay = std::chrono::seconds((g.nojs_delay_ms + 999) / 1000);
  settings.prefix_v4 = g.prefix_v4;
  settings.prefix_v6 = g.prefix_v6;
  settings.cookie = g.cookie;
  settings.page = shared.page;
  return std::make_shared<stages::bot::Challenger>(std::move(settings), std::move(keys),
                                                   shared.good_bots, std::move(counters));
}

std::shared_ptr<const bot::BotKeys> LocalBotKeys(std::chrono::milliseconds rotation) {
  auto keys = std::make_shared<bot::BotKeys>();
  keys->period = PeriodOf(rotation);
  keys->current = bot::RandomHex(32);
  keys->previous = bot::RandomHex(32);
  return keys;
}

BotKeysRefresher::BotKeysRefresher(event_base* base, state::Store& store,
                                   std::shared_ptr<stages::bot::BotKeyRing> ring,
                                   std::chrono::milliseconds rotation)
    : store_(store), ring_(std::move(ring)), rotation_(rotation) {
  if (!ring_->Get()) ring_->Set(LocalBotKeys(rotation_));
  timer_ = event_new(base, -1, EV_PERSIST, &BotKeysRefresher::OnTimer, this);
  // Often enough to follow a rotation within seconds, rarely enough to cost nothing.
  const auto every = std::min<std::chrono::milliseconds>(rotation_ / 10, std::chrono::seconds(10));
  const timeval tv{static_cast<time_t>(every.count() / 1000),
                   static_cast<suseconds_t>((every.count() % 1000) * 1000)};
  evtimer_add(timer_, &tv);
  Refresh();
}

BotKeysRefresher::~BotKeysRefresher() {
  *alive_ = false;
  if (timer_ != nullptr) event_free(timer_);
}

void BotKeysRefresher::OnTimer(int /*fd*/, short /*what*/, void* arg) {
  static_cast<BotKeysRefresher*>(arg)->Refresh();
}

void BotKeysRefresher::Refresh() {
  const uint64_t period = PeriodOf(rotation_);
  // Kept in the shared state for three periods: a node that starts late still finds them.
  const std::chrono::milliseconds ttl = rotation_ * 3;
  for (const bool current : {true, false}) {
    const uint64_t p = current ? period : period - 1;
    store_.SharedSecret(
        kSecretName, p, ttl,
        [this, alive = alive_, p, current](const std::string& secret, bool fallback) {
          if (*alive) Publish(p, current, secret, fallback);
        });
  }
}

void BotKeysRefresher::Publish(uint64_t period, bool current, const std::string& secret,
                               bool fallback) {
  auto keys = std::make_shared<bot::BotKeys>();
  if (auto old = ring_->Get()) *keys = *old;
  // Shared state is down: a period's secret already known (the cluster's) is kept rather than
  // replaced by this node's own, which no other node would accept.
  if (fallback && keys->Find(period) != nullptr) return;
  const uint64_t now_period = current ? period : period + 1;
  if (keys->period != now_period) {
    // A new period: the old current becomes the previous until its own answer comes.
    if (keys->period + 1 == now_period) keys->previous = keys->current;
    keys->period = now_period;
  }
  (current ? keys->current : keys->previous) = secret;
  ring_->Set(std::move(keys));
}

}  // namespace rampart::server
