// Tests of fastpath::RuleProgram (over modsec::ReadSecLang): how rule texts become rules, links,
// targets and actions. Where the meaning is libmodsecurity's (which rules run, which log, what
// a removal or a target update reaches), the same text also runs through libmodsecurity and the
// two must agree.

#include "fastpath/rule_program.h"

#include <gtest/gtest.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rule_message.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "fastpath/request_values.h"
#include "modsec/seclang_reader.h"

namespace rampart::fastpath {
namespace {

std::vector<modsec::Directive> MustRead(const std::string& text) {
  std::vector<modsec::Directive> directives;
  const core::Status read = modsec::ReadSecLang(text, "inline.conf", "/nonexistent", directives);
  EXPECT_TRUE(read.ok()) << read.error().message;
  return directives;
}

RuleProgram MustBuild(const std::string& text) {
  auto built = RuleProgram::Build(MustRead(text));
  EXPECT_TRUE(built.ok()) << built.error().message;
  return built.ok() ? built.value() : RuleProgram();
}

// The rules that run (removed ones stay in place, marked, for skip:N to count them).
std::set<int> ProgramIds(const RuleProgram& program) {
  std::set<int> ids;
  for (int p = 1; p < kPhases; ++p) {
    for (const Rule& r : program.phase(p)) {
      if (!r.is_marker && !r.removed) ids.insert(r.id);
    }
  }
  return ids;
}

const Rule* FindRule(const RuleProgram& program, int id) {
  for (int p = 1; p < kPhases; ++p) {
    for (const Rule& r : program.phase(p)) {
      if (!r.is_marker && r.id == id) return &r;
    }
  }
  return nullptr;
}

// Matches would otherwise be printed to stderr ("Server log callback is not set").
void IgnoreServerLog(void*, const void*) {}

// Runs a GET of `uri` (and a 200 response) through `text` in libmodsecurity; the ids of the
// rules that left a message (what rampart reports as findings).
std::set<int> LibModSecurityLoggedIds(const std::string& text, const std::string& uri = "/") {
  modsecurity::ModSecurity modsec;
  modsec.setServerLogCb(&IgnoreServerLog, modsecurity::RuleMessageLogProperty);
  modsecurity::RulesSet rules;
  std::set<int> ids;
  if (rules.load(("SecRuleEngine On\n" + text).c_str()) < 0) {
    ADD_FAILURE() << rules.getParserError();
    return ids;
  }
  auto t =
      std::make_unique<modsecurity::Transaction>(&modsec, &rules, const_cast<char*>("rp"), nullptr);
  t->processConnection("192.0.2.1", 40000, "192.0.2.2", 80);
  t->processURI(uri.c_str(), "GET", "1.1");
  t->addRequestHeader("Host", "h");
  t->processRequestHeaders();
  t->processRequestBody();
  t->addResponseHeader("Content-Type", "text/plain");
  t->processResponseHeaders(200, "HTTP 1.1");
  t->processResponseBody();
  for (const modsecurity::RuleMessage& m : t->m_rulesMessages) ids.insert(m.m_ruleId);
  return ids;
}

std::string AlwaysLogs(int id, int phase = 1, const std::string& extra = "") {
  return "SecRule REQUEST_METHOD \"@streq GET\" \"id:" + std::to_string(id) +
         ",phase:" + std::to_string(phase) + ",pass,log" + extra + "\"\n";
}

// ---- ParseTargets -----------------------------------------------------------------------------

TEST(RuleProgramTargetsTest, SplitsOnPipesOutsideRegexKeys) {
  const std::vector<Target> t = ParseTargets(
      "ARGS|REQUEST_COOKIES:/^(a|b)$/|!ARGS:c|&REQUEST_HEADERS:/x\\/|y/|"
      "REQUEST_HEADERS:'User-Agent'|args_names:Foo");
  ASSERT_EQ(t.size(), 6u);
  EXPECT_EQ(t[0].collection, "ARGS");
  EXPECT_EQ(t[0].key, "");
  EXPECT_FALSE(t[0].key_is_regex || t[0].count || t[0].excluded);

  EXPECT_EQ(t[1].collection, "REQUEST_COOKIES");
  EXPECT_EQ(t[1].key, "^(a|b)$");
  EXPECT_TRUE(t[1].key_is_regex);

  EXPECT_EQ(t[2].collection, "ARGS");
  EXPECT_EQ(t[2].key, "c");
  EXPECT_TRUE(t[2].excluded);
  EXPECT_FALSE(t[2].key_is_regex);

  EXPECT_EQ(t[3].collection, "REQUEST_HEADERS");
  EXPECT_EQ(t[3].key, "x\\/|y");
  EXPECT_TRUE(t[3].key_is_regex);
  EXPECT_TRUE(t[3].count);

  EXPECT_EQ(t[4].collection, "REQUEST_HEADERS");
  EXPECT_EQ(t[4].key, "User-Agent");
  EXPECT_FALSE(t[4].key_is_regex);

  EXPECT_EQ(t[5].collection, "ARGS_NAMES");  // collection upper-cased, key as written
  EXPECT_EQ(t[5].key, "Foo");
}

TEST(RuleProgramTargetsTest, RegexKeysWithColonsAndPipes) {
  const std::vector<Target> t = ParseTargets(
      "REQUEST_COOKIES|!REQUEST_COOKIES:/__utm/|REQUEST_COOKIES_NAMES|ARGS_NAMES|"
      "TX:/^header_name_/|ARGS:/^a:b|c$/|ARGS");
  ASSERT_EQ(t.size(), 7u);
  EXPECT_TRUE(t[1].excluded);
  EXPECT_TRUE(t[1].key_is_regex);
  EXPECT_EQ(t[1].key, "__utm");
  EXPECT_EQ(t[4].collection, "TX");
  EXPECT_EQ(t[4].key, "^header_name_");
  EXPECT_TRUE(t[4].key_is_regex);
  EXPECT_EQ(t[5].key, "^a:b|c$");
  EXPECT_TRUE(t[5].key_is_regex);
  EXPECT_EQ(t[6].collection, "ARGS");
  EXPECT_EQ(t[6].key, "");
}

// CRS 3.3 (REQUEST-921, -932, -933, -941, -942, ...) ends its lists with "XML:/*|XML://@*": two
// XPath keys, not a regex.
TEST(RuleProgramTargetsTest, XPathKeysAreNotRegexes) {
  const std::vector<Target> t = ParseTargets("ARGS|XML:/*|XML://@*");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[1].collection, "XML");
  EXPECT_EQ(t[1].key, "/*");
  EXPECT_FALSE(t[1].key_is_regex);
  EXPECT_EQ(t[2].collection, "XML");
  EXPECT_EQ(t[2].key, "//@*");
  EXPECT_FALSE(t[2].key_is_regex);
  // A target after an XPath key must not be swallowed by it.
  const std::vector<Target> after = ParseTargets("XML:/*|REQUEST_HEADERS");
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[1].collection, "REQUEST_HEADERS");
}

