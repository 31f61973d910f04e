#include "geo/geo_database.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace rampart::geo {
namespace {

namespace fs = std::filesystem;

constexpr const char* kScript = RAMPART_SOURCE_DIR "/geoip/make-test-mmdb.pl";
constexpr const char* kWriterPackage = "libmaxmind-db-writer-perl";

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

struct ScriptRun {
  int status = -1;     // exit status, -1 when it did not exit normally
  std::string output;  // stdout and stderr
};

ScriptRun RunScript(const std::vector<std::string>& args) {
  std::string command = "perl " + ShellQuote(kScript);
  for (const std::string& a : args) command += " " + ShellQuote(a);
  command += " 2>&1";
  ScriptRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buf[512];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) run.output.append(buf, n);
  const int raw = pclose(pipe);
  if (raw != -1 && WIFEXITED(raw)) run.status = WEXITSTATUS(raw);
  return run;
}

// Loading the writer takes Perl a fifth of a second: ask once per process.
bool WriterInstalled() {
  static const bool installed =
      std::system("perl -MMaxMind::DB::Writer::Tree -e1 >/dev/null 2>&1") == 0;
  return installed;
}

#define SKIP_WITHOUT_WRITER()                                                          \
  if (!WriterInstalled()) {                                                            \
    GTEST_SKIP() << "needs the Perl module MaxMind::DB::Writer::Tree (Debian package " \
                 << kWriterPackage << ")";                                             \
  }

std::string MakeTempDir() {
  std::string tmpl = (fs::temp_directory_path() / "rampart-geo-XXXXXX").string();
  return mkdtemp(tmpl.data()) != nullptr ? tmpl : "";
}

// Builds `out` with the script; fails the test when the script does.
std::string Build(const std::string& out, std::initializer_list<std::string> args) {
  std::vector<std::string> argv = {"--out", out};
  argv.insert(argv.end(), args);
  const ScriptRun run = RunScript(argv);
  EXPECT_EQ(run.status, 0) << run.output;
  return out;
}

// Each test gets a temporary directory; the country database most tests read is built once per
// process into a directory of the suite's and never modified.
class GeoDatabaseTest : public ::testing::Test {
 protected:
  static void TearDownTestSuite() {
    if (!suite_dir_.empty()) fs::remove_all(suite_dir_);
    suite_dir_.clear();
    country_db_.clear();
  }
  void SetUp() override {
    SKIP_WITHOUT_WRITER();
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::string Path(const std::string& name) const { return (fs::path(dir_) / name).string(); }
  std::string Build(const std::string& name, std::initializer_list<std::string> args) {
    return geo::Build(Path(name), args);
  }

  std::shared_ptr<const GeoDatabase> OpenOk(const std::string& path) {
    auto db = GeoDatabase::Open(path);
    EXPECT_TRUE(db.ok()) << db.error().message;
    return db.ok() ? db.value() : nullptr;
  }

  static std::string CountryDb() {
    if (country_db_.empty()) {
      if (suite_dir_.empty()) suite_dir_ = MakeTempDir();
      country_db_ =
          geo::Build((fs::path(suite_dir_) / "country.mmdb").string(),
                     {"--type", "Country", "192.0.2.0/24=DE", "2001:db8::/32=KP", "127.0.0.0/8=us",
                      "198.51.100.0/24=registered:FR", "203.0.113.7=NL"});
    }
    return country_db_;
  }

  std::string dir_;

 private:
  static inline std::string suite_dir_;
  static inline std::string country_db_;
};

std::string Country(const GeoDatabase& db, const std::string& ip) {
  GeoInfo info;
  return db.Lookup(ip, &info) ? info.country : "(not found)";
}

TEST_F(GeoDatabaseTest, CountryDatabaseIpv4AndIpv6) {
  const auto db = OpenOk(CountryDb());
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->database_type(), "GeoLite2-Country");
  EXPECT_TRUE(db->has_country());
  EXPECT_FALSE(db->has_asn());
  EXPECT_EQ(Country(*db, "192.0.2.0"), "DE");
  EXPECT_EQ(Country(*db, "192.0.2.255"), "DE");
  EXPECT_EQ(Country(*db, "2001:db8::1"), "KP");
  EXPECT_EQ(Country(*db, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), "KP");
  EXPECT_EQ(Country(*db, "2001:DB8::abcd"), "KP");
  // Reserved ranges are stored (the writer drops them by default), codes are upper-cased.
  EXPECT_EQ(Country(*db, "127.0.0.1"), "US");
  EXPECT_EQ(Country(*db, "203.0.113.7"), "NL");
  EXPECT_EQ(Country(*db, "203.0.113.8"), "(not found)");
  EXPECT_EQ(Country(*db, "192.0.3.0"), "(not found)");
  EXPECT_EQ(Country(*db, "2001:db9::1"), "(not found)");
}

