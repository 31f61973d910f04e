// The geoip stage with real MaxMind DB files built by geoip/make-test-mmdb.pl (skipped when
// Perl's MaxMind::DB::Writer is missing): the geo recorded on every exchange, and the country and
// ASN allow and deny rules.

#include "stages/geoip/geoip_stage.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/chain.h"
#include "pipeline/exchange.h"

namespace rampart::stages::geoip {
namespace {

namespace fs = std::filesystem;

using pipeline::ChainResult;
using pipeline::FindingSource;
using pipeline::Verdict;

constexpr const char* kScript = RAMPART_SOURCE_DIR "/geoip/make-test-mmdb.pl";

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Runs the script; returns its output, or sets `ok` false.
bool MakeMmdb(const std::vector<std::string>& args, std::string& output) {
  std::string command = "perl " + ShellQuote(kScript);
  for (const std::string& a : args) command += " " + ShellQuote(a);
  command += " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return false;
  char buf[512];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
  const int status = pclose(pipe);
  return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// The databases every test shares, built once per process.
class GeoipStageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::system("perl -MMaxMind::DB::Writer::Tree -e1 >/dev/null 2>&1") != 0) {
      skip_reason_ = "needs the Perl module MaxMind::DB::Writer::Tree (libmaxmind-db-writer-perl)";
      return;
    }
    std::string tmpl = (fs::temp_directory_path() / "rampart-geoip-stage-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      setup_error_ = "mkdtemp failed";
      return;
    }
    dir_ = tmpl;
    const std::string country = dir_ + "/country.mmdb";
    const std::string city = dir_ + "/city.mmdb";
    const std::string asn = dir_ + "/asn.mmdb";
    std::string output;
    if (!MakeMmdb({"--type", "Country", "--out", country, "192.0.2.0/24=KP", "198.51.100.0/24=DE",
                   "203.0.113.0/24=FR", "2001:db8::/32=DE"},
                  output) ||
        !MakeMmdb({"--type", "City", "--out", city, "198.51.100.0/24=NL"}, output) ||
        !MakeMmdb({"--type", "ASN", "--out", asn, "192.0.2.0/24=64500:Evil Net",
                   "198.51.100.0/24=64501:Good Net", "2001:db8::/32=64501:Good Net"},
                  output)) {
      setup_error_ = "make-test-mmdb.pl failed: " + output;
      return;
    }
    auto c = geo::GeoDatabase::Open(country);
    auto ci = geo::GeoDatabase::Open(city);
    auto a = geo::GeoDatabase::Open(asn);
    if (!c.ok() || !ci.ok() || !a.ok()) {
      setup_error_ = "cannot open the test databases";
      return;
    }
    auto dbs = std::make_shared<GeoDatabases>();
    dbs->country = std::move(c).value();
    dbs->asn = std::move(a).value();
    databases_ = dbs;
    city_ = std::move(ci).value();
  }

  static void TearDownTestSuite() {
    databases_.reset();
    city_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
  }

  static pipeline::Chain MakeChain(std::optional<GeoRules> rules,
                                   std::shared_ptr<const GeoDatabases> dbs = databases_) {
    return pipeline::Chain({std::make_shared<GeoipStageFactory>(
        std::move(dbs), std::move(rules), "api", "<p>no {{request_id}}</p>")});
  }

  static pipeline::Exchange RunOne(const pipeline::Chain& chain, const std::string& ip,
                                   ChainResult* result, bool allowlisted = false) {
    pipeline::Exchange ex(pipeline::ClientInfo{ip, 40000, false, ip});
    ex.set_request_id("req-9");
    ex.set_route_name("api");
    if (allowlisted) ex.set_allowlisted();
    pipeline::ChainRun run(chain);
    *result = run.RunRequestHeaders(ex);
    run.Complete(ex);
    return ex;
  }

