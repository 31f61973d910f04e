// The ip_reputation stage driven through the chain runner: allow and deny lists, bans from the
// in-process store, and the strikes that make bans.

#include "stages/ip_reputation/ip_reputation_stage.h"

#include <gtest/gtest.h>

#include <chrono>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/chain.h"
#include "pipeline/exchange.h"
#include "state/store.h"

namespace rampart::stages::ip_reputation {
namespace {

using pipeline::ChainResult;
using pipeline::FindingSource;
using pipeline::Verdict;

std::shared_ptr<const IpLists> MakeLists(std::initializer_list<const char*> allow,
                                         std::initializer_list<const char*> deny) {
  net::IpRangeSet::Builder a;
  for (const char* cidr : allow) EXPECT_TRUE(a.Add(cidr).ok()) << cidr;
  net::IpRangeSet::Builder d;
  for (const char* cidr : deny) EXPECT_TRUE(d.Add(cidr).ok()) << cidr;
  auto lists = std::make_shared<IpLists>();
  lists->allow = a.Build();
  lists->deny = d.Build();
  return lists;
}

std::shared_ptr<state::Store> MakeStore() {
  return std::make_shared<state::Store>(state::StoreOptions{}, nullptr);
}

IpReputationSettings Settings(std::string route, state::StrikePolicy strikes) {
  IpReputationSettings settings;
  settings.route_name = std::move(route);
  settings.strikes = strikes;
  return settings;
}

pipeline::Chain MakeChain(std::shared_ptr<const IpLists> lists, std::shared_ptr<state::Store> store,
                          std::optional<state::StrikePolicy> strikes = std::nullopt) {
  IpReputationSettings settings;
  settings.route_name = "api";
  settings.strikes = strikes;
  settings.block_page = "<p>blocked {{request_id}}</p>";
  return pipeline::Chain({std::make_shared<IpReputationStageFactory>(
      std::move(lists), std::move(store), std::move(settings))});
}

pipeline::Exchange MakeExchange(std::string ip) {
  pipeline::Exchange ex(pipeline::ClientInfo{ip, 40000, false, ip});
  ex.set_request_id("req-7");
  ex.set_route_name("api");
  ex.request().method = "GET";
  ex.request().target = "/";
  return ex;
}

// One exchange through the chain; `other` is what a later stage did about it (if anything).
struct Outcome {
  ChainResult result;
  pipeline::Exchange ex;
};

Outcome RunOne(const pipeline::Chain& chain, const std::string& ip,
               std::optional<std::pair<FindingSource, Verdict>> later = std::nullopt) {
  pipeline::ChainRun run(chain);
  Outcome out{ChainResult::kContinue, MakeExchange(ip)};
  out.result = run.RunRequestHeaders(out.ex);
  if (later && out.result == ChainResult::kContinue) {
    out.ex.findings().Act(later->first, later->second, 403);
  }
  run.Complete(out.ex);
  return out;
}

void AddBan(state::Store& store, const std::string& ip, std::string reason,
            std::chrono::seconds from_now = std::chrono::hours(1)) {
  store.AddBan(state::Ban{ip, std::chrono::system_clock::now() + from_now, std::move(reason)});
}

TEST(IpReputationStageTest, NameAndFlags) {
  IpReputationStageFactory factory(MakeLists({}, {}), MakeStore(), {});
  EXPECT_EQ(factory.name(), "ip_reputation");
  EXPECT_FALSE(factory.NeedsReceivedHeaders());
  EXPECT_FALSE(factory.InspectsRequestBody());
  EXPECT_FALSE(factory.InspectsResponseBody());
}

TEST(IpReputationStageTest, CleanClientContinuesUntouched) {
  const auto chain = MakeChain(MakeLists({"10.0.0.0/8"}, {"203.0.113.0/24"}), MakeStore());
  Outcome out = RunOne(chain, "192.0.2.7");
  EXPECT_EQ(out.result, ChainResult::kContinue);
  EXPECT_FALSE(out.ex.allowlisted());
  EXPECT_FALSE(out.ex.local_reply().has_value());
  EXPECT_TRUE(out.ex.findings().empty());
}

TEST(IpReputationStageTest, AllowListBeatsDenyListAndBans) {
  auto store = MakeStore();
  AddBan(*store, "192.0.2.7", "admin");
  const auto chain = MakeChain(MakeLists({"192.0.2.0/28"}, {"192.0.2.0/24"}), store);
  Outcome out = RunOne(chain, "192.0.2.7");
  EXPECT_EQ(out.result, ChainResult::kContinue);
  EXPECT_TRUE(out.ex.allowlisted());
  EXPECT_FALSE(out.ex.local_reply().has_value());
  EXPECT_TRUE(out.ex.findings().empty());
  // Outside the allowed /28 the deny list holds.
  EXPECT_EQ(RunOne(chain, "192.0.2.77").result, ChainResult::kRespond);
}

TEST(IpReputationStageTest, DenyListAnswers403WithFindings) {
  const auto chain = MakeChain(MakeLists({}, {"203.0.113.0/24", "2001:db8:bad::/48"}), MakeStore());
  Outcome out = RunOne(chain, "203.0.113.9");
  ASSERT_EQ(out.result, ChainResult::kRespond);
  ASSERT_TRUE(out.ex.local_reply().has_value());
  EXPECT_EQ(out.ex.local_reply()->status, 403);
  EXPECT_EQ(out.ex.local_reply()->body, "<p>blocked req-7</p>");
  EXPECT_FALSE(out.ex.allowlisted());
  ASSERT_EQ(out.ex.findings().rules().size(), 1u);
  const pipeline::RuleMatch& rule = out.ex.findings().rules()[0];
  EXPECT_EQ(rule.source, FindingSource::kIpReputation);
  EXPECT_EQ(rule.id, "deny_list");
  EXPECT_EQ(rule.msg, "client address is on the deny list");
  EXPECT_EQ(rule.data, "203.0.113.9");
  EXPECT_EQ(out.ex.findings().verdict(), Verdict::kBlocked);
  EXPECT_EQ(out.ex.findings().source(), FindingSource::kIpReputation);
  EXPECT_EQ(out.ex.findings().status(), 403);

  Outcome v6 = RunOne(chain, "2001:db8:bad::1");
  EXPECT_EQ(v6.result, ChainResult::kRespond);
  EXPECT_EQ(v6.ex.findings().rules().at(0).data, "2001:db8:bad::1");
  EXPECT_EQ(RunOne(chain, "2001:db8:beef::1").result, ChainResult::kContinue);
}

// deny_action: challenge with the route's challenger: a listed client gets the challenge page,
// and once cleared (here: allow-listed by nobody, but holding a clearance) goes on.
TEST(IpReputationStageTest, DenyListChallengesWithAChallenger) {
  auto ring = std::make_shared<bot::BotKeyRing>();
  auto keys = std::make_shared<rampart::bot::BotKeys>();
  keys->period = 1;
  keys->current = std::string(32, 'k');
  ring->Set(keys);
  bot::ChallengeSettings challenge;
  challenge.page = std::make_shared<const std::string>("{{challenge}} {{difficulty}}");
  auto challenger = std::make_shared<bot::Challenger>(challenge, ring, nullptr, nullptr);
  IpReputationSettings settings;
  settings.route_name = "api";
  settings.deny_action = config::DenyAction::kChallenge;
  settings.challenger = challenger;
  const pipeline::Chain chain({std::make_shared<IpReputationStageFactory>(
      MakeLists({}, {"203.0.113.0/24"}), MakeStore(), std::move(settings))});
  Outcome out = RunOne(chain, "203.0.113.9");
  ASSERT_EQ(out.result, ChainResult::kRespond);
  EXPECT_EQ(out.ex.local_reply()->status, 403);
  EXPECT_EQ(out.ex.findings().verdict(), Verdict::kChallenged);
  EXPECT_EQ(out.ex.findings().source(), FindingSource::kIpReputation);
  EXPECT_NE(out.ex.local_reply()->body.find(" 20"), std::string::npos);  // the page, filled
  // Without a challenger the deny list blocks, whatever deny_action says.
  IpReputationSettings no_challenger;
  no_challenger.deny_action = config::DenyAction::kChallenge;
  const pipeline::Chain blocking({std::make_shared<IpReputationStageFactory>(
      MakeLists({}, {"203.0.113.0/24"}), MakeStore(), std::move(no_challenger))});
  EXPECT_EQ(RunOne(blocking, "203.0.113.9").ex.findings().verdict(), Verdict::kBlocked);
}

TEST(IpReputationStageTest, Ipv4MappedClientMatchesIpv4Lists) {
  const auto chain = MakeChain(MakeLists({}, {"203.0.113.0/24"}), MakeStore());
  Outcome out = RunOne(chain, "::ffff:203.0.113.9");
  ASSERT_EQ(out.result, ChainResult::kRespond);
  EXPECT_EQ(out.ex.findings().rules().at(0).data, "203.0.113.9");
}

TEST(IpReputationStageTest, BanInForceAnswers403WithItsReason) {
  auto store = MakeStore();
  AddBan(*store, "192.0.2.7", "too many login failures");
  AddBan(*store, "2001:db8::7", "admin");
  const auto chain = MakeChain(MakeLists({}, {}), store);
  Outcome out = RunOne(chain, "192.0.2.7");
  ASSERT_EQ(out.result, ChainResult::kRespond);
  EXPECT_EQ(out.ex.local_reply()->status, 403);
  ASSERT_EQ(out.ex.findings().rules().size(), 1u);
  EXPECT_EQ(out.ex.findings().rules()[0].id, "ban");
  EXPECT_EQ(out.ex.findings().rules()[0].msg, "too many login failures");
  EXPECT_EQ(out.ex.findings().rules()[0].data, "192.0.2.7");
  EXPECT_EQ(out.ex.findings().verdict(), Verdict::kBlocked);
  EXPECT_EQ(out.ex.findings().source(), FindingSource::kIpReputation);
  // The same client over an IPv4-mapped address is the same client.
  EXPECT_EQ(RunOne(chain, "::ffff:192.0.2.7").result, ChainResult::kRespond);
  EXPECT_EQ(RunOne(chain, "2001:db8::7").result, ChainResult::kRespond);
  EXPECT_EQ(RunOne(chain, "192.0.2.8").result, ChainResult::kContinue);
}

TEST(IpReputationStageTest, ExpiredBanDoesNotBlock) {
  auto store = MakeStore();
  AddBan(*store, "192.0.2.7", "old", std::chrono::seconds(-5));
  const auto chain = MakeChain(MakeLists({}, {}), store);
  EXPECT_EQ(RunOne(chain, "192.0.2.7").result, ChainResult::kContinue);
}

TEST(IpReputationStageTest, WithoutListsOrStoreEverythingPasses) {
  const pipeline::Chain chain({std::make_shared<IpReputationStageFactory>(
      nullptr, nullptr, Settings("api", state::StrikePolicy{1}))});
  Outcome out = RunOne(chain, "192.0.2.7", std::make_pair(FindingSource::kWaf, Verdict::kBlocked));
  EXPECT_EQ(out.result, ChainResult::kContinue);
  EXPECT_EQ(RunOne(chain, "192.0.2.7").result, ChainResult::kContinue);
}

TEST(IpReputationStageTest, UnparsableClientAddressContinues) {
  auto store = MakeStore();
  const auto chain = MakeChain(MakeLists({}, {"0.0.0.0/0", "::/0"}), store, state::StrikePolicy{1});
  EXPECT_EQ(RunOne(chain, "").result, ChainResult::kContinue);
  EXPECT_EQ(
      RunOne(chain, "not-an-ip", std::make_pair(FindingSource::kWaf, Verdict::kBlocked)).result,
      ChainResult::kContinue);
  EXPECT_EQ(store->ban_count(), 0u);
}

state::StrikePolicy ThreeStrikes() {
  return state::StrikePolicy{3, std::chrono::seconds(60), std::chrono::minutes(10)};
}

TEST(IpReputationStageTest, StrikesAfterThresholdBlockedExchangesBanTheClient) {
  auto store = MakeStore();
  const auto chain = MakeChain(MakeLists({}, {}), store, ThreeStrikes());
  const auto waf_block = std::make_pair(FindingSource::kWaf, Verdict::kBlocked);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(RunOne(chain, "192.0.2.7", waf_block).result, ChainResult::kContinue);
    EXPECT_FALSE(store->FindBan("192.0.2.7", std::chrono::system_clock::now()).has_value());
  }
  // A challenge counts as well.
  EXPECT_EQ(RunOne(chain, "192.0.2.7", std::make_pair(FindingSource::kGeoip, Verdict::kChallenged))
                .result,
            ChainResult::kContinue);
  const auto ban = store->FindBan("192.0.2.7", std::chrono::system_clock::now());
  ASSERT_TRUE(ban.has_value());
  EXPECT_EQ(ban->reason, "3 blocked or challenged requests within 60s (route api)");
  EXPECT_GT(ban->expires, std::chrono::system_clock::now() + std::chrono::minutes(9));

