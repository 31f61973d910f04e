#include "server/attack_log_window.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace rampart::server {
namespace {

std::string Record(const std::string& id, const std::string& uri = "/a") {
  return R"({"time":"2026-11-23T10:00:00.000Z","request_id":")" + id +
         R"(","client_ip":"203.0.113.9","country":null,"asn":null,"method":"GET","host":"h","uri":")" +
         uri +
         R"(","route":"main","action":"blocked","status":403,"source":"waf","rules":[],"scores":null,"headers":[]})";
}

class AttackLogWindowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rampart-window-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/attack.log";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Append(const std::string& text) { std::ofstream(path_, std::ios::app) << text; }
  std::vector<std::string> Ids() {
    EXPECT_TRUE(window_.Refresh(path_).ok());
    std::vector<std::string> ids;
    for (const auto& r : window_.records()) ids.push_back(r.request_id);
    return ids;
  }

  std::string dir_;
  std::string path_;
  AttackLogWindow window_;
};

TEST_F(AttackLogWindowTest, AMissingFileIsAnEmptyLog) {
  EXPECT_TRUE(Ids().empty());
  Append(Record("a") + "\n");
  EXPECT_EQ(Ids(), std::vector<std::string>{"a"});
}

TEST_F(AttackLogWindowTest, ReadsOnlyWhatWasAppendedAndWaitsForAWholeLine) {
  Append(Record("a") + "\n" + Record("b") + "\n");
  EXPECT_EQ(Ids(), (std::vector<std::string>{"a", "b"}));
  const std::string c = Record("c");
  Append(c.substr(0, 40));  // the writer is in the middle of a line
  EXPECT_EQ(Ids(), (std::vector<std::string>{"a", "b"}));
  Append(c.substr(40) + "\n");
  EXPECT_EQ(Ids(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(window_.bad_lines(), 0u);
}

TEST_F(AttackLogWindowTest, CountsBadLinesAndKeepsTheRest) {
  Append(Record("a") + "\nnot json\n{\"time\":1}\n" + Record("b") + "\n");
  EXPECT_EQ(Ids(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(window_.bad_lines(), 2u);
}

TEST_F(AttackLogWindowTest, StartsAgainAfterTruncationOrRotation) {
  Append(Record("a") + "\n" + Record("b") + "\n");
  EXPECT_EQ(Ids().size(), 2u);
  std::ofstream(path_, std::ios::trunc) << Record("c") << "\n";  // truncated in place
  EXPECT_EQ(Ids(), std::vector<std::string>{"c"});
  // Rotation: the old file moves away and a new one takes the name.
  std::filesystem::rename(path_, dir_ + "/attack.log.1");
  std::ofstream(path_) << Record("d") << "\n" << Record("e") << "\n";
  EXPECT_EQ(Ids(), (std::vector<std::string>{"d", "e"}));
}

TEST_F(AttackLogWindowTest, KeepsOnlyTheNewestWindowOfALargeLog) {
  // Records of about 4 KiB each: more than the window holds.
  const std::string padding(4000, 'x');
  const size_t count = AttackLogWindow::kWindowBytes / 4000 + 500;
  {
    std::ofstream out(path_);
    for (size_t i = 0; i < count; ++i) out << Record(std::to_string(i), "/" + padding) << "\n";
  }
  ASSERT_TRUE(window_.Refresh(path_).ok());
  const auto& records = window_.records();
  ASSERT_FALSE(records.empty());
  EXPECT_LT(records.size(), count);
  EXPECT_GT(window_.skipped_bytes(), 0u);
  EXPECT_EQ(records.back().request_id, std::to_string(count - 1)) << "the newest, at once";
  // Contiguous: every record from the first kept to the newest.
  const size_t first = std::stoul(records.front().request_id);
  EXPECT_EQ(first + records.size(), count);
  EXPECT_EQ(window_.bad_lines(), 0u) << "the window starts at a whole line";
}

TEST_F(AttackLogWindowTest, ABurstLargerThanTheWindowJumpsToTheNewest) {
  Append(Record("old") + "\n");
  EXPECT_EQ(Ids(), std::vector<std::string>{"old"});
  const std::string padding(4000, 'x');
  const size_t count = AttackLogWindow::kWindowBytes / 4000 + 100;
  {
    std::ofstream out(path_, std::ios::app);
    for (size_t i = 0; i < count; ++i) out << Record(std::to_string(i), "/" + padding) << "\n";
  }
  const std::vector<std::string> ids = Ids();
  ASSERT_FALSE(ids.empty());
  EXPECT_NE(ids.front(), "old") << "the old record is outside the window now";
  EXPECT_EQ(ids.back(), std::to_string(count - 1));
}

TEST_F(AttackLogWindowTest, AHugeBrokenLineIsSkippedAndTheLogStillFollowed) {
  Append(Record("a") + "\n");
  EXPECT_EQ(Ids(), std::vector<std::string>{"a"});
  // A write that never ends its line, far longer than any record.
  Append(std::string(AttackLogWindow::kMaxLineBytes + 4096, 'x'));
  EXPECT_EQ(Ids(), std::vector<std::string>{"a"});
  EXPECT_EQ(window_.bad_lines(), 1u);
  Append(std::string(1000, 'y') + "\n" + Record("b") + "\n");
  EXPECT_EQ(Ids(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(window_.bad_lines(), 1u) << "the rest of the broken line is not a second bad line";
}

}  // namespace
}  // namespace rampart::server