TEST(RuleProgramTargetsTest, EmptyPiecesAndSpacesAreIgnored) {
  const std::vector<Target> t = ParseTargets(" ARGS | |REQUEST_URI|");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].collection, "ARGS");
  EXPECT_EQ(t[1].collection, "REQUEST_URI");
  EXPECT_TRUE(ParseTargets("").empty());
}

// ---- ParseActions -----------------------------------------------------------------------------

TEST(RuleProgramActionsTest, QuotedValuesKeepTheirCommas) {
  const std::vector<Action> a = ParseActions(
      "id:3, phase:2,msg:'a, b',tag:'x,y',setvar:'tx.a=b,c',logdata:'%{MATCHED_VAR}',"
      "T:none,Chain");
  ASSERT_EQ(a.size(), 8u);
  EXPECT_EQ(a[0].name, "id");
  EXPECT_EQ(a[0].value, "3");
  EXPECT_EQ(a[1].name, "phase");
  EXPECT_EQ(a[1].value, "2");
  EXPECT_EQ(a[2].name, "msg");
  EXPECT_EQ(a[2].value, "a, b");
  EXPECT_EQ(a[3].name, "tag");
  EXPECT_EQ(a[3].value, "x,y");
  EXPECT_EQ(a[4].name, "setvar");
  EXPECT_EQ(a[4].value, "tx.a=b,c");
  EXPECT_EQ(a[5].value, "%{MATCHED_VAR}");
  EXPECT_EQ(a[6].name, "t");  // names are lower-cased, values are not
  EXPECT_EQ(a[6].value, "none");
  EXPECT_EQ(a[7].name, "chain");
  EXPECT_EQ(a[7].value, "");
}

