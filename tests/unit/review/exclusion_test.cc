// The exclusion generator behind `rampart tune`: what it proposes for records marked as false
// positives, that it never proposes more than it was asked for, what replaying the proposal over
// the log shows, the SecLang it writes — and, against the real CRS, that the SecLang does what
// the plan says.

#include "review/exclusion.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/strings.h"
#include "review_test_util.h"
#include "support/json.h"
#include "unit/modsec/modsec_test_util.h"

namespace rampart::review {
namespace {

using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

LoggedRule Match(std::string id, std::string var, std::string severity = "critical",
                 std::string source = "waf") {
  LoggedRule rule;
  rule.source = std::move(source);
  rule.id = std::move(id);
  rule.var = std::move(var);
  rule.severity = std::move(severity);
  return rule;
}

AttackRecord Record(std::string request_id, std::string route, std::string uri,
                    std::vector<LoggedRule> rules, std::optional<int> inbound_score = 5,
                    std::string action = "blocked", std::string source = "waf") {
  AttackRecord r;
  r.time = "2026-11-23T21:07:51.123Z";
  r.request_id = std::move(request_id);
  r.route = std::move(route);
  r.uri = std::move(uri);
  r.rules = std::move(rules);
  r.inbound_score = inbound_score;
  r.action = std::move(action);
  r.source = std::move(source);
  return r;
}

FalsePositiveSelection Ids(std::vector<std::string> ids) {
  FalsePositiveSelection s;
  s.request_ids = std::move(ids);
  return s;
}

TunePlan MustPlan(const std::vector<AttackRecord>& records, const FalsePositiveSelection& selection,
                  const TuneOptions& options = {}) {
  auto plan = PlanExclusions(records, selection, options);
  EXPECT_TRUE(plan.ok()) << plan.error().message;
  return plan.ok() ? plan.value() : TunePlan{};
}

std::string PlanError(const std::vector<AttackRecord>& records,
                      const FalsePositiveSelection& selection, const TuneOptions& options = {}) {
  auto plan = PlanExclusions(records, selection, options);
  EXPECT_FALSE(plan.ok());
  return plan.ok() ? "" : plan.error().message;
}

std::vector<std::string> RequestIds(const std::vector<AffectedRecord>& records) {
  std::vector<std::string> ids;
  for (const AffectedRecord& r : records) ids.push_back(r.request_id);
  return ids;
}

bool AnyNoteContains(const TunePlan& plan, std::string_view text) {
  return std::any_of(plan.notes.begin(), plan.notes.end(),
                     [&](const std::string& n) { return n.find(text) != std::string::npos; });
}

std::string NotesOf(const TunePlan& plan) {
  std::string out;
  for (const std::string& n : plan.notes) out += n + "\n";
  return out;
}

ProposedExclusion Exclusion(std::string route, std::string rule, std::string target,
                            ExclusionScope scope, std::string path,
                            std::vector<std::string> request_ids, std::string reason = "") {
  ProposedExclusion e;
  e.route = std::move(route);
  e.rule_id = std::move(rule);
  e.target = std::move(target);
  e.scope = scope;
  e.path = std::move(path);
  e.request_ids = std::move(request_ids);
  e.reason = std::move(reason);
  return e;
}

TEST(ReviewExclusion, ScopeNamesRoundTrip) {
  for (ExclusionScope scope :
       {ExclusionScope::kPath, ExclusionScope::kPrefix, ExclusionScope::kRoute}) {
    EXPECT_EQ(ParseExclusionScope(ExclusionScopeName(scope)), scope);
  }
  EXPECT_EQ(ExclusionScopeName(ExclusionScope::kPath), "path");
  EXPECT_EQ(ExclusionScopeName(ExclusionScope::kPrefix), "prefix");
  EXPECT_EQ(ExclusionScopeName(ExclusionScope::kRoute), "route");
  for (const char* bad : {"", "Path", "paths", "uri", "prefix ", "all"}) {
    EXPECT_EQ(ParseExclusionScope(bad), std::nullopt) << bad;
  }
}

TEST(ReviewExclusion, OutcomeRulesAreTheEvaluationAndReportingRanges) {
  for (const char* id :
       {"949000", "949110", "949999", "959000", "959100", "959999", "980000", "980130", "980999"}) {
    EXPECT_TRUE(IsOutcomeRule(id)) << id;
  }
  for (const char* id : {"948999", "950000", "958999", "960000", "979999", "981000", "942100",
                         "920420", "", "94911", "9491100", "94911a", "-949110"}) {
    EXPECT_FALSE(IsOutcomeRule(id)) << id;
  }
}

TEST(ReviewExclusion, ProposesTheMatchedVariableOnTheMarkedPath) {
  const std::vector<AttackRecord> records = {
      Record("r1", "blog", "/blog/post?id=7",
             {Match("942100", "ARGS:comment"), Match("949110", "TX:ANOMALY_SCORE", ""),
              Match("980130", "", "")}),
  };
  const TunePlan plan = MustPlan(records, Ids({"r1"}));
  ASSERT_EQ(plan.exclusions.size(), 1u);
  const ProposedExclusion& e = plan.exclusions[0];
  EXPECT_EQ(e.route, "blog");
  EXPECT_EQ(e.rule_id, "942100");
  EXPECT_EQ(e.target, "ARGS:comment");
  EXPECT_EQ(e.scope, ExclusionScope::kPath);
  EXPECT_EQ(e.path, "/blog/post");
  EXPECT_EQ(e.request_ids, std::vector<std::string>{"r1"});
  EXPECT_EQ(e.reason, "");

  ASSERT_EQ(plan.marked.size(), 1u);
  const AffectedRecord& m = plan.marked[0];
  EXPECT_EQ(m.request_id, "r1");
  EXPECT_EQ(m.time, "2026-11-23T21:07:51.123Z");
  EXPECT_EQ(m.route, "blog");
  EXPECT_EQ(m.uri, "/blog/post?id=7");
  EXPECT_EQ(m.action, "blocked");
  EXPECT_EQ(m.removed, std::vector<std::string>{"942100 on ARGS:comment"});
  EXPECT_TRUE(m.remaining.empty());  // outcome rules are not "remaining"
  EXPECT_TRUE(m.would_pass);
  EXPECT_TRUE(plan.also_affected.empty());
  // The outcome rules are left alone, and said so once.
  ASSERT_EQ(plan.notes.size(), 1u) << NotesOf(plan);
  EXPECT_NE(plan.notes[0].find("outcome rules 949110, 980130"), std::string::npos);
}

TEST(ReviewExclusion, MergesRecordsAndOrdersByRuleNumberTargetAndPath) {
  const std::vector<AttackRecord> records = {
      Record("r3", "blog", "/blog/post", {Match("942100", "ARGS:comment")}),
      Record("r1", "blog", "/blog/post?x=1", {Match("942100", "ARGS:comment")}),
      Record("r2", "blog", "/blog/edit",
             {Match("942100", "ARGS:comment"), Match("1000000", "ARGS:body"),
              Match("920420", "REQUEST_HEADERS:Content-Type", "warning")}),
      Record("r4", "blog", "/blog/post",
             {Match("942100", "ARGS:comment"), Match("942100", "ARGS:body")}),
  };
  const TunePlan plan = MustPlan(records, Ids({"r1", "r2", "r3", "r4", "r1"}));
  std::vector<std::string> got;
  for (const ProposedExclusion& e : plan.exclusions) {
    std::string ids;
    for (const std::string& id : e.request_ids) ids += id + ",";
    got.push_back(e.rule_id + " " + e.target + " " + e.path + " " + ids);
  }
  EXPECT_EQ(got, (std::vector<std::string>{
                     "920420 REQUEST_HEADERS:Content-Type /blog/edit r2,",
                     "942100 ARGS:body /blog/post r4,",
                     "942100 ARGS:comment /blog/edit r2,",
                     "942100 ARGS:comment /blog/post r1,r3,r4,",
                     "1000000 ARGS:body /blog/edit r2,",
                 }));
  EXPECT_EQ(RequestIds(plan.marked), (std::vector<std::string>{"r3", "r1", "r2", "r4"}));
}

TEST(ReviewExclusion, ReplayReachesOnlyTheSamePathRuleAndVariable) {
  const std::vector<AttackRecord> records = {
      Record("marked", "blog", "/blog/post",
             {Match("942100", "ARGS:comment"), Match("913100", "REQUEST_HEADERS:User-Agent")}),
      Record("same", "blog", "/blog/post?page=2", {Match("942100", "ARGS:comment")}),
      // An HTTP/2 client's header name; libmodsecurity takes it out with the "User-Agent" target.
      Record("header-case", "blog", "/blog/post", {Match("913100", "REQUEST_HEADERS:user-agent")}),
      // ModSecurity matches REQUEST_FILENAME, the decoded path.
      Record("encoded-path", "blog", "/blog/p%6fst", {Match("942100", "ARGS:comment")}),
      Record("other-path", "blog", "/blog/post/2", {Match("942100", "ARGS:comment")}),
      Record("path-prefix", "blog", "/blog/pos", {Match("942100", "ARGS:comment")}),
      Record("encoded-other", "blog", "/blog/post%2F2", {Match("942100", "ARGS:comment")}),
      Record("other-var", "blog", "/blog/post", {Match("942100", "ARGS:q")}),
      Record("other-rule", "blog", "/blog/post", {Match("941100", "ARGS:comment")}),
      Record("rule-other-var", "blog", "/blog/post", {Match("913100", "ARGS:comment")}),
      Record("other-route", "shop", "/blog/post", {Match("942100", "ARGS:comment")}),
      Record("collection-case", "blog", "/blog/post", {Match("942100", "args:comment")}),
      Record("other-source", "blog", "/blog/post",
             {Match("942100", "ARGS:comment", "critical", "signatures")}),
  };
  const TunePlan plan = MustPlan(records, Ids({"marked"}));
  ASSERT_EQ(plan.exclusions.size(), 2u);
  EXPECT_EQ(RequestIds(plan.marked), std::vector<std::string>{"marked"});
  EXPECT_EQ(
      plan.marked[0].removed,
      (std::vector<std::string>{"942100 on ARGS:comment", "913100 on REQUEST_HEADERS:User-Agent"}));
  EXPECT_EQ(RequestIds(plan.also_affected),
            (std::vector<std::string>{"same", "header-case", "encoded-path"}));
  for (const AffectedRecord& r : plan.also_affected) {
    EXPECT_EQ(r.removed.size(), 1u) << r.request_id;
    EXPECT_TRUE(r.remaining.empty()) << r.request_id;
    EXPECT_TRUE(r.would_pass) << r.request_id;
  }
  EXPECT_EQ(plan.also_affected[1].removed,
            std::vector<std::string>{"913100 on REQUEST_HEADERS:user-agent"});
}

TEST(ReviewExclusion, ReplayErrsOnTheSideOfListingKeysInAnotherCase) {
  // libmodsecurity would still match ARGS:Comment (argument names are compared exactly), but
  // the replay lists it: a list that may be too long is safe, one too short is not.
  const std::vector<AttackRecord> records = {
      Record("marked", "blog", "/blog/post", {Match("942100", "ARGS:comment")}),
      Record("key-case", "blog", "/blog/post", {Match("942100", "ARGS:Comment")}),
  };
  EXPECT_EQ(RequestIds(MustPlan(records, Ids({"marked"})).also_affected),
            std::vector<std::string>{"key-case"});
}

TEST(ReviewExclusion, WouldPassCountsEachRuleOnceUntilAllItsMatchesAreRemoved) {
  TuneOptions options;
  options.inbound_threshold = 5;
  const std::vector<AttackRecord> records = {
      Record("marked", "blog", "/blog/post", {Match("942100", "ARGS:a")}),
      // 942100 matched two variables; only ARGS:a is excluded, so the rule still scores its 5.
      Record("two-vars", "blog", "/blog/post",
             {Match("942100", "ARGS:a"), Match("942100", "ARGS:b"), Match("949110", "", "")}, 5),
      Record("one-var", "blog", "/blog/post", {Match("942100", "ARGS:a")}, 5),
      // No logged score: the sum of the rules (942100 once, 5; 920230 warning, 3) = 8, minus 5.
      Record("no-score", "blog", "/blog/post",
             {Match("942100", "ARGS:a"), Match("920230", "ARGS:x", "warning")}, std::nullopt),
      // Stopped by another stage: passing the WAF does not let it through.
      Record("signatures", "blog", "/blog/post", {Match("942100", "ARGS:a")}, 5, "blocked",
             "signatures"),
      Record("detected", "blog", "/blog/post", {Match("942100", "ARGS:a")}, 5, "detected",
             "signatures"),
      // An outbound rule left in place still stops the response.
      Record("outbound", "blog", "/blog/post",
             {Match("942100", "ARGS:a"), Match("951220", "RESPONSE_BODY", "error")}, 5),
  };
  const TunePlan plan = MustPlan(records, Ids({"marked"}), options);
  ASSERT_EQ(plan.exclusions.size(), 1u);
  std::map<std::string, AffectedRecord> by_id;
  for (const AffectedRecord& r : plan.also_affected) by_id[r.request_id] = r;
  ASSERT_EQ(by_id.size(), 6u);

  EXPECT_EQ(by_id["two-vars"].removed, std::vector<std::string>{"942100 on ARGS:a"});
  EXPECT_EQ(by_id["two-vars"].remaining, std::vector<std::string>{"942100 on ARGS:b"});
  EXPECT_FALSE(by_id["two-vars"].would_pass);
  EXPECT_TRUE(by_id["one-var"].would_pass);
  EXPECT_EQ(by_id["no-score"].remaining, std::vector<std::string>{"920230 on ARGS:x"});
  EXPECT_TRUE(by_id["no-score"].would_pass);  // 3 < 5
  EXPECT_FALSE(by_id["signatures"].would_pass);
  EXPECT_TRUE(by_id["detected"].would_pass);
  EXPECT_EQ(by_id["outbound"].remaining, std::vector<std::string>{"951220 on RESPONSE_BODY"});
  EXPECT_FALSE(by_id["outbound"].would_pass);

  // The same no-score record against a threshold of 3: 3 left is not below it.
  options.inbound_threshold = 3;
  const TunePlan strict = MustPlan(records, Ids({"marked"}), options);
  for (const AffectedRecord& r : strict.also_affected) {
    if (r.request_id == "no-score") {
      EXPECT_FALSE(r.would_pass);
    }
  }
}

TEST(ReviewExclusion, LoggedScoreIsTheStartingPoint) {
  // Two critical rules, logged score 10: removing one leaves 5, which is not below 5.
  const std::vector<AttackRecord> records = {
      Record("r1", "blog", "/p", {Match("942100", "ARGS:a"), Match("941100", "ARGS:b")}, 10),
  };
  FalsePositiveSelection selection = Ids({"r1"});
  selection.rules = {"942100"};
  const TunePlan plan = MustPlan(records, selection);
  ASSERT_EQ(plan.marked.size(), 1u);
  EXPECT_EQ(plan.marked[0].removed, std::vector<std::string>{"942100 on ARGS:a"});
  EXPECT_EQ(plan.marked[0].remaining, std::vector<std::string>{"941100 on ARGS:b"});
  EXPECT_FALSE(plan.marked[0].would_pass);
  TuneOptions lenient;
  lenient.inbound_threshold = 6;
  EXPECT_TRUE(MustPlan(records, selection, lenient).marked[0].would_pass);
}

TEST(ReviewExclusion, UnsafeVariableGetsANoteAndNoExclusion) {
  const std::vector<std::string> unsafe = {
      "ARGS:a b", "ARGS:x,y", "ARGS:q\"", "ARGS:q'", "ARGS:semi;col", "ARGS:", "ARGS:new\nline",
      "REQUEST_HEADERS:X:Y", "ARGS:%41", "ARGS:caf\xc3\xa9", "ARGS:long\xe2\x80\xa6[300 bytes]",
      "NOT A VAR", "ARGS:a|b",
      // libmodsecurity 3.0.9 refuses the whole file.
      "ARGS:a@b",
      // Keyless collections: the rule off all of them.
      "ARGS", "REQUEST_HEADERS", "request_cookies", "XML", "(ambiguous)", "ARGS:(ambiguous)"};
  for (const std::string& var : unsafe) {
    const std::vector<AttackRecord> records = {
        Record("r1", "blog", "/blog/post", {Match("942100", var)}),
    };
    const TunePlan plan = MustPlan(records, Ids({"r1"}));
    EXPECT_TRUE(plan.exclusions.empty()) << var;
    EXPECT_TRUE(AnyNoteContains(plan, "left alone: rule 942100 on ")) << var << NotesOf(plan);
    ASSERT_EQ(plan.marked.size(), 1u);
    EXPECT_TRUE(plan.marked[0].removed.empty());
    EXPECT_FALSE(plan.marked[0].would_pass);
  }
  const std::vector<AttackRecord> cut = {
      Record("r1", "blog", "/blog/post", {Match("942100", "ARGS:long\xe2\x80\xa6[300 bytes]")}),
  };
  EXPECT_TRUE(AnyNoteContains(MustPlan(cut, Ids({"r1"})), "cut in the log"));
}

TEST(ReviewExclusion, KeylessCollectionAndAmbiguousVariableNotesSayWhy) {
  const std::vector<AttackRecord> records = {
      Record(
          "r1", "blog", "/blog/post",
          {Match("942100", "ARGS"), Match("941100", "(ambiguous)"), Match("932100", "ARGS:a@b")}),
  };
  const TunePlan plan = MustPlan(records, Ids({"r1"}));
  EXPECT_TRUE(plan.exclusions.empty());
  EXPECT_TRUE(AnyNoteContains(plan,
                              "left alone: rule 942100 on ARGS: the log names the whole ARGS "
                              "collection, and a target without a key would take the rule off "
                              "all of it; exclude it by hand if it must go"))
      << NotesOf(plan);
  EXPECT_TRUE(AnyNoteContains(plan,
                              "left alone: rule 941100 on (ambiguous): the variable could not be "
                              "read unambiguously from the log; exclude by hand after checking "
                              "the request"))
      << NotesOf(plan);
  EXPECT_TRUE(AnyNoteContains(plan,
                              "left alone: rule 932100 on ARGS:a@b: the variable's name holds "
                              "characters a ctl target cannot carry"))
      << NotesOf(plan);
}

TEST(ReviewExclusion, SafeKeysAreKeptAsLogged) {
  for (const std::string var : {"ARGS:user[name]", "ARGS:a.b-c_d", "REQUEST_COOKIES:__utm$x",
                                "ARGS:/path/x", "REQUEST_HEADERS:User-Agent", "REQUEST_URI",
                                "ARGS_NAMES:q", "REQUEST_BODY", "XML:/xml/a"}) {
    const std::vector<AttackRecord> records = {
        Record("r1", "blog", "/blog/post", {Match("942100", var)}),
    };
    const TunePlan plan = MustPlan(records, Ids({"r1"}));
    ASSERT_EQ(plan.exclusions.size(), 1u) << var << NotesOf(plan);
    EXPECT_EQ(plan.exclusions[0].target, var);
  }
}

TEST(ReviewExclusion, TxOrMissingVariableRemovesTheWholeRuleWithAReason) {
  const std::vector<AttackRecord> records = {
      Record("r1", "blog", "/blog/post", {Match("920273", "TX:0")}),
      Record("r2", "blog", "/blog/edit", {Match("920274", "tx:something")}),
      Record("r3", "blog", "/blog/list", {Match("920280", "")}),
  };
  const TunePlan plan = MustPlan(records, Ids({"r1", "r2", "r3"}));
  ASSERT_EQ(plan.exclusions.size(), 3u) << NotesOf(plan);
  for (const ProposedExclusion& e : plan.exclusions) {
    EXPECT_EQ(e.target, "") << e.rule_id;
    EXPECT_FALSE(e.reason.empty()) << e.rule_id;
  }
  EXPECT_NE(plan.exclusions[0].reason.find("TX:0"), std::string::npos);
  EXPECT_NE(plan.exclusions[1].reason.find("tx:something"), std::string::npos);
  EXPECT_NE(plan.exclusions[2].reason.find("no variable"), std::string::npos);
  for (const AffectedRecord& m : plan.marked) EXPECT_TRUE(m.would_pass) << m.request_id;
  const std::string seclang = RenderExclusions(plan.exclusions, 100);
  EXPECT_NE(seclang.find("ctl:ruleRemoveById=920273\""), std::string::npos) << seclang;
  EXPECT_EQ(seclang.find("ctl:ruleRemoveTargetById="), std::string::npos) << seclang;
}

TEST(ReviewExclusion, WholeRuleAbsorbsTheSameRulesVariablesOnItsPath) {
  const std::vector<AttackRecord> records = {
      Record("r1", "blog", "/blog/post", {Match("942100", "TX:x"), Match("942100", "ARGS:a")}),
      Record("r2", "blog", "/blog/post", {Match("942100", "ARGS:b")}),
      Record("r3", "blog", "/blog/edit", {Match("942100", "ARGS:b")}),
  };
  const TunePlan plan = MustPlan(records, Ids({"r1", "r2", "r3"}));
  ASSERT_EQ(plan.exclusions.size(), 2u);
  // Ordered by target before path: the whole rule ("") first.
  EXPECT_EQ(plan.exclusions[0].path, "/blog/post");
  EXPECT_EQ(plan.exclusions[0].target, "");
  EXPECT_EQ(plan.exclusions[0].request_ids, (std::vector<std::string>{"r1", "r2"}));
  EXPECT_EQ(plan.exclusions[1].path, "/blog/edit");
  EXPECT_EQ(plan.exclusions[1].target, "ARGS:b");
  EXPECT_EQ(plan.exclusions[1].request_ids, std::vector<std::string>{"r3"});
}

TEST(ReviewExclusion, OtherSourcesAreLeftAloneWithANote) {
  const std::vector<AttackRecord> records = {
      Record("r1", "blog", "/blog/post",
             {Match("sig-1001", "REQUEST_HEADERS:User-Agent", "critical", "signatures"),
              Match("DE", "", "", "geoip")},
             std::nullopt, "blocked", "signatures"),
  };
  const TunePlan plan = MustPlan(records, Ids({"r1"}));
  EXPECT_TRUE(plan.exclusions.empty());
  EXPECT_TRUE(AnyNoteContains(plan,
                              "left alone: signatures rule sig-1001 on "
                              "REQUEST_HEADERS:User-Agent"))
      << NotesOf(plan);
  EXPECT_TRUE(AnyNoteContains(plan, "left alone: geoip rule DE")) << NotesOf(plan);
}

TEST(ReviewExclusion, AskedRulesLimitTheProposal) {
  const std::vector<AttackRecord> records = {
      Record("r1", "blog", "/blog/post",
             {Match("942100", "ARGS:a"), Match("941100", "ARGS:a"), Match("949110", "")}, 10),
      Record("r2", "blog", "/blog/post", {Match("941100", "ARGS:a")}),
  };
  FalsePositiveSelection selection;
  selection.rules = {"942100", "932100"};
  const TunePlan plan = MustPlan(records, selection);
  ASSERT_EQ(plan.exclusions.size(), 1u);
  EXPECT_EQ(plan.exclusions[0].rule_id, "942100");
  EXPECT_EQ(RequestIds(plan.marked), std::vector<std::string>{"r1"});  // r2 never matched 942100
  EXPECT_EQ(plan.marked[0].remaining, std::vector<std::string>{"941100 on ARGS:a"});
  EXPECT_TRUE(AnyNoteContains(plan, "rule 932100: no marked record matched it")) << NotesOf(plan);

  selection.rules = {"949110"};  // an outcome rule is never proposed, even when asked for
  const TunePlan outcome = MustPlan(records, selection);
  EXPECT_TRUE(outcome.exclusions.empty());
  EXPECT_TRUE(AnyNoteContains(outcome, "outcome rules 949110")) << NotesOf(outcome);
}

TEST(ReviewExclusion, SelectionCriteriaAllHold) {
  const std::vector<AttackRecord> records = {
      Record("r1", "blog", "/blog/post", {Match("942100", "ARGS:a")}),
      Record("r2", "blog", "/blog/edit", {Match("942100", "ARGS:a")}),
      Record("r3", "shop", "/blog/post", {Match("942100", "ARGS:a")}),
      Record("r4", "blog", "/blog/post", {Match("941100", "ARGS:a")}),
  };
  FalsePositiveSelection selection;
  selection.route = "blog";
  selection.uri_prefix = "/blog/po";
  selection.rules = {"942100"};
  EXPECT_EQ(RequestIds(MustPlan(records, selection).marked), std::vector<std::string>{"r1"});
  selection.request_ids = {"r2", "r4"};
  EXPECT_EQ(PlanError(records, selection), "no record in the attack log matches the selection");
}

TEST(ReviewExclusion, Errors) {
  const std::vector<AttackRecord> records = {
      Record("r1", "blog", "/blog/post", {Match("942100", "ARGS:a")}),
      Record("r2", "shop", "/shop/cart", {Match("942100", "ARGS:a")}),
  };
  EXPECT_NE(PlanError(records, {}).find("nothing says which records are false positives"),
            std::string::npos);
  EXPECT_EQ(PlanError(records, Ids({"r1", "nope"})),
            "request id nope is not in the attack log read");
  // A repeated request id (a trusted proxy passing a client's X-Request-Id on) marks nothing.
  std::vector<AttackRecord> repeated = records;
  repeated.push_back(Record("r1", "blog", "/blog/admin", {Match("942100", "ARGS:a")}));
  EXPECT_EQ(PlanError(repeated, Ids({"r1"})),
            "request id r1 matches 2 records in the logs read; mark them by --rule/--route/--uri "
            "instead");
  FalsePositiveSelection no_match;
  no_match.route = "api";
  EXPECT_EQ(PlanError(records, no_match), "no record in the attack log matches the selection");
  TuneOptions prefix;
  prefix.scope = ExclusionScope::kPrefix;
  EXPECT_EQ(PlanError(records, Ids({"r1"}), prefix),
            "scope prefix needs a URI prefix (--uri) to exclude under");
  EXPECT_EQ(PlanError(records, Ids({"r2", "r1"})),
            "the marked records are on routes blog, shop: a proposal is for one route; add "
            "--route");
  FalsePositiveSelection by_rule;
  by_rule.rules = {"942100"};
  EXPECT_NE(PlanError(records, by_rule).find("routes blog, shop"), std::string::npos);
}

TEST(ReviewExclusion, PathsThatCannotBeWrittenGetANote) {
  for (const std::string path : {"/blog/a b", "/blog/x\"y", "/blog/back\\slash", "/blog/caf%C3%A9",
                                 "/blog/{x}", "/blog/caf\xc3\xa9", "relative"}) {
    const std::vector<AttackRecord> records = {
        Record("r1", "blog", path + "?q=1", {Match("942100", "ARGS:a")}),
    };
    if (path == "relative") {
      // Not a problem of the characters: kept (ModSecurity sees the same text).
      EXPECT_EQ(MustPlan(records, Ids({"r1"})).exclusions.size(), 1u);
      continue;
    }
    const TunePlan plan = MustPlan(records, Ids({"r1"}));
    EXPECT_TRUE(plan.exclusions.empty()) << path;
    EXPECT_TRUE(AnyNoteContains(plan, "left alone: rule 942100 on ARGS:a")) << NotesOf(plan);
    // The whole route is still possible, when asked for.
    TuneOptions route;
    route.scope = ExclusionScope::kRoute;
    EXPECT_EQ(MustPlan(records, Ids({"r1"}), route).exclusions.size(), 1u) << path;
  }
  // A path with dot segments: ModSecurity does not resolve them, and the exclusion refuses them.
  for (const std::string path : {"/blog/../admin", "/blog/./post", "/blog/x/..", "./blog"}) {
    const std::vector<AttackRecord> records = {
        Record("r1", "blog", path, {Match("942100", "ARGS:a")}),
    };
    const TunePlan plan = MustPlan(records, Ids({"r1"}));
    EXPECT_TRUE(plan.exclusions.empty()) << path;
    EXPECT_TRUE(AnyNoteContains(plan, "has a \".\" or \"..\" segment")) << NotesOf(plan);
  }
  // Dots inside a segment are plain names.
  const std::vector<AttackRecord> dotted = {
      Record("r1", "blog", "/blog/.well-known/a..b/x.", {Match("942100", "ARGS:a")}),
  };
  EXPECT_EQ(MustPlan(dotted, Ids({"r1"})).exclusions.size(), 1u);
  // An encoded path's note says why.
  const std::vector<AttackRecord> encoded = {
      Record("r1", "blog", "/blog/caf%C3%A9", {Match("942100", "ARGS:a")}),
  };
  EXPECT_TRUE(AnyNoteContains(MustPlan(encoded, Ids({"r1"})), "percent-encoded"));
}

TEST(ReviewExclusion, PrefixScopeCoversThePrefixOnly) {
  const std::vector<AttackRecord> records = {
      Record("r1", "blog", "/blog/post", {Match("942100", "ARGS:a")}),
      Record("r2", "blog", "/blog/edit?x", {Match("942100", "ARGS:a")}),
      Record("u1", "blog", "/blog/new", {Match("942100", "ARGS:a")}),
      Record("u2", "blog", "/blogs/x", {Match("942100", "ARGS:a")}),
      Record("u3", "blog", "/blog/new", {Match("942100", "ARGS:b")}),
      // Under the prefix as text, not once resolved: the chained condition refuses them.
      Record("u4", "blog", "/blog/../admin", {Match("942100", "ARGS:a")}),
      Record("u5", "blog", "/blog/./new", {Match("942100", "ARGS:a")}),
      Record("u6", "blog", "/blog/%2e%2e/admin", {Match("942100", "ARGS:a")}),
  };
  FalsePositiveSelection selection = Ids({"r1", "r2"});
  selection.uri_prefix = "/blog/";
  TuneOptions options;
  options.scope = ExclusionScope::kPrefix;
  const TunePlan plan = MustPlan(records, selection, options);
  ASSERT_EQ(plan.exclusions.size(), 1u);
  EXPECT_EQ(plan.exclusions[0].scope, ExclusionScope::kPrefix);
  EXPECT_EQ(plan.exclusions[0].path, "/blog/");
  EXPECT_EQ(plan.exclusions[0].request_ids, (std::vector<std::string>{"r1", "r2"}));
  EXPECT_EQ(RequestIds(plan.also_affected), std::vector<std::string>{"u1"});

  selection.uri_prefix = "/blog/a b";  // cannot be written: one note, nothing proposed
  selection.request_ids.clear();
  const std::vector<AttackRecord> spaced = {
      Record("s1", "blog", "/blog/a b/c", {Match("942100", "ARGS:a")}),
  };
  const TunePlan refused = MustPlan(spaced, selection, options);
  EXPECT_TRUE(refused.exclusions.empty());
  EXPECT_TRUE(AnyNoteContains(refused, "no exclusion under the prefix /blog/a b"))
      << NotesOf(refused);

  selection.uri_prefix = "/blog/../";  // a prefix with a dot segment would never apply
  const std::vector<AttackRecord> dotted = {
      Record("d1", "blog", "/blog/../x", {Match("942100", "ARGS:a")}),
  };
  const TunePlan dot_refused = MustPlan(dotted, selection, options);
  EXPECT_TRUE(dot_refused.exclusions.empty());
  EXPECT_TRUE(AnyNoteContains(dot_refused, "no exclusion under the prefix /blog/../"))
      << NotesOf(dot_refused);
}

TEST(ReviewExclusion, RouteScopeCoversTheRouteOnly) {
  const std::vector<AttackRecord> records = {
      Record("r1", "blog", "/blog/post", {Match("942100", "ARGS:a")}),
      Record("u1", "blog", "/anything/else", {Match("942100", "ARGS:a")}),
      Record("u2", "shop", "/blog/post", {Match("942100", "ARGS:a")}),
  };
  TuneOptions options;
  options.scope = ExclusionScope::kRoute;
  const TunePlan plan = MustPlan(records, Ids({"r1"}), options);
  ASSERT_EQ(plan.exclusions.size(), 1u);
  EXPECT_EQ(plan.exclusions[0].scope, ExclusionScope::kRoute);
  EXPECT_EQ(plan.exclusions[0].path, "");
  EXPECT_EQ(RequestIds(plan.also_affected), std::vector<std::string>{"u1"});
}

// A varied log: two routes, several paths (one of them unwritable), CRS rules on several
// variables, TX and empty variables, outcome rules, outbound rules and other stages' matches.
std::vector<AttackRecord> VariedLog(std::mt19937& random) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> routes = {
      {"blog",
       {"/blog/post", "/blog/edit", "/blog/a b", "/blog/caf%C3%A9", "/blog/", "/blog/./post",
        "/blog/x/../edit"}},
      {"shop", {"/shop/cart", "/shop/search", "/shop/cart/items"}},
  };
  const std::vector<LoggedRule> pool = {
      Match("942100", "ARGS:comment"),
      Match("942100", "ARGS:q"),
      Match("942100", "ARGS:Comment"),
      Match("941100", "ARGS:comment"),
      Match("920420", "REQUEST_HEADERS:Content-Type", "warning"),
      Match("920273", "TX:0", "notice"),
      Match("932100", "ARGS:a b"),
      Match("942200", ""),
      Match("951220", "RESPONSE_BODY", "error"),
      Match("949110", "TX:ANOMALY_SCORE", ""),
      Match("980130", "", ""),
      Match("sig-7", "REQUEST_HEADERS:User-Agent", "critical", "signatures"),
      Match("203.0.113.0/24", "", "", "ip_reputation"),
  };
  std::vector<AttackRecord> records;
  for (int i = 0; i < 300; ++i) {
    const auto& [route, paths] = routes[random() % routes.size()];
    std::string uri = paths[random() % paths.size()];
    if (random() % 2 == 0) uri += "?q=" + std::to_string(i);
    std::vector<LoggedRule> rules;
    const size_t n = 1 + random() % 4;
    for (size_t k = 0; k < n; ++k) rules.push_back(pool[random() % pool.size()]);
    const bool waf = random() % 5 != 0;
    records.push_back(Record("r" + std::to_string(i), route, uri, rules,
                             random() % 3 == 0 ? std::nullopt : std::optional<int>(5 + i % 7),
                             random() % 4 == 0 ? "detected" : "blocked",
                             waf ? "waf" : "signatures"));
  }
  return records;
}

bool CoveredByOracle(const std::vector<ProposedExclusion>& exclusions, const AttackRecord& r,
                     const LoggedRule& m) {
  for (const ProposedExclusion& e : exclusions) {
    if (m.source != "waf" || e.route != r.route || e.rule_id != m.id) continue;
    const std::string path(r.path());
    const bool dot_segment =
        path.find("/./") != std::string::npos || path.find("/../") != std::string::npos;
    if (e.scope != ExclusionScope::kRoute && dot_segment) continue;
    if (e.scope == ExclusionScope::kPath && path != e.path) continue;
    if (e.scope == ExclusionScope::kPrefix && path.rfind(e.path, 0) != 0) continue;
    if (!e.target.empty()) {
      // Collection exactly, key (everything after the first ':') in any case.
      const size_t colon = std::min(e.target.find(':'), e.target.size());
      if (m.var.size() != e.target.size() || m.var.substr(0, colon) != e.target.substr(0, colon) ||
          !core::EqualsIgnoreCase(m.var.substr(colon), e.target.substr(colon))) {
        continue;
      }
    }
    return true;
  }
  return false;
}

TEST(ReviewExclusion, GeneratedPlansAreNeverBroaderThanAsked) {
  std::mt19937 random(20261123);
  const std::vector<AttackRecord> records = VariedLog(random);
  const std::vector<std::string> rule_choices = {"942100", "941100", "920420", "920273",
                                                 "932100", "949110", "sig-7",  "951220"};
  size_t plans = 0;
  size_t exclusions_checked = 0;
  size_t also_affected_seen = 0;
  for (int round = 0; round < 400; ++round) {
    FalsePositiveSelection selection;
    TuneOptions options;
    options.scope = static_cast<ExclusionScope>(random() % 3);
    const std::string route = random() % 2 == 0 ? "blog" : "shop";
    // Mark a few records of one route, or a route (and prefix) outright.
    if (random() % 4 != 0) {
      const size_t n = 1 + random() % 4;
      for (size_t k = 0; k < n; ++k) {
        const AttackRecord& r = records[random() % records.size()];
        if (r.route == route) selection.request_ids.push_back(r.request_id);
      }
      if (selection.request_ids.empty()) selection.route = route;
    } else {
      selection.route = route;
    }
    if (random() % 3 == 0) selection.rules.push_back(rule_choices[random() % rule_choices.size()]);
    if (options.scope == ExclusionScope::kPrefix || random() % 5 == 0) {
      selection.uri_prefix = route == "blog" ? "/blog/" : "/shop/cart";
    }
    auto planned = PlanExclusions(records, selection, options);
    if (!planned.ok()) {
      EXPECT_EQ(planned.error().message, "no record in the attack log matches the selection")
          << "round " << round;
      continue;
    }
    ++plans;
    const TunePlan& plan = planned.value();

    std::map<std::string, const AttackRecord*> marked;
    for (const AttackRecord& r : records) {
      bool selected =
          (selection.request_ids.empty() ||
           std::count(selection.request_ids.begin(), selection.request_ids.end(), r.request_id) >
               0) &&
          (selection.route.empty() || r.route == selection.route) &&
          (selection.uri_prefix.empty() || r.path().rfind(selection.uri_prefix, 0) == 0);
      if (selected && !selection.rules.empty()) {
        selected = std::any_of(r.rules.begin(), r.rules.end(),
                               [&](const LoggedRule& m) { return m.id == selection.rules[0]; });
      }
      if (selected) marked[r.request_id] = &r;
    }
    ASSERT_EQ(plan.marked.size(), marked.size()) << "round " << round;

    for (const ProposedExclusion& e : plan.exclusions) {
      ++exclusions_checked;
      EXPECT_FALSE(IsOutcomeRule(e.rule_id)) << e.rule_id;
      if (!selection.rules.empty()) {
        EXPECT_EQ(e.rule_id, selection.rules[0]);
      }
      EXPECT_EQ(e.scope, options.scope);
      ASSERT_FALSE(e.request_ids.empty());
      // Each of its request ids is a marked record that matched this rule, on this target (or,
      // for a whole rule, on a variable no target can name), on this path.
      for (const std::string& id : e.request_ids) {
        ASSERT_EQ(marked.count(id), 1u) << id;
        const AttackRecord& r = *marked[id];
        EXPECT_EQ(e.route, r.route);
        switch (e.scope) {
          case ExclusionScope::kPath:
            EXPECT_EQ(e.path, r.path());
            break;
          case ExclusionScope::kPrefix:
            EXPECT_EQ(e.path, selection.uri_prefix);
            break;
          case ExclusionScope::kRoute:
            EXPECT_EQ(e.path, "");
            break;
        }
        const bool matched = std::any_of(r.rules.begin(), r.rules.end(), [&](const LoggedRule& m) {
          if (m.source != "waf" || m.id != e.rule_id) return false;
          if (!e.target.empty()) return m.var == e.target;
          return m.var.empty() || m.var.rfind("TX:", 0) == 0 || m.var.rfind("tx:", 0) == 0;
        });
        // A record folded into a whole-rule exclusion matched the rule on some variable.
        const bool matched_rule = std::any_of(r.rules.begin(), r.rules.end(), [&](const auto& m) {
          return m.source == "waf" && m.id == e.rule_id;
        });
        EXPECT_TRUE(e.target.empty() ? matched_rule : matched)
            << e.rule_id << " " << e.target << " " << id;
      }
      if (e.target.empty()) {
        EXPECT_FALSE(e.reason.empty());
        const bool some_whole =
            std::any_of(e.request_ids.begin(), e.request_ids.end(), [&](const std::string& id) {
              for (const LoggedRule& m : marked[id]->rules) {
                if (m.id == e.rule_id && (m.var.empty() || m.var.rfind("TX:", 0) == 0)) return true;
              }
              return false;
            });
        EXPECT_TRUE(some_whole) << e.rule_id;
      }
      // Never a variable the log writes unsafely, never an unwritable path.
      EXPECT_EQ(e.target.find(' '), std::string::npos);
      EXPECT_EQ(e.path.find(' '), std::string::npos);
      EXPECT_EQ(e.path.find('%'), std::string::npos);
    }

    // Replaying against the log, checked by an independent reading of the proposal.
    std::vector<std::string> expected_affected;
    size_t marked_index = 0;
    for (const AttackRecord& r : records) {
      std::vector<std::string> removed;
      for (const LoggedRule& m : r.rules) {
        if (m.source == "waf" && !IsOutcomeRule(m.id) && CoveredByOracle(plan.exclusions, r, m)) {
          removed.push_back(m.var.empty() ? m.id : m.id + " on " + m.var);
        }
      }
      if (marked.count(r.request_id) != 0) {
        ASSERT_LT(marked_index, plan.marked.size());
        EXPECT_EQ(plan.marked[marked_index].request_id, r.request_id);
        EXPECT_EQ(plan.marked[marked_index].removed, removed) << r.request_id;
        ++marked_index;
      } else if (!removed.empty()) {
        expected_affected.push_back(r.request_id);
      }
    }
    EXPECT_EQ(RequestIds(plan.also_affected), expected_affected) << "round " << round;
    also_affected_seen += expected_affected.size();
  }
  // The generator must exercise the properties, not skip them.
  EXPECT_GT(plans, 200u);
  EXPECT_GT(exclusions_checked, 300u);
  EXPECT_GT(also_affected_seen, 100u);
}

TEST(ReviewExclusion, RenderWritesTheExactSecLang) {
  const std::vector<ProposedExclusion> exclusions = {
      Exclusion("blog", "942100", "ARGS:comment", ExclusionScope::kPath, "/blog/post",
                {"r1", "r2"}),
      Exclusion("blog", "920420", "", ExclusionScope::kPrefix, "/blog/", {"r3"},
                "the whole rule: because"),
      Exclusion("blog", "942100", "ARGS:comment", ExclusionScope::kRoute, "", {"r4"}),
  };
  EXPECT_EQ(
      RenderExclusions(exclusions, 10000),
      "# rampart tune: route=blog rule=942100 target=ARGS:comment scope=path "
      "path=/blog/post\n"
      "# false positives: r1, r2\n"
      "SecRule REQUEST_FILENAME \"@streq /blog/post\" \"id:10000,phase:1,pass,nolog,chain\"\n"
      "  SecRule REQUEST_FILENAME \"!@rx (?:^|/)\\.\\.?(?:/|$)\" "
      "\"ctl:ruleRemoveTargetById=942100;ARGS:comment\"\n"
      "\n"
      "# rampart tune: route=blog rule=920420 target=* scope=prefix path=/blog/\n"
      "# false positives: r3\n"
      "# the whole rule: because\n"
      "SecRule REQUEST_FILENAME \"@beginsWith /blog/\" \"id:10001,phase:1,pass,nolog,chain\"\n"
      "  SecRule REQUEST_FILENAME \"!@rx (?:^|/)\\.\\.?(?:/|$)\" "
      "\"ctl:ruleRemoveById=920420\"\n"
      "\n"
      "# rampart tune: route=blog rule=942100 target=ARGS:comment scope=route path=\n"
      "# false positives: r4\n"
      "SecAction \"id:10002,phase:1,pass,nolog,ctl:ruleRemoveTargetById=942100;ARGS:comment\"\n");
  EXPECT_EQ(RenderExclusions({}, 10000), "");
}

TEST(ReviewExclusion, RenderKeepsCommentsOnOneLine) {
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) ids.push_back("id" + std::to_string(i));
  ids[0] = "evil\nSecRuleEngine Off";
  const std::string text = RenderExclusions(
      {Exclusion("blog", "942100", "ARGS:a", ExclusionScope::kPath, "/p", ids)}, 1);
  EXPECT_NE(text.find("# false positives: evil\\x0aSecRuleEngine Off, id1, "), std::string::npos)
      << text;
  EXPECT_NE(text.find("id9 and 2 more\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("\nSecRuleEngine"), std::string::npos) << text;
}

TEST(ReviewExclusion, PlanJsonHasTheDashboardsShape) {
  const std::vector<AttackRecord> records = {
      Record("r1", "blog", "/blog/post?c=\"x\"", {Match("942100", "ARGS:comment")}),
      Record("u1", "blog", "/blog/post", {Match("942100", "ARGS:comment")}),
      Record("s1", "blog", "/blog/post", {Match("sig-1", "", "", "signatures")}),
  };
  FalsePositiveSelection selection = Ids({"r1", "s1"});
  const TunePlan plan = MustPlan(records, selection);
  const auto json = test::ParseJson(TunePlanJson(plan, 20000));
  ASSERT_TRUE(json.has_value()) << TunePlanJson(plan, 20000);
  ASSERT_TRUE(json->is_object());
  std::vector<std::string> keys;
  for (const auto& [key, value] : json->object) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"exclusions", "seclang", "marked", "also_affected",
                                            "notes"}));

  const test::JsonValue* exclusions = json->Find("exclusions");
  ASSERT_TRUE(exclusions != nullptr && exclusions->is_array());
  ASSERT_EQ(exclusions->array.size(), 1u);
  const test::JsonValue& e = exclusions->array[0];
  EXPECT_EQ(e.NumberAt("id"), 20000);
  EXPECT_EQ(e.StringAt("route"), "blog");
  EXPECT_EQ(e.StringAt("rule"), "942100");
  EXPECT_EQ(e.StringAt("target"), "ARGS:comment");
  EXPECT_EQ(e.StringAt("scope"), "path");
  EXPECT_EQ(e.StringAt("path"), "/blog/post");
  EXPECT_EQ(e.StringAt("reason"), "");
  const test::JsonValue* ids = e.Find("request_ids");
  ASSERT_TRUE(ids != nullptr && ids->is_array());
  ASSERT_EQ(ids->array.size(), 1u);
  EXPECT_EQ(ids->array[0].string, "r1");

  EXPECT_EQ(json->StringAt("seclang"), RenderExclusions(plan.exclusions, 20000));

  const test::JsonValue* marked = json->Find("marked");
  ASSERT_TRUE(marked != nullptr && marked->is_array());
  ASSERT_EQ(marked->array.size(), 2u);
  const test::JsonValue& m = marked->array[0];
  EXPECT_EQ(m.StringAt("request_id"), "r1");
  EXPECT_EQ(m.StringAt("time"), "2026-11-23T21:07:51.123Z");
  EXPECT_EQ(m.StringAt("route"), "blog");
  EXPECT_EQ(m.StringAt("uri"), "/blog/post?c=\"x\"");
  EXPECT_EQ(m.StringAt("action"), "blocked");
  ASSERT_NE(m.Find("removed"), nullptr);
  ASSERT_EQ(m.Find("removed")->array.size(), 1u);
  EXPECT_EQ(m.Find("removed")->array[0].string, "942100 on ARGS:comment");
  ASSERT_NE(m.Find("remaining"), nullptr);
  EXPECT_TRUE(m.Find("remaining")->is_array());
  ASSERT_NE(m.Find("would_pass"), nullptr);
  EXPECT_EQ(m.Find("would_pass")->type, test::JsonValue::Type::kBool);
  EXPECT_TRUE(m.Find("would_pass")->boolean);
  EXPECT_FALSE(marked->array[1].Find("would_pass")->boolean);  // s1: the signatures stage

  const test::JsonValue* also = json->Find("also_affected");
  ASSERT_TRUE(also != nullptr && also->is_array());
  ASSERT_EQ(also->array.size(), 1u);
  EXPECT_EQ(also->array[0].StringAt("request_id"), "u1");
  const test::JsonValue* notes = json->Find("notes");
  ASSERT_TRUE(notes != nullptr && notes->is_array());
  ASSERT_EQ(notes->array.size(), plan.notes.size());
  EXPECT_EQ(notes->array[0].string, plan.notes[0]);
}

