// GeoIP in the real binary, with Country and ASN databases built for the test by
// geoip/make-test-mmdb.pl (skipped without Debian's libmaxmind-db-writer-perl): a country deny,
// an AS deny, an allow list refusing every other country (and unknown addresses), the challenge
// action, country and AS as rate-limit keys, both in the attack and access logs; a missing or
// corrupt database refused with a clear error; a database replaced on disk reloaded without a
// restart. Clients are told apart by X-Forwarded-For from 127.0.0.1, a trusted proxy here.

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "support/acl_helpers.h"
#include "support/attack_records.h"
#include "support/log_file.h"
#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

// Country: FR, DE, US; 10.0.0.0/8 is in neither database.
const std::vector<std::string> kCountries = {"203.0.113.0/24=FR", "198.51.100.0/24=DE",
                                             "192.0.2.0/24=US", "2001:db8:f::/48=FR"};
// ASN: the upper half of the DE network is AS64500; the lower half has no AS.
const std::vector<std::string> kAsns = {"198.51.100.128/25=64500:Bad Net",
                                        "192.0.2.0/24=64501:Good Net",
                                        "203.0.113.0/24=64502:Other Net"};

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

class GeoipTest : public ProxyTest {
 protected:
  void SetUp() override {
    REQUIRE_MMDB_WRITER();
    ASSERT_EQ(MakeMmdb("Country", CountryDb(), kCountries), "");
    ASSERT_EQ(MakeMmdb("ASN", AsnDb(), kAsns), "");
  }

  std::string AttackLogPath() const { return rampart_.dir() + "/attack.log"; }
  std::string AccessLogPath() const { return rampart_.dir() + "/access.log"; }
  std::string CountryDb() const { return rampart_.dir() + "/country.mmdb"; }
  std::string AsnDb() const { return rampart_.dir() + "/asn.mmdb"; }

  // `geo_yaml`: the top-level geoip section; `route_lines` go into the catch-all route.
  ConfigOptions Options(const std::vector<std::string>& route_lines,
                        const std::string& geo_yaml = "") {
    ConfigOptions options;
    options.backend_ports = {origin_.port()};
    options.route_lines = route_lines;
    options.extra =
        "  attack_log: " + AttackLogPath() + "\n" +  // continues logging:
        "trusted_proxies: [127.0.0.1/32]\n" + "watch_interval: 200ms\n" +
        (geo_yaml.empty() ? "geoip: {country_db: " + CountryDb() + ", asn_db: " + AsnDb() + "}\n"
                          : geo_yaml);
    return options;
  }

  int StatusAs(const std::string& client, const std::string& target = "/") {
    auto r = GetAs(port(), client, target);
    return r ? r->status : 0;
  }

  // The access-log line of the request for `target` (its "uri"); waits for `count` lines.
  std::optional<JsonValue> AccessLine(const std::string& target, size_t count) {
    for (JsonValue& line : JsonLines(AccessLogPath(), count, kDefaultTimeout)) {
      if (line.StringAt("uri") == target) return std::move(line);
    }
    return std::nullopt;
  }

  std::set<std::string> TargetsAtOrigin() {
    std::set<std::string> out;
    for (const RecordedRequest& r : origin_.Requests()) out.insert(r.target);
    return out;
  }
};

// A log record's country (nullopt for null) and AS number (0 for null).
std::optional<std::string> CountryOf(const JsonValue& v) { return v.StringAt("country"); }
double AsnOf(const JsonValue& v) { return v.NumberAt("asn").value_or(0); }
// True when the record has `key` and it is null.
bool IsNull(const JsonValue& v, std::string_view key) {
  const JsonValue* field = v.Find(key);
  return field != nullptr && field->type == JsonValue::Type::kNull;
}