TEST(RuleProgramActionsTest, EscapedQuoteDoesNotCloseTheValue) {
  const std::vector<Action> a = ParseActions("msg:'it\\'s, ok',id:4");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].name, "msg");
  EXPECT_EQ(a[1].name, "id");
  EXPECT_EQ(a[1].value, "4");
}

TEST(RuleProgramActionsTest, ColonInsideTheValueStays) {
  const std::vector<Action> a = ParseActions("ctl:ruleRemoveTargetById=942100;ARGS:pwd,id:5");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].name, "ctl");
  EXPECT_EQ(a[0].value, "ruleRemoveTargetById=942100;ARGS:pwd");
}

// ---- Rules and links --------------------------------------------------------------------------

// libmodsecurity keeps the first rule file's value of a setting, and within one file the last:
// a later file changing it is not followed.
TEST(RuleProgramTest, SettingsLaterRuleFilesChangeAreNotFollowed) {
  std::vector<modsec::Directive> d = MustRead(
      "SecArgumentsLimit 1000\nSecRequestBodyLimit 1024\nSecRequestBodyAccess On\n"
      "SecRequestBodyLimit 2048\n");
  const size_t second = d.size();
  for (modsec::Directive& x : MustRead("SecRequestBodyLimit 2048\nSecArgumentsLimit 1000\n")) {
    d.push_back(std::move(x));
  }
  auto same = RuleProgram::Build(d, {0, second});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same.value().unsupported(), "");
  EXPECT_EQ(same.value().body_unsupported(), "");
  EXPECT_EQ(same.value().request_body_limit(), 2048u);
  EXPECT_EQ(same.value().arguments_limit(), 1000u);

  const size_t third = d.size();
  for (modsec::Directive& x : MustRead("SecRequestBodyLimit 131072\nSecArgumentsLimit 2\n")) {
    d.push_back(std::move(x));
  }
  auto changed = RuleProgram::Build(d, {0, second, third});
  ASSERT_TRUE(changed.ok());
  EXPECT_NE(changed.value().body_unsupported().find("SecRequestBodyLimit"), std::string::npos);
  EXPECT_NE(changed.value().unsupported().find("SecArgumentsLimit"), std::string::npos);
  // One source: the last value wins, as in one libmodsecurity load.
  auto one = RuleProgram::Build(d);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one.value().body_unsupported(), "");
  EXPECT_EQ(one.value().arguments_limit(), 2u);
}

TEST(RuleProgramTest, ChainLinksBelongToTheirFirstRule) {
  const RuleProgram p = MustBuild(
      "SecRule ARGS \"@rx a\" \"id:10,phase:1,deny,log,chain,t:lowercase,tag:'one'\"\n"
      "  SecRule REQUEST_HEADERS:User-Agent \"!@contains b\" \"chain,t:none,t:urlDecode\"\n"
      "    SecRule &ARGS \"@gt 2\" \"setvar:tx.x=1\"\n"
      "SecRule REQUEST_URI \"@beginsWith /x\" \"id:11,phase:1,pass,nolog\"\n");
  ASSERT_EQ(p.phase(1).size(), 2u);
  const Rule& chain = p.phase(1)[0];
  EXPECT_EQ(chain.id, 10);
  EXPECT_EQ(chain.disruptive, "deny");
  EXPECT_TRUE(chain.logs);
  EXPECT_EQ(chain.tags, std::vector<std::string>{"one"});
  ASSERT_EQ(chain.links.size(), 3u);
  EXPECT_EQ(chain.links[0].op.name, "rx");
  EXPECT_EQ(chain.links[0].op.param, "a");
  EXPECT_EQ(chain.links[0].transformations, std::vector<std::string>{"lowercase"});
  ASSERT_EQ(chain.links[1].targets.size(), 1u);
  EXPECT_EQ(chain.links[1].targets[0].key, "User-Agent");
  EXPECT_EQ(chain.links[1].op.name, "contains");
  EXPECT_TRUE(chain.links[1].op.negated);
  EXPECT_EQ(chain.links[1].transformations, std::vector<std::string>{"urlDecode"});
  EXPECT_TRUE(chain.links[2].targets[0].count);
  EXPECT_EQ(chain.links[2].op.name, "gt");
  ASSERT_FALSE(chain.links[2].actions.empty());
  EXPECT_EQ(chain.links[2].actions.back().name, "setvar");
  EXPECT_EQ(p.phase(1)[1].id, 11);
  EXPECT_EQ(p.phase(1)[1].links.size(), 1u);
  EXPECT_FALSE(p.phase(1)[1].logs);
}

