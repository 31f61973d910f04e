#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <sstream>
#include <streambuf>
#include <string>
#include <thread>
#include <vector>

#include "review/commands.h"
#include "review_test_util.h"
#include "support/json.h"

namespace rampart::review {
namespace {

using testing::AppendFile;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::Line;
using testing::LineSpec;
using ::testing::Not;
using testing::TempDir;
using testing::WaitUntil;
using testing::WriteFile;

struct Outcome {
  int status = -1;
  std::string out;
  std::string err;
};

Outcome RunCommand(const LogsOptions& options) {
  std::ostringstream out;
  std::ostringstream err;
  const std::atomic<bool> stop{false};
  Outcome outcome;
  outcome.status = RunLogs(options, out, err, stop);
  outcome.out = out.str();
  outcome.err = err.str();
  return outcome;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

LineSpec Spec(std::string id, std::string time, std::string action = "blocked",
              std::string ip = "203.0.113.9") {
  LineSpec spec;
  spec.id = std::move(id);
  spec.time = std::move(time);
  spec.action = std::move(action);
  spec.ip = std::move(ip);
  return spec;
}

// A log of four records over twenty minutes.
class ReviewLogsCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    LineSpec a = Spec("a", "2026-11-23T21:00:05.000Z");
    a.country = "DE";
    LineSpec b = Spec("b", "2026-11-23T21:05:00.000Z", "detected", "198.51.100.7");
    b.rule = "941100";
    b.uri = "/blog/post?c=1";
    b.route = "blog";
    LineSpec c = Spec("c", "2026-11-23T21:10:00.000Z", "rate_limited", "2001:db8::5");
    c.source = "rate_limit";
    c.rule = "";
    c.status = 429;
    LineSpec d = Spec("d", "2026-11-23T21:20:00.000Z");
    for (const LineSpec& spec : {a, b, c, d}) lines_.push_back(Line(spec));
    path_ = dir_.File("attack.log");
    std::string content;
    for (const std::string& line : lines_) content += line + "\n";
    WriteFile(path_, content);
    options_.files = {path_};
  }