TEST_F(GeoDatabaseTest, Ipv4InsideAnIpv6Tree) {
  const auto db = OpenOk(CountryDb());
  ASSERT_NE(db, nullptr);
  // IPv4-mapped IPv6 is looked up as IPv4; 6to4 (2002:c000:0201:: is 192.0.2.1) finds the IPv4
  // data through the database's own alias.
  EXPECT_EQ(Country(*db, "::ffff:192.0.2.1"), "DE");
  EXPECT_EQ(Country(*db, "::FFFF:127.0.0.1"), "US");
  EXPECT_EQ(Country(*db, "2002:c000:0201::"), "DE");
  EXPECT_EQ(Country(*db, "::ffff:192.0.3.1"), "(not found)");
}

TEST_F(GeoDatabaseTest, CountryFallsBackToRegisteredCountry) {
  const auto db = OpenOk(CountryDb());
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(Country(*db, "198.51.100.9"), "FR");
}

TEST_F(GeoDatabaseTest, CityDatabaseGivesTheCountry) {
  const auto db = OpenOk(Build("city.mmdb", {"--type", "City", "192.0.2.0/25=CH",
                                             "192.0.2.128/25=AT", "2001:db8:1::/48=SE"}));
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->database_type(), "GeoLite2-City");
  EXPECT_TRUE(db->has_country());
  EXPECT_FALSE(db->has_asn());
  EXPECT_EQ(Country(*db, "192.0.2.1"), "CH");
  EXPECT_EQ(Country(*db, "192.0.2.200"), "AT");
  EXPECT_EQ(Country(*db, "2001:db8:1:2::3"), "SE");
  EXPECT_EQ(Country(*db, "2001:db8:2::"), "(not found)");
}

TEST_F(GeoDatabaseTest, AsnDatabaseGivesNumberAndOrganisation) {
  const auto db =
      OpenOk(Build("asn.mmdb", {"--type", "ASN", "198.51.100.0/24=64500:Example Net",
                                "2001:db8::/32=4200000000:Ünïcode GmbH", "203.0.113.0/24=64501"}));
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->database_type(), "GeoLite2-ASN");
  EXPECT_FALSE(db->has_country());
  EXPECT_TRUE(db->has_asn());

  GeoInfo info;
  ASSERT_TRUE(db->Lookup("198.51.100.17", &info));
  EXPECT_EQ(info.asn, 64500u);
  EXPECT_EQ(info.as_org, "Example Net");
  EXPECT_EQ(info.country, "");

  ASSERT_TRUE(db->Lookup("2001:db8::5", &info));
  EXPECT_EQ(info.asn, 4200000000u);
  EXPECT_EQ(info.as_org, "Ünïcode GmbH");

  // A number without an organisation does not keep the previous lookup's organisation.
  ASSERT_TRUE(db->Lookup("203.0.113.1", &info));
  EXPECT_EQ(info.asn, 64501u);
  EXPECT_EQ(info.as_org, "");
}