TEST_F(GeoipTest, CountryDenyRefusesTheCountryAndLogsCountryAndAsn) {
  ASSERT_NO_FATAL_FAILURE(StartRampart(Options({"geo: {deny_countries: [FR]}"})));
  EXPECT_EQ(StatusAs("203.0.113.5", "/fr"), 403);
  EXPECT_EQ(StatusAs("2001:db8:f::5", "/fr6"), 403);
  EXPECT_EQ(StatusAs("198.51.100.5", "/de"), 200);
  EXPECT_EQ(StatusAs("10.1.1.1", "/unknown"), 200);
  EXPECT_EQ(TargetsAtOrigin(), (std::set<std::string>{"/de", "/unknown"}));

  const std::vector<JsonValue> records = JsonLines(AttackLogPath(), 2, kDefaultTimeout);
  ASSERT_EQ(records.size(), 2u);
  for (const JsonValue& record : records) {
    EXPECT_EQ(record.StringAt("source"), "geoip");
    EXPECT_EQ(record.StringAt("action"), "blocked");
    EXPECT_TRUE(RecordHasRule(record, "country:FR"));
    EXPECT_EQ(CountryOf(record), "FR");
    if (record.StringAt("client_ip") == "203.0.113.5") {
      EXPECT_EQ(AsnOf(record), 64502);
    } else {
      EXPECT_EQ(record.StringAt("client_ip"), "2001:db8:f::5");
      EXPECT_TRUE(IsNull(record, "asn"));
    }
  }
  // The access log has them too, for every request.
  auto de = AccessLine("/de", 4);
  ASSERT_TRUE(de);
  EXPECT_EQ(CountryOf(*de), "DE");
  EXPECT_EQ(AsnOf(*de), 0);  // 198.51.100.0/25 has no AS
  auto unknown = AccessLine("/unknown", 4);
  ASSERT_TRUE(unknown);
  EXPECT_TRUE(IsNull(*unknown, "country"));
  EXPECT_TRUE(IsNull(*unknown, "asn"));
  auto fr = AccessLine("/fr", 4);
  ASSERT_TRUE(fr);
  EXPECT_EQ(CountryOf(*fr), "FR");
  EXPECT_EQ(AsnOf(*fr), 64502);
  EXPECT_EQ(fr->NumberAt("status"), 403);
}

TEST_F(GeoipTest, AsnDenyRefusesTheAutonomousSystem) {
  ASSERT_NO_FATAL_FAILURE(StartRampart(Options({"geo: {deny_asns: [AS64500]}"})));
  EXPECT_EQ(StatusAs("198.51.100.200", "/as64500"), 403);
  EXPECT_EQ(StatusAs("198.51.100.5", "/no-as"), 200);
  EXPECT_EQ(StatusAs("192.0.2.1", "/as64501"), 200);
  EXPECT_EQ(TargetsAtOrigin(), (std::set<std::string>{"/no-as", "/as64501"}));

  const std::vector<JsonValue> records = JsonLines(AttackLogPath(), 1, kDefaultTimeout);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].StringAt("source"), "geoip");
  EXPECT_TRUE(RecordHasRule(records[0], "asn:64500"));
  EXPECT_EQ(records[0].StringAt("client_ip"), "198.51.100.200");
  EXPECT_EQ(CountryOf(records[0]), "DE");
  EXPECT_EQ(AsnOf(records[0]), 64500);
  auto good = AccessLine("/as64501", 3);
  ASSERT_TRUE(good);
  EXPECT_EQ(AsnOf(*good), 64501);
  EXPECT_EQ(CountryOf(*good), "US");
}

TEST_F(GeoipTest, AllowCountriesRefusesEveryOtherCountryAndUnknownAddresses) {
  ASSERT_NO_FATAL_FAILURE(StartRampart(Options({"geo: {allow_countries: [DE, US]}"})));
  EXPECT_EQ(StatusAs("198.51.100.5", "/de"), 200);
  EXPECT_EQ(StatusAs("192.0.2.9", "/us"), 200);
  EXPECT_EQ(StatusAs("203.0.113.5", "/fr"), 403);
  EXPECT_EQ(StatusAs("10.1.1.1", "/unknown"), 403);
  EXPECT_EQ(TargetsAtOrigin(), (std::set<std::string>{"/de", "/us"}));

  std::set<std::string> rules;
  for (const JsonValue& record : JsonLines(AttackLogPath(), 2, kDefaultTimeout)) {
    for (const std::string& id : RuleIds(record)) rules.insert(id);
    if (record.StringAt("client_ip") == "10.1.1.1") {
      EXPECT_TRUE(IsNull(record, "country"));
    }
  }
  EXPECT_EQ(rules, (std::set<std::string>{"country:FR", "country:unknown"}));
}