TEST(RuleProgramTest, TNoneDropsEverythingBeforeIt) {
  const RuleProgram p = MustBuild(
      "SecRule ARGS \"@rx a\" "
      "\"id:1,phase:2,pass,t:lowercase,t:none,t:urlDecode,t:none,t:removeNulls,t:lowercase\"\n");
  ASSERT_EQ(p.phase(2).size(), 1u);
  EXPECT_EQ(p.phase(2)[0].links[0].transformations,
            (std::vector<std::string>{"removeNulls", "lowercase"}));
}

TEST(RuleProgramTest, OperatorForms) {
  const RuleProgram p = MustBuild(
      "SecRule REQUEST_METHOD \"!@within GET POST\" \"id:1,phase:1,pass\"\n"
      "SecRule ARGS \"^bare regex$\" \"id:2,phase:1,pass\"\n"
      "SecRule ARGS \"@detectSQLi\" \"id:3,phase:1,pass\"\n"
      "SecRule ARGS \"@rx a\\\"b\" \"id:4,phase:1,pass,multiMatch,capture\"\n"
      "SecAction \"id:5,phase:1,pass,nolog,setvar:tx.a=1\"\n");
  ASSERT_EQ(p.phase(1).size(), 5u);
  const Operator& within = p.phase(1)[0].links[0].op;
  EXPECT_TRUE(within.negated);
  EXPECT_EQ(within.name, "within");
  EXPECT_EQ(within.param, "GET POST");
  EXPECT_EQ(p.phase(1)[1].links[0].op.name, "rx");
  EXPECT_EQ(p.phase(1)[1].links[0].op.param, "^bare regex$");
  EXPECT_EQ(p.phase(1)[2].links[0].op.name, "detectsqli");
  EXPECT_EQ(p.phase(1)[2].links[0].op.param, "");
  EXPECT_EQ(p.phase(1)[3].links[0].op.param, "a\"b");
  EXPECT_TRUE(p.phase(1)[3].links[0].multi_match);
  EXPECT_TRUE(p.phase(1)[3].links[0].capture);
  EXPECT_EQ(p.phase(1)[4].links[0].op.name, "unconditional");
  EXPECT_TRUE(p.phase(1)[4].links[0].targets.empty());
}

TEST(RuleProgramTest, ContinuedLinesAndFileLines) {
  const RuleProgram p = MustBuild(
      "# comment\n"
      "\n"
      "SecRule ARGS \\\n"
      "    \"@rx a\" \\\n"
      "    \"id:7,phase:2,pass\"\n"
      "SecRule ARGS \"@rx b\" \"id:8,phase:2,pass\"\n");
  ASSERT_EQ(p.phase(2).size(), 2u);
  EXPECT_EQ(p.phase(2)[0].file, "inline.conf");
  EXPECT_EQ(p.phase(2)[0].line, 3);
  EXPECT_EQ(p.phase(2)[0].links[0].op.param, "a");
  EXPECT_EQ(p.phase(2)[1].line, 6);
}

TEST(RuleProgramTest, IncludeIsExpanded) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / "rule_program_include";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "inner.conf") << "SecRule ARGS \"@rx z\" \"id:99,phase:1,pass\"\n";
  std::vector<modsec::Directive> directives;
  ASSERT_TRUE(modsec::ReadSecLang("Include inner.conf\nSecMarker AFTER\n", "outer", dir.string(),
                                  directives)
                  .ok());
  ASSERT_EQ(directives.size(), 2u);
  EXPECT_EQ(directives[0].name, "SecRule");
  EXPECT_EQ(directives[0].file, (dir / "inner.conf").string());
  EXPECT_EQ(directives[1].name, "SecMarker");
  std::vector<modsec::Directive> missing;
  EXPECT_FALSE(modsec::ReadSecLang("Include nope.conf\n", "outer", dir.string(), missing).ok());
  std::filesystem::remove_all(dir);
}