TEST_F(GeoDatabaseTest, CountryAndAsnDatabasesFillOneGeoInfo) {
  const auto country = OpenOk(CountryDb());
  const auto asn = OpenOk(Build("asn.mmdb", {"--type", "ASN", "192.0.2.0/24=64496:Doc Net"}));
  ASSERT_NE(country, nullptr);
  ASSERT_NE(asn, nullptr);
  GeoInfo info;
  ASSERT_TRUE(country->Lookup("192.0.2.10", &info));
  ASSERT_TRUE(asn->Lookup("192.0.2.10", &info));
  EXPECT_EQ(info.country, "DE");
  EXPECT_EQ(info.asn, 64496u);
  EXPECT_EQ(info.as_org, "Doc Net");
}

TEST_F(GeoDatabaseTest, AddressNotInTheDatabaseLeavesTheInfoAlone) {
  const auto db = OpenOk(CountryDb());
  ASSERT_NE(db, nullptr);
  GeoInfo info{"ZZ", 7, "Kept"};
  EXPECT_FALSE(db->Lookup("8.8.8.8", &info));
  EXPECT_FALSE(db->Lookup("2001:4860::8888", &info));
  EXPECT_EQ(info.country, "ZZ");
  EXPECT_EQ(info.asn, 7u);
  EXPECT_EQ(info.as_org, "Kept");
}

TEST_F(GeoDatabaseTest, GarbageIsNotFound) {
  const auto db = OpenOk(Build("all.mmdb", {"--type", "Country", "0.0.0.0/0=DE", "::/0=DE"}));
  ASSERT_NE(db, nullptr);
  ASSERT_EQ(Country(*db, "10.0.0.1"), "DE");
  ASSERT_EQ(Country(*db, "fe80::1"), "DE");
  for (const char* ip : {"", "not-an-ip", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", " 1.2.3.4",
                         "1.2.3.4 ", "1.2.3.4:80", "[2001:db8::1]", "2001:db8::1%eth0",
                         "2001:db8:::1", "example.com", "localhost"}) {
    GeoInfo info;
    EXPECT_FALSE(db->Lookup(ip, &info)) << "'" << ip << "'";
    EXPECT_EQ(info.country, "") << ip;
  }
  // Longer than any address, and text with a NUL inside: not addresses either.
  GeoInfo info;
  EXPECT_FALSE(db->Lookup(std::string(200, '1'), &info));
  EXPECT_FALSE(db->Lookup(std::string_view("1.2.3.4\0junk", 12), &info));
}

TEST_F(GeoDatabaseTest, Ipv6LookupInAnIpv4DatabaseIsNotFound) {
  const auto db =
      OpenOk(Build("v4.mmdb", {"--type", "Country", "--ip-version", "4", "192.0.2.0/24=DE"}));
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(Country(*db, "192.0.2.3"), "DE");
  EXPECT_EQ(Country(*db, "::ffff:192.0.2.3"), "DE");
  EXPECT_EQ(Country(*db, "2001:db8::1"), "(not found)");
}

TEST_F(GeoDatabaseTest, MissingFileIsAnErrorNamingThePath) {
  const std::string path = Path("nope.mmdb");
  auto db = GeoDatabase::Open(path);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().message, path + ": no such file");
}

TEST_F(GeoDatabaseTest, DirectoryIsAnError) {
  auto db = GeoDatabase::Open(dir_);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().message, dir_ + ": not a regular file");
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void ExpectNotMmdb(const std::string& path) {
  auto db = GeoDatabase::Open(path);
  ASSERT_FALSE(db.ok()) << path;
  EXPECT_EQ(db.error().message.rfind(path + ": not a MaxMind DB file (", 0), 0u)
      << db.error().message;
}

