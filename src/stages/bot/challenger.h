#pragma once
// Challenger: how a route challenges a client, shared by every stage of the route that may (the
// bot stage itself, and geoip, rate_limit and signatures when their action is `challenge`).
// Built once per route from the configuration; immutable; used by all workers.
//
// A client is cleared when it is a verified good bot, or presents a valid clearance cookie
// (bound to its IP prefix and user-agent); the answer is kept on the exchange (Exchange::bot()),
// so a request is checked once however many stages ask. An uncleared client gets the challenge
// page: 403, no-store, a fresh challenge token and a no-JavaScript wait ticket.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "bot/good_bots.h"
#include "bot/tokens.h"
#include "pipeline/exchange.h"
#include "pipeline/findings.h"
#include "pipeline/stage.h"
#include "stages/bot/bot_counters.h"
#include "stages/bot/bot_key_ring.h"

namespace rampart::stages::bot {

struct ChallengeSettings {
  uint32_t difficulty = 20;
  std::chrono::seconds clearance_ttl{3600};
  std::chrono::seconds challenge_ttl{300};
  std::chrono::seconds nojs_delay{10};
  uint32_t prefix_v4 = 24;
  uint32_t prefix_v6 = 64;
  std::string cookie = "rampart_clearance";
  std::shared_ptr<const std::string> page;  // the template (bot/challenge_page.h)
};

// The query parameter of the no-JavaScript fallback's URL, and the headers of a page's answer.
inline constexpr std::string_view kWaitParam = "rampart_wait";
inline constexpr std::string_view kAnswerHeader = "X-Rampart-Challenge";
inline constexpr std::string_view kNonceHeader = "X-Rampart-Nonce";
inline constexpr std::string_view kElapsedHeader = "X-Rampart-Elapsed";

class Challenger {
 public:
  // `good_bots` may be null (none).
  Challenger(ChallengeSettings settings, std::shared_ptr<const BotKeyRing> keys,
             std::shared_ptr<const rampart::bot::GoodBots> good_bots,
             std::shared_ptr<BotCounters> counters);

  // Whether the client may pass without a challenge (cached on the exchange).
  bool Cleared(pipeline::Exchange& ex) const;
  // A challenge page's answer (a POST with X-Rampart-Challenge) or a no-JavaScript return
  // (?rampart_wait=): checked, and answered (204 or 303 with the cookie, or 403); nullopt for
  // any other request.
  std::optional<pipeline::Action> TakeAnswer(pipeline::Exchange& ex) const;
  // Answers with the challenge page: records `reason` under `source`, counts it. An answer to
  // an earlier challenge is taken instead (TakeAnswer).
  pipeline::Action Challenge(pipeline::Exchange& ex, pipeline::FindingSource source,
                             const std::string& reason) const;

  // What tokens bind for this client.
  rampart::bot::ClientBinding Binding(const pipeline::Exchange& ex) const;
  // The keys now; null before the first ones are known.
  std::shared_ptr<const rampart::bot::BotKeys> keys() const { return keys_->Get(); }
  // The Set-Cookie value of a new clearance for `ex`'s client.
  std::string ClearanceCookie(const pipeline::Exchange& ex,
                              const rampart::bot::BotKeys& key_set) const;

  const ChallengeSettings& settings() const { return settings_; }
  BotCounters& counters() const { return *counters_; }

 private:
  pipeline::Action TakeAnswerOf(pipeline::Exchange& ex) const;
  pipeline::Action TakeWait(pipeline::Exchange& ex,
                            const std::pair<std::string, std::string>& split) const;
  pipeline::Action Fail(pipeline::Exchange& ex, rampart::bot::TokenStatus status,
                        const std::string& what) const;

  ChallengeSettings settings_;
  std::shared_ptr<const BotKeyRing> keys_;
  std::shared_ptr<const rampart::bot::GoodBots> good_bots_;
  std::shared_ptr<BotCounters> counters_;
};

// Seconds since the epoch.
uint64_t UnixNow();

}  // namespace rampart::stages::bot