TEST(RuleProgramTest, MarkersAppearInEveryPhaseInLoadOrder) {
  const RuleProgram p = MustBuild(
      "SecRule ARGS \"@rx a\" \"id:1,phase:1,pass\"\n"
      "SecRule ARGS \"@rx a\" \"id:2,phase:2,pass\"\n"
      "SecMarker END_X\n"
      "SecRule ARGS \"@rx a\" \"id:3,phase:1,pass\"\n"
      "SecMarker \"END_Y\"\n");
  for (int phase = 1; phase < kPhases; ++phase) {
    std::vector<std::string> markers;
    for (const Rule& r : p.phase(phase)) {
      if (r.is_marker) markers.push_back(r.marker);
    }
    EXPECT_EQ(markers, (std::vector<std::string>{"END_X", "END_Y"})) << "phase " << phase;
  }
  ASSERT_EQ(p.phase(1).size(), 4u);
  EXPECT_EQ(p.phase(1)[0].id, 1);
  EXPECT_TRUE(p.phase(1)[1].is_marker);
  EXPECT_EQ(p.phase(1)[2].id, 3);
  EXPECT_TRUE(p.phase(1)[3].is_marker);
  ASSERT_EQ(p.phase(2).size(), 3u);
  EXPECT_EQ(p.phase(2)[0].id, 2);
}

// libmodsecurity takes SecMarker 'NAME' as the marker NAME: skipAfter:NAME stops there. A
// marker the plan cannot find makes it skip the rest of the phase (rule 3 here) unseen.
TEST(RuleProgramTest, SingleQuotedMarkerIsTheMarkerSkipAfterNames) {
  const std::string text =
      "SecRule REQUEST_METHOD \"@streq GET\" "
      "\"id:1,phase:1,pass,nolog,skipAfter:END_Y\"\n" +
      AlwaysLogs(2) + "SecMarker 'END_Y'\n" + AlwaysLogs(3);
  ASSERT_EQ(LibModSecurityLoggedIds(text), std::set<int>{3});
  const RuleProgram p = MustBuild(text);
  ASSERT_EQ(p.phase(1).size(), 4u);
  ASSERT_TRUE(p.phase(1)[2].is_marker);
  EXPECT_EQ(p.phase(1)[2].marker, "END_Y");
}

TEST(RuleProgramTest, EngineSettings) {
  EXPECT_TRUE(MustBuild("SecRuleEngine Off\n").engine_off());
  EXPECT_FALSE(MustBuild("SecRuleEngine DetectionOnly\n").engine_off());
  EXPECT_FALSE(MustBuild("SecRuleEngine Off\nSecRuleEngine On\n").engine_off());
  EXPECT_EQ(MustBuild("SecArgumentsLimit 7\n").arguments_limit(), 7u);
  EXPECT_EQ(MustBuild("").arguments_limit(), kNoArgumentsLimit);
  EXPECT_EQ(MustBuild("SecArgumentsLimit 0\n").arguments_limit(), 0u);
  EXPECT_TRUE(
      MustBuild("SecCookieFormat 0\nSecRequestBodyInMemoryLimit 100\n").unsupported().empty());
  const RuleProgram separator = MustBuild("\nSecArgumentSeparator ;\n");
  EXPECT_NE(separator.unsupported().find("inline.conf:2"), std::string::npos)
      << separator.unsupported();
  EXPECT_FALSE(MustBuild("SecCookieFormat 1\n").unsupported().empty());
  EXPECT_FALSE(MustBuild("SecRuleUpdateActionById 1 \"t:lowercase\"\n").unsupported().empty());
}

TEST(RuleProgramTest, BrokenDirectivesAreErrors) {
  EXPECT_FALSE(RuleProgram::Build(MustRead("SecRule ARGS\n")).ok());
  EXPECT_FALSE(RuleProgram::Build(MustRead("SecRule ARGS \"@rx a\" \"id:1,phase:9\"\n")).ok());
}

// ---- SecDefaultAction -------------------------------------------------------------------------