  TempDir dir_;
  std::string path_;
  std::vector<std::string> lines_;
  LogsOptions options_;
};

TEST_F(ReviewLogsCommand, PrintsOneLineOfTextPerRecord) {
  const Outcome o = RunCommand(options_);
  EXPECT_EQ(o.status, 0);
  EXPECT_EQ(o.err, "");
  EXPECT_THAT(Lines(o.out),
              ElementsAre("2026-11-23T21:00:05.000Z blocked 403 waf 203.0.113.9 DE GET "
                          "/search?q=1 route=app rules=942100 id=a",
                          "2026-11-23T21:05:00.000Z detected 403 waf 198.51.100.7 - GET "
                          "/blog/post?c=1 route=blog rules=941100 id=b",
                          "2026-11-23T21:10:00.000Z rate_limited 429 rate_limit 2001:db8::5 - "
                          "GET /search?q=1 route=app rules=- id=c",
                          "2026-11-23T21:20:00.000Z blocked 403 waf 203.0.113.9 - GET "
                          "/search?q=1 route=app rules=942100 id=d"));
}

TEST_F(ReviewLogsCommand, JsonPrintsTheRecordsAsLogged) {
  options_.json = true;
  const Outcome o = RunCommand(options_);
  EXPECT_EQ(o.status, 0);
  EXPECT_THAT(Lines(o.out), ElementsAre(lines_[0], lines_[1], lines_[2], lines_[3]));
}

TEST_F(ReviewLogsCommand, PrintsOnlyMatchingRecords) {
  options_.json = true;
  options_.filter.client = "203.0.113.0/24";
  EXPECT_THAT(Lines(RunCommand(options_).out), ElementsAre(lines_[0], lines_[3]));
  options_.filter = {};
  options_.filter.client = "2001:db8::/32";
  EXPECT_THAT(Lines(RunCommand(options_).out), ElementsAre(lines_[2]));
  options_.filter = {};
  options_.filter.source = "rate_limit";
  EXPECT_THAT(Lines(RunCommand(options_).out), ElementsAre(lines_[2]));
  options_.filter = {};
  options_.filter.uri_prefix = "/blog/";
  options_.filter.action = "detected";
  EXPECT_THAT(Lines(RunCommand(options_).out), ElementsAre(lines_[1]));
  options_.filter = {};
  options_.filter.country = "de";
  EXPECT_THAT(Lines(RunCommand(options_).out), ElementsAre(lines_[0]));
}

TEST_F(ReviewLogsCommand, TimeBoundsSelectARange) {
  options_.json = true;
  options_.from = "2026-11-23T21:05:00Z";
  options_.to = "2026-11-23T21:20:00Z";
  EXPECT_THAT(Lines(RunCommand(options_).out), ElementsAre(lines_[1], lines_[2]));
  options_.from = "2026-11-24";
  options_.to = "";
  EXPECT_THAT(Lines(RunCommand(options_).out), IsEmpty());
  options_.from = "3650d";  // ten years back from now
  EXPECT_THAT(Lines(RunCommand(options_).out),
              ElementsAre(lines_[0], lines_[1], lines_[2], lines_[3]));
}

TEST_F(ReviewLogsCommand, LimitKeepsTheLastMatchingRecords) {
  options_.json = true;
  options_.limit = 2;
  EXPECT_THAT(Lines(RunCommand(options_).out), ElementsAre(lines_[2], lines_[3]));
  options_.filter.action = "blocked";
  options_.limit = 1;
  EXPECT_THAT(Lines(RunCommand(options_).out), ElementsAre(lines_[3]));
  options_.limit = 10;
  EXPECT_THAT(Lines(RunCommand(options_).out), ElementsAre(lines_[0], lines_[3]));
}

TEST_F(ReviewLogsCommand, FilesAreReadInOrder) {
  const std::string second = dir_.File("attack.log.1");
  LineSpec e = Spec("e", "2026-11-22T10:00:00.000Z");
  WriteFile(second, Line(e) + "\n");
  options_.files = {second, path_};
  options_.json = true;
  EXPECT_THAT(Lines(RunCommand(options_).out),
              ElementsAre(Line(e), lines_[0], lines_[1], lines_[2], lines_[3]));
}

TEST_F(ReviewLogsCommand, SummaryAsText) {
  options_.summary = true;
  options_.filter.action = "blocked";
  const Outcome o = RunCommand(options_);
  EXPECT_EQ(o.status, 0);
  EXPECT_THAT(o.out, HasSubstr("Records: 2\n"));
  EXPECT_THAT(o.out, HasSubstr("\nTop rules\n  942100  2  SQL Injection Attack Detected"));
  EXPECT_THAT(o.out, Not(HasSubstr("941100")));
}

TEST_F(ReviewLogsCommand, SummaryAsJsonWithTheBucketAskedFor) {
  options_.summary = true;
  options_.json = true;
  options_.bucket = "5m";
  options_.top = 1;
  const Outcome o = RunCommand(options_);
  EXPECT_EQ(o.status, 0);
  const auto json = test::ParseJson(o.out);
  ASSERT_TRUE(json.has_value()) << o.out;
  EXPECT_EQ(json->NumberAt("total"), 4);
  EXPECT_EQ(json->NumberAt("bucket_seconds"), 300);
  EXPECT_EQ(json->Find("buckets")->array.size(), 5u);  // 21:00 to 21:20
  EXPECT_EQ(json->Find("top_ips")->array.size(), 1u);
  ASSERT_EQ(json->Find("top_rules")->array.size(), 1u);
  EXPECT_EQ(json->Find("top_rules")->array[0].StringAt("key"), "942100");
}

TEST_F(ReviewLogsCommand, BadLinesAreReportedButDoNotFail) {
  WriteFile(path_, lines_[0] + "\n{oops\n" + lines_[1] + "\n" + R"({"time":"x"})" + "\n");
  const Outcome o = RunCommand(options_);
  EXPECT_EQ(o.status, 0);
  EXPECT_EQ(Lines(o.out).size(), 2u);
  EXPECT_THAT(o.err, HasSubstr(path_ + ":2: not JSON: "));
  EXPECT_THAT(o.err, HasSubstr(path_ + ":4: field 'time': not an RFC 3339 time\n"));
  EXPECT_THAT(o.err, HasSubstr("2 lines could not be read"));
}

TEST_F(ReviewLogsCommand, ControlBytesInFieldsArePrintedEscaped) {
  LineSpec spec = Spec("x", "2026-11-23T21:00:00Z");
  spec.uri = R"(/a\u001b[2J)";
  WriteFile(path_, Line(spec) + "\n");
  const Outcome o = RunCommand(options_);
  EXPECT_EQ(o.status, 0);
  EXPECT_THAT(o.out, HasSubstr(" /a\\x1b[2J "));
  EXPECT_THAT(o.out, Not(HasSubstr("\x1b")));
}

TEST_F(ReviewLogsCommand, UsageErrorsExitWithTwoAndPrintNoRecords) {
  const auto expect_usage_error = [](const LogsOptions& options, const std::string& message) {
    const Outcome o = RunCommand(options);
    EXPECT_EQ(o.status, 2) << message;
    EXPECT_EQ(o.out, "") << message;
    EXPECT_THAT(o.err, HasSubstr(message));
  };
  LogsOptions none;
  expect_usage_error(none, "no attack-log file");

  LogsOptions o = options_;
  o.filter.action = "dropped";
  expect_usage_error(o, "unknown action 'dropped'");
  o = options_;
  o.filter.client = "not-an-ip";
  expect_usage_error(o, "not-an-ip");
  o = options_;
  o.from = "last tuesday";
  expect_usage_error(o, "--from");
  o = options_;
  o.to = "2026-11-23T25:00:00Z";
  expect_usage_error(o, "--to");
  o = options_;
  o.from = "2026-11-24";
  o.to = "2026-11-23";
  expect_usage_error(o, "before it starts");
  o = options_;
  o.summary = true;
  o.bucket = "fortnight";
  expect_usage_error(o, "--bucket");
  o = options_;
  o.files = {path_, dir_.File("missing.log")};  // checked before anything is printed
  expect_usage_error(o, "missing.log");
  o = options_;
  o.follow = true;
  o.summary = true;
  expect_usage_error(o, "--follow");
}

// A stream buffer that one thread writes and another reads.
class SharedText : public std::streambuf {
 public:
  std::string str() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return text_;
  }

