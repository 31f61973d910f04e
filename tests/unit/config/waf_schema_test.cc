// A route's `waf` policy and the top-level `waf` section.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "config/loader.h"
#include "config_test_support.h"

namespace rampart::config {
namespace {

using namespace test_util;  // config_test_support.h
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// One pool and one route whose `waf` map starts at line 6 (its keys on line 7 on).
std::string Waf(const std::string& body) {
  return std::string(kOneRouteHead) + "    waf:\n" + body;
}

TEST(WafSchemaTest, EveryKeyFillsTheStruct) {
  TempFile before, after;
  const Config c =
      Load(Waf("      mode: detect\n"
               "      paranoia: 2\n"
               "      executing_paranoia: 3\n"
               "      inbound_threshold: 10\n"
               "      outbound_threshold: 8\n"
               "      allowed_methods: [GET, POST]\n"
               "      allowed_content_types: [application/json, text/plain]\n"
               "      allowed_http_versions: [HTTP/1.1, HTTP/2]\n"
               "      request_body: {limit: 1MiB, over_limit: inspect_partial}\n"
               "      response_inspection: {enabled: true, limit: 64KiB}\n"
               "      exclusions:\n"
               "        - {id: 942100}\n"
               "        - {id: \"920000-920999\"}\n"
               "        - {tag: attack-sqli}\n"
               "        - {id: 942100, target: \"ARGS:comment\"}\n"
               "      before_crs: [\"" +
               before.path() + "\"]\n      after_crs: [\"" + after.path() + "\"]\n"));
  ASSERT_EQ(c.routes.size(), 1u);
  ASSERT_TRUE(c.routes[0].waf.has_value());
  const WafConfig& w = *c.routes[0].waf;
  EXPECT_EQ(w.mode, WafConfig::Mode::kDetect);
  EXPECT_EQ(w.paranoia, 2u);
  EXPECT_EQ(w.executing_paranoia, 3u);
  EXPECT_EQ(w.inbound_threshold, 10u);
  EXPECT_EQ(w.outbound_threshold, 8u);
  EXPECT_EQ(w.allowed_methods, (std::vector<std::string>{"GET", "POST"}));
  EXPECT_EQ(w.allowed_content_types, (std::vector<std::string>{"application/json", "text/plain"}));
  EXPECT_EQ(w.allowed_http_versions, (std::vector<std::string>{"HTTP/1.1", "HTTP/2"}));
  EXPECT_EQ(w.request_body_limit, 1024u * 1024u);
  EXPECT_TRUE(w.request_body_inspect_partial);
  EXPECT_TRUE(w.response_inspection);
  EXPECT_EQ(w.response_body_limit, 64u * 1024u);
  ASSERT_EQ(w.exclusions.size(), 4u);
  EXPECT_EQ(w.exclusions[0].id, 942100u);
  EXPECT_EQ(w.exclusions[0].id_last, 0u);
  EXPECT_EQ(w.exclusions[1].id, 920000u);
  EXPECT_EQ(w.exclusions[1].id_last, 920999u);
  EXPECT_EQ(w.exclusions[2].tag, "attack-sqli");
  EXPECT_EQ(w.exclusions[3].id, 942100u);
  EXPECT_EQ(w.exclusions[3].target, "ARGS:comment");
  EXPECT_EQ(w.before_crs, (std::vector<std::string>{before.path()}));
  EXPECT_EQ(w.after_crs, (std::vector<std::string>{after.path()}));
}

TEST(WafSchemaTest, DefaultsAndNoWaf) {
  const Config c = Load(Waf("      mode: block\n      profile: crs\n"));
  const WafConfig& w = *c.routes.at(0).waf;
  EXPECT_EQ(w.profile, WafConfig::Profile::kCrs);
  EXPECT_EQ(w.paranoia, 1u);
  EXPECT_FALSE(w.paranoia_from_profile);
  EXPECT_TRUE(w.allowed_methods.empty());        // CRS's own
  EXPECT_TRUE(w.allowed_content_types.empty());  // CRS's own
  EXPECT_FALSE(c.routes.at(0).signatures.has_value());
  EXPECT_EQ(w.executing_paranoia, 0u);
  EXPECT_EQ(w.inbound_threshold, 5u);
  EXPECT_EQ(w.outbound_threshold, 4u);
  EXPECT_FALSE(w.request_body_inspect_partial);
  EXPECT_FALSE(w.response_inspection);
  EXPECT_EQ(c.waf.crs_dir, "/usr/share/modsecurity-crs");
  EXPECT_TRUE(c.waf.rules_dir.empty());
  EXPECT_TRUE(c.waf.block_page.empty());

  const Config none = Load(
      "listen: [{address: 127.0.0.1:8080}]\n"
      "pools: {app: {servers: [{address: 127.0.0.1:9000}]}}\n"
      "routes: [{match: {path_prefix: /}, pool: app}]\n");
  EXPECT_FALSE(none.routes.at(0).waf.has_value());
}

TEST(WafSchemaTest, TheBalancedProfileIsTheDefault) {
  const Config c = Load(Waf("      mode: block\n"));
  const WafConfig& w = *c.routes.at(0).waf;
  EXPECT_EQ(w.profile, WafConfig::Profile::kBalanced);
  EXPECT_EQ(w.paranoia, 3u);  // trimmed to its precise rules: paranoia_from_profile
  EXPECT_TRUE(w.paranoia_from_profile);
  EXPECT_EQ(w.executing_paranoia, 0u);
  EXPECT_EQ(w.inbound_threshold, 5u);
  EXPECT_THAT(w.allowed_methods, ::testing::Contains("PATCH"));
  EXPECT_THAT(w.allowed_content_types, ::testing::Contains("application/merge-patch+json"));
  EXPECT_THAT(w.allowed_content_types, ::testing::Contains("application/csp-report"));
  EXPECT_THAT(w.allowed_content_types, ::testing::Contains("application/json"));  // CRS's kept
  // Types no body processor reads are not in the list: the body views add them where they are
  // on (the policy builder), so that turning the views off refuses them again.
  EXPECT_TRUE(w.body_views);
  EXPECT_THAT(w.allowed_content_types, ::testing::Not(::testing::Contains("text/plain")));
  EXPECT_THAT(w.allowed_content_types,
              ::testing::Not(::testing::Contains("application/x-protobuf")));
  EXPECT_FALSE(Load(Waf("      body_views: false\n")).routes.at(0).waf->body_views);
  EXPECT_FALSE(Load(Waf("      profile: crs\n")).routes.at(0).waf->body_views);
  EXPECT_TRUE(
      Load(Waf("      profile: crs\n      body_views: true\n")).routes.at(0).waf->body_views);
  // The profile brings the signature packs to a route that does not mention them.
  ASSERT_TRUE(c.routes.at(0).signatures.has_value());
  EXPECT_TRUE(c.routes.at(0).signatures->enabled);
  EXPECT_FALSE(Load(Waf("      mode: block\n") + "    signatures: {enabled: false}\n")
                   .routes.at(0)
                   .signatures->enabled);
  EXPECT_FALSE(Load(Waf("      mode: off\n")).routes.at(0).signatures.has_value());
  // Nor in detect mode: signatures block, and detect refuses nothing.
  EXPECT_FALSE(Load(Waf("      mode: detect\n")).routes.at(0).signatures.has_value());
}

TEST(WafSchemaTest, KeysOverrideTheProfile) {
  // A paranoia asked for is CRS's level, with every rule of it.
  const WafConfig p2 = *Load(Waf("      paranoia: 2\n")).routes.at(0).waf;
  EXPECT_EQ(p2.profile, WafConfig::Profile::kBalanced);
  EXPECT_EQ(p2.paranoia, 2u);
  EXPECT_FALSE(p2.paranoia_from_profile);
  EXPECT_THAT(p2.allowed_content_types,
              ::testing::Contains("application/merge-patch+json"));  // still balanced
  // executing_paranoia alone: blocking at CRS's default level 1.
  const WafConfig e3 = *Load(Waf("      executing_paranoia: 3\n")).routes.at(0).waf;
  EXPECT_EQ(e3.paranoia, 1u);
  EXPECT_EQ(e3.executing_paranoia, 3u);
  EXPECT_FALSE(e3.paranoia_from_profile);
  const WafConfig types =
      *Load(Waf("      allowed_content_types: [application/json]\n")).routes.at(0).waf;
  EXPECT_EQ(types.allowed_content_types, (std::vector<std::string>{"application/json"}));
  EXPECT_THAT(Errors(Waf("      profile: strict\n")),
              ElementsAre("t.yaml:7: routes[0].waf.profile: expected one of: balanced, crs"));
}

TEST(WafSchemaTest, FastPathIsOnUnlessTurnedOff) {
  EXPECT_TRUE(Load(Waf("      mode: block\n")).routes.at(0).waf->fast_path);
  EXPECT_TRUE(Load(Waf("      fast_path: on\n")).routes.at(0).waf->fast_path);
  EXPECT_FALSE(Load(Waf("      fast_path: off\n")).routes.at(0).waf->fast_path);
  EXPECT_FALSE(Load(Waf("      fast_path: false\n")).routes.at(0).waf->fast_path);
  EXPECT_TRUE(Load(Waf("      profile: crs\n      fast_path: true\n")).routes.at(0).waf->fast_path);
  EXPECT_THAT(Errors(Waf("      fast_path: sometimes\n")),
              ElementsAre("t.yaml:7: routes[0].waf.fast_path: expected one of: on, off, true, "
                          "false"));
}

TEST(WafSchemaTest, TopLevelSection) {
  TempFile page;
  const Config c =
      Load(Waf("      mode: block\n") + "waf: {crs_dir: /tmp, rules_dir: /, block_page: \"" +
           page.path() + "\"}\n");
  EXPECT_EQ(c.waf.crs_dir, "/tmp");
  EXPECT_EQ(c.waf.rules_dir, "/");
  EXPECT_EQ(c.waf.block_page, page.path());
  EXPECT_EQ(c.waf.threads, 0u);  // one per CPU
  EXPECT_EQ(Load(Waf("      mode: block\n") + "waf: {threads: 3}\n").waf.threads, 3u);
  EXPECT_THAT(Errors(Waf("      mode: block\n") + "waf: {threads: 0}\n"),
              ElementsAre(HasSubstr("waf.threads")));
}

TEST(WafSchemaErrorTest, ValuesOutOfRange) {
  EXPECT_THAT(Errors(Waf("      mode: on\n"
                         "      paranoia: 5\n"
                         "      inbound_threshold: 0\n"
                         "      allowed_http_versions: [HTTP/3]\n"
                         "      allowed_content_types: [json]\n"
                         "      allowed_methods: [get]\n")),
              ElementsAre("t.yaml:7: routes[0].waf.mode: expected one of: off, detect, block",
                          "t.yaml:8: routes[0].waf.paranoia: must be between 1 and 4",
                          "t.yaml:9: routes[0].waf.inbound_threshold: must be between 1 and 10000",
                          "t.yaml:10: routes[0].waf.allowed_http_versions[0]: expected one of: "
                          "HTTP/1.0, HTTP/1.1, HTTP/2, HTTP/2.0",
                          "t.yaml:11: routes[0].waf.allowed_content_types[0]: expected a media "
                          "type such as application/json",
                          "t.yaml:12: routes[0].waf.allowed_methods[0]: expected an upper-case "
                          "method such as GET"));
  EXPECT_THAT(Errors(Waf("      paranoia: 3\n      executing_paranoia: 2\n")),
              ElementsAre("t.yaml:8: routes[0].waf.executing_paranoia: must be at least "
                          "paranoia (3)"));
}

TEST(WafSchemaErrorTest, Exclusions) {
  EXPECT_THAT(
      Errors(Waf("      exclusions:\n"                                   // 7
                 "        - {id: 0}\n"                                   // 8
                 "        - {id: \"942199-942100\"}\n"                   // 9
                 "        - {tag: \"a,b\"}\n"                            // 10
                 "        - {id: 1, tag: x}\n"                           // 11
                 "        - {target: \"ARGS:x\"}\n"                      // 12
                 "        - {id: 942100, target: \"args:x\"}\n"          // 13
                 "        - {id: \"1-5\", target: \"ARGS:x\"}\n"         // 14
                 "        - {id: 942100, target: \"ARGS:a\\\"b\"}\n")),  // 15
      ElementsAre(
          "t.yaml:8: routes[0].waf.exclusions[0].id: expected a rule id or a range such as "
          "942100-942199",
          "t.yaml:9: routes[0].waf.exclusions[1].id: expected a rule id or a range such as "
          "942100-942199",
          "t.yaml:10: routes[0].waf.exclusions[2].tag: expected a tag such as attack-sqli (no "
          "spaces, quotes or commas)",
          "t.yaml:11: routes[0].waf.exclusions[3]: an exclusion needs id or tag (one of them)",
          "t.yaml:12: routes[0].waf.exclusions[4]: an exclusion needs id or tag (one of them)",
          "t.yaml:13: routes[0].waf.exclusions[5].target: expected a target such as "
          "ARGS:comment or REQUEST_COOKIES",
          "t.yaml:14: routes[0].waf.exclusions[6].target: a target exclusion needs one rule id",
          "t.yaml:15: routes[0].waf.exclusions[7].target: expected a target such as "
          "ARGS:comment or REQUEST_COOKIES"));
}

TEST(WafSchemaErrorTest, MissingFiles) {
  const auto errors = Errors(Waf("      before_crs: [/nonexistent/before.conf]\n") +
                             "waf: {crs_dir: /nonexistent/crs, block_page: /nonexistent/p.html, "
                             "rules_dir: /nonexistent/rules}\n");
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_THAT(errors[0], HasSubstr("t.yaml:7: routes[0].waf.before_crs[0]: cannot read "
                                   "/nonexistent/before.conf: No such file or directory"));
  EXPECT_THAT(errors[1], HasSubstr("waf.crs_dir: not a directory: /nonexistent/crs"));
  EXPECT_THAT(errors[2], HasSubstr("waf.rules_dir: not a directory: /nonexistent/rules"));
  EXPECT_THAT(errors[3], HasSubstr("waf.block_page: cannot read /nonexistent/p.html"));
}

}  // namespace
}  // namespace rampart::config