  static void ExpectRefused(const pipeline::Chain& chain, const std::string& ip,
                            const std::string& id, const std::string& msg,
                            Verdict verdict = Verdict::kBlocked) {
    SCOPED_TRACE(ip);
    ChainResult result;
    pipeline::Exchange ex = RunOne(chain, ip, &result);
    ASSERT_EQ(result, ChainResult::kRespond);
    ASSERT_TRUE(ex.local_reply().has_value());
    EXPECT_EQ(ex.local_reply()->status, 403);
    EXPECT_EQ(ex.local_reply()->body, "<p>no req-9</p>");
    ASSERT_EQ(ex.findings().rules().size(), 1u);
    const pipeline::RuleMatch& rule = ex.findings().rules()[0];
    EXPECT_EQ(rule.source, FindingSource::kGeoip);
    EXPECT_EQ(rule.id, id);
    EXPECT_EQ(rule.msg, msg);
    EXPECT_EQ(rule.data, ip);
    EXPECT_EQ(ex.findings().verdict(), verdict);
    EXPECT_EQ(ex.findings().source(), FindingSource::kGeoip);
    EXPECT_EQ(ex.findings().status(), 403);
  }

  static void ExpectPasses(const pipeline::Chain& chain, const std::string& ip) {
    SCOPED_TRACE(ip);
    ChainResult result;
    pipeline::Exchange ex = RunOne(chain, ip, &result);
    EXPECT_EQ(result, ChainResult::kContinue);
    EXPECT_FALSE(ex.local_reply().has_value());
    EXPECT_TRUE(ex.findings().empty());
  }

  static inline std::string skip_reason_;
  static inline std::string setup_error_;
  static inline std::string dir_;
  static inline std::shared_ptr<const GeoDatabases> databases_;
  static inline std::shared_ptr<const geo::GeoDatabase> city_;
};

TEST_F(GeoipStageTest, NameAndFlags) {
  GeoipStageFactory factory(databases_, std::nullopt, "api", "");
  EXPECT_EQ(factory.name(), "geoip");
  EXPECT_FALSE(factory.NeedsReceivedHeaders());
  EXPECT_FALSE(factory.InspectsRequestBody());
}

TEST_F(GeoipStageTest, SetsGeoOnEveryExchangeWithoutRules) {
  const auto chain = MakeChain(std::nullopt);
  ChainResult result;
  pipeline::Exchange ex = RunOne(chain, "198.51.100.7", &result);
  EXPECT_EQ(result, ChainResult::kContinue);
  EXPECT_EQ(ex.geo().country, "DE");
  EXPECT_EQ(ex.geo().asn, 64501u);
  EXPECT_TRUE(ex.findings().empty());

  ex = RunOne(chain, "192.0.2.1", &result);
  EXPECT_EQ(ex.geo().country, "KP");
  EXPECT_EQ(ex.geo().asn, 64500u);

  ex = RunOne(chain, "2001:db8::1", &result);
  EXPECT_EQ(ex.geo().country, "DE");
  EXPECT_EQ(ex.geo().asn, 64501u);

  ex = RunOne(chain, "::ffff:192.0.2.1", &result);
  EXPECT_EQ(ex.geo().country, "KP");

  ex = RunOne(chain, "203.0.113.5", &result);  // a country, no AS
  EXPECT_EQ(ex.geo().country, "FR");
  EXPECT_EQ(ex.geo().asn, 0u);

  ex = RunOne(chain, "100.64.0.1", &result);  // in neither
  EXPECT_EQ(result, ChainResult::kContinue);
  EXPECT_EQ(ex.geo().country, "");
  EXPECT_EQ(ex.geo().asn, 0u);
}

TEST_F(GeoipStageTest, OneDatabaseFillsItsOwnField) {
  auto country_only = std::make_shared<GeoDatabases>();
  country_only->country = databases_->country;
  ChainResult result;
  pipeline::Exchange ex = RunOne(MakeChain(std::nullopt, country_only), "198.51.100.7", &result);
  EXPECT_EQ(ex.geo().country, "DE");
  EXPECT_EQ(ex.geo().asn, 0u);

  auto asn_only = std::make_shared<GeoDatabases>();
  asn_only->asn = databases_->asn;
  ex = RunOne(MakeChain(std::nullopt, asn_only), "198.51.100.7", &result);
  EXPECT_EQ(ex.geo().country, "");
  EXPECT_EQ(ex.geo().asn, 64501u);
}

TEST_F(GeoipStageTest, CityDatabaseServesAsCountryDatabase) {
  auto dbs = std::make_shared<GeoDatabases>();
  dbs->country = city_;
  GeoRules rules;
  rules.deny_countries = {"NL"};
  const auto chain = MakeChain(rules, dbs);
  ExpectRefused(chain, "198.51.100.7", "country:NL", "country NL is denied on this route");
}

