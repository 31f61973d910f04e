#include "review/record_filter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipeline/findings.h"

namespace rampart::review {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kT0 = 1795468071123;  // 2026-11-23T21:07:51.123Z

AttackRecord Record() {
  AttackRecord r;
  r.time_ms = kT0;
  r.time = FormatRfc3339Ms(kT0);
  r.request_id = "4f1c9a0e";
  r.client_ip = "203.0.113.9";
  r.country = "DE";
  r.method = "GET";
  r.uri = "/search?q=1";
  r.route = "app";
  r.action = "blocked";
  r.status = 403;
  r.source = "waf";
  LoggedRule sqli;
  sqli.source = "waf";
  sqli.id = "942100";
  sqli.var = "ARGS:q";
  LoggedRule scanner;
  scanner.source = "signatures";
  scanner.id = "sig:scanner";
  r.rules = {sqli, scanner};
  return r;
}

CompiledFilter Compiled(const RecordFilter& filter) {
  auto compiled = CompiledFilter::Compile(filter);
  EXPECT_TRUE(compiled.ok()) << compiled.error().message;
  return compiled.ok() ? compiled.value() : CompiledFilter::Compile({}).value();
}

std::string CompileError(const RecordFilter& filter) {
  auto compiled = CompiledFilter::Compile(filter);
  return compiled.ok() ? "compiled" : compiled.error().message;
}

TEST(ReviewRecordFilter, AnEmptyFilterMatchesEveryRecord) {
  EXPECT_TRUE(Compiled({}).Matches(Record()));
  EXPECT_TRUE(Compiled({}).Matches(AttackRecord{}));
}

TEST(ReviewRecordFilter, TheTimeRangeIncludesItsStartAndExcludesItsEnd) {
  RecordFilter f;
  f.from_ms = kT0;
  f.to_ms = kT0 + 1;
  const CompiledFilter filter = Compiled(f);
  AttackRecord r = Record();
  EXPECT_TRUE(filter.Matches(r));
  r.time_ms = kT0 - 1;
  EXPECT_FALSE(filter.Matches(r));
  r.time_ms = kT0 + 1;
  EXPECT_FALSE(filter.Matches(r));

  RecordFilter only_from;
  only_from.from_ms = kT0;
  r.time_ms = kT0 + 86'400'000;
  EXPECT_TRUE(Compiled(only_from).Matches(r));
  RecordFilter only_to;
  only_to.to_ms = kT0;
  r.time_ms = kT0 - 86'400'000;
  EXPECT_TRUE(Compiled(only_to).Matches(r));
  r.time_ms = kT0;
  EXPECT_FALSE(Compiled(only_to).Matches(r));
}

TEST(ReviewRecordFilter, ARangeEndingBeforeItStartsIsRefused) {
  RecordFilter f;
  f.from_ms = kT0;
  f.to_ms = kT0 - 1;
  EXPECT_THAT(CompileError(f), HasSubstr("before it starts"));
  f.to_ms = kT0;  // empty, but not contradictory
  EXPECT_EQ(CompileError(f), "compiled");
  EXPECT_FALSE(Compiled(f).Matches(Record()));
}

TEST(ReviewRecordFilter, ClientMatchesAnIpv4AddressOrPrefix) {
  AttackRecord r = Record();
  for (const char* client : {"203.0.113.9", "203.0.113.0/24", "203.0.0.0/16", "0.0.0.0/0"}) {
    RecordFilter f;
    f.client = client;
    EXPECT_TRUE(Compiled(f).Matches(r)) << client;
  }
  for (const char* client : {"203.0.113.10", "203.0.112.0/24", "2001:db8::/32"}) {
    RecordFilter f;
    f.client = client;
    EXPECT_FALSE(Compiled(f).Matches(r)) << client;
  }
}

TEST(ReviewRecordFilter, ClientMatchesAnIpv6AddressOrPrefix) {
  AttackRecord r = Record();
  r.client_ip = "2001:db8:1:2::7";
  for (const char* client : {"2001:db8:1:2::7", "2001:db8:1::/48", "2001:db8::/32"}) {
    RecordFilter f;
    f.client = client;
    EXPECT_TRUE(Compiled(f).Matches(r)) << client;
  }
  for (const char* client : {"2001:db8:1:2::8", "2001:db8:2::/48", "203.0.113.0/24"}) {
    RecordFilter f;
    f.client = client;
    EXPECT_FALSE(Compiled(f).Matches(r)) << client;
  }
}

TEST(ReviewRecordFilter, ARecordWithoutAClientAddressMatchesNoClientCriterion) {
  AttackRecord r = Record();
  r.client_ip = "";
  RecordFilter f;
  f.client = "0.0.0.0/0";
  EXPECT_FALSE(Compiled(f).Matches(r));
}

TEST(ReviewRecordFilter, AClientThatIsNeitherAddressNorPrefixIsRefused) {
  for (const char* client : {"203.0.113", "example.com", "203.0.113.0/33", "2001:db8::/129"}) {
    RecordFilter f;
    f.client = client;
    EXPECT_THAT(CompileError(f), HasSubstr("client")) << client;
  }
}

TEST(ReviewRecordFilter, RouteIsExact) {
  RecordFilter f;
  f.route = "app";
  EXPECT_TRUE(Compiled(f).Matches(Record()));
  f.route = "ap";
  EXPECT_FALSE(Compiled(f).Matches(Record()));
  f.route = "App";
  EXPECT_FALSE(Compiled(f).Matches(Record()));
}

TEST(ReviewRecordFilter, RuleMatchesAnyOfTheRecordsRules) {
  RecordFilter f;
  f.rule = "942100";
  EXPECT_TRUE(Compiled(f).Matches(Record()));
  f.rule = "sig:scanner";
  EXPECT_TRUE(Compiled(f).Matches(Record()));
  f.rule = "9421";
  EXPECT_FALSE(Compiled(f).Matches(Record()));
}

TEST(ReviewRecordFilter, ActionIsExactAndMustBeKnown) {
  RecordFilter f;
  f.action = "blocked";
  EXPECT_TRUE(Compiled(f).Matches(Record()));
  f.action = "detected";
  EXPECT_FALSE(Compiled(f).Matches(Record()));
  f.action = "block";
  EXPECT_THAT(CompileError(f), HasSubstr("unknown action 'block'"));
}

TEST(ReviewRecordFilter, CountryIgnoresCase) {
  RecordFilter f;
  f.country = "de";
  EXPECT_TRUE(Compiled(f).Matches(Record()));
  f.country = "DE";
  EXPECT_TRUE(Compiled(f).Matches(Record()));
  f.country = "FR";
  EXPECT_FALSE(Compiled(f).Matches(Record()));
  AttackRecord unknown = Record();
  unknown.country = "";
  f.country = "de";
  EXPECT_FALSE(Compiled(f).Matches(unknown));
}

TEST(ReviewRecordFilter, SourceIsTheDecisiveOneOrThatOfAnyRule) {
  RecordFilter f;
  f.source = "waf";
  EXPECT_TRUE(Compiled(f).Matches(Record()));
  f.source = "signatures";  // only a rule's source
  EXPECT_TRUE(Compiled(f).Matches(Record()));
  f.source = "rate_limit";
  AttackRecord limited = Record();
  EXPECT_FALSE(Compiled(f).Matches(limited));
  limited.source = "rate_limit";  // only the decisive source
  limited.rules.clear();
  EXPECT_TRUE(Compiled(f).Matches(limited));
  f.source = "firewall";
  EXPECT_THAT(CompileError(f), HasSubstr("unknown source 'firewall'"));
}

TEST(ReviewRecordFilter, UriPrefixLooksAtThePathOnly) {
  RecordFilter f;
  f.uri_prefix = "/sea";
  EXPECT_TRUE(Compiled(f).Matches(Record()));
  f.uri_prefix = "/search";
  EXPECT_TRUE(Compiled(f).Matches(Record()));
  f.uri_prefix = "/search?q";  // the query is not part of the path
  EXPECT_FALSE(Compiled(f).Matches(Record()));
  f.uri_prefix = "/blog";
  EXPECT_FALSE(Compiled(f).Matches(Record()));
}

TEST(ReviewRecordFilter, RequestIdIsExact) {
  RecordFilter f;
  f.request_id = "4f1c9a0e";
  EXPECT_TRUE(Compiled(f).Matches(Record()));
  f.request_id = "4f1c";
  EXPECT_FALSE(Compiled(f).Matches(Record()));
}

TEST(ReviewRecordFilter, EveryCriterionMustHold) {
  RecordFilter f;
  f.from_ms = kT0 - 1000;
  f.to_ms = kT0 + 1000;
  f.client = "203.0.113.0/24";
  f.route = "app";
  f.rule = "942100";
  f.action = "blocked";
  f.country = "de";
  f.source = "signatures";
  f.uri_prefix = "/search";
  f.request_id = "4f1c9a0e";
  const CompiledFilter all = Compiled(f);
  EXPECT_TRUE(all.Matches(Record()));
  // Each field changed alone makes it fail.
  std::vector<AttackRecord> variants(10, Record());
  variants[0].time_ms = kT0 + 1000;
  variants[1].client_ip = "198.51.100.1";
  variants[2].route = "api";
  variants[3].rules[0].id = "941100";
  variants[4].action = "detected";
  variants[5].country = "FR";
  variants[6].rules[1].source = "bot";
  variants[7].uri = "/blog";
  variants[8].request_id = "other";
  variants[9].rules.clear();
  for (size_t i = 0; i < variants.size(); ++i) {
    EXPECT_FALSE(all.Matches(variants[i])) << "variant " << i;
  }
}

TEST(ReviewRecordFilter, TimeBoundsReadRfc3339DatesAndAges) {
  const int64_t now = kT0;
  EXPECT_EQ(ParseTimeBound("2026-11-23T20:00:00Z", now), 1795464000000);
  EXPECT_EQ(ParseTimeBound("2026-11-23T21:00:00+01:00", now), 1795464000000);
  EXPECT_EQ(ParseTimeBound("2026-11-23", now), 1795392000000);  // midnight UTC
  EXPECT_EQ(ParseTimeBound("30m", now), now - 30 * 60'000);
  EXPECT_EQ(ParseTimeBound("2h", now), now - 2 * 3'600'000);
  EXPECT_EQ(ParseTimeBound("7d", now), now - 7 * 86'400'000LL);
  EXPECT_EQ(ParseTimeBound("45s", now), now - 45'000);
  EXPECT_EQ(ParseTimeBound("0m", now), now);
  for (const char* text : {"", "yesterday", "5x", "-2h", "2 h", "d", "2026-02-30",
                           "2026-11-23T25:00:00Z", "1000000d"}) {
    EXPECT_EQ(ParseTimeBound(text, now), std::nullopt) << text;
  }
}

TEST(ReviewRecordFilter, NamesAreThoseTheLogWrites) {
  std::vector<std::string_view> verdicts;
  for (int v = 0; v < static_cast<int>(pipeline::Verdict::kCount); ++v) {
    verdicts.push_back(pipeline::VerdictName(static_cast<pipeline::Verdict>(v)));
  }
  EXPECT_THAT(ActionNames(), ::testing::UnorderedElementsAreArray(verdicts));
  std::vector<std::string_view> sources;
  for (int s = 0; s < static_cast<int>(pipeline::FindingSource::kCount); ++s) {
    sources.push_back(pipeline::FindingSourceName(static_cast<pipeline::FindingSource>(s)));
  }
  EXPECT_THAT(SourceNames(), ::testing::UnorderedElementsAreArray(sources));
}

}  // namespace
}  // namespace rampart::review
