// The review commands on a real attack log written by the real binary with the installed CRS
// (skipped without /usr/share/modsecurity-crs): `rampart logs` filters and summarises it, and
// `rampart tune` turns a marked false positive into an exclusion file that, once the route
// includes it and rampart reloads, lets exactly that request through — the same payload in
// another parameter, on another path or on another route is still blocked.

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/attack_records.h"
#include "support/client.h"
#include "support/json.h"
#include "support/log_file.h"
#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

// A reader pasting SQL into a developer blog's comment form: CRS 942100 (libinjection) flags
// it, though on this page it is only text.
constexpr char kSqlComment[] = "SELECT+name+FROM+users+WHERE+id+%3D+1";
constexpr char kForm[] = "application/x-www-form-urlencoded";

class ReviewCliTest : public ProxyTest {
 protected:
  std::string Path(const std::string& name) const { return rampart_.dir() + "/" + name; }
  std::string AttackLog() const { return Path("attack.log"); }
  std::string Exclusions() const { return Path("blog-exclusions.conf"); }

  void Start() {
    std::ofstream(Exclusions()) << "# rampart tune writes here\n";
    // 920350 (numeric Host) is excluded: the tests reach rampart as 127.0.0.1.
    const std::string waf = "{mode: block, exclusions: [{id: 920350}]";
    ConfigOptions options;
    options.backend_ports = {origin_.port()};
    options.routes_yaml =
        "routes:\n"
        "  - name: blog\n"
        "    match: {path_prefix: /blog/}\n"
        "    pool: app\n"
        "    waf: " +
        waf + ", before_crs: [" + Exclusions() +
        "]}\n"
        "  - name: main\n"
        "    match: {path_prefix: /}\n"
        "    pool: app\n"
        "    waf: " +
        waf + "}\n";
    options.extra = "  attack_log: " + AttackLog() + "\n";  // continues logging:
    ASSERT_NO_FATAL_FAILURE(StartRampart(options));
  }

  // POSTs a form; the status (0 when there is no answer) and the request id.
  std::pair<int, std::string> PostForm(const std::string& target, const std::string& body) {
    Client c = Connect();
    auto r = c.Post(target, body, {{"Content-Type", kForm}, {"Connection", "close"}});
    if (!r) return {0, ""};
    return {r->status, r->Header("X-Request-Id").value_or("")};
  }

  CommandResult Rampart(std::vector<std::string> args) {
    CommandResult r = RampartProcess::Run(args);
    EXPECT_FALSE(r.timed_out);
    return r;
  }
};

