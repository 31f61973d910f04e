#include "pipeline/findings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipeline/exchange.h"

namespace rampart::pipeline {
namespace {

using ::testing::ElementsAre;

RuleMatch Rule(FindingSource source, std::string id) {
  RuleMatch rule;
  rule.source = source;
  rule.id = std::move(id);
  return rule;
}

std::vector<std::string> Ids(const Findings& findings) {
  std::vector<std::string> ids;
  for (const auto& rule : findings.rules()) ids.push_back(rule.id);
  return ids;
}

TEST(FindingsTest, StartsEmpty) {
  const Findings findings;
  EXPECT_TRUE(findings.empty());
  EXPECT_EQ(findings.verdict(), Verdict::kDetected);
  EXPECT_EQ(findings.status(), 0);
  EXPECT_FALSE(findings.scores().has_value());
}

TEST(FindingsTest, RulesAloneAreADetectionByTheFirstRulesSource) {
  Findings findings;
  findings.AddRule(Rule(FindingSource::kSignatures, "sig-1"));
  findings.AddRule(Rule(FindingSource::kWaf, "942100"));
  EXPECT_FALSE(findings.empty());
  EXPECT_EQ(findings.verdict(), Verdict::kDetected);
  EXPECT_EQ(findings.source(), FindingSource::kSignatures);
  EXPECT_EQ(findings.status(), 0);
  EXPECT_THAT(Ids(findings), ElementsAre("sig-1", "942100"));
}

TEST(FindingsTest, AnActionWithoutRulesCounts) {
  Findings findings;
  findings.Act(FindingSource::kRateLimit, Verdict::kRateLimited, 429);
  EXPECT_FALSE(findings.empty());
  EXPECT_EQ(findings.verdict(), Verdict::kRateLimited);
  EXPECT_EQ(findings.source(), FindingSource::kRateLimit);
  EXPECT_EQ(findings.status(), 429);
}

TEST(FindingsTest, ScoresAloneDoNotMakeARecord) {
  Findings findings;
  findings.SetScores(0, 0);
  EXPECT_TRUE(findings.empty());
  ASSERT_TRUE(findings.scores().has_value());
  findings.SetScores(AnomalyScores{5, 4});  // the outbound score comes later
  EXPECT_EQ(findings.scores()->inbound, 5);
  EXPECT_EQ(findings.scores()->outbound, 4);
}

TEST(FindingsTest, TheStrongestActionDecides) {
  // Signatures detect, then the WAF blocks: the block is the decisive action, every rule stays.
  Findings findings;
  findings.AddRule(Rule(FindingSource::kSignatures, "sig-1"));
  findings.Act(FindingSource::kSignatures, Verdict::kDetected);
  findings.AddRule(Rule(FindingSource::kWaf, "942100"));
  findings.Act(FindingSource::kWaf, Verdict::kBlocked, 403);
  EXPECT_EQ(findings.verdict(), Verdict::kBlocked);
  EXPECT_EQ(findings.source(), FindingSource::kWaf);
  EXPECT_EQ(findings.status(), 403);
  EXPECT_THAT(Ids(findings), ElementsAre("sig-1", "942100"));
  // A weaker action afterwards does not replace it.
  findings.Act(FindingSource::kBot, Verdict::kChallenged, 200);
  EXPECT_EQ(findings.verdict(), Verdict::kBlocked);
  EXPECT_EQ(findings.source(), FindingSource::kWaf);
  EXPECT_EQ(findings.status(), 403);
}

TEST(FindingsTest, OnATieTheFirstStays) {
  Findings findings;
  findings.Act(FindingSource::kIpReputation, Verdict::kBlocked, 403);
  findings.Act(FindingSource::kWaf, Verdict::kBlocked, 406);
  EXPECT_EQ(findings.source(), FindingSource::kIpReputation);
  EXPECT_EQ(findings.status(), 403);
}

TEST(FindingsTest, VerdictsRankFromDetectedToBlocked) {
  EXPECT_LT(Verdict::kDetected, Verdict::kChallenged);
  EXPECT_LT(Verdict::kChallenged, Verdict::kRateLimited);
  EXPECT_LT(Verdict::kRateLimited, Verdict::kBlocked);
}

TEST(FindingsTest, Names) {
  EXPECT_EQ(VerdictName(Verdict::kDetected), "detected");
  EXPECT_EQ(VerdictName(Verdict::kChallenged), "challenged");
  EXPECT_EQ(VerdictName(Verdict::kRateLimited), "rate_limited");
  EXPECT_EQ(VerdictName(Verdict::kBlocked), "blocked");
  EXPECT_EQ(FindingSourceName(FindingSource::kWaf), "waf");
  EXPECT_EQ(FindingSourceName(FindingSource::kSignatures), "signatures");
  EXPECT_EQ(FindingSourceName(FindingSource::kIpReputation), "ip_reputation");
  EXPECT_EQ(FindingSourceName(FindingSource::kGeoip), "geoip");
  EXPECT_EQ(FindingSourceName(FindingSource::kRateLimit), "rate_limit");
  EXPECT_EQ(FindingSourceName(FindingSource::kAuth), "auth");
  EXPECT_EQ(FindingSourceName(FindingSource::kBot), "bot");
}

TEST(FindingsTest, TheExchangeCarriesThem) {
  Exchange ex(ClientInfo{"192.0.2.1", 1, false});
  EXPECT_TRUE(ex.findings().empty());
  ex.findings().AddRule(Rule(FindingSource::kWaf, "920350"));
  const Exchange& view = ex;
  EXPECT_THAT(Ids(view.findings()), ElementsAre("920350"));
}

TEST(ExchangeReceivedHeadersTest, TheCurrentHeadersUntilACopyIsKept) {
  Exchange ex(ClientInfo{"192.0.2.1", 1, false});
  ex.request().headers.Add("Host", "example.com");
  EXPECT_EQ(&ex.received_headers(), &ex.request().headers);
  ex.KeepReceivedHeaders();
  ex.request().headers.Set("Host", "10.0.0.1:9000");  // the proxy's edits come after
  ex.request().headers.Add("X-Forwarded-For", "192.0.2.1");
  ASSERT_EQ(ex.received_headers().size(), 1u);
  EXPECT_EQ(ex.received_headers().fields()[0].value, "example.com");
}

}  // namespace
}  // namespace rampart::pipeline
