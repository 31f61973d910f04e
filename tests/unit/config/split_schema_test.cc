// A route's `split`: value rules (A/B), weighted targets (canary, blue-green), stickiness.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "config/loader.h"
#include "load_helpers.h"

namespace rampart::config {
namespace {

using test_util::Errors;
using test_util::Load;
using ::testing::ElementsAre;

// Pools stable, beta and canary, and one route whose body `route` starts at line 8 (the route
// item itself is line 7).
std::string Split(const std::string& route) {
  return "listen: [{address: 127.0.0.1:8080}]\n"               // 1
         "pools:\n"                                            // 2
         "  stable: {servers: [{address: 127.0.0.1:9000}]}\n"  // 3
         "  beta: {servers: [{address: 127.0.0.1:9001}]}\n"    // 4
         "  canary: {servers: [{address: 127.0.0.1:9002}]}\n"  // 5
         "routes:\n"                                           // 6
         "  - match: {path_prefix: /}\n" +                     // 7
         route;
}

// Split() with `targets` as the list under split.to (line 10 on), after "split:" (8) and
// "to:" (9).
std::string SplitTo(const std::string& targets) {
  return Split("    split:\n      to:\n" + targets);
}

TEST(SplitSchemaTest, ValueRulesAndWeights) {
  const Config c =
      Load(Split("    split:\n"                                            // 8
                 "      sticky: \"cookie:uid\"\n"                          // 9
                 "      to:\n"                                             // 10
                 "        - {pool: beta, header: X-Beta, value: \"1\"}\n"  // 11
                 "        - {pool: beta, cookie: ab, value: b}\n"          // 12
                 "        - {pool: stable, weight: 90}\n"                  // 13
                 "        - {pool: canary, weight: 10}\n"));               // 14
  const RouteConfig& route = c.routes.at(0);
  EXPECT_TRUE(route.pool.empty());
  ASSERT_TRUE(route.split.has_value());
  const SplitConfig& split = *route.split;
  ASSERT_TRUE(split.sticky.has_value());
  EXPECT_EQ(split.sticky->kind, HashKeyConfig::Kind::kCookie);
  EXPECT_EQ(split.sticky->name, "uid");
  ASSERT_EQ(split.to.size(), 4u);
  EXPECT_EQ(split.to[0].pool, "beta");
  EXPECT_EQ(split.to[0].header, "X-Beta");
  EXPECT_EQ(split.to[0].cookie, "");
  EXPECT_EQ(split.to[0].value, "1");
  EXPECT_EQ(split.to[0].weight, 0u);
  EXPECT_EQ(split.to[0].mark.file, "t.yaml");
  EXPECT_EQ(split.to[0].mark.line, 11);
  EXPECT_EQ(split.to[1].cookie, "ab");
  EXPECT_EQ(split.to[1].header, "");
  EXPECT_EQ(split.to[1].value, "b");
  EXPECT_EQ(split.to[2].pool, "stable");
  EXPECT_EQ(split.to[2].weight, 90u);
  EXPECT_EQ(split.to[2].header, "");
  EXPECT_EQ(split.to[2].value, "");
  EXPECT_EQ(split.to[3].pool, "canary");
  EXPECT_EQ(split.to[3].weight, 10u);
  EXPECT_EQ(split.to[3].mark.line, 14);
}

TEST(SplitSchemaTest, DefaultsAndBlueGreen) {
  // Not sticky by default; a weight of 0 parks a pool (blue-green), an empty value is allowed.
  const Config c =
      Load(SplitTo("        - {pool: beta, header: X-Beta, value: \"\"}\n"
                   "        - {pool: stable, weight: 0}\n"
                   "        - {pool: canary, weight: 10000}\n"));
  const SplitConfig& split = c.routes.at(0).split.value();
  EXPECT_FALSE(split.sticky.has_value());
  EXPECT_EQ(split.to.at(0).value, "");
  EXPECT_EQ(split.to.at(1).weight, 0u);
  EXPECT_EQ(split.to.at(2).weight, 10000u);
}

TEST(SplitSchemaTest, StickyKinds) {
  using Kind = HashKeyConfig::Kind;
  const auto sticky = [](const std::string& key) {
    const Config c = Load(
        Split("    split:\n      sticky: \"" + key + "\"\n      to: [{pool: beta, weight: 1}]\n"));
    return c.routes.at(0).split.value().sticky.value();
  };
  EXPECT_EQ(sticky("client_ip").kind, Kind::kClientIp);
  EXPECT_EQ(sticky("path").kind, Kind::kPath);
  EXPECT_EQ(sticky("header:X-User").kind, Kind::kHeader);
  EXPECT_EQ(sticky("header:X-User").name, "X-User");
}

TEST(SplitSchemaTest, SplitCombinesWithOtherRouteKeys) {
  const Config c =
      Load(Split("    strip_prefix: true\n    split: {to: [{pool: beta, weight: 1}]}\n"));
  EXPECT_TRUE(c.routes.at(0).strip_prefix);
  EXPECT_EQ(c.routes.at(0).split.value().to.at(0).pool, "beta");
}

// ---- Errors ----

TEST(SplitSchemaErrorTest, ExactlyOneOfPoolSplitOrRedirect) {
  const std::string rule = "a route needs exactly one of pool, split, redirect or static";
  EXPECT_THAT(Errors(Split("    pool: stable\n    split: {to: [{pool: beta, weight: 1}]}\n")),
              ElementsAre("t.yaml:7: routes[0]: has both pool and split; " + rule));
  EXPECT_THAT(Errors(Split("    redirect: {to: /}\n    split: {to: [{pool: beta, weight: 1}]}\n")),
              ElementsAre("t.yaml:7: routes[0]: has both split and redirect; " + rule));
  EXPECT_THAT(Errors(Split("    pool: stable\n    redirect: {to: /}\n"
                           "    split: {to: [{pool: beta, weight: 1}]}\n")),
              ElementsAre("t.yaml:7: routes[0]: has pool, split and redirect; " + rule));
}

TEST(SplitSchemaErrorTest, TargetsRequired) {
  EXPECT_THAT(Errors(Split("    split: {}\n")),
              ElementsAre("t.yaml:8: routes[0].split.to: required"));
  EXPECT_THAT(Errors(Split("    split: {to: []}\n")),
              ElementsAre("t.yaml:8: routes[0].split.to: at least one target is required"));
  EXPECT_THAT(Errors(Split("    split: {to: beta}\n")),
              ElementsAre("t.yaml:8: routes[0].split.to: expected a list"));
  EXPECT_THAT(Errors(Split("    split: [beta]\n")),
              ElementsAre("t.yaml:8: routes[0].split: expected a map"));
  EXPECT_THAT(Errors(Split("    split: {to: [{pool: beta, weight: 1}], mode: ab}\n")),
              ElementsAre("t.yaml:8: routes[0].split.mode: unknown key"));
}

TEST(SplitSchemaErrorTest, TargetPool) {
  EXPECT_THAT(Errors(SplitTo("        - {weight: 1}\n")),
              ElementsAre("t.yaml:10: routes[0].split.to[0].pool: required"));
  EXPECT_THAT(Errors(SplitTo("        - {pool: betta, weight: 1}\n")),
              ElementsAre("t.yaml:10: routes[0].split.to[0].pool: unknown pool 'betta'"));
  EXPECT_THAT(Errors(SplitTo("        - {pool: beta, weight: 1, mirror: true}\n")),
              ElementsAre("t.yaml:10: routes[0].split.to[0].mirror: unknown key"));
}

TEST(SplitSchemaErrorTest, TargetKind) {
  EXPECT_THAT(Errors(SplitTo("        - {pool: beta, weight: 1, header: X-Beta, value: \"1\"}\n")),
              ElementsAre("t.yaml:10: routes[0].split.to[0]: a target has either weight or a "
                          "value rule (header or cookie, and value)"));
  EXPECT_THAT(Errors(SplitTo("        - {pool: beta}\n")),
              ElementsAre("t.yaml:10: routes[0].split.to[0]: needs weight, or header or cookie "
                          "and value"));
  EXPECT_THAT(Errors(SplitTo("        - {pool: beta, header: X-Beta, cookie: ab, value: \"1\"}\n"
                             "        - {pool: stable, weight: 1}\n")),
              ElementsAre("t.yaml:10: routes[0].split.to[0]: needs header or cookie, not both"));
  EXPECT_THAT(Errors(SplitTo("        - {pool: beta, value: \"1\"}\n"
                             "        - {pool: stable, weight: 1}\n")),
              ElementsAre("t.yaml:10: routes[0].split.to[0]: value needs header or cookie"));
  EXPECT_THAT(Errors(SplitTo("        - {pool: beta, header: X-Beta}\n"
                             "        - {pool: stable, weight: 1}\n")),
              ElementsAre("t.yaml:10: routes[0].split.to[0].value: required"));
}

TEST(SplitSchemaErrorTest, TargetValues) {
  EXPECT_THAT(
      Errors(SplitTo("        - {pool: beta, header: \"X Beta\", value: \"1\"}\n"        // 10
                     "        - {pool: beta, cookie: \"a=b\", value: \"1\"}\n"           // 11
                     "        - {pool: beta, header: X-Beta, value: \"1\\r\\nX: y\"}\n"  // 12
                     "        - {pool: beta, cookie: ab, value: [1]}\n"                  // 13
                     "        - {pool: stable, weight: 10001}\n"                         // 14
                     "        - {pool: stable, weight: -1}\n"                            // 15
                     "        - {pool: stable, weight: 1}\n")),                          // 16
      ElementsAre("t.yaml:10: routes[0].split.to[0].header: invalid header name",
                  "t.yaml:11: routes[0].split.to[1].cookie: invalid cookie name",
                  "t.yaml:12: routes[0].split.to[2].value: must not contain CR, LF or NUL",
                  "t.yaml:13: routes[0].split.to[3].value: expected a string",
                  "t.yaml:14: routes[0].split.to[4].weight: must be between 0 and 10000",
                  "t.yaml:15: routes[0].split.to[5].weight: must be between 0 and 10000"));
}

TEST(SplitSchemaErrorTest, NeedsAWeightedDefault) {
  const std::string at =
      "t.yaml:9: routes[0].split.to: needs a target with a weight above 0 (it "
      "takes what no value rule matches)";
  EXPECT_THAT(Errors(SplitTo("        - {pool: beta, header: X-Beta, value: \"1\"}\n")),
              ElementsAre(at));
  EXPECT_THAT(
      Errors(SplitTo("        - {pool: beta, weight: 0}\n        - {pool: stable, weight: 0}\n")),
      ElementsAre(at));
  // Not when a weight could not be read: that error is enough.
  EXPECT_THAT(Errors(SplitTo("        - {pool: beta, weight: x}\n")),
              ElementsAre("t.yaml:10: routes[0].split.to[0].weight: expected an integer"));
}

TEST(SplitSchemaErrorTest, BadSticky) {
  EXPECT_THAT(Errors(Split("    split:\n      sticky: ip\n      to: [{pool: beta, weight: 1}]\n")),
              ElementsAre("t.yaml:9: routes[0].split.sticky: expected client_ip, path, "
                          "header:<name> or cookie:<name>"));
  EXPECT_THAT(
      Errors(Split("    split:\n      sticky: \"cookie:\"\n      to: [{pool: beta, weight: 1}]\n")),
      ElementsAre("t.yaml:9: routes[0].split.sticky: invalid cookie name ''"));
}

}  // namespace
}  // namespace rampart::config