  Outcome out = RunOne(chain, "192.0.2.7");
  ASSERT_EQ(out.result, ChainResult::kRespond);
  EXPECT_EQ(out.ex.findings().rules().at(0).id, "ban");
  EXPECT_EQ(out.ex.findings().rules().at(0).msg,
            "3 blocked or challenged requests within 60s (route api)");
  // Other clients are not touched.
  EXPECT_EQ(RunOne(chain, "192.0.2.8").result, ChainResult::kContinue);
}

TEST(IpReputationStageTest, StrikeReasonNamesMillisecondWindows) {
  IpReputationStageFactory factory(
      nullptr, MakeStore(),
      Settings("login",
               state::StrikePolicy{5, std::chrono::milliseconds(1500), std::chrono::minutes(1)}));
  EXPECT_EQ(factory.strike_reason(),
            "5 blocked or challenged requests within 1500ms (route login)");
}

TEST(IpReputationStageTest, StrikesOnIpv4MappedAddressesBanTheIpv4Address) {
  auto store = MakeStore();
  const auto chain = MakeChain(MakeLists({}, {}), store, ThreeStrikes());
  for (int i = 0; i < 3; ++i) {
    RunOne(chain, "::ffff:192.0.2.9",
           std::make_pair(FindingSource::kSignatures, Verdict::kBlocked));
  }
  EXPECT_TRUE(store->FindBan("192.0.2.9", std::chrono::system_clock::now()).has_value());
}

TEST(IpReputationStageTest, WhatMakesNoStrike) {
  auto store = MakeStore();
  const auto chain =
      MakeChain(MakeLists({"198.51.100.0/24"}, {"203.0.113.0/24"}), store, ThreeStrikes());
  for (int i = 0; i < 5; ++i) {
    // Allow-listed clients: whatever a later stage recorded.
    RunOne(chain, "198.51.100.1", std::make_pair(FindingSource::kWaf, Verdict::kBlocked));
    // Our own blocks (the deny list).
    EXPECT_EQ(RunOne(chain, "203.0.113.1").result, ChainResult::kRespond);
    // 429s, detections, and the 503 of a rate limit whose shared state is down.
    RunOne(chain, "192.0.2.1", std::make_pair(FindingSource::kRateLimit, Verdict::kRateLimited));
    RunOne(chain, "192.0.2.2", std::make_pair(FindingSource::kWaf, Verdict::kDetected));
    RunOne(chain, "192.0.2.3", std::make_pair(FindingSource::kRateLimit, Verdict::kBlocked));
    RunOne(chain, "192.0.2.4");
  }
  EXPECT_EQ(store->ban_count(), 0u);

  // A route without a strike policy makes none either.
  const auto no_strikes = MakeChain(MakeLists({}, {}), store);
  for (int i = 0; i < 5; ++i) {
    RunOne(no_strikes, "192.0.2.5", std::make_pair(FindingSource::kWaf, Verdict::kBlocked));
  }
  EXPECT_EQ(store->ban_count(), 0u);
}

TEST(IpReputationStageTest, BansHoldOnEveryRouteSharingTheStore) {
  auto store = MakeStore();
  const auto api = MakeChain(MakeLists({}, {}), store, ThreeStrikes());
  const auto web = MakeChain(MakeLists({}, {}), store);
  for (int i = 0; i < 3; ++i) {
    RunOne(api, "192.0.2.7", std::make_pair(FindingSource::kWaf, Verdict::kBlocked));
  }
  EXPECT_EQ(RunOne(web, "192.0.2.7").result, ChainResult::kRespond);
}

}  // namespace
}  // namespace rampart::stages::ip_reputation
