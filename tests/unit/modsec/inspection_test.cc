// Requests through rampart's base config and the real OWASP CRS 3.3 (/usr/share/modsecurity-crs).

#include "modsec/inspection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "modsec_test_util.h"

namespace rampart::modsec {
namespace {

using test_util::Get;
using test_util::MustCompile;
using test_util::Post;
using test_util::RunExchange;

constexpr char kSqli[] = "/?id=1'%20OR%201=1--";

bool HasTag(const Finding& f, const std::string& tag) {
  return std::find(f.tags.begin(), f.tags.end(), tag) != f.tags.end();
}

TEST(ModsecInspectionTest, CleanGetPassesWithNoFindings) {
  RAMPART_REQUIRE_CRS();
  auto policy = MustCompile(Policy{});
  ASSERT_NE(policy, nullptr);
  EXPECT_GT(policy->rule_count(), 800u);
  auto out = RunExchange(policy, Get("/products/42?sort=price&page=2"));
  EXPECT_FALSE(out.verdict.has_value());
  EXPECT_TRUE(out.findings.empty()) << out.Ids();
  EXPECT_EQ(out.scores.inbound, 0);
  EXPECT_EQ(out.scores.outbound, 0);
}

TEST(ModsecInspectionTest, SqlInjectionIsBlockedWithItsFindings) {
  RAMPART_REQUIRE_CRS();
  auto out = RunExchange(MustCompile(Policy{}), Get(kSqli));
  ASSERT_TRUE(out.verdict.has_value()) << out.Ids();
  EXPECT_EQ(out.verdict->kind, Verdict::Kind::kRule);
  EXPECT_EQ(out.verdict->status, 403);
  EXPECT_TRUE(out.verdict->redirect_url.empty());

  const Finding* f = out.Find(942100);
  ASSERT_NE(f, nullptr) << out.Ids();
  EXPECT_EQ(f->msg, "SQL Injection Attack Detected via libinjection");
  EXPECT_EQ(f->severity, 2);
  EXPECT_STREQ(SeverityName(f->severity), "CRITICAL");
  // 942100 is a multiMatch rule: libmodsecurity drops its tags, the rule index restores them.
  EXPECT_TRUE(HasTag(*f, "attack-sqli")) << f->tags.size();
  EXPECT_EQ(f->var, "ARGS:id");
  EXPECT_NE(f->data.find("1' OR 1=1--"), std::string::npos) << f->data;
  EXPECT_EQ(f->phase, 2);
  EXPECT_FALSE(f->disruptive);

  const Finding* blocking = out.Find(949110);
  ASSERT_NE(blocking, nullptr) << out.Ids();
  EXPECT_TRUE(blocking->disruptive);
  EXPECT_TRUE(HasTag(*blocking, "attack-generic"));
  EXPECT_GE(out.scores.inbound, 5);
  EXPECT_EQ(out.scores.outbound, 0);
}

TEST(ModsecInspectionTest, DetectOnlyReportsTheSameFindingsWithoutIntervention) {
  RAMPART_REQUIRE_CRS();
  Policy p;
  p.detect_only = true;
  auto out = RunExchange(MustCompile(p), Get(kSqli));
  EXPECT_FALSE(out.verdict.has_value());
  EXPECT_TRUE(out.Has(942100)) << out.Ids();
  EXPECT_TRUE(out.Has(949110)) << out.Ids();
  EXPECT_GE(out.scores.inbound, 5);
}

TEST(ModsecInspectionTest, HighThresholdDoesNotBlock) {
  RAMPART_REQUIRE_CRS();
  Policy p;
  p.inbound_threshold = 1000;
  auto out = RunExchange(MustCompile(p), Get(kSqli));
  EXPECT_FALSE(out.verdict.has_value());
  EXPECT_TRUE(out.Has(942100)) << out.Ids();
  EXPECT_FALSE(out.Has(949110)) << out.Ids();
}

TEST(ModsecInspectionTest, HigherParanoiaMatchesMoreRules) {
  RAMPART_REQUIRE_CRS();
  Policy p;
  p.paranoia = 2;
  auto pl2 = RunExchange(MustCompile(p), Get(kSqli));
  auto pl1 = RunExchange(MustCompile(Policy{}), Get(kSqli));
  EXPECT_GT(pl2.findings.size(), pl1.findings.size()) << pl1.Ids() << "/ " << pl2.Ids();
  EXPECT_GT(pl2.scores.inbound, pl1.scores.inbound);
}

TEST(ModsecInspectionTest, ExclusionsRemoveTheMatch) {
  RAMPART_REQUIRE_CRS();
  const RuleExclusion kinds[] = {
      {RuleExclusion::Kind::kById, "942100", ""},
      {RuleExclusion::Kind::kById, "942000-942999", ""},
      {RuleExclusion::Kind::kByTag, "attack-sqli", ""},
      {RuleExclusion::Kind::kTargetById, "942100", "ARGS:id"},
  };
  for (const RuleExclusion& e : kinds) {
    SCOPED_TRACE(e.rule + " " + e.target);
    Policy p;
    p.exclusions = {e};
    auto out = RunExchange(MustCompile(p), Get(kSqli));
    EXPECT_FALSE(out.Has(942100)) << out.Ids();
    EXPECT_FALSE(out.verdict.has_value()) << out.Ids();
  }
  // Excluding another target leaves ARGS:id inspected.
  Policy p;
  p.exclusions = {{RuleExclusion::Kind::kTargetById, "942100", "ARGS:comment"}};
  auto out = RunExchange(MustCompile(p), Get(kSqli));
  EXPECT_TRUE(out.Has(942100)) << out.Ids();
  EXPECT_TRUE(out.verdict.has_value());
}

TEST(ModsecInspectionTest, UrlencodedBodyIsInspected) {
  RAMPART_REQUIRE_CRS();
  auto out = RunExchange(MustCompile(Policy{}), Post("application/x-www-form-urlencoded",
                                                     "user=bob&id=1%27%20OR%201%3D1--"));
  ASSERT_TRUE(out.verdict.has_value()) << out.Ids();
  ASSERT_TRUE(out.Has(942100)) << out.Ids();
  EXPECT_EQ(out.Find(942100)->var, "ARGS:id");
}

TEST(ModsecInspectionTest, JsonBodyAttackIsDetected) {
  RAMPART_REQUIRE_CRS();
  auto policy = MustCompile(Policy{});
  auto out = RunExchange(policy, Post("application/json", R"({"user":{"id":"1' OR 1=1--"}})"));
  ASSERT_TRUE(out.verdict.has_value()) << out.Ids();
  EXPECT_EQ(out.verdict->status, 403);
  ASSERT_TRUE(out.Has(942100)) << out.Ids();
  EXPECT_NE(out.Find(942100)->var.find("json"), std::string::npos) << out.Find(942100)->var;

  // A "+json" media type goes to the JSON processor too.
  auto vnd = RunExchange(policy,
                         Post("application/vnd.api+json; charset=utf-8", R"({"q":"1' OR 1=1--"})"));
  EXPECT_TRUE(vnd.Has(942100)) << vnd.Ids();

  auto clean =
      RunExchange(policy, Post("application/json", R"({"user":"bob","tags":["a","b"],"n":3})"));
  EXPECT_FALSE(clean.verdict.has_value()) << clean.Ids();
  EXPECT_TRUE(clean.findings.empty()) << clean.Ids();
}

TEST(ModsecInspectionTest, MalformedJsonIsRefusedWith400) {
  RAMPART_REQUIRE_CRS();
  auto out = RunExchange(MustCompile(Policy{}), Post("application/json", R"({"user": "bob",)"));
  ASSERT_TRUE(out.verdict.has_value()) << out.Ids();
  EXPECT_EQ(out.verdict->status, 400);
  ASSERT_TRUE(out.Has(200002)) << out.Ids();
  EXPECT_NE(out.Find(200002)->data.find("JSON"), std::string::npos) << out.Find(200002)->data;
}

TEST(ModsecInspectionTest, XmlBodyIsParsed) {
  RAMPART_REQUIRE_CRS();
  auto policy = MustCompile(Policy{});
  auto out = RunExchange(policy, Post("application/xml", "<order><id>1' OR 1=1--</id></order>"));
  ASSERT_TRUE(out.verdict.has_value()) << out.Ids();
  EXPECT_TRUE(out.Has(942100)) << out.Ids();

  auto broken = RunExchange(policy, Post("text/xml", "<order><id>1</order>"));
  ASSERT_TRUE(broken.verdict.has_value()) << broken.Ids();
  EXPECT_EQ(broken.verdict->status, 400);
}

TEST(ModsecInspectionTest, MultipartBodyIsParsed) {
  RAMPART_REQUIRE_CRS();
  auto policy = MustCompile(Policy{});
  const std::string body =
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"name\"\r\n\r\n"
      "bob\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"id\"\r\n\r\n"
      "1' OR 1=1--\r\n"
      "--XyZ--\r\n";
  auto out = RunExchange(policy, Post("multipart/form-data; boundary=XyZ", body));
  ASSERT_TRUE(out.verdict.has_value()) << out.Ids();
  ASSERT_TRUE(out.Has(942100)) << out.Ids();
  EXPECT_EQ(out.Find(942100)->var, "ARGS:id");

  std::string clean = body;
  clean.replace(clean.find("1' OR 1=1--"), 11, "42");
  auto ok = RunExchange(policy, Post("multipart/form-data; boundary=XyZ", clean));
  EXPECT_FALSE(ok.verdict.has_value()) << ok.Ids();

  // Bare LF line endings: strict multipart validation refuses the body.
  std::string lf = clean;
  for (size_t i; (i = lf.find("\r\n")) != std::string::npos;) lf.erase(i, 1);
  auto strict = RunExchange(policy, Post("multipart/form-data; boundary=XyZ", lf));
  ASSERT_TRUE(strict.verdict.has_value()) << strict.Ids();
  EXPECT_EQ(strict.verdict->status, 400);
  EXPECT_TRUE(strict.Has(200003)) << strict.Ids();
}

TEST(ModsecInspectionTest, ResponseInspectionFindsSqlErrorLeakOnlyWhenOn) {
  RAMPART_REQUIRE_CRS();
  test_util::Response leak;
  leak.body =
      "<html><body>You have an error in your SQL syntax; check the manual that corresponds to "
      "your MySQL server version for the right syntax to use near ''' at line 1</body></html>";
  auto is_951 = [](const Finding& f) { return f.id >= 951000 && f.id < 952000; };

  Policy on;
  on.inspect_response = true;
  auto found = RunExchange(MustCompile(on), Get("/products?id=2"), leak);
  EXPECT_TRUE(std::any_of(found.findings.begin(), found.findings.end(), is_951)) << found.Ids();
  EXPECT_GE(found.scores.outbound, 4);
  ASSERT_TRUE(found.verdict.has_value()) << found.Ids();  // RESPONSE-959 blocks at 4
  EXPECT_EQ(found.verdict->status, 403);

  auto off = RunExchange(MustCompile(Policy{}), Get("/products?id=2"), leak);
  EXPECT_FALSE(std::any_of(off.findings.begin(), off.findings.end(), is_951)) << off.Ids();
  EXPECT_FALSE(off.verdict.has_value());
}

TEST(ModsecInspectionTest, BodyOverLimitIsRejectedAs413) {
  RAMPART_REQUIRE_CRS();
  Policy p;
  p.request_body_limit = 64;
  auto policy = MustCompile(p);
  auto out =
      RunExchange(policy, Post("application/x-www-form-urlencoded", "a=" + std::string(200, 'x')));
  ASSERT_TRUE(out.verdict.has_value()) << out.Ids();
  EXPECT_EQ(out.verdict->kind, Verdict::Kind::kRequestBodyTooLarge);
  EXPECT_EQ(out.verdict->status, 413);

  auto fits =
      RunExchange(policy, Post("application/x-www-form-urlencoded", "a=" + std::string(62, 'x')));
  EXPECT_FALSE(fits.verdict.has_value()) << fits.Ids();

  p.detect_only = true;  // detect mode never intervenes, the limit included
  auto detect = RunExchange(
      MustCompile(p), Post("application/x-www-form-urlencoded", "a=" + std::string(200, 'x')));
  EXPECT_FALSE(detect.verdict.has_value());
}

TEST(ModsecInspectionTest, PartialInspectionChecksOnlyTheFirstBytes) {
  RAMPART_REQUIRE_CRS();
  Policy p;
  p.request_body_limit = 64;
  p.request_body_limit_action = BodyLimitAction::kPartial;
  auto policy = MustCompile(p);
  const std::string early = "id=1%27%20OR%201%3D1--&pad=" + std::string(200, 'x');
  auto seen = RunExchange(policy, Post("application/x-www-form-urlencoded", early));
  EXPECT_TRUE(seen.Has(942100)) << seen.Ids();

  const std::string late = "pad=" + std::string(200, 'x') + "&id=1%27%20OR%201%3D1--";
  auto unseen = RunExchange(policy, Post("application/x-www-form-urlencoded", late));
  EXPECT_FALSE(unseen.Has(942100)) << unseen.Ids();
  EXPECT_FALSE(unseen.verdict.has_value()) << unseen.Ids();

  // A JSON body cut at the limit is not a malformed body.
  const std::string json = R"({"pad":")" + std::string(200, 'x') + R"("})";
  auto cut = RunExchange(policy, Post("application/json", json));
  EXPECT_FALSE(cut.verdict.has_value()) << cut.Ids();
  EXPECT_FALSE(cut.Has(200002)) << cut.Ids();
}

TEST(ModsecInspectionTest, RedirectCarriesItsUrl) {
  RAMPART_REQUIRE_CRS();
  test_util::TempRuleFile redirect(
      "redirect.conf",
      "SecRule ARGS:go \"@streq away\" "
      "\"id:10100,phase:1,t:none,log,redirect:https://example.com/moved\"\n");
  Policy p;
  p.after_crs = {redirect.path()};
  auto out = RunExchange(MustCompile(p), Get("/?go=away"));
  ASSERT_TRUE(out.verdict.has_value()) << out.Ids();
  EXPECT_EQ(out.verdict->status, 302);
  EXPECT_EQ(out.verdict->redirect_url, "https://example.com/moved");
  EXPECT_TRUE(out.Has(10100)) << out.Ids();
}

TEST(ModsecInspectionTest, StepsAfterStartNeverThrowAndLoggingRunsOnDestruction) {
  RAMPART_REQUIRE_CRS();
  auto started = Inspection::Start(MustCompile(Policy{}));
  ASSERT_TRUE(started.ok()) << started.error().message;
  auto& insp = *started.value();
  EXPECT_TRUE(insp.ProcessConnection("2001:db8::1", 1, "::1", 443).ok());
  EXPECT_TRUE(insp.ProcessUri("/a%00b?x=%ff", "GET", "2.0").ok());
  EXPECT_TRUE(insp.AddRequestHeader(std::string_view("X-Nul\0", 6), "v\0alue").ok());
  EXPECT_TRUE(insp.ProcessRequestHeaders().ok());
  // No ProcessRequestBody / ProcessLogging: the destructor must cope.
}

// Every finding as "id=var", for failure messages.
std::string Vars(const test_util::Outcome& out) {
  std::string s;
  for (const Finding& f : out.findings) s += std::to_string(f.id) + "=" + f.var + " ";
  return s;
}

// The reviewer's reproducers: a name or value that quotes libmodsecurity's or CRS's markers
// must not make the attack log name a variable the attacker chose. Where the request's own
// variables tell the readings apart, the real name is logged; where they do not (the attacker
// also sent the forged name), the variable is ambiguous.
TEST(ModsecFindingVariableTest, ValueQuotingTheMatchMarkersCannotForgeTheName) {
  RAMPART_REQUIRE_CRS();
  auto policy = MustCompile(Policy{});
  const std::string forged =
      "/s?x=/etc/passwd%20against%20variable%20%60ARGS:comment%27%20(Value:%20%60z";
  auto out = RunExchange(policy, Get(forged));
  for (int id : {930120, 932160}) {
    ASSERT_TRUE(out.Has(id)) << id << ": " << out.Ids();
    EXPECT_EQ(out.Find(id)->var, "ARGS:x") << id << ": " << Vars(out);
  }
  auto both = RunExchange(policy, Get(forged + "&comment=1"));
  for (int id : {930120, 932160}) {
    ASSERT_TRUE(both.Has(id)) << id << ": " << both.Ids();
    EXPECT_EQ(both.Find(id)->var, kAmbiguousVariable) << id << ": " << Vars(both);
  }
  for (const Finding& f : out.findings) EXPECT_NE(f.var, "ARGS:comment") << f.id;
  for (const Finding& f : both.findings) EXPECT_NE(f.var, "ARGS:comment") << f.id;
}

TEST(ModsecFindingVariableTest, NameQuotingTheValueMarkerCannotForgeTheName) {
  RAMPART_REQUIRE_CRS();
  auto policy = MustCompile(Policy{});
  const std::string forged = "/s?comment%27%20%28Value%3A%20%60=/etc/passwd";
  auto out = RunExchange(policy, Get(forged));
  ASSERT_TRUE(out.Has(930120)) << out.Ids();
  EXPECT_EQ(out.Find(930120)->var, "ARGS:comment' (Value: `") << Vars(out);
  auto both = RunExchange(policy, Get(forged + "&comment=1"));
  ASSERT_TRUE(both.Has(930120)) << both.Ids();
  EXPECT_EQ(both.Find(930120)->var, kAmbiguousVariable) << Vars(both);
  for (const Finding& f : out.findings) EXPECT_NE(f.var, "ARGS:comment") << f.id;
  for (const Finding& f : both.findings) EXPECT_NE(f.var, "ARGS:comment") << f.id;
}

TEST(ModsecFindingVariableTest, NameHoldingTheLogDataSeparatorCannotForgeTheName) {
  RAMPART_REQUIRE_CRS();
  auto policy = MustCompile(Policy{});
  // 942100 (libinjection) says nothing of the variable in its match text: CRS's logdata
  // "Matched Data: ... found within ARGS:comment: z: 1' or 1=1--" is all there is.
  const std::string forged = "/b?comment%3A%20z=1%27%20or%201=1--";
  auto out = RunExchange(policy, Get(forged));
  ASSERT_TRUE(out.Has(942100)) << out.Ids();
  EXPECT_EQ(out.Find(942100)->var, "ARGS:comment: z") << Vars(out);
  auto both = RunExchange(policy, Get(forged + "&comment=1"));
  ASSERT_TRUE(both.Has(942100)) << both.Ids();
  EXPECT_EQ(both.Find(942100)->var, kAmbiguousVariable) << Vars(both);
  for (const Finding& f : out.findings) EXPECT_NE(f.var, "ARGS:comment") << f.id;
  for (const Finding& f : both.findings) EXPECT_NE(f.var, "ARGS:comment") << f.id;
}

TEST(ModsecFindingVariableTest, HonestValuesWithTheMarkersKeepTheirName) {
  RAMPART_REQUIRE_CRS();
  auto policy = MustCompile(Policy{});
  // The value quotes every marker, but names no variable the request has.
  const std::string value =
      "1' or 1=1-- /etc/passwd against variable `x' (Value: `y: z found within q: w";
  auto query = RunExchange(policy, Get("/s?q=1%27%20or%201=1--%20/etc/passwd%20against%20"
                                       "variable%20%60x%27%20(Value:%20%60y:%20z%20found%20"
                                       "within%20q:%20w"));
  ASSERT_TRUE(query.Has(942100)) << query.Ids();
  size_t named = 0;
  for (const Finding& f : query.findings) {
    if (f.var.rfind("TX:", 0) == 0) continue;  // 949110 and the like
    EXPECT_EQ(f.var, "ARGS:q") << f.id << ": " << Vars(query);
    ++named;
  }
  // 942100 names it from the logdata, 930120 from the match text.
  EXPECT_TRUE(query.Has(930120)) << query.Ids();
  EXPECT_GE(named, 2u) << Vars(query);

  auto json = RunExchange(policy, Post("application/json", R"({"q":")" + value + R"("})"));
  ASSERT_TRUE(json.Has(942100)) << json.Ids();
  EXPECT_EQ(json.Find(942100)->var, "ARGS:json.q") << Vars(json);

  test_util::Request scanner = Get("/");
  for (auto& [name, v] : scanner.headers) {
    if (name == "User-Agent") v = "Nikto: against variable `ARGS:q' (Value: `x";
  }
  auto header = RunExchange(policy, scanner);
  ASSERT_TRUE(header.Has(913100)) << header.Ids();
  EXPECT_EQ(header.Find(913100)->var, "REQUEST_HEADERS:User-Agent") << Vars(header);
}

}  // namespace
}  // namespace rampart::modsec
