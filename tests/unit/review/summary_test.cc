#include "review/summary.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/json.h"

namespace rampart::review {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kMinute = 60'000;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kT0 = 1795467600000;  // 2026-11-23T21:00:00.000Z, a whole hour

struct RuleSpec {
  std::string id;
  std::string var;
  std::string msg;
};

AttackRecord Record(int64_t time_ms, std::string action, std::string ip,
                    std::vector<RuleSpec> rules, std::string uri = "/", std::string country = "",
                    std::string source = "waf") {
  AttackRecord r;
  r.time_ms = time_ms;
  r.time = FormatRfc3339Ms(time_ms);
  r.action = std::move(action);
  r.client_ip = std::move(ip);
  r.uri = std::move(uri);
  r.country = std::move(country);
  r.source = std::move(source);
  for (RuleSpec& spec : rules) {
    LoggedRule rule;
    rule.source = "waf";
    rule.id = std::move(spec.id);
    rule.var = std::move(spec.var);
    rule.msg = spec.msg.empty() ? "rule " + rule.id : std::move(spec.msg);
    r.rules.push_back(std::move(rule));
  }
  return r;
}

// key:count pairs, for compact assertions.
std::vector<std::string> Counts(const std::vector<CountedKey>& list) {
  std::vector<std::string> out;
  for (const CountedKey& entry : list) out.push_back(entry.key + ":" + std::to_string(entry.count));
  return out;
}

std::vector<AttackRecord> SampleRecords() {
  return {
      Record(kT0 + 5'000, "blocked", "203.0.113.9",
             {{"942100", "ARGS:q", "SQL Injection"},
              {"942100", "ARGS:id", "SQL again"},
              {"949110", "TX:ANOMALY_SCORE", ""}},
             "/search?q=1", "DE"),
      Record(kT0 + 65'000, "blocked", "203.0.113.9",
             {{"942100", "ARGS:q", "other msg"}, {"949110", "TX:ANOMALY_SCORE", ""}}, "/search?q=2",
             "de"),
      Record(kT0 + 3 * kMinute, "detected", "198.51.100.4", {{"941100", "ARGS:q", "XSS"}},
             "/blog/post?x=1", ""),
      Record(kT0 + 3 * kMinute + 59'999, "rate_limited", "2001:db8::1", {}, "/api", "FR",
             "rate_limit"),
  };
}

TEST(ReviewSummary, CountsActionsAndSourcesMostFirst) {
  const Summary s = Summarize(SampleRecords());
  EXPECT_EQ(s.total, 4u);
  EXPECT_THAT(Counts(s.by_action), ElementsAre("blocked:2", "detected:1", "rate_limited:1"));
  EXPECT_THAT(Counts(s.by_source), ElementsAre("waf:3", "rate_limit:1"));
}

TEST(ReviewSummary, ARecordCountsOncePerDistinctKey) {
  const Summary s = Summarize(SampleRecords());
  // 942100 matched twice in the first record: once for it. The outcome rule 949110 and its
  // TX:ANOMALY_SCORE are in the records but in neither list.
  EXPECT_THAT(Counts(s.top_rules), ElementsAre("942100:2", "941100:1"));
  EXPECT_THAT(Counts(s.top_params), ElementsAre("ARGS:q:3", "ARGS:id:1"));
}

TEST(ReviewSummary, ARulesLabelIsTheMessageOfItsFirstRecord) {
  const Summary s = Summarize(SampleRecords());
  ASSERT_EQ(s.top_rules.size(), 2u);
  EXPECT_EQ(s.top_rules[0].label, "SQL Injection");
  EXPECT_EQ(s.top_rules[1].label, "XSS");
  for (const CountedKey& uri : s.top_uris) EXPECT_EQ(uri.label, "");
}

TEST(ReviewSummary, UrisArePathsAndCountriesLeaveOutTheUnknown) {
  const Summary s = Summarize(SampleRecords());
  EXPECT_THAT(Counts(s.top_uris), ElementsAre("/search:2", "/api:1", "/blog/post:1"));
  EXPECT_THAT(Counts(s.top_ips), ElementsAre("203.0.113.9:2", "198.51.100.4:1", "2001:db8::1:1"));
  // Countries are counted as logged ("de" and "DE" are what the log says).
  EXPECT_THAT(Counts(s.top_countries), ElementsAre("DE:1", "FR:1", "de:1"));
}

TEST(ReviewSummary, TopListsKeepTheFirstNAndBreakTiesByKey) {
  std::vector<AttackRecord> records;
  for (const char* ip : {"10.0.0.3", "10.0.0.1", "10.0.0.2", "10.0.0.9", "10.0.0.9"}) {
    records.push_back(Record(kT0, "blocked", ip, {}));
  }
  SummaryOptions options;
  options.top = 3;
  const Summary s = Summarize(records, options);
  EXPECT_THAT(Counts(s.top_ips), ElementsAre("10.0.0.9:2", "10.0.0.1:1", "10.0.0.2:1"));
}

TEST(ReviewSummary, BucketsAreAlignedContiguousAndCountBlocked) {
  SummaryOptions options;
  options.bucket_ms = kMinute;
  const Summary s = Summarize(SampleRecords(), options);
  EXPECT_EQ(s.bucket_ms, kMinute);
  ASSERT_EQ(s.buckets.size(), 4u);  // 21:00 to 21:03, the empty 21:02 included
  for (size_t i = 0; i < s.buckets.size(); ++i) {
    EXPECT_EQ(s.buckets[i].start_ms, kT0 + static_cast<int64_t>(i) * kMinute);
  }
  EXPECT_EQ(s.buckets[0].count, 1u);
  EXPECT_EQ(s.buckets[0].blocked, 1u);
  EXPECT_EQ(s.buckets[1].count, 1u);
  EXPECT_EQ(s.buckets[1].blocked, 1u);
  EXPECT_EQ(s.buckets[2].count, 0u);
  EXPECT_EQ(s.buckets[3].count, 2u);  // 21:03:00.000 and 21:03:59.999
  EXPECT_EQ(s.buckets[3].blocked, 0u);
}

TEST(ReviewSummary, BucketsStartAtMultiplesOfTheirWidth) {
  SummaryOptions options;
  options.bucket_ms = 5 * kMinute;
  // 21:07:51 and 21:16:00: buckets 21:05 and 21:10 and 21:15.
  const Summary s = Summarize({Record(kT0 + 7 * kMinute + 51'123, "blocked", "10.0.0.1", {}),
                               Record(kT0 + 16 * kMinute, "detected", "10.0.0.1", {})},
                              options);
  ASSERT_EQ(s.buckets.size(), 3u);
  EXPECT_EQ(s.buckets[0].start_ms, kT0 + 5 * kMinute);
  EXPECT_EQ(s.buckets[2].start_ms, kT0 + 15 * kMinute);
  EXPECT_EQ(s.buckets[0].count + s.buckets[1].count + s.buckets[2].count, 2u);
}

TEST(ReviewSummary, RecordsNeedNotBeInTimeOrder) {
  SummaryOptions options;
  options.bucket_ms = kMinute;
  const Summary s = Summarize({Record(kT0 + 2 * kMinute, "blocked", "10.0.0.1", {}),
                               Record(kT0, "blocked", "10.0.0.1", {})},
                              options);
  ASSERT_EQ(s.buckets.size(), 3u);
  EXPECT_EQ(s.buckets[0].start_ms, kT0);
  EXPECT_EQ(s.buckets[0].count, 1u);
  EXPECT_EQ(s.buckets[2].count, 1u);
}

TEST(ReviewSummary, TheIntervalIsChosenFromTheSpan) {
  const auto width_for = [](int64_t span) {
    return Summarize({Record(kT0, "blocked", "10.0.0.1", {}),
                      Record(kT0 + span, "blocked", "10.0.0.1", {})})
        .bucket_ms;
  };
  EXPECT_EQ(width_for(0), kMinute);
  EXPECT_EQ(width_for(30 * kMinute), kMinute);
  EXPECT_EQ(width_for(60 * kMinute), kMinute);
  EXPECT_EQ(width_for(3 * kHour), 5 * kMinute);
  EXPECT_EQ(width_for(12 * kHour), 15 * kMinute);
  EXPECT_EQ(width_for(2 * kDay), kHour);
  EXPECT_EQ(width_for(10 * kDay), 6 * kHour);
  EXPECT_EQ(width_for(30 * kDay), kDay);
  EXPECT_EQ(width_for(100 * kDay), 2 * kDay);
  const Summary year = Summarize({Record(kT0, "blocked", "10.0.0.1", {}),
                                  Record(kT0 + 365 * kDay, "blocked", "10.0.0.1", {})});
  EXPECT_LE(year.buckets.size(), 62u);
}

TEST(ReviewSummary, AnIntervalTooFineForTheSpanIsWidened) {
  SummaryOptions options;
  options.bucket_ms = 1000;
  const Summary s = Summarize(
      {Record(kT0, "blocked", "10.0.0.1", {}), Record(kT0 + 365 * kDay, "blocked", "10.0.0.1", {})},
      options);
  EXPECT_LE(s.buckets.size(), 10'001u);
  EXPECT_EQ(s.bucket_ms % 1000, 0);
  EXPECT_EQ(s.buckets.front().count + s.buckets.back().count, 2u);
}

TEST(ReviewSummary, SeriesFollowTheTopRulesBucketByBucket) {
  SummaryOptions options;
  options.bucket_ms = kMinute;
  const Summary s = Summarize(SampleRecords(), options);
  ASSERT_EQ(s.rule_series.size(), 2u);
  EXPECT_EQ(s.rule_series[0].rule, "942100");
  EXPECT_THAT(s.rule_series[0].counts, ElementsAre(1u, 1u, 0u, 0u));
  EXPECT_EQ(s.rule_series[1].rule, "941100");
  EXPECT_THAT(s.rule_series[1].counts, ElementsAre(0u, 0u, 0u, 1u));
}

TEST(ReviewSummary, OnlyTheFirstFiveTopRulesGetASeries) {
  std::vector<AttackRecord> records;
  for (int rule = 0; rule < 7; ++rule) {
    for (int n = 0; n <= rule; ++n) {  // rule 6 is the most frequent
      records.push_back(Record(kT0 + n * kMinute, "blocked", "10.0.0.1",
                               {{std::to_string(942100 + rule), "ARGS:a", ""}}));
    }
  }
  const Summary s = Summarize(records);
  ASSERT_EQ(s.top_rules.size(), 7u);
  ASSERT_EQ(s.rule_series.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(s.rule_series[i].rule, s.top_rules[i].key);
    EXPECT_EQ(s.rule_series[i].counts.size(), s.buckets.size());
  }
  EXPECT_EQ(s.rule_series[0].rule, "942106");
  EXPECT_THAT(s.rule_series[0].counts, ElementsAre(1u, 1u, 1u, 1u, 1u, 1u, 1u));
}

TEST(ReviewSummary, NothingToSummarise) {
  const Summary s = Summarize({});
  EXPECT_EQ(s.total, 0u);
  EXPECT_TRUE(s.by_action.empty());
  EXPECT_TRUE(s.buckets.empty());
  EXPECT_TRUE(s.rule_series.empty());
  EXPECT_GT(s.bucket_ms, 0);
  const auto json = test::ParseJson(SummaryJson(s));
  ASSERT_TRUE(json.has_value());
  EXPECT_EQ(json->NumberAt("total"), 0);
  EXPECT_TRUE(json->Find("buckets")->array.empty());
  EXPECT_EQ(SummaryText(s), "Records: 0\n");
}

TEST(ReviewSummary, JsonHasTheShapeTheDashboardReads) {
  SummaryOptions options;
  options.bucket_ms = kMinute;
  std::vector<AttackRecord> records = SampleRecords();
  records[0].rules[0].msg = "SQL \"quoted\"\ttab";
  const std::string text = SummaryJson(Summarize(records, options));
  const auto json = test::ParseJson(text);
  ASSERT_TRUE(json.has_value()) << text;
  std::vector<std::string> keys;
  for (const auto& [key, value] : json->object) keys.push_back(key);
  EXPECT_THAT(keys,
              ElementsAre("total", "by_action", "by_source", "top_rules", "top_uris", "top_params",
                          "top_ips", "top_countries", "bucket_seconds", "buckets", "rule_series"));
  EXPECT_EQ(json->NumberAt("total"), 4);
  EXPECT_EQ(json->NumberAt("bucket_seconds"), 60);

  const test::JsonValue& action = json->Find("by_action")->array.at(0);
  ASSERT_EQ(action.object.size(), 2u);  // key and count only
  EXPECT_EQ(action.StringAt("key"), "blocked");
  EXPECT_EQ(action.NumberAt("count"), 2);

  const test::JsonValue& rule = json->Find("top_rules")->array.at(0);
  EXPECT_EQ(rule.StringAt("key"), "942100");
  EXPECT_EQ(rule.StringAt("label"), "SQL \"quoted\"\ttab");
  EXPECT_EQ(rule.NumberAt("count"), 2);
  const test::JsonValue& uri = json->Find("top_uris")->array.at(0);
  EXPECT_EQ(uri.StringAt("key"), "/search");
  EXPECT_EQ(uri.StringAt("label"), "");
  EXPECT_EQ(uri.NumberAt("count"), 2);
  for (const char* list : {"top_params", "top_ips", "top_countries", "by_source"}) {
    ASSERT_NE(json->Find(list), nullptr) << list;
    EXPECT_FALSE(json->Find(list)->array.empty()) << list;
  }

  const auto& buckets = json->Find("buckets")->array;
  ASSERT_EQ(buckets.size(), 4u);
  EXPECT_EQ(buckets[0].StringAt("time"), "2026-11-23T21:00:00.000Z");
  EXPECT_EQ(buckets[0].NumberAt("count"), 1);
  EXPECT_EQ(buckets[0].NumberAt("blocked"), 1);
  EXPECT_EQ(buckets[3].StringAt("time"), "2026-11-23T21:03:00.000Z");
  EXPECT_EQ(buckets[3].NumberAt("count"), 2);

  const auto& series = json->Find("rule_series")->array;
  ASSERT_EQ(series.size(), 2u);
  EXPECT_EQ(series[1].StringAt("rule"), "941100");
  const test::JsonValue* counts = series[1].Find("counts");
  ASSERT_NE(counts, nullptr);
  ASSERT_EQ(counts->array.size(), 4u);
  EXPECT_EQ(counts->array[3].number, 1);
}

TEST(ReviewSummary, TextListsEverySectionInColumns) {
  SummaryOptions options;
  options.bucket_ms = kMinute;
  const std::string text = SummaryText(Summarize(SampleRecords(), options));
  EXPECT_THAT(text, HasSubstr("Records: 4\n"));
  EXPECT_THAT(text, HasSubstr("\nBy action\n  blocked       2\n  detected      1\n"
                              "  rate_limited  1\n"));
  EXPECT_THAT(text, HasSubstr("\nTop rules\n  942100  2  SQL Injection\n  941100  1  XSS\n\n"));
  EXPECT_THAT(text, HasSubstr("\nTop URIs\n  /search     2\n"));
  EXPECT_THAT(text, HasSubstr("\nOver time (1m intervals: records, blocked)\n"
                              "  2026-11-23T21:00:00.000Z  1  1  ####################\n"
                              "  2026-11-23T21:01:00.000Z  1  1  ####################\n"
                              "  2026-11-23T21:02:00.000Z  0  0\n"
                              "  2026-11-23T21:03:00.000Z  2  0  "
                              "########################################\n"));
}

TEST(ReviewSummary, TextShowsControlBytesEscaped) {
  const std::string text = SummaryText(Summarize(
      {Record(kT0, "blocked", "10.0.0.1", {{"1", "ARGS:a", "x\x1b[31m"}}, "/a\x1b]0;t\x07")}));
  EXPECT_THAT(text, Not(HasSubstr("\x1b")));
  EXPECT_THAT(text, HasSubstr("x\\x1b[31m"));
  EXPECT_THAT(text, HasSubstr("/a\\x1b]0;t\\x07"));
}

}  // namespace
}  // namespace rampart::review
