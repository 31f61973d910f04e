// Judging go-ftw output blocks (tests/crs/ftw_expectation.h).

#include "crs/ftw_expectation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace rampart::crs {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Observation Saw(int status, std::vector<int> ids) {
  Observation o;
  o.status = status;
  for (int id : ids) o.rules.push_back({id, "msg of " + std::to_string(id), "data", 2, {"t"}});
  return o;
}

TEST(FtwExpectationTest, IdsOfPattern) {
  EXPECT_THAT(*IdsOfPattern("id \"942100\""), ElementsAre(942100));
  EXPECT_THAT(*IdsOfPattern("  id \"942100\" "), ElementsAre(942100));
  EXPECT_THAT(*IdsOfPattern("id \"1\"|id \"22\""), ElementsAre(1, 22));
  EXPECT_FALSE(IdsOfPattern("930120"));
  EXPECT_FALSE(IdsOfPattern("id:921140"));
  EXPECT_FALSE(IdsOfPattern("id \"942480"));
  EXPECT_FALSE(IdsOfPattern("id \"94.*\""));
  EXPECT_FALSE(IdsOfPattern(""));
}

TEST(FtwExpectationTest, LogContainsById) {
  FtwOutput out;
  out.log_contains = "id \"942100\"";
  Judgement j = Judge(out, Saw(200, {942100, 949110, 999999}));
  EXPECT_TRUE(j.pass) << j.reason;
  EXPECT_FALSE(j.synthetic_log);
  j = Judge(out, Saw(200, {942101, 999999}));
  EXPECT_FALSE(j.pass);
  EXPECT_EQ(j.reason, "log_contains 'id \"942100\"' not found; matched [942101]");
}

TEST(FtwExpectationTest, NoLogContainsById) {
  FtwOutput out;
  out.no_log_contains = "id \"920181\"";
  EXPECT_TRUE(Judge(out, Saw(200, {})).pass);
  const Judgement j = Judge(out, Saw(200, {920181}));
  EXPECT_FALSE(j.pass);
  EXPECT_THAT(j.reason, HasSubstr("found; matched [920181]"));
}

TEST(FtwExpectationTest, OtherPatternsUseTheSyntheticLog) {
  FtwOutput out;
  out.log_contains = "930120";
  Judgement j = Judge(out, Saw(200, {930120}));
  EXPECT_TRUE(j.pass);
  EXPECT_TRUE(j.synthetic_log);
  EXPECT_THAT(j.reason, HasSubstr("synthetic log"));

  out.log_contains = "id \"942480";  // unterminated: a prefix
  EXPECT_TRUE(Judge(out, Saw(200, {942480})).pass);
  EXPECT_FALSE(Judge(out, Saw(200, {942470})).pass);

  FtwOutput never;
  never.no_log_contains = "id:921140";  // never in a ModSecurity log line
  j = Judge(never, Saw(200, {921140}));
  EXPECT_TRUE(j.pass);
  EXPECT_TRUE(j.synthetic_log);

  FtwOutput bad;
  bad.log_contains = "id \"(";
  j = Judge(bad, Saw(200, {1}));
  EXPECT_FALSE(j.pass);
  EXPECT_THAT(j.reason, HasSubstr("does not compile"));
}

TEST(FtwExpectationTest, SyntheticLogLine) {
  EXPECT_EQ(SyntheticLogLine({942100, "SQL \"x\"", "a\\b", 2, {"attack-sqli", "PL1"}}),
            "ModSecurity: Warning. [id \"942100\"] [msg \"SQL \\\"x\\\"\"] [data \"a\\\\b\"] "
            "[severity \"2\"] [tag \"attack-sqli\"] [tag \"PL1\"]");
  EXPECT_EQ(SyntheticLogLine({1, "", "", -1, {}}),
            "ModSecurity: Warning. [id \"1\"] [msg \"\"] [data \"\"]");
}

TEST(FtwExpectationTest, Status) {
  FtwOutput out;
  out.status = {403, 400};
  EXPECT_TRUE(Judge(out, Saw(400, {})).pass);
  const Judgement j = Judge(out, Saw(200, {}));
  EXPECT_FALSE(j.pass);
  EXPECT_EQ(j.reason, "status 200, expected 403|400");
  // Every check present must hold.
  out.log_contains = "id \"1\"";
  EXPECT_FALSE(Judge(out, Saw(403, {2})).pass);
  EXPECT_TRUE(Judge(out, Saw(403, {1})).pass);
}

TEST(FtwExpectationTest, ExpectErrorAndTransportErrors) {
  FtwOutput out;
  out.expect_error = true;
  Observation reset;
  reset.transport_error = true;
  reset.transport_error_text = "connection reset";
  EXPECT_TRUE(Judge(out, reset).pass);
  const Judgement j = Judge(out, Saw(400, {}));
  EXPECT_FALSE(j.pass);
  EXPECT_EQ(j.reason, "expected a connection error, got status 400");

  FtwOutput normal;
  normal.log_contains = "id \"1\"";
  const Judgement t = Judge(normal, reset);
  EXPECT_FALSE(t.pass);
  EXPECT_EQ(t.reason, "transport error: connection reset");
}

TEST(FtwExpectationTest, ResponseContainsAndLogBlock) {
  FtwOutput out;
  out.response_contains = "req-[0-9]+";
  Observation o = Saw(403, {920100, 920200});
  o.response_body = "blocked: req-42";
  EXPECT_TRUE(Judge(out, o).pass);
  o.response_body = "ok";
  EXPECT_FALSE(Judge(out, o).pass);

  FtwOutput log;
  log.log = FtwLogExpect{{920100}, {942100}, "id \"9202", std::nullopt};
  EXPECT_TRUE(Judge(log, Saw(200, {920100, 920200})).pass);
  EXPECT_FALSE(Judge(log, Saw(200, {920100, 942100})).pass);
  EXPECT_FALSE(Judge(log, Saw(200, {920200})).pass);
}

TEST(FtwExpectationTest, UnknownRulesMakeAPartialJudgement) {
  FtwOutput out;
  out.log_contains = "id \"1\"";
  Observation o = Saw(200, {});
  o.rules_known = false;
  const Judgement j = Judge(out, o);
  EXPECT_TRUE(j.pass);
  EXPECT_TRUE(j.incomplete);
}

}  // namespace
}  // namespace rampart::crs
