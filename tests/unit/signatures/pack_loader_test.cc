#include "signatures/pack_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace rampart::signatures {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Pack MustParse(const std::string& text) {
  PackResult r = ParsePack(text, "p.yaml");
  if (auto* errors = std::get_if<std::vector<std::string>>(&r)) {
    ADD_FAILURE() << errors->front();
    return {};
  }
  return std::get<Pack>(std::move(r));
}

std::vector<std::string> Errors(const std::string& text) {
  PackResult r = ParsePack(text, "p.yaml");
  if (auto* errors = std::get_if<std::vector<std::string>>(&r)) return *errors;
  ADD_FAILURE() << "expected errors";
  return {};
}

constexpr char kGood[] = R"(pack: scanners
description: tools
signatures:
  - id: 100001
    description: sqlmap
    literals: ["sqlmap/", "SQLMAP"]
    where: [user_agent]
    flags: [caseless]
    action: block
    tags: [scanner, sqlmap]
  - id: 200001
    description: jndi
    regex: '\$\{\s*jndi:'
    where: [query, arg_values, headers, header:X-Api-Version, body]
    flags: [caseless, dotall]
    action: score 5
    scope: {hosts: [Shop.Example.com, "*.example.org"], routes: [api]}
)";

TEST(SignaturePackTest, ReadsEveryField) {
  const Pack p = MustParse(kGood);
  EXPECT_EQ(p.name, "scanners");
  EXPECT_EQ(p.description, "tools");
  EXPECT_FALSE(p.opt_in);
  ASSERT_EQ(p.signatures.size(), 2u);
  const Signature& a = p.signatures[0];
  EXPECT_EQ(a.id, 100001u);
  EXPECT_EQ(a.literals, (std::vector<std::string>{"sqlmap/", "SQLMAP"}));
  EXPECT_TRUE(a.regex.empty());
  EXPECT_THAT(a.where, ElementsAre(Where{Part::kUserAgent, ""}));
  EXPECT_TRUE(a.caseless);
  EXPECT_EQ(a.action.kind, ActionKind::kBlock);
  EXPECT_EQ(a.tags, (std::vector<std::string>{"scanner", "sqlmap"}));
  EXPECT_EQ(a.file, "p.yaml");
  EXPECT_EQ(a.line, 4);
  const Signature& b = p.signatures[1];
  EXPECT_EQ(b.regex, "\\$\\{\\s*jndi:");
  EXPECT_THAT(b.where, ElementsAre(Where{Part::kQuery, ""}, Where{Part::kArgValues, ""},
                                   Where{Part::kHeaders, ""}, Where{Part::kHeader, "x-api-version"},
                                   Where{Part::kBody, ""}));
  EXPECT_TRUE(b.dotall);
  EXPECT_FALSE(b.multiline);
  EXPECT_EQ(b.action.kind, ActionKind::kScore);
  EXPECT_EQ(b.action.score, 5u);
  EXPECT_EQ(b.hosts, (std::vector<std::string>{"shop.example.com", "*.example.org"}));
  EXPECT_EQ(b.routes, (std::vector<std::string>{"api"}));
}

TEST(SignaturePackTest, ActionsAndOptIn) {
  const Pack p = MustParse(
      "pack: ai-crawlers\nopt_in: true\nsignatures:\n"
      "  - {id: 1, description: a, literals: [x], where: [path], action: challenge}\n"
      "  - {id: 2, description: b, literals: [y], where: [path], action: log}\n"
      "  - {id: 3, description: c, literals: [z], where: [path], action: score 1000}\n");
  EXPECT_TRUE(p.opt_in);
  ASSERT_EQ(p.signatures.size(), 3u);
  EXPECT_EQ(p.signatures[0].action.kind, ActionKind::kChallenge);
  EXPECT_EQ(p.signatures[1].action.kind, ActionKind::kLog);
  EXPECT_EQ(p.signatures[2].action.score, 1000u);
}

