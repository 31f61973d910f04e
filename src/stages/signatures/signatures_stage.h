#pragma once
// The signatures stage: each request of a route scanned against the loaded signature packs
// (src/signatures/, Hyperscan) before the waf stage. Parts are normalised once and scanned value
// by value; what matched goes into the exchange's findings (source "signatures"). A `block`
// signature, or a score sum at the route's block_score, answers with the block page; a
// `challenge` one (or challenge_score) does the same until the bot stage exists; `log` only
// records.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "pipeline/stage.h"
#include "signatures/database.h"
#include "stages/bot/challenger.h"

namespace rampart::stages::signatures {

struct RouteSettings {
  std::string route_name;
  uint32_t challenge_score = 0;  // 0: scores never challenge
  uint32_t block_score = 0;      // 0: scores never block
  uint64_t body_limit = 64 * 1024;
  std::string block_page;  // template; empty: the WAF's default page
  // The route's challenger; null: a challenge answers like a block (bot.challenge off).
  std::shared_ptr<const bot::Challenger> challenger;
};

class SignaturesStageFactory final : public pipeline::StageFactory {
 public:
  SignaturesStageFactory(std::shared_ptr<const rampart::signatures::Database> database,
                         RouteSettings settings);

  std::string_view name() const override { return "signatures"; }
  std::unique_ptr<pipeline::Stage> Create() const override;
  bool InspectsRequestBody() const override { return reads_body_; }
  uint64_t RequestBodyBufferLimit() const override { return settings_.body_limit; }

  const rampart::signatures::Database& database() const { return *database_; }
  const RouteSettings& settings() const { return settings_; }

 private:
  std::shared_ptr<const rampart::signatures::Database> database_;
  RouteSettings settings_;
  bool reads_body_ = false;  // some signature looks at the body or at form arguments
};

}  // namespace rampart::stages::signatures