TEST_F(GeoDatabaseTest, CorruptFilesAreErrors) {
  std::mt19937 rng(42);
  std::string random(4096, '\0');
  for (char& c : random) c = static_cast<char>(rng());
  WriteFile(Path("random.mmdb"), random);
  ExpectNotMmdb(Path("random.mmdb"));

  // A real database cut short loses its metadata section, which sits at the end.
  const std::string valid = ReadFile(CountryDb());
  ASSERT_GT(valid.size(), 100u);
  WriteFile(Path("truncated.mmdb"), valid.substr(0, valid.size() / 2));
  ExpectNotMmdb(Path("truncated.mmdb"));
  WriteFile(Path("tail.mmdb"), valid.substr(0, valid.size() - 20));
  ExpectNotMmdb(Path("tail.mmdb"));

  WriteFile(Path("empty.mmdb"), "");
  ExpectNotMmdb(Path("empty.mmdb"));
}

TEST_F(GeoDatabaseTest, TextFileIsAnError) {
  WriteFile(Path("GeoIP.conf"), "AccountID 0\nLicenseKey 000000000000\nEditionIDs GeoLite2-ASN\n");
  ExpectNotMmdb(Path("GeoIP.conf"));
}

TEST_F(GeoDatabaseTest, TypeWithoutCountryOrAsnIsAnError) {
  const std::string path = Build("anon.mmdb", {"--type", "Country", "--database-type",
                                               "GeoIP2-Anonymous-IP", "192.0.2.0/24=DE"});
  auto db = GeoDatabase::Open(path);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().message,
            path + ": database type GeoIP2-Anonymous-IP has neither country nor ASN data");
}

TEST_F(GeoDatabaseTest, OtherEditionNamesAreRecognised) {
  const auto dbip =
      OpenOk(Build("dbip.mmdb", {"--type", "ASN", "--database-type",
                                 "DBIP-ASN-Lite (compat=GeoLite2-ASN)", "192.0.2.0/24=64500:X"}));
  ASSERT_NE(dbip, nullptr);
  EXPECT_TRUE(dbip->has_asn());
  EXPECT_FALSE(dbip->has_country());
  const auto enterprise = OpenOk(Build(
      "ent.mmdb", {"--type", "City", "--database-type", "GeoIP2-Enterprise", "192.0.2.0/24=DE"}));
  ASSERT_NE(enterprise, nullptr);
  EXPECT_TRUE(enterprise->has_country());
  EXPECT_EQ(Country(*enterprise, "192.0.2.1"), "DE");
}

TEST_F(GeoDatabaseTest, MetadataAndPath) {
  const std::time_t before = std::time(nullptr);
  const std::string path = Build("country.mmdb", {"--type", "Country", "192.0.2.0/24=DE"});
  const auto db = OpenOk(path);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->path(), path);
  EXPECT_GE(db->build_epoch(), static_cast<uint64_t>(before) - 5);
  EXPECT_LE(db->build_epoch(), static_cast<uint64_t>(std::time(nullptr)) + 5);
}

TEST_F(GeoDatabaseTest, OpenDatabaseSurvivesTheFileBeingReplaced) {
  const std::string path = Build("country.mmdb", {"--type", "Country", "192.0.2.0/24=DE"});
  const auto old_db = OpenOk(path);
  ASSERT_NE(old_db, nullptr);
  // The script renames its output into place, as geoipupdate does: the old mapping stays valid.
  Build("country.mmdb", {"--type", "Country", "192.0.2.0/24=PL"});
  EXPECT_EQ(Country(*old_db, "192.0.2.1"), "DE");
  const auto new_db = OpenOk(path);
  ASSERT_NE(new_db, nullptr);
  EXPECT_EQ(Country(*new_db, "192.0.2.1"), "PL");
}

TEST_F(GeoDatabaseTest, OpenDatabaseSurvivesTheFileBeingRewrittenInPlace) {
  const std::string path = Build("inplace.mmdb", {"--type", "Country", "192.0.2.0/24=DE"});
  const auto db = OpenOk(path);
  ASSERT_NE(db, nullptr);
  // `cp new.mmdb live.mmdb` truncates and rewrites the same inode: a database mapped straight
  // from the file would then read garbage, or fault (SIGBUS) past the new end.
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << "not a database";
  }
  EXPECT_EQ(Country(*db, "192.0.2.1"), "DE");
}