// A default's transformations run before the rule's own (unless the rule says t:none), in its
// phase only. The program either models that or declares the rule set unsupported.
TEST(RuleProgramTest, DefaultActionTransformationsComeFirst) {
  const std::string text =
      "SecDefaultAction \"phase:2,log,auditlog,pass,t:lowercase\"\n"
      "SecRule ARGS:x \"@streq abc\" \"id:1,phase:2,pass,log,t:removeNulls\"\n"
      "SecRule ARGS:x \"@streq abc\" \"id:2,phase:2,pass,log,t:none,t:removeNulls\"\n"
      "SecRule ARGS:x \"@streq abc\" \"id:3,phase:1,pass,log,t:removeNulls\"\n";
  ASSERT_EQ(LibModSecurityLoggedIds(text, "/?x=AB%00C"), std::set<int>{1});
  const RuleProgram p = MustBuild(text);
  if (!p.unsupported().empty()) return;  // refusing the rule set is safe
  ASSERT_NE(FindRule(p, 1), nullptr);
  EXPECT_EQ(FindRule(p, 1)->links[0].transformations,
            (std::vector<std::string>{"lowercase", "removeNulls"}));
  EXPECT_EQ(FindRule(p, 2)->links[0].transformations, std::vector<std::string>{"removeNulls"});
  EXPECT_EQ(FindRule(p, 3)->links[0].transformations, std::vector<std::string>{"removeNulls"});
}

// libmodsecurity reads the phase's default actions when a rule runs, so they reach rules loaded
// before the SecDefaultAction too.
TEST(RuleProgramTest, DefaultActionReachesRulesLoadedBeforeIt) {
  const std::string text =
      "SecRule ARGS:x \"@streq abc\" \"id:1,phase:1,pass,log\"\n"
      "SecDefaultAction \"phase:1,pass,log,t:lowercase\"\n";
  ASSERT_EQ(LibModSecurityLoggedIds(text, "/?x=ABC"), std::set<int>{1});
  const RuleProgram p = MustBuild(text);
  if (!p.unsupported().empty()) return;  // refusing the rule set is safe
  ASSERT_NE(FindRule(p, 1), nullptr);
  EXPECT_EQ(FindRule(p, 1)->links[0].transformations, std::vector<std::string>{"lowercase"});
}

// Rule::logs against libmodsecurity: a message is what rampart reports as a finding, so a rule
// libmodsecurity writes one for must count as logging. Counting more is safe; for the plain
// cases (`exact`) the two must agree.
struct LogCase {
  std::string name;
  std::string text;  // defines rule 1, which always matches
  bool exact = false;
};

void PrintTo(const LogCase& c, std::ostream* os) { *os << c.name; }

class RuleProgramLogsTest : public ::testing::TestWithParam<LogCase> {};

TEST_P(RuleProgramLogsTest, LogsWheneverLibModSecurityWritesAMessage) {
  const LogCase& c = GetParam();
  const bool libmodsecurity_logs = LibModSecurityLoggedIds(c.text).count(1) == 1;
  const RuleProgram p = MustBuild(c.text);
  if (!p.unsupported().empty()) return;
  const Rule* rule = FindRule(p, 1);
  ASSERT_NE(rule, nullptr);
  if (c.exact) {
    EXPECT_EQ(rule->logs, libmodsecurity_logs) << c.text;
  } else if (libmodsecurity_logs) {
    EXPECT_TRUE(rule->logs) << c.text;
  }
}