 protected:
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) {
      const std::lock_guard<std::mutex> lock(mutex_);
      text_ += static_cast<char>(c);
    }
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    const std::lock_guard<std::mutex> lock(mutex_);
    text_.append(s, static_cast<size_t>(n));
    return n;
  }

 private:
  mutable std::mutex mutex_;
  std::string text_;
};

TEST_F(ReviewLogsCommand, FollowPrintsTheExistingRecordsThenTheNewOnes) {
  options_.follow = true;
  options_.json = true;
  options_.filter.action = "blocked";
  SharedText out_text;
  SharedText err_text;
  std::ostream out(&out_text);
  std::ostream err(&err_text);
  std::atomic<bool> stop{false};
  int status = -1;
  std::thread run([&] { status = RunLogs(options_, out, err, stop); });

  ASSERT_TRUE(WaitUntil([&] { return Lines(out_text.str()).size() >= 2; }));
  EXPECT_THAT(Lines(out_text.str()), ElementsAre(lines_[0], lines_[3]));
  // The follow starts at the file's end some time after that: append matching records until
  // one comes through.
  int appended = 0;
  ASSERT_TRUE(WaitUntil([&] {
    AppendFile(path_, Line(Spec("p" + std::to_string(appended++), "2026-11-23T21:30:00Z")) + "\n");
    return Lines(out_text.str()).size() > 2;
  }));
  // Then a record the filter leaves out and one it keeps: only the second is printed.
  const std::string skipped = Line(Spec("skip", "2026-11-23T21:31:00Z", "detected"));
  const std::string kept = Line(Spec("kept", "2026-11-23T21:32:00Z"));
  AppendFile(path_, skipped + "\n" + kept + "\n");
  ASSERT_TRUE(WaitUntil([&] { return Lines(out_text.str()).back() == kept; }));
  stop = true;
  run.join();
  EXPECT_EQ(status, 0);
  EXPECT_THAT(out_text.str(), Not(HasSubstr("\"skip\"")));
  EXPECT_EQ(err_text.str(), "");
}

}  // namespace
}  // namespace rampart::review
