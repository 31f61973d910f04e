#include "modsec/policy.h"

#include <gtest/gtest.h>

#include <string>

#include "modsec/policy_rules.h"

namespace rampart::modsec {
namespace {

TEST(ModsecPolicyTest, DefaultsAreValid) {
  Policy p;
  EXPECT_TRUE(p.Validate().ok());
  EXPECT_EQ(p.ExecutingParanoia(), 1);
}

TEST(ModsecPolicyTest, ValidateNamesTheField) {
  auto message = [](const Policy& p) {
    auto s = p.Validate();
    return s.ok() ? std::string() : s.error().message;
  };
  Policy p;
  p.paranoia = 5;
  EXPECT_EQ(message(p).rfind("paranoia:", 0), 0u) << message(p);
  p = Policy{};
  p.paranoia = 3;
  p.executing_paranoia = 2;
  EXPECT_EQ(message(p).rfind("executing_paranoia:", 0), 0u) << message(p);
  p = Policy{};
  p.allowed_methods = "GET',setvar:tx.x=1";
  EXPECT_EQ(message(p).rfind("allowed_methods:", 0), 0u) << message(p);
  p = Policy{};
  p.exclusions.push_back({RuleExclusion::Kind::kById, "942100-", ""});
  EXPECT_NE(message(p).find("not a rule id or range"), std::string::npos) << message(p);
  p = Policy{};
  p.exclusions.push_back({RuleExclusion::Kind::kById, "942199-942100", ""});
  EXPECT_FALSE(p.Validate().ok());
  p = Policy{};
  p.exclusions.push_back({RuleExclusion::Kind::kTargetById, "942100", "ARGS:a\"b"});
  EXPECT_FALSE(p.Validate().ok());
  p = Policy{};
  p.exclusions.push_back({RuleExclusion::Kind::kTargetById, "942100", "ARGS:comment"});
  p.exclusions.push_back({RuleExclusion::Kind::kById, "942100-942199", ""});
  p.exclusions.push_back({RuleExclusion::Kind::kByTag, "attack-sqli", ""});
  EXPECT_TRUE(p.Validate().ok()) << message(p);
}

TEST(ModsecPolicyTest, KeyDiffersExactlyWhenThePolicyDoes) {
  Policy a;
  Policy b;
  EXPECT_EQ(a.Key(), b.Key());
  b.paranoia = 2;
  EXPECT_NE(a.Key(), b.Key());
  b = a;
  b.executing_paranoia = 1;  // same as "0 = paranoia"
  EXPECT_EQ(a.Key(), b.Key());
  b = a;
  b.detect_only = true;
  EXPECT_NE(a.Key(), b.Key());
  b = a;
  b.after_crs = {"x.conf"};
  Policy c = a;
  c.before_crs = {"x.conf"};
  EXPECT_NE(b.Key(), c.Key());
  b = a;
  b.allowed_methods = "GET;";  // a separator inside a value cannot fake another field
  c = a;
  c.allowed_methods = "GET";
  c.allowed_content_types = ";";
  EXPECT_NE(b.Key(), c.Key());
  b = a;
  b.exclusions.push_back({RuleExclusion::Kind::kById, "1", ""});
  c = a;
  c.exclusions.push_back({RuleExclusion::Kind::kByTag, "1", ""});
  EXPECT_NE(b.Key(), c.Key());
}

TEST(ModsecPolicyTest, HeadSetsModeLimitsAndCrsVariables) {
  Policy p;
  p.detect_only = true;
  p.paranoia = 2;
  p.executing_paranoia = 3;
  p.inbound_threshold = 10;
  p.allowed_methods = "GET POST";
  p.request_body_limit = 1024;
  p.inspect_response = true;
  p.before_crs = {"/etc/rampart/before.conf"};
  std::string head = RenderPolicyHead(p, {"/r/modsecurity.conf", "/u/unicode.mapping"});
  EXPECT_EQ(head.rfind("Include /r/modsecurity.conf\n", 0), 0u) << head;
  EXPECT_NE(head.find("SecUnicodeMapFile /u/unicode.mapping 20127\n"), std::string::npos);
  EXPECT_NE(head.find("SecRuleEngine DetectionOnly\n"), std::string::npos);
  EXPECT_NE(head.find("SecRequestBodyLimit 1024\n"), std::string::npos);
  EXPECT_NE(head.find("SecResponseBodyAccess On\n"), std::string::npos);
  EXPECT_NE(head.find("id:900000,phase:1,pass,nolog,t:none,setvar:'tx.paranoia_level=2',"
                      "setvar:'tx.executing_paranoia_level=3'"),
            std::string::npos)
      << head;
  EXPECT_NE(head.find("setvar:'tx.inbound_anomaly_score_threshold=10'"), std::string::npos);
  EXPECT_NE(head.find("id:900002,phase:1,pass,nolog,t:none,setvar:'tx.allowed_methods=GET POST'"),
            std::string::npos);
  EXPECT_EQ(head.find("id:900003"), std::string::npos) << "unset: CRS default";
  // before_crs comes after the generated lines, so its tx settings win.
  EXPECT_GT(head.find("Include /etc/rampart/before.conf"), head.find("id:900002"));

  EXPECT_EQ(RenderPolicyHead(Policy{}, {"/b.conf", ""}).find("SecUnicodeMapFile"),
            std::string::npos);
}

TEST(ModsecPolicyTest, TailHoldsExclusionsThenAfterCrsFiles) {
  Policy p;
  p.exclusions = {{RuleExclusion::Kind::kById, "942100-942199", ""},
                  {RuleExclusion::Kind::kByTag, "attack-sqli", ""},
                  {RuleExclusion::Kind::kTargetById, "942100", "ARGS:comment"}};
  p.after_crs = {"/a.conf"};
  EXPECT_EQ(RenderPolicyTail(p),
            "SecRuleRemoveById 942100-942199\n"
            "SecRuleRemoveByTag \"attack-sqli\"\n"
            "SecRuleUpdateTargetById 942100 \"!ARGS:comment\"\n"
            "Include /a.conf\n");
}

}  // namespace
}  // namespace rampart::modsec