std::vector<LogCase> LogCases() {
  auto rule = [](const std::string& actions, int phase = 1) {
    return "SecRule REQUEST_METHOD \"@streq GET\" \"id:1,phase:" + std::to_string(phase) + "," +
           actions + "\"\n";
  };
  return {
      {"Log", rule("pass,log"), true},
      {"NoLog", rule("pass,nolog"), true},
      {"LogThenNoLog", rule("pass,log,nolog"), true},
      {"NoLogThenLog", rule("pass,nolog,log"), true},
      {"DenyNoLog", rule("deny,nolog"), true},
      {"DenyLog", rule("deny,log"), true},
      {"DefaultNoLog", "SecDefaultAction \"phase:1,nolog,pass\"\n" + rule("pass")},
      {"DefaultNoLogOverridden", "SecDefaultAction \"phase:1,nolog,pass\"\n" + rule("pass,log")},
      {"DefaultLog", "SecDefaultAction \"phase:2,log,pass\"\n" + rule("pass", 2)},
      {"DefaultLogOverridden", "SecDefaultAction \"phase:2,log,pass\"\n" + rule("pass,nolog", 2)},
      {"DefaultLogAfterANoLogRule", rule("pass,nolog") + "SecDefaultAction \"phase:1,log,pass\"\n"},
      // No log or nolog and no SecDefaultAction for the phase: libmodsecurity still writes one.
      {"NeitherLogNorNoLog", rule("pass")},
      {"NeitherLogNorNoLogPhase2", rule("pass", 2)},
      {"NeitherLogNorNoLogPhase3", rule("pass", 3)},
      {"NeitherLogNorNoLogPhase4", rule("pass", 4)},
      // auditlog and noauditlog decide as well.
      {"AuditLogOnly", rule("pass,auditlog")},
      {"NoLogThenAuditLog", rule("pass,nolog,auditlog")},
      {"LogThenNoAuditLog", rule("pass,log,noauditlog")},
      {"NoAuditLogThenLog", rule("pass,noauditlog,log")},
      // A default loaded after the rule still applies to it.
      {"DefaultNoLogAfterTheRule", rule("pass") + "SecDefaultAction \"phase:1,nolog,pass\"\n"},
  };
}

std::string LogCaseName(const ::testing::TestParamInfo<LogCase>& param) { return param.param.name; }

INSTANTIATE_TEST_SUITE_P(RuleProgramLogs, RuleProgramLogsTest, ::testing::ValuesIn(LogCases()),
                         LogCaseName);

// ---- SecRuleRemove* and SecRuleUpdateTarget* --------------------------------------------------

TEST(RuleProgramTest, RemoveByIdRangesReachRulesLoadedLater) {
  std::string text = AlwaysLogs(3) + "SecRuleRemoveById 5-7 9\n";
  for (int id = 4; id <= 10; ++id) text += AlwaysLogs(id, id % 2 == 0 ? 1 : 2);
  text += "SecRuleRemoveById 10\n";
  const std::set<int> expected = {3, 4, 8};
  EXPECT_EQ(LibModSecurityLoggedIds(text), expected);
  EXPECT_EQ(ProgramIds(MustBuild(text)), expected);
}

TEST(RuleProgramTest, RemoveByIdLeavesMarkersAndKeepsTheRulesPlace) {
  const RuleProgram p = MustBuild("SecMarker M\n" + AlwaysLogs(1) + "SecRuleRemoveById 0-100\n");
  ASSERT_EQ(p.phase(1).size(), 2u);
  EXPECT_TRUE(p.phase(1)[0].is_marker);
  EXPECT_FALSE(p.phase(1)[0].removed);
  EXPECT_TRUE(p.phase(1)[1].removed);  // still there: skip:N counts it
}

// Removing fewer rules than libmodsecurity is safe (the fast path only looks at more); removing
// more is not.
TEST(RuleProgramTest, RemoveByTagNeverRemovesARuleLibModSecurityKeeps) {
  const std::string text =
      AlwaysLogs(1, 1, ",tag:'attack-sqli'") + AlwaysLogs(2, 1, ",tag:'attack-sqli-x'") +
      AlwaysLogs(3, 1, ",tag:'ATTACK-SQLI'") + AlwaysLogs(4, 1, ",tag:'other',tag:'attack-sqli'") +
      AlwaysLogs(5, 1, ",tag:'other'") + "SecRuleRemoveByTag attack-sqli\n";
  const std::set<int> kept_by_libmodsecurity = LibModSecurityLoggedIds(text);
  const std::set<int> kept_by_program = ProgramIds(MustBuild(text));
  EXPECT_TRUE(std::includes(kept_by_program.begin(), kept_by_program.end(),
                            kept_by_libmodsecurity.begin(), kept_by_libmodsecurity.end()));
  EXPECT_EQ(kept_by_program, (std::set<int>{2, 3, 5}));
  EXPECT_EQ(kept_by_libmodsecurity.count(1), 0u);
  EXPECT_EQ(kept_by_libmodsecurity.count(4), 0u);
}