TEST_F(GeoDatabaseTest, ConcurrentLookups) {
  const auto db = OpenOk(CountryDb());
  ASSERT_NE(db, nullptr);
  std::atomic<int> wrong{0};
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        GeoInfo info;
        if (!db->Lookup(i % 2 ? "192.0.2.77" : "2001:db8::77", &info) ||
            info.country != (i % 2 ? "DE" : "KP")) {
          ++wrong;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

// The builder's own contract: bad input exits non-zero, says why, and writes nothing.
TEST(GeoDatabaseScriptTest, RejectsBadInput) {
  SKIP_WITHOUT_WRITER();
  const std::string tmpl = MakeTempDir();
  ASSERT_FALSE(tmpl.empty());
  const std::string out = tmpl + "/x.mmdb";
  const std::vector<std::vector<std::string>> cases = {
      {},                                                     // nothing
      {"--type", "Country", "192.0.2.0/24=DE"},               // no --out
      {"--type", "Region", "--out", out, "192.0.2.0/24=DE"},  // unknown type
      {"--type", "Country", "--out", out},                    // no entries
      {"--type", "Country", "--ip-version", "5", "--out", out, "192.0.2.0/24=DE"},
      {"--type", "Country", "--out", out, "192.0.2.0/24"},      // no value
      {"--type", "Country", "--out", out, "192.0.2.0/33=DE"},   // prefix too long
      {"--type", "Country", "--out", out, "192.0.2.0/x=DE"},    // prefix not a number
      {"--type", "Country", "--out", out, "192.0.2.1/24=DE"},   // host bits set
      {"--type", "Country", "--out", out, "300.0.2.0/24=DE"},   // not an address
      {"--type", "Country", "--out", out, "192.0.2.0/24=DEU"},  // not a country code
      {"--type", "Country", "--out", out, "192.0.2.0/24=D1"},   // not a country code
      {"--type", "ASN", "--out", out, "192.0.2.0/24=DE"},       // not an AS number
      {"--type", "ASN", "--out", out, "192.0.2.0/24=0:Zero"},   // AS 0 is reserved
      {"--type", "ASN", "--out", out, "192.0.2.0/24=4294967296:Too big"},
      {"--type", "Country", "--ip-version", "4", "--out", out, "2001:db8::/32=DE"},
      // Aliased to the IPv4 data: inserting there directly is an error in the writer.
      {"--type", "Country", "--out", out, "::ffff:192.0.2.0/120=DE"},
      // A good entry does not save a bad one.
      {"--type", "Country", "--out", out, "192.0.2.0/24=DE", "bogus=DE"},
  };
  for (const auto& args : cases) {
    std::string shown;
    for (const std::string& a : args) shown += a + " ";
    const ScriptRun run = RunScript(args);
    EXPECT_NE(run.status, 0) << shown;
    EXPECT_NE(run.status, -1) << shown << run.output;
    EXPECT_NE(run.output.find("make-test-mmdb.pl: "), std::string::npos) << shown << run.output;
    EXPECT_FALSE(fs::exists(out)) << shown;
  }
  // Nothing left behind, not even the temporary file.
  EXPECT_TRUE(fs::is_empty(tmpl));
  fs::remove_all(tmpl);
}

TEST(GeoDatabaseScriptTest, ExplainsAnUnwritableOutput) {
  SKIP_WITHOUT_WRITER();
  const ScriptRun run =
      RunScript({"--type", "Country", "--out", "/nonexistent-dir/x.mmdb", "192.0.2.0/24=DE"});
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.output.find("/nonexistent-dir/x.mmdb"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace rampart::geo
