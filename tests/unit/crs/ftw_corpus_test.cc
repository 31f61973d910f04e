// The whole CRS v3.3.4 regression corpus (../shared/crs-regression) through the reader and the
// request builder: the counts of docs/research (178 files, 2403 tests, 7 disabled) and the
// feature counts, printed. Skipped when the corpus is absent.

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "crs/ftw_expectation.h"
#include "crs/ftw_request.h"
#include "crs/ftw_test.h"

namespace rampart::crs {
namespace {

const std::string kCorpus = std::string(RAMPART_SOURCE_DIR) + "/../shared/crs-regression";

class CrsFtwCorpusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::is_directory(kCorpus)) {
      GTEST_SKIP() << "CRS regression tests not found at " << kCorpus
                   << " (the shared CRS v3.3.4 test corpus; the project builds without it)";
    }
    auto parsed = ParseFtwDirectory(kCorpus);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    files_ = std::move(parsed.value());
  }
  std::vector<FtwFile> files_;
};

TEST_F(CrsFtwCorpusTest, ParsesEveryFileWithTheKnownCounts) {
  const auto counts = CountFeatures(files_);
  for (const auto& [feature, count] : counts) {
    std::printf("  %-40s %d\n", feature.c_str(), count);
  }
  auto count = [&](const std::string& key) {
    auto it = counts.find(key);
    return it == counts.end() ? 0 : it->second;
  };
  EXPECT_EQ(count("files"), 178);
  EXPECT_EQ(count("tests"), 2403);
  EXPECT_EQ(count("tests.disabled"), 7);
  EXPECT_EQ(count("tests.multi_stage"), 0);
  EXPECT_EQ(count("stages"), 2403);
  EXPECT_EQ(count("input.dest_addr"), 2402);
  EXPECT_EQ(count("input.headers"), 2400);
  EXPECT_EQ(count("input.port"), 2394);
  EXPECT_EQ(count("input.method"), 2193);
  EXPECT_EQ(count("input.version"), 1969);
  EXPECT_EQ(count("input.data"), 1791);
  EXPECT_EQ(count("input.uri"), 1173);
  EXPECT_EQ(count("input.protocol"), 24);
  EXPECT_EQ(count("input.stop_magic"), 11);
  EXPECT_EQ(count("input.encoded_request"), 2);
  EXPECT_EQ(count("input.raw_request"), 1);
  EXPECT_EQ(count("data.list"), 11);
  EXPECT_EQ(count("output.log_contains"), 2176);
  EXPECT_EQ(count("output.no_log_contains"), 201);
  EXPECT_EQ(count("output.status"), 25);
  EXPECT_EQ(count("output.expect_error"), 3);
  EXPECT_EQ(count("output.response_contains"), 0);
  EXPECT_EQ(count("output.log"), 0);
  for (const auto& file : files_) {
    for (const auto& warning : file.warnings) ADD_FAILURE() << warning;
  }
}

TEST_F(CrsFtwCorpusTest, BuildsEveryStage) {
  int built = 0;
  int non_id_patterns = 0;
  for (const auto& file : files_) {
    for (const auto& test : file.tests) {
      for (const auto& stage : test.stages) {
        auto bytes = BuildRequest(stage.input);
        ASSERT_TRUE(bytes.ok()) << test.title << ": " << bytes.error().message;
        EXPECT_FALSE(bytes->empty()) << test.title;
        ++built;
        for (const auto* p : {&stage.output.log_contains, &stage.output.no_log_contains}) {
          if (*p && !IdsOfPattern(**p)) {
            ++non_id_patterns;
            std::printf("  non-id pattern in %s: '%s'\n", test.title.c_str(), (*p)->c_str());
          }
        }
      }
    }
  }
  EXPECT_EQ(built, 2403);
  std::printf("  %d requests built, %d patterns judged on the synthetic log\n", built,
              non_id_patterns);
}

}  // namespace
}  // namespace rampart::crs