TEST(ReviewExclusion, PlanTextShowsTheSecLangAndWhatPasses) {
  const std::vector<AttackRecord> records = {
      Record("r1", "blog", "/blog/post", {Match("942100", "ARGS:comment")}),
      Record("u1", "blog", "/blog/post\x1b[2J", {Match("942100", "ARGS:q")}),
  };
  const TunePlan plan = MustPlan(records, Ids({"r1"}));
  const std::string text = TunePlanText(plan, 10000);
  EXPECT_EQ(text.rfind(RenderExclusions(plan.exclusions, 10000), 0), 0u) << text;
  EXPECT_NE(text.find("marked as false positives: 1 (1 would pass)"), std::string::npos) << text;
  EXPECT_NE(text.find("r1  2026-11-23T21:07:51.123Z  blog  /blog/post  blocked: would pass"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("removed: 942100 on ARGS:comment"), std::string::npos) << text;
  EXPECT_NE(text.find("other records it reaches: 0"), std::string::npos) << text;

  const std::vector<AttackRecord> nothing = {
      Record("s1", "blog", "/p\x1b[2J", {Match("sig-1", "", "", "signatures")}, std::nullopt,
             "blocked", "signatures"),
  };
  const std::string none = TunePlanText(MustPlan(nothing, Ids({"s1"})), 10000);
  EXPECT_EQ(none.rfind("# no exclusion to propose", 0), 0u) << none;
  EXPECT_NE(none.find("still stopped"), std::string::npos) << none;
  EXPECT_NE(none.find("notes:\n  - left alone: signatures rule sig-1"), std::string::npos) << none;
  EXPECT_EQ(none.find('\x1b'), std::string::npos);  // no terminal escapes from the log
}

TEST(ReviewExclusion, AppendCreatesTheFileAndIsIdempotent) {
  TempDir dir;
  const std::string file = dir.File("blog-exclusions.conf");
  const std::vector<ProposedExclusion> first = {
      Exclusion("blog", "942100", "ARGS:comment", ExclusionScope::kPath, "/blog/post", {"r1"}),
      Exclusion("blog", "920420", "", ExclusionScope::kPath, "/blog/post", {"r1"}, "why"),
  };
  auto added = AppendExclusionFile(file, first, 10000);
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_EQ(added->added, 2u);
  EXPECT_EQ(added->ids, (std::vector<std::optional<uint32_t>>{10000, 10001}));
  EXPECT_EQ(added->seclang, RenderExclusions(first, 10000));
  const std::string created = ReadFile(file);
  EXPECT_EQ(created.rfind("# CRS exclusions written by `rampart tune`", 0), 0u) << created;
  EXPECT_NE(created.find("route blog's waf.before_crs"), std::string::npos) << created;
  EXPECT_NE(created.find("Review every exclusion"), std::string::npos) << created;
  EXPECT_NE(created.find(RenderExclusions(first, 10000)), std::string::npos) << created;

  // The same exclusions again (other request ids do not make them new): nothing added, the file
  // untouched.
  std::vector<ProposedExclusion> again = first;
  again[0].request_ids = {"r9"};
  added = AppendExclusionFile(file, again, 10000);
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_EQ(added->added, 0u);
  EXPECT_EQ(added->ids, (std::vector<std::optional<uint32_t>>{std::nullopt, std::nullopt}));
  EXPECT_EQ(added->seclang, "");
  EXPECT_EQ(ReadFile(file), created);

  // One new among old ones: only it, with the next id, after the existing text as it was.
  again.push_back(
      Exclusion("blog", "942100", "ARGS:comment", ExclusionScope::kPath, "/blog/edit", {"r5"}));
  added = AppendExclusionFile(file, again, 10000);
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_EQ(added->added, 1u);
  EXPECT_EQ(added->ids, (std::vector<std::optional<uint32_t>>{std::nullopt, std::nullopt, 10002}));
  const std::string grown = ReadFile(file);
  EXPECT_EQ(grown, created + "\n" + RenderExclusions({again[2]}, 10002));
  EXPECT_EQ(grown, created + "\n" + added->seclang);
}

TEST(ReviewExclusion, AppendContinuesAfterTheHighestIdInTheFile) {
  TempDir dir;
  const std::string file = dir.File("hand.conf");
  const std::string hand_written =
      "# by hand\n"
      "SecRule REQUEST_FILENAME \"@streq /x\" \"id:10007,phase:1,pass,nolog,"
      "ctl:ruleRemoveById=941100\"\n"
      "SecAction \"id:9,phase:1,pass,nolog\"";  // no final newline
  WriteFile(file, hand_written);
  const std::vector<ProposedExclusion> one = {
      Exclusion("blog", "942100", "ARGS:a", ExclusionScope::kRoute, "", {"r1"}),
  };
  auto added = AppendExclusionFile(file, one, 10000);
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_EQ(added->added, 1u);
  EXPECT_EQ(added->ids, std::vector<std::optional<uint32_t>>{10008});
  EXPECT_EQ(added->seclang, RenderExclusions(one, 10008));
  EXPECT_EQ(ReadFile(file), hand_written + "\n\n" + RenderExclusions(one, 10008));

  // An id in a comment (request ids come from the log, and clients may choose them) is no id.
  const std::vector<ProposedExclusion> tricky = {
      Exclusion("blog", "942100", "ARGS:b", ExclusionScope::kRoute, "", {"x id:4294967295"}),
  };
  ASSERT_TRUE(AppendExclusionFile(file, tricky, 10000).ok());
  const std::vector<ProposedExclusion> next = {
      Exclusion("blog", "942100", "ARGS:c", ExclusionScope::kRoute, "", {"r2"}),
  };
  added = AppendExclusionFile(file, next, 10000);
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_NE(ReadFile(file).find("\"id:10010,phase:1,pass,nolog,ctl:ruleRemoveTargetById=942100;"
                                "ARGS:c\""),
            std::string::npos)
      << ReadFile(file);

  // Ids below first_id do not pull new ones down into them.
  const std::string low = dir.File("low.conf");
  WriteFile(low, "SecAction \"id:12,phase:1,pass,nolog\"\n");
  ASSERT_TRUE(AppendExclusionFile(low, one, 10000).ok());
  EXPECT_NE(ReadFile(low).find("\"id:10000,"), std::string::npos) << ReadFile(low);

  // A file that cannot be written is an error, not a silent loss.
  const auto refused = AppendExclusionFile(dir.File("missing-dir/x.conf"), one, 10000);
  EXPECT_FALSE(refused.ok());
}

TEST(ReviewExclusion, AppendKeepsTheFilesOwnerGroupAndMode) {
  if (::geteuid() != 0) GTEST_SKIP() << "giving a file to another owner needs root";
  TempDir dir;
  const std::string file = dir.File("blog-exclusions.conf");
  WriteFile(file, "# the web team's file\n");
  ASSERT_EQ(::chown(file.c_str(), 4242, 4343), 0);
  ASSERT_EQ(::chmod(file.c_str(), 0640), 0);
  const std::vector<ProposedExclusion> one = {
      Exclusion("blog", "942100", "ARGS:a", ExclusionScope::kRoute, "", {"r1"}),
  };
  auto added = AppendExclusionFile(file, one, 10000);
  ASSERT_TRUE(added.ok()) << added.error().message;
  ASSERT_EQ(added->added, 1u);
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 4242u);
  EXPECT_EQ(st.st_gid, 4343u);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_NE(ReadFile(file).find("ARGS:a"), std::string::npos);
}

