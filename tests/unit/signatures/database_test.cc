#include "signatures/database.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "signatures/pack_loader.h"

namespace rampart::signatures {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

std::vector<Signature> Parse(const std::string& yaml) {
  PackResult r = ParsePack(yaml, "p.yaml");
  if (auto* errors = std::get_if<std::vector<std::string>>(&r)) {
    ADD_FAILURE() << errors->front();
    return {};
  }
  return std::get<Pack>(std::move(r)).signatures;
}

std::shared_ptr<const Database> MustCompile(const std::string& yaml) {
  Database::Result r = Database::Compile(Parse(yaml));
  if (auto* errors = std::get_if<std::vector<std::string>>(&r)) {
    ADD_FAILURE() << errors->front();
    return nullptr;
  }
  return std::get<std::shared_ptr<const Database>>(r);
}

// The ids of the signatures matching `value` in `where`.
std::set<uint32_t> Ids(const Database& db, Where where, std::string_view value) {
  auto scratch = db.NewScratch();
  std::vector<uint32_t> matched;
  db.Scan(where, value, *scratch, matched);
  std::set<uint32_t> ids;
  for (uint32_t i : matched) ids.insert(db.signatures()[i].id);
  return ids;
}

constexpr char kPack[] = R"(pack: t
signatures:
  - {id: 1, description: sqlmap, literals: ["sqlmap/"], where: [user_agent], flags: [caseless], action: block}
  - {id: 2, description: jndi, regex: '\$\{\s*jndi\s*:', where: [query, arg_values, headers], flags: [caseless], action: block}
  - {id: 3, description: api header, literals: ["../"], where: ["header:X-Api-Path"], action: log}
  - {id: 4, description: case matters, literals: ["EXACT"], where: [arg_values], action: score 3}
  - {id: 5, description: two literals, literals: ["wp-config.php.bak", "wp-config.php~"], where: [path], action: block}
)";

TEST(SignatureDatabaseTest, MatchesPerPartAndFlags) {
  auto db = MustCompile(kPack);
  ASSERT_NE(db, nullptr);
  const Where ua{Part::kUserAgent, ""};
  const Where args{Part::kArgValues, ""};
  const Where path{Part::kPath, ""};
  EXPECT_THAT(Ids(*db, ua, "Mozilla/5.0 SQLMap/1.7#stable"), ElementsAre(1u));
  EXPECT_THAT(Ids(*db, args, "${ JNDI :ldap://x}"), ElementsAre(2u));
  EXPECT_THAT(Ids(*db, {Part::kQuery, ""}, "q=${jndi:dns://x}"), ElementsAre(2u));
  EXPECT_THAT(Ids(*db, {Part::kHeaders, ""}, "${jndi:rmi://x}"), ElementsAre(2u));
  // Only where the signature looks.
  EXPECT_THAT(Ids(*db, path, "${jndi:ldap://x}"), IsEmpty());
  EXPECT_THAT(Ids(*db, ua, "${jndi:ldap://x}"), IsEmpty());
  // Case-sensitive without the flag.
  EXPECT_THAT(Ids(*db, args, "EXACT"), ElementsAre(4u));
  EXPECT_THAT(Ids(*db, args, "exact"), IsEmpty());
  // Any literal of a list; each signature once per value.
  EXPECT_THAT(Ids(*db, path, "/wp-config.php~"), ElementsAre(5u));
  EXPECT_THAT(Ids(*db, path, "/wp-config.php.bak/wp-config.php~"), ElementsAre(5u));
}

TEST(SignatureDatabaseTest, NamedHeaderDatabases) {
  auto db = MustCompile(kPack);
  ASSERT_NE(db, nullptr);
  EXPECT_THAT(db->header_names(), ElementsAre("x-api-path"));
  EXPECT_THAT(Ids(*db, {Part::kHeader, "x-api-path"}, "/v1/../admin"), ElementsAre(3u));
  EXPECT_THAT(Ids(*db, {Part::kHeader, "x-other"}, "/v1/../admin"), IsEmpty());
  EXPECT_TRUE(db->Uses(Part::kHeader));
  EXPECT_TRUE(db->Uses(Part::kUserAgent));
  EXPECT_FALSE(db->Uses(Part::kCookies));
  EXPECT_FALSE(db->Uses(Part::kBody));
}

