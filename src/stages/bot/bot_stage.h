#pragma once
// The bot stage: after auth, before signatures and the WAF. On a route with `bot`:
//   - takes the challenge page's answer (a POST carrying X-Rampart-Challenge and
//     X-Rampart-Nonce): a valid proof earns the clearance cookie (204), anything else 403;
//   - takes the no-JavaScript fallback's return (?rampart_wait=<ticket>): once the wait is over,
//     the cookie and a 303 back to the page first asked for;
//   - lets verified good bots and cleared clients through;
//   - challenges: `always` every other client; `suspicious` a client whose browser headers do
//     not fit its User-Agent (bot/browser_signals.h). The other signals — a signature score, a
//     country, ASN or rate limit whose action is `challenge` — are acted on by their own stages
//     through the route's Challenger.

#include <memory>
#include <string_view>

#include "config/config.h"
#include "pipeline/stage.h"
#include "stages/bot/challenger.h"

namespace rampart::stages::bot {

class BotStageFactory final : public pipeline::StageFactory {
 public:
  BotStageFactory(std::shared_ptr<const Challenger> challenger, config::RouteBotConfig::Mode mode)
      : challenger_(std::move(challenger)), mode_(mode) {}

  std::string_view name() const override { return "bot"; }
  std::unique_ptr<pipeline::Stage> Create() const override;

  const Challenger& challenger() const { return *challenger_; }
  config::RouteBotConfig::Mode mode() const { return mode_; }

 private:
  std::shared_ptr<const Challenger> challenger_;
  config::RouteBotConfig::Mode mode_;
};

}  // namespace rampart::stages::bot