// From real CRS blocks to a proposal and back through the real CRS: the exclusion file loads,
// lets the marked request through, and the replay says of every other logged request exactly
// what libmodsecurity then does with it.
TEST(ReviewExclusion, ProposalLoadsInModSecurityAndTheReplayMatchesIt) {
  RAMPART_REQUIRE_CRS();
  namespace tu = modsec::test_util;
  const std::string sqli = "1'%20OR%201=1--";
  struct Logged {
    std::string request_id;
    std::string uri;
    bool listed;  // expected in also_affected
  };
  const std::vector<Logged> log = {
      {"marked", "/blog/post?comment=" + sqli, false},
      {"same", "/blog/post?page=2&comment=" + sqli, true},
      {"encoded-path", "/blog/p%6fst?comment=" + sqli, true},
      {"two-vars", "/blog/post?comment=" + sqli + "&q=" + sqli, true},
      {"other-var", "/blog/post?q=" + sqli, false},
      {"other-path", "/blog/other?comment=" + sqli, false},
      {"longer-path", "/blog/post/x?comment=" + sqli, false},
      // REQUEST_FILENAME keeps dot segments: these must not be let through.
      {"dot-segment", "/blog/./post?comment=" + sqli, false},
      {"dot-dot-segment", "/blog/x/../post?comment=" + sqli, false},
  };
  const auto base = tu::MustCompile(modsec::Policy{});
  ASSERT_NE(base, nullptr);
  std::vector<AttackRecord> records;
  for (const Logged& l : log) {
    const tu::Outcome blocked = tu::RunExchange(base, tu::Get(l.uri));
    ASSERT_TRUE(blocked.verdict.has_value()) << l.uri << " " << blocked.Ids();
    AttackRecord record = Record(l.request_id, "blog", l.uri, {}, blocked.scores.inbound);
    for (const modsec::Finding& f : blocked.findings) {
      record.rules.push_back(
          Match(std::to_string(f.id), f.var, core::ToLower(modsec::SeverityName(f.severity))));
    }
    records.push_back(std::move(record));
  }

  const TunePlan plan = MustPlan(records, Ids({"marked"}));
  ASSERT_FALSE(plan.exclusions.empty()) << NotesOf(plan);
  for (const ProposedExclusion& e : plan.exclusions) EXPECT_EQ(e.target, "ARGS:comment");
  ASSERT_EQ(plan.marked.size(), 1u);
  EXPECT_TRUE(plan.marked[0].would_pass);

  TempDir dir;
  const std::string file = dir.File("blog-exclusions.conf");
  ASSERT_TRUE(AppendExclusionFile(file, plan.exclusions, 10000).ok());
  modsec::Policy tuned;
  tuned.before_crs = {file};
  const auto policy = tu::MustCompile(tuned);
  ASSERT_NE(policy, nullptr) << ReadFile(file);

  std::map<std::string, const AffectedRecord*> replayed;
  for (const AffectedRecord& r : plan.also_affected) replayed[r.request_id] = &r;
  replayed["marked"] = &plan.marked[0];
  for (const Logged& l : log) {
    const tu::Outcome now = tu::RunExchange(policy, tu::Get(l.uri));
    if (l.request_id != "marked") {
      EXPECT_EQ(replayed.count(l.request_id) == 1, l.listed) << l.request_id;
    }
    const bool would_pass = replayed.count(l.request_id) == 1 && replayed[l.request_id]->would_pass;
    EXPECT_EQ(would_pass, !now.verdict.has_value()) << l.request_id << " " << now.Ids();
  }
}