TEST_F(GeoipTest, ChallengeActionIsRecordedAsAChallenge) {
  ASSERT_NO_FATAL_FAILURE(
      StartRampart(Options({"geo: {deny_countries: [FR], action: challenge}"})));
  EXPECT_EQ(StatusAs("203.0.113.5"), 403);  // until the bot challenge stage exists
  EXPECT_EQ(origin_.RequestCount(), 0u);
  const std::vector<JsonValue> records = JsonLines(AttackLogPath(), 1, kDefaultTimeout);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].StringAt("action"), "challenged");
  EXPECT_EQ(MetricSum(Metrics(), "rampart_attack_records_total",
                      {{"action", "challenged"}, {"source", "geoip"}}),
            1);
}

TEST_F(GeoipTest, ChallengesCountTowardsADynamicBan) {
  ASSERT_NO_FATAL_FAILURE(
      StartRampart(Options({"geo: {deny_countries: [FR], action: challenge}",
                            "bans: {threshold: 2, window: 1m, duration: 10m}"},
                           "geoip: {country_db: " + CountryDb() + ", asn_db: " + AsnDb() + "}\n" +
                               "ip_reputation: {allow: [203.0.113.99]}\n")));
  EXPECT_EQ(StatusAs("203.0.113.5", "/c1"), 403);
  EXPECT_EQ(StatusAs("203.0.113.5", "/c2"), 403);
  // Banned now: refused by the ban (rule "ban"), on every route, from now on.
  EXPECT_TRUE(Eventually([&] {
    for (const JsonValue& record : JsonLines(AttackLogPath(), 0, Timeout(0))) {
      if (RecordHasRule(record, "ban")) return true;
    }
    StatusAs("203.0.113.5", "/poll");
    return false;
  })) << rampart_.Log();
  // An allow-listed FR client is neither challenged nor banned.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(StatusAs("203.0.113.99", "/allowed"), 200) << i;
  EXPECT_EQ(TargetsAtOrigin(), (std::set<std::string>{"/allowed"}));
}

TEST_F(GeoipTest, CountryAndAsnAreRateLimitKeys) {
  ConfigOptions options = Options({});
  options.routes_yaml = R"(routes:
  - name: by-country
    match:
      path_prefix: /c
    pool: app
    rate_limit: {key: country, rate: 1/h, burst: 2}
  - name: by-asn
    match:
      path_prefix: /a
    pool: app
    rate_limit: {key: asn, rate: 1/h, burst: 2}
)";
  ASSERT_NO_FATAL_FAILURE(StartRampart(options));
  // Two FR clients share the country's budget; DE has its own.
  EXPECT_EQ(StatusAs("203.0.113.1", "/c"), 200);
  EXPECT_EQ(StatusAs("203.0.113.2", "/c"), 200);
  EXPECT_EQ(StatusAs("203.0.113.3", "/c"), 429);
  EXPECT_EQ(StatusAs("198.51.100.1", "/c"), 200);
  // Without a country the key is missing: not limited.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(StatusAs("10.1.1." + std::to_string(i), "/c"), 200) << i;
  // Two addresses of AS64500 share one budget; AS64501 has its own.
  EXPECT_EQ(StatusAs("198.51.100.130", "/a"), 200);
  EXPECT_EQ(StatusAs("198.51.100.131", "/a"), 200);
  EXPECT_EQ(StatusAs("198.51.100.132", "/a"), 429);
  EXPECT_EQ(StatusAs("192.0.2.1", "/a"), 200);
}