TEST_F(GeoipStageTest, DenyCountry) {
  GeoRules rules;
  rules.deny_countries = {"KP", "IR"};
  const auto chain = MakeChain(rules);
  ExpectRefused(chain, "192.0.2.1", "country:KP", "country KP is denied on this route");
  ExpectRefused(chain, "::ffff:192.0.2.1", "country:KP", "country KP is denied on this route");
  ExpectPasses(chain, "198.51.100.7");
  ExpectPasses(chain, "100.64.0.1");  // unknown passes a deny list
}

TEST_F(GeoipStageTest, CountryCodesInRulesAreCaseInsensitive) {
  GeoRules rules;
  rules.deny_countries = {"kp"};
  ExpectRefused(MakeChain(rules), "192.0.2.1", "country:KP", "country KP is denied on this route");
}

TEST_F(GeoipStageTest, AllowCountries) {
  GeoRules rules;
  rules.allow_countries = {"DE", "AT", "CH"};
  const auto chain = MakeChain(rules);
  ExpectPasses(chain, "198.51.100.7");
  ExpectPasses(chain, "2001:db8::1");
  ExpectRefused(chain, "203.0.113.5", "country:FR", "country FR is not on this route's allow list");
  ExpectRefused(chain, "100.64.0.1", "country:unknown",
                "country unknown is not on this route's allow list");
}

TEST_F(GeoipStageTest, DenyAsn) {
  GeoRules rules;
  rules.deny_asns = {64500};
  const auto chain = MakeChain(rules);
  ExpectRefused(chain, "192.0.2.1", "asn:64500", "AS64500 is denied on this route");
  ExpectPasses(chain, "198.51.100.7");
  ExpectPasses(chain, "203.0.113.5");  // no AS: passes a deny list
}

TEST_F(GeoipStageTest, AllowAsns) {
  GeoRules rules;
  rules.allow_asns = {64501, 64999};
  const auto chain = MakeChain(rules);
  ExpectPasses(chain, "198.51.100.7");
  ExpectPasses(chain, "2001:db8::5");
  ExpectRefused(chain, "192.0.2.1", "asn:64500", "AS64500 is not on this route's allow list");
  ExpectRefused(chain, "203.0.113.5", "asn:unknown",
                "AS unknown is not on this route's allow list");
}

TEST_F(GeoipStageTest, CountryRulesComeBeforeAsnRules) {
  GeoRules rules;
  rules.deny_countries = {"KP"};
  rules.deny_asns = {64500};
  ExpectRefused(MakeChain(rules), "192.0.2.1", "country:KP", "country KP is denied on this route");
}

TEST_F(GeoipStageTest, ChallengeActionIsRecordedAsChallenge) {
  GeoRules rules;
  rules.deny_countries = {"KP"};
  rules.action = config::DenyAction::kChallenge;
  ExpectRefused(MakeChain(rules), "192.0.2.1", "country:KP", "country KP is denied on this route",
                Verdict::kChallenged);
}

TEST_F(GeoipStageTest, AllowlistedClientGetsItsGeoButNoRule) {
  GeoRules rules;
  rules.deny_countries = {"KP"};
  ChainResult result;
  pipeline::Exchange ex = RunOne(MakeChain(rules), "192.0.2.1", &result, /*allowlisted=*/true);
  EXPECT_EQ(result, ChainResult::kContinue);
  EXPECT_EQ(ex.geo().country, "KP");
  EXPECT_EQ(ex.geo().asn, 64500u);
  EXPECT_TRUE(ex.findings().empty());
}

TEST_F(GeoipStageTest, WithoutDatabasesAnAllowListRefusesEveryone) {
  GeoRules rules;
  rules.allow_countries = {"DE"};
  const auto chain = MakeChain(rules, nullptr);
  ExpectRefused(chain, "198.51.100.7", "country:unknown",
                "country unknown is not on this route's allow list");
  GeoRules deny;
  deny.deny_countries = {"DE"};
  ExpectPasses(MakeChain(deny, nullptr), "198.51.100.7");
}

}  // namespace
}  // namespace rampart::stages::geoip