TEST(SignatureDatabaseTest, ReportsEveryUnsupportedRegexWithItsPlace) {
  Database::Result r = Database::Compile(Parse(R"(pack: t
signatures:
  - {id: 1, description: ok, regex: 'abc', where: [path], action: block}
  - {id: 2, description: backref, regex: '(a)\1', where: [path], action: block}
  - {id: 3, description: lookahead, regex: 'foo(?!bar)', where: [path], action: block}
  - {id: 4, description: broken, regex: 'a(b', where: [path], action: block}
)"));
  ASSERT_TRUE(std::holds_alternative<std::vector<std::string>>(r));
  EXPECT_THAT(std::get<std::vector<std::string>>(r),
              ElementsAre(HasSubstr("p.yaml:4: regex: Back-references are unsupported"),
                          HasSubstr("p.yaml:5: regex: Zero-width assertions are not supported"),
                          HasSubstr("p.yaml:6: regex: Missing close parenthesis")));
}

TEST(SignatureDatabaseTest, AnEmptyMatchingRegexIsRefusedAtCompile) {
  Database::Result r = Database::Compile(Parse(R"(pack: t
signatures:
  - {id: 1, description: ok, regex: 'abc', where: [path], action: block}
  - {id: 2, description: empty, regex: 'x*', where: [path], action: block}
)"));
  ASSERT_TRUE(std::holds_alternative<std::vector<std::string>>(r));
  EXPECT_THAT(std::get<std::vector<std::string>>(r),
              ElementsAre(HasSubstr("p.yaml:4: regex: Pattern matches empty buffer")));
}

TEST(SignatureDatabaseTest, ValuesAreScannedOneByOne) {
  auto db = MustCompile(R"(pack: t
signatures:
  - {id: 7, description: union select, regex: 'union.*select', where: [arg_values], flags: [caseless], action: block}
)");
  ASSERT_NE(db, nullptr);
  auto scratch = db->NewScratch();
  std::vector<uint32_t> matched;
  db->Scan({Part::kArgValues, ""}, "union", *scratch, matched);
  db->Scan({Part::kArgValues, ""}, "select", *scratch, matched);
  EXPECT_THAT(matched, IsEmpty());
  db->Scan({Part::kArgValues, ""}, "1 UNION ALL SELECT 2", *scratch, matched);
  EXPECT_EQ(matched.size(), 1u);
}

}  // namespace
}  // namespace rampart::signatures

namespace rampart::signatures {
namespace {

class SignatureCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rampart-sigcache-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::shared_ptr<const Database> CompileCached() {
    Database::Result r = Database::Compile(Parse(kPack), dir_.string());
    if (auto* errors = std::get_if<std::vector<std::string>>(&r)) {
      ADD_FAILURE() << errors->front();
      return nullptr;
    }
    return std::get<std::shared_ptr<const Database>>(r);
  }
  std::vector<std::filesystem::path> Files() const {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) files.push_back(e.path());
    return files;
  }
  std::filesystem::path dir_;
};