TEST_F(GeoipTest, MissingDatabaseIsACheckErrorNamingFileAndLine) {
  const std::string missing = rampart_.dir() + "/missing.mmdb";
  const std::string yaml = MakeConfig(rampart_.dir(), Options({"geo: {deny_countries: [FR]}"},
                                                              "geoip:\n  country_db: " + missing +
                                                                  "\n  asn_db: " + AsnDb() + "\n"));
  rampart_.WriteConfig(yaml);
  const CommandResult r = RampartProcess::RunCheck(rampart_.config_path());
  EXPECT_NE(r.exit_code, 0);
  const std::string where =
      rampart_.config_path() + ":" + std::to_string(LineOf(yaml, "country_db:")) + ":";
  EXPECT_NE(r.err.find(where), std::string::npos) << "expected " << where << " in:\n" << r.err;
  EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
  // `rampart run` refuses it the same way.
  EXPECT_FALSE(rampart_.Start(yaml));
  EXPECT_NE(rampart_.Log().find(missing), std::string::npos) << rampart_.Log();
}

TEST_F(GeoipTest, CorruptOrWrongDatabaseIsAClearError) {
  const std::string corrupt = rampart_.dir() + "/corrupt.mmdb";
  WriteFile(corrupt, RandomBytes(8192, 6));
  std::string yaml = MakeConfig(rampart_.dir(), Options({}, "geoip: {country_db: " + corrupt +
                                                                ", asn_db: " + AsnDb() + "}\n"));
  rampart_.WriteConfig(yaml);
  CommandResult r = RampartProcess::RunCheck(rampart_.config_path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find(corrupt + ": not a MaxMind DB file"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("geoip.country_db"), std::string::npos) << r.err;

  // An ASN database where the country database belongs.
  yaml = MakeConfig(rampart_.dir(),
                    Options({}, "geoip: {country_db: " + AsnDb() + ", asn_db: " + AsnDb() + "}\n"));
  rampart_.WriteConfig(yaml);
  r = RampartProcess::RunCheck(rampart_.config_path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find(AsnDb()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no country data"), std::string::npos) << r.err;

  // Country rules without a country database.
  yaml = MakeConfig(rampart_.dir(),
                    Options({"geo: {deny_countries: [FR]}"}, "geoip: {asn_db: " + AsnDb() + "}\n"));
  rampart_.WriteConfig(yaml);
  r = RampartProcess::RunCheck(rampart_.config_path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("country rules need geoip.country_db"), std::string::npos) << r.err;
}

TEST_F(GeoipTest, DatabaseReplacedOnDiskIsReloadedWithoutARestart) {
  ASSERT_NO_FATAL_FAILURE(StartRampart(Options({"geo: {deny_countries: [FR]}"})));
  const pid_t pid = rampart_.pid();
  EXPECT_EQ(StatusAs("203.0.113.5", "/before"), 403);

  // The network moves to DE (the script renames the new file over the old one).
  size_t from = rampart_.LineCount();
  ASSERT_EQ(MakeMmdb("Country", CountryDb(), {"203.0.113.0/24=DE", "198.51.100.0/24=FR"}), "");
  EXPECT_TRUE(Eventually([&] { return StatusAs("203.0.113.5", "/poll") == 200; }))
      << "the new database was not loaded\n"
      << rampart_.Log();
  EXPECT_TRUE(rampart_.WaitForLine("reload: " + CountryDb() + " changed", kDefaultTimeout, from));
  EXPECT_EQ(StatusAs("198.51.100.5", "/now-fr"), 403);
  EXPECT_EQ(StatusAs("203.0.113.5", "/now-de"), 200);
  EXPECT_EQ(rampart_.pid(), pid);

  // A corrupt replacement is refused; the loaded database stays in use.
  from = rampart_.LineCount();
  WriteFile(CountryDb() + ".new", RandomBytes(4096, 7));
  std::filesystem::rename(CountryDb() + ".new", CountryDb());
  ASSERT_TRUE(rampart_.WaitForLine("reload: refused", kDefaultTimeout, from)) << rampart_.Log();
  EXPECT_TRUE(rampart_.WaitForLine(CountryDb() + ": not a MaxMind DB file", Timeout(1'000), from))
      << rampart_.Log();
  EXPECT_EQ(StatusAs("203.0.113.5", "/after-corrupt"), 200);
  EXPECT_EQ(StatusAs("198.51.100.5", "/after-corrupt-fr"), 403);
  EXPECT_TRUE(rampart_.running());
}

}  // namespace
}  // namespace rampart::test
