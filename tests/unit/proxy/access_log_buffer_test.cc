#include "proxy/access_log_buffer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/exchange.h"
#include "temp_log_file.h"

namespace rampart::proxy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::shared_ptr<AccessLog> OpenCombined(const std::string& path) {
  auto log = AccessLog::Open(path, AccessLog::Format::kCombined);
  EXPECT_TRUE(log.ok()) << (log.ok() ? "" : log.error().message);
  return log.ok() ? log.value() : nullptr;
}

pipeline::Exchange MakeExchange(const std::string& id) {
  pipeline::Exchange ex(pipeline::ClientInfo{"192.0.2.1", 1, false});
  ex.request().method = "GET";
  ex.original_target = "/";
  ex.status = 200;
  ex.set_request_id(id);
  return ex;
}

// The request id that ends a combined-format line ("... \"id\"").
std::string IdOf(const std::string& line) {
  const size_t end = line.rfind('"');
  const size_t start = line.rfind('"', end - 1);
  return line.substr(start + 1, end - start - 1);
}

std::vector<std::string> Ids(const std::vector<std::string>& lines) {
  std::vector<std::string> ids;
  for (const auto& line : lines) ids.push_back(IdOf(line));
  return ids;
}

TEST(AccessLogBufferTest, LinesWaitForFlushThenArriveInOrder) {
  testing::TempLogFile file;
  auto log = OpenCombined(file.path());
  ASSERT_NE(log, nullptr);
  AccessLogBuffer buffer;
  buffer.Add(log, MakeExchange("a"));
  buffer.Add(log, MakeExchange("b"));
  log->Flush();
  // Nothing was handed to the writer yet: the file stays empty.
  EXPECT_THAT(file.WaitForLines(1, std::chrono::milliseconds(100)), IsEmpty());
  buffer.Flush();
  log->Flush();
  EXPECT_THAT(Ids(file.WaitForLineList(2)), ElementsAre("a", "b"));
  buffer.Flush();  // nothing pending: no empty line is written
  buffer.Add(log, MakeExchange("c"));
  buffer.Flush();
  log->Flush();
  EXPECT_THAT(Ids(file.WaitForLineList(3)), ElementsAre("a", "b", "c"));
}

TEST(AccessLogBufferTest, AFullBatchIsHandedOverWithoutAFlush) {
  testing::TempLogFile file;
  auto log = OpenCombined(file.path());
  ASSERT_NE(log, nullptr);
  AccessLogBuffer buffer;
  const pipeline::Exchange ex = MakeExchange(std::string(100, 'x'));
  const size_t line_bytes = log->FormatLine(ex).size() + 1;
  const size_t lines = AccessLogBuffer::kBatchBytes / line_bytes + 1;
  for (size_t i = 0; i < lines; ++i) buffer.Add(log, ex);
  log->Flush();
  const std::vector<std::string> written = file.WaitForLineList(lines);
  EXPECT_EQ(written.size(), lines);
  for (const auto& line : written) EXPECT_EQ(line, log->FormatLine(ex));
}

TEST(AccessLogBufferTest, ANewLogGetsOnlyItsOwnLines) {
  testing::TempLogFile old_file;
  testing::TempLogFile new_file;
  auto old_log = OpenCombined(old_file.path());
  auto new_log = OpenCombined(new_file.path());
  ASSERT_NE(old_log, nullptr);
  ASSERT_NE(new_log, nullptr);
  AccessLogBuffer buffer;
  buffer.Add(old_log, MakeExchange("before-reload"));
  buffer.Add(new_log, MakeExchange("after-reload"));  // hands the old log its line first
  old_log->Flush();
  EXPECT_THAT(Ids(old_file.WaitForLineList(1)), ElementsAre("before-reload"));
  buffer.Flush();
  new_log->Flush();
  EXPECT_THAT(Ids(new_file.WaitForLineList(1)), ElementsAre("after-reload"));
  EXPECT_THAT(old_file.Read(), Not(HasSubstr("after-reload")));
}

TEST(AccessLogBufferTest, DestructorFlushes) {
  testing::TempLogFile file;
  auto log = OpenCombined(file.path());
  ASSERT_NE(log, nullptr);
  {
    AccessLogBuffer buffer;
    buffer.Add(log, MakeExchange("last"));
  }
  log->Flush();
  EXPECT_THAT(Ids(file.WaitForLineList(1)), ElementsAre("last"));
}

}  // namespace
}  // namespace rampart::proxy