TEST_F(ReviewCliTest, LogsFiltersAndSummarisesTheAttackLog) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start());
  const auto fp = PostForm("/blog/post", std::string("comment=") + kSqlComment);
  const auto other_var = PostForm("/blog/post", std::string("q=") + kSqlComment);
  const auto other_route = PostForm("/shop/search", std::string("q=") + kSqlComment);
  ASSERT_EQ(fp.first, 403);
  ASSERT_EQ(other_var.first, 403);
  ASSERT_EQ(other_route.first, 403);
  ASSERT_EQ(WaitForFileLines(AttackLog(), 3).size(), 3u);

  // Filtered by route and rule, as JSON lines: the records exactly as logged.
  CommandResult r = Rampart({"logs", AttackLog(), "--route", "blog", "--rule", "942100", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> ids;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    auto record = ParseJson(line);
    ASSERT_TRUE(record.has_value()) << line;
    EXPECT_EQ(record->StringAt("route").value_or(""), "blog");
    EXPECT_TRUE(RecordHasRule(*record, "942100"));
    ids.push_back(record->StringAt("request_id").value_or(""));
  }
  // Two workers batch their records separately: the order in the file is not the order sent.
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> expected = {fp.second, other_var.second};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(ids, expected);

  // A path prefix and a client range; text output names the request ids.
  r = Rampart({"logs", AttackLog(), "--uri", "/shop/", "--ip", "127.0.0.0/8"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(other_route.second), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(fp.second), std::string::npos) << r.out;
  r = Rampart({"logs", AttackLog(), "--ip", "10.0.0.0/8"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.find(fp.second), std::string::npos) << r.out;

  // The summary as JSON: every record counted, 942100 on top of the request rules.
  r = Rampart({"logs", AttackLog(), "--summary", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto summary = ParseJson(r.out);
  ASSERT_TRUE(summary.has_value()) << r.out;
  EXPECT_EQ(summary->NumberAt("total"), 3);
  bool found = false;
  const JsonValue* top_rules = summary->Find("top_rules");
  ASSERT_NE(top_rules, nullptr);
  for (const JsonValue& rule : top_rules->array) {
    if (rule.StringAt("key") == "942100") {
      found = true;
      EXPECT_EQ(rule.NumberAt("count"), 3);
    }
  }
  EXPECT_TRUE(found) << r.out;

  // A filter it cannot apply is a usage error.
  r = Rampart({"logs", AttackLog(), "--action", "bloked"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bloked"), std::string::npos) << r.err;
}

TEST_F(ReviewCliTest, TuneExclusionLetsTheFalsePositiveThroughAndNothingElse) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start());
  const auto fp = PostForm("/blog/post", std::string("comment=") + kSqlComment);
  ASSERT_EQ(fp.first, 403);
  ASSERT_FALSE(fp.second.empty());
  ASSERT_EQ(WaitForFileLines(AttackLog(), 1).size(), 1u);

  CommandResult r =
      Rampart({"tune", AttackLog(), "--request-id", fp.second, "--out", Exclusions()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("would pass"), std::string::npos) << r.out;
  std::ifstream in(Exclusions());
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(file.find("\"@streq /blog/post\""), std::string::npos) << file;
  EXPECT_NE(file.find("ctl:ruleRemoveTargetById=942100;ARGS:comment"), std::string::npos) << file;
  EXPECT_EQ(file.find("949110"), std::string::npos) << "never the outcome rule: " << file;

  // Asking again adds nothing: the file already holds it.
  r = Rampart({"tune", AttackLog(), "--request-id", fp.second, "--out", Exclusions()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("added 0"), std::string::npos) << r.out;

  const size_t from = rampart_.LineCount();
  ASSERT_TRUE(rampart_.Signal(SIGHUP));
  ASSERT_TRUE(rampart_.WaitForLine("reload: applied", kDefaultTimeout, from)) << rampart_.Log();

  // The false positive now reaches the origin, body intact.
  EXPECT_EQ(PostForm("/blog/post", std::string("comment=") + kSqlComment).first, 200);
  auto seen = origin_.LastRequest();
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->Path(), "/blog/post");
  EXPECT_EQ(seen->body, std::string("comment=") + kSqlComment);
  // Nothing wider than asked: another parameter, another path, another route are still
  // inspected by 942100.
  EXPECT_EQ(PostForm("/blog/post", std::string("q=") + kSqlComment).first, 403);
  EXPECT_EQ(PostForm("/blog/other", std::string("comment=") + kSqlComment).first, 403);
  EXPECT_EQ(PostForm("/shop/post", std::string("comment=") + kSqlComment).first, 403);
  EXPECT_EQ(origin_.RequestCount(), 1u);
}

TEST_F(ReviewCliTest, TuneRefusesAnUnknownRequestId) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_EQ(PostForm("/blog/post", std::string("comment=") + kSqlComment).first, 403);
  ASSERT_EQ(WaitForFileLines(AttackLog(), 1).size(), 1u);
  CommandResult r =
      Rampart({"tune", AttackLog(), "--request-id", "no-such-id", "--out", Exclusions()});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("no-such-id"), std::string::npos) << r.err;
  std::ifstream in(Exclusions());
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(file, "# rampart tune writes here\n") << "nothing written";
}

}  // namespace
}  // namespace rampart::test