TEST(SignaturePackErrorTest, EachProblemWithItsLine) {
  const auto errors = Errors(
      "pack: Bad_Name\n"
      "colour: blue\n"
      "signatures:\n"
      "  - id: 0\n"            // 4
      "    description: ''\n"  // 5
      "    regex: 'a'\n"
      "    literals: [b]\n"
      "    where: [path, nowhere, path]\n"  // 8
      "    flags: [loud]\n"                 // 9
      "    action: score 0\n"               // 10
      "    tags: [Bad Tag]\n"               // 11
      "    extra: 1\n"                      // 12
      "  - id: 7\n"                         // 13
      "    description: x\n"
      "    literals: []\n"  // 15
      "    where: []\n"     // 16
      "    action: deny\n"  // 17
      "  - id: 7\n"         // 18
      "    description: again\n"
      "    literals: [z]\n"
      "    where: [body]\n"
      "    action: log\n");
  EXPECT_THAT(
      errors,
      ElementsAre(HasSubstr("p.yaml:1: pack: expected a name of lower-case letters"),
                  HasSubstr("p.yaml:2: colour: unknown key"),
                  HasSubstr("p.yaml:4: signatures[0].id: must be between 1 and 999999"),
                  HasSubstr("p.yaml:4: signatures[0]: needs exactly one of regex and literals"),
                  HasSubstr("p.yaml:5: signatures[0].description: must not be empty"),
                  HasSubstr("p.yaml:8: signatures[0].where[1]: expected path, query"),
                  HasSubstr("p.yaml:8: signatures[0].where[2]: listed twice"),
                  HasSubstr("p.yaml:9: signatures[0].flags[0]: expected caseless"),
                  HasSubstr("p.yaml:10: signatures[0].action: expected block, challenge"),
                  HasSubstr("p.yaml:11: signatures[0].tags[0]: expected a lower-case tag"),
                  HasSubstr("p.yaml:12: signatures[0].extra: unknown key"),
                  HasSubstr("p.yaml:15: signatures[1].literals: needs at least one literal"),
                  HasSubstr("p.yaml:16: signatures[1].where: needs at least one part"),
                  HasSubstr("p.yaml:17: signatures[1].action: expected block"),
                  HasSubstr("p.yaml:18: signatures[2]: id 7 already defined at line 13")));
}

TEST(SignaturePackErrorTest, YamlSyntaxAndMissingKeys) {
  EXPECT_THAT(Errors("pack: [\n"), ElementsAre(HasSubstr("p.yaml:")));
  EXPECT_THAT(Errors("description: x\n"),
              ElementsAre(HasSubstr("pack: required"), HasSubstr("signatures: required")));
}

class PackDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rampart-packs-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  std::filesystem::path dir_;
};

TEST_F(PackDirTest, LoadsEveryYamlFileInNameOrder) {
  Write("b.yaml",
        "pack: b\nsignatures:\n  - {id: 2, description: b, literals: [b], where: [path], action: "
        "log}\n");
  Write("a.yaml",
        "pack: a\nsignatures:\n  - {id: 1, description: a, literals: [a], where: [path], action: "
        "log}\n");
  Write("notes.txt", "not a pack");
  auto r = LoadPackDir(dir_.string());
  ASSERT_TRUE(std::holds_alternative<std::vector<Pack>>(r));
  const auto& packs = std::get<std::vector<Pack>>(r);
  ASSERT_EQ(packs.size(), 2u);
  EXPECT_EQ(packs[0].name, "a");
  EXPECT_EQ(packs[1].name, "b");
}

TEST_F(PackDirTest, IdsAndPackNamesAreUniqueAcrossFiles) {
  Write("a.yaml",
        "pack: same\nsignatures:\n  - {id: 5, description: a, literals: [a], where: [path], "
        "action: log}\n");
  Write("b.yaml",
        "pack: same\nsignatures:\n  - {id: 5, description: b, literals: [b], where: [path], "
        "action: log}\n");
  auto r = LoadPackDir(dir_.string());
  ASSERT_TRUE(std::holds_alternative<std::vector<std::string>>(r));
  const auto& errors = std::get<std::vector<std::string>>(r);
  const std::string a = (dir_ / "a.yaml").string();
  const std::string b = (dir_ / "b.yaml").string();
  EXPECT_THAT(errors, ElementsAre(HasSubstr(b + ":1: pack: 'same' is also the name of " + a),
                                  HasSubstr(b + ":3: id 5 already defined at " + a + ":3")));
}

}  // namespace
}  // namespace rampart::signatures