// libmodsecurity leaves dot segments in REQUEST_FILENAME: "/blog/./post" and "/blog/x/../post"
// begin with "/blog/" as text. The chained condition keeps the exclusion off them.
TEST(ReviewExclusion, PathExclusionsSkipDotSegmentsInModSecurity) {
  RAMPART_REQUIRE_CRS();
  namespace tu = modsec::test_util;
  const std::string sqli = "1'%20OR%201=1--";
  TempDir dir;
  const std::string file = dir.File("blog-exclusions.conf");
  const std::vector<ProposedExclusion> exclusions = {
      Exclusion("blog", "942100", "ARGS:comment", ExclusionScope::kPrefix, "/blog/", {"r1"}),
      Exclusion("blog", "942100", "ARGS:comment", ExclusionScope::kPath, "/other/post", {"r2"}),
  };
  ASSERT_TRUE(AppendExclusionFile(file, exclusions, 10000).ok());
  modsec::Policy tuned;
  tuned.before_crs = {file};
  const auto policy = tu::MustCompile(tuned);
  ASSERT_NE(policy, nullptr) << ReadFile(file);
  auto stopped = [&](const std::string& uri) {
    const tu::Outcome outcome = tu::RunExchange(policy, tu::Get(uri));
    return outcome.verdict.has_value() && outcome.Ids().find("942100") != std::string::npos;
  };
  EXPECT_FALSE(stopped("/blog/post?comment=" + sqli));
  EXPECT_FALSE(stopped("/other/post?comment=" + sqli));
  EXPECT_TRUE(stopped("/blog/./post?comment=" + sqli));
  EXPECT_TRUE(stopped("/blog/x/../post?comment=" + sqli));
  EXPECT_TRUE(stopped("/blog/x/%2e%2e/other/post?comment=" + sqli));
  EXPECT_TRUE(stopped("/blog/post?q=" + sqli));
}

}  // namespace
}  // namespace rampart::review