// A reload with unchanged packs: the second compile of a set deserializes what the first one
// compiled, and answers exactly as it did; the signatures (actions, descriptions) are the ones
// passed in, never the remembered set's.
TEST(SignatureMemoryTest, ASetCompiledBeforeIsTakenFromMemory) {
  // A literal no other test compiles, so that the first compile cannot be a memory hit.
  const std::string pack = std::string(kPack) +
                           "  - {id: 6, description: once, literals: [\"memo-" +
                           std::to_string(getpid()) + "\"], where: [path], action: log}\n";
  auto first = MustCompile(pack);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->source(), Database::Source::kCompiled);

  std::vector<Signature> again = Parse(pack);
  again[0].action.kind = ActionKind::kLog;
  again[0].description = "renamed";
  Database::Result r = Database::Compile(std::move(again));
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const Database>>(r));
  auto second = std::get<std::shared_ptr<const Database>>(r);
  EXPECT_EQ(second->source(), Database::Source::kMemory);
  EXPECT_EQ(second->signatures()[0].description, "renamed");
  EXPECT_EQ(second->signatures()[0].action.kind, ActionKind::kLog);
  EXPECT_THAT(Ids(*second, {Part::kUserAgent, ""}, "sqlmap/1.7"), ElementsAre(1u));
  EXPECT_THAT(Ids(*second, {Part::kHeader, "x-api-path"}, "../x"), ElementsAre(3u));
  EXPECT_THAT(Ids(*second, {Part::kPath, ""}, "/wp-config.php~"), ElementsAre(5u));
  EXPECT_THAT(Ids(*second, {Part::kPath, ""}, "/memo-" + std::to_string(getpid())),
              ElementsAre(6u));

  // One changed literal is another set: compiled, and it matches the new literal.
  std::vector<Signature> changed = Parse(pack);
  changed[0].literals = {"sqlmap-ng"};
  Database::Result c = Database::Compile(std::move(changed));
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const Database>>(c));
  auto third = std::get<std::shared_ptr<const Database>>(c);
  EXPECT_EQ(third->source(), Database::Source::kCompiled);
  EXPECT_THAT(Ids(*third, {Part::kUserAgent, ""}, "sqlmap-ng"), ElementsAre(1u));
  EXPECT_THAT(Ids(*third, {Part::kUserAgent, ""}, "sqlmap/1.7"), IsEmpty());
}

TEST_F(SignatureCacheTest, TheSecondLoadReadsTheCompiledDatabases) {
  auto first = CompileCached();
  ASSERT_NE(first, nullptr);
  EXPECT_NE(first->source(), Database::Source::kDiskCache);
  ASSERT_EQ(Files().size(), 1u);
  EXPECT_EQ(Files()[0].extension(), ".hsdb");

  auto second = CompileCached();
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->source(), Database::Source::kDiskCache);
  EXPECT_THAT(Ids(*second, {Part::kUserAgent, ""}, "sqlmap/1.7"), ElementsAre(1u));
  EXPECT_THAT(Ids(*second, {Part::kHeader, "x-api-path"}, "../x"), ElementsAre(3u));
  EXPECT_THAT(Ids(*second, {Part::kPath, ""}, "/wp-config.php~"), ElementsAre(5u));
}

TEST_F(SignatureCacheTest, ADamagedFileIsCompiledAgainAndReplaced) {
  ASSERT_NE(CompileCached(), nullptr);
  const std::filesystem::path file = Files().at(0);
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(std::filesystem::file_size(file) / 2));
    f.put('\x5a');
  }
  auto again = CompileCached();
  ASSERT_NE(again, nullptr);
  EXPECT_NE(again->source(), Database::Source::kDiskCache);
  EXPECT_THAT(Ids(*again, {Part::kUserAgent, ""}, "sqlmap/1.7"), ElementsAre(1u));
  auto third = CompileCached();
  ASSERT_NE(third, nullptr);
  EXPECT_EQ(third->source(), Database::Source::kDiskCache);
}

TEST_F(SignatureCacheTest, AnotherSetUsesAnotherFile) {
  ASSERT_NE(CompileCached(), nullptr);
  std::vector<Signature> changed = Parse(kPack);
  changed[0].literals.push_back("sqlmap-ng");
  Database::Result r = Database::Compile(std::move(changed), dir_.string());
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const Database>>(r));
  EXPECT_NE(std::get<std::shared_ptr<const Database>>(r)->source(), Database::Source::kDiskCache);
  EXPECT_EQ(Files().size(), 2u);
}

TEST_F(SignatureCacheTest, AnUnwritableDirectoryOnlyCostsTheCache) {
  Database::Result r = Database::Compile(Parse(kPack), (dir_ / "missing" / "deeper").string());
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const Database>>(r));
  EXPECT_NE(std::get<std::shared_ptr<const Database>>(r)->source(), Database::Source::kDiskCache);
}

}  // namespace
}  // namespace rampart::signatures