TEST(RuleProgramTest, UpdateTargetByTagAddsTargetsBeforeAndAfterTheRule) {
  const std::string text =
      "SecRuleUpdateTargetByTag t1 ARGS:early\n"
      "SecRule ARGS:nope \"@streq v\" \"id:1,phase:1,pass,log,tag:'t1'\"\n"
      "SecRule ARGS:nope \"@streq v\" \"id:2,phase:1,pass,log,tag:'t2'\"\n"
      "SecRuleUpdateTargetByTag t1 \"ARGS:late|REQUEST_HEADERS:X-Late\"\n";
  EXPECT_EQ(LibModSecurityLoggedIds(text, "/?early=v"), std::set<int>{1});
  EXPECT_EQ(LibModSecurityLoggedIds(text, "/?late=v"), std::set<int>{1});
  const RuleProgram p = MustBuild(text);
  ASSERT_NE(FindRule(p, 1), nullptr);
  std::vector<std::string> keys;
  for (const Target& t : FindRule(p, 1)->links[0].targets)
    keys.push_back(t.collection + ":" + t.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"ARGS:nope", "ARGS:early", "ARGS:late",
                                            "REQUEST_HEADERS:X-Late"}));
  EXPECT_EQ(FindRule(p, 2)->links[0].targets.size(), 1u);
}

TEST(RuleProgramTest, UpdateTargetByIdExcludes) {
  const std::string text =
      "SecRule ARGS \"@streq v\" \"id:1,phase:1,pass,log\"\n"
      "SecRuleUpdateTargetById 1 \"!ARGS:skip\"\n";
  EXPECT_EQ(LibModSecurityLoggedIds(text, "/?skip=v"), std::set<int>{});
  EXPECT_EQ(LibModSecurityLoggedIds(text, "/?other=v"), std::set<int>{1});
  const RuleProgram p = MustBuild(text);
  ASSERT_NE(FindRule(p, 1), nullptr);
  const std::vector<Target>& targets = FindRule(p, 1)->links[0].targets;
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_TRUE(targets[1].excluded);
  EXPECT_EQ(targets[1].key, "skip");
  EXPECT_FALSE(FindRule(p, 1)->opaque);
}

TEST(RuleProgramTest, ReplacingTargetUpdateMakesTheRuleOpaque) {
  const RuleProgram p = MustBuild(
      "SecRule ARGS \"@streq v\" \"id:1,phase:1,pass,log,tag:'t'\"\n"
      "SecRuleUpdateTargetByTag t ARGS:new ARGS\n");
  ASSERT_NE(FindRule(p, 1), nullptr);
  EXPECT_TRUE(FindRule(p, 1)->opaque);
}

// ---- SecArgumentsLimit through to the request values ------------------------------------------

size_t LibModSecurityArgumentCount(const std::string& text, const std::string& uri) {
  modsecurity::ModSecurity modsec;
  modsecurity::RulesSet rules;
  if (rules.load(text.c_str()) < 0) {
    ADD_FAILURE() << rules.getParserError();
    return 0;
  }
  auto t = std::make_unique<modsecurity::Transaction>(&modsec, &rules, const_cast<char*>("lim"),
                                                      nullptr);
  t->processConnection("192.0.2.1", 40000, "192.0.2.2", 80);
  t->processURI(uri.c_str(), "GET", "1.1");
  t->processRequestHeaders();
  std::vector<const modsecurity::VariableValue*> values;
  t->m_variableArgsGet.resolve(&values);
  for (const modsecurity::VariableValue* v : values) delete v;
  return values.size();
}

// The limit RuleProgram reads, handed to ExtractValues as the fast path does, keeps as many
// arguments as libmodsecurity does.
TEST(RuleProgramTest, ArgumentsLimitKeepsWhatLibModSecurityKeeps) {
  const std::string uri = "/?a=1&b=2&c=3";
  for (const std::string text :
       {"SecRuleEngine On\n", "SecRuleEngine On\nSecArgumentsLimit 2\n",
        "SecRuleEngine On\nSecArgumentsLimit 1000\n", "SecRuleEngine On\nSecArgumentsLimit 0\n"}) {
    const RuleProgram p = MustBuild(text);
    RequestHead head{"GET", uri, "1.1", {}, BodyKind::kNone, {}};
    size_t arguments = 0;
    for (const Value& v : ExtractValues(head, p.arguments_limit())) {
      arguments += v.variable == Variable::kArgsGet ? 1 : 0;
    }
    EXPECT_EQ(arguments, LibModSecurityArgumentCount(text, uri)) << text;
  }
}

}  // namespace
}  // namespace rampart::fastpath
