#include "review/log_reader.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "review_test_util.h"

namespace rampart::review {
namespace {

using testing::AppendFile;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::LineWithId;
using ::testing::StartsWith;
using testing::TempDir;
using testing::WaitUntil;
using testing::WriteFile;

// What a read handed over: the records' ids and the bad lines.
struct Collected {
  std::vector<std::string> ids;
  std::vector<std::string> bad;
};

core::Status Read(const std::string& path, Collected* out) {
  return ReadRecords(
      path,
      [out](AttackRecord&& r) {
        out->ids.push_back(r.request_id);
        return true;
      },
      [out](const BadLine& problem) { out->bad.push_back(problem); });
}

TEST(ReviewLogReader, ReadsEveryRecordInOrder) {
  TempDir dir;
  const std::string path = dir.File("attack.log");
  WriteFile(path, LineWithId("a") + "\n" + LineWithId("b") + "\n" + LineWithId("c") + "\n");
  Collected got;
  ASSERT_TRUE(Read(path, &got).ok());
  EXPECT_THAT(got.ids, ElementsAre("a", "b", "c"));
  EXPECT_THAT(got.bad, IsEmpty());
}

TEST(ReviewLogReader, BadLinesAreReportedWithFileAndLineAndSkipped) {
  TempDir dir;
  const std::string path = dir.File("attack.log");
  WriteFile(path, LineWithId("a") + "\n{\"time\":\n\n  \n" + LineWithId("b") + "\n[1,2]\n" +
                      LineWithId("c") + "\n");
  Collected got;
  ASSERT_TRUE(Read(path, &got).ok());
  EXPECT_THAT(got.ids, ElementsAre("a", "b", "c"));
  // Blank lines are no records but no problem either; they still count as lines.
  ASSERT_EQ(got.bad.size(), 2u);
  EXPECT_THAT(got.bad[0], StartsWith(path + ":2: not JSON: "));
  EXPECT_EQ(got.bad[1], path + ":6: not a JSON object");
}

TEST(ReviewLogReader, ALastLineWithoutNewlineAndCrlfEndingsAreRead) {
  TempDir dir;
  const std::string path = dir.File("attack.log");
  WriteFile(path, LineWithId("a") + "\r\n" + LineWithId("b"));
  Collected got;
  ASSERT_TRUE(Read(path, &got).ok());
  EXPECT_THAT(got.ids, ElementsAre("a", "b"));
  EXPECT_THAT(got.bad, IsEmpty());
}

TEST(ReviewLogReader, TheSinkCanStopTheRead) {
  TempDir dir;
  const std::string path = dir.File("attack.log");
  WriteFile(path, LineWithId("a") + "\n" + LineWithId("b") + "\n" + LineWithId("c") + "\n");
  std::vector<std::string> ids;
  const auto status = ReadRecords(
      path,
      [&](AttackRecord&& r) {
        ids.push_back(r.request_id);
        return ids.size() < 2;
      },
      nullptr);
  EXPECT_TRUE(status.ok());
  EXPECT_THAT(ids, ElementsAre("a", "b"));
}

TEST(ReviewLogReader, AFileThatCannotBeOpenedIsAnError) {
  TempDir dir;
  Collected got;
  const auto status = Read(dir.File("missing.log"), &got);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message, HasSubstr("missing.log"));
  const auto directory = Read(dir.path(), &got);  // opens, but cannot be read
  ASSERT_FALSE(directory.ok());
  EXPECT_THAT(directory.error().message, HasSubstr(dir.path()));
}

// FollowRecords on its own thread, collecting what it hands over, until Stop() (or the end of
// the test).
class Follow {
 public:
  Follow(const std::string& path, bool from_start) {
    options_.from_start = from_start;
    options_.poll_interval_ms = 20;
    thread_ = std::thread([this, path] {
      status_ = FollowRecords(
          path, options_, stop_,
          [this](AttackRecord&& r) {
            const std::lock_guard<std::mutex> lock(mutex_);
            ids_.push_back(r.request_id);
            return true;
          },
          [this](const BadLine& problem) {
            const std::lock_guard<std::mutex> lock(mutex_);
            bad_.push_back(problem);
          });
    });
  }
  ~Follow() { (void)Stop(); }
  Follow(const Follow&) = delete;
  Follow& operator=(const Follow&) = delete;

  // Waits until at least `n` records were handed over (a generous guard, not a timing claim).
  bool WaitForRecords(size_t n) {
    return WaitUntil([&] { return Ids().size() >= n; });
  }
  std::vector<std::string> Ids() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return ids_;
  }
  std::vector<std::string> Bad() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return bad_;
  }
  core::Status Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return status_;
  }

 private:
  FollowOptions options_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<std::string> ids_;
  std::vector<std::string> bad_;
  core::Status status_;
  std::thread thread_;
};

TEST(ReviewLogReader, FollowFromTheStartSeesExistingAndAppendedRecords) {
  TempDir dir;
  const std::string path = dir.File("attack.log");
  WriteFile(path, LineWithId("a") + "\n");
  Follow follow(path, /*from_start=*/true);
  ASSERT_TRUE(follow.WaitForRecords(1));
  AppendFile(path, LineWithId("b") + "\n" + LineWithId("c") + "\n");
  ASSERT_TRUE(follow.WaitForRecords(3));
  EXPECT_TRUE(follow.Stop().ok());
  EXPECT_THAT(follow.Ids(), ElementsAre("a", "b", "c"));
  EXPECT_THAT(follow.Bad(), IsEmpty());
}

// True when some descriptor of this process is open on `path`: the follower has opened it.
bool SomeDescriptorIsOpenOn(const std::string& path) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", error)) {
    std::error_code ignored;
    if (std::filesystem::read_symlink(entry.path(), ignored) == path) return true;
  }
  return false;
}

TEST(ReviewLogReader, FollowFromTheEndSeesOnlyAppendedRecords) {
  TempDir dir;
  const std::string path = dir.File("attack.log");
  // The last existing line is still being written: its end is not a record of its own.
  const std::string partial = LineWithId("partial");
  WriteFile(path, LineWithId("old1") + "\n" + LineWithId("old2") + "\n" +
                      partial.substr(0, partial.size() / 2));
  Follow follow(path, /*from_start=*/false);
  ASSERT_TRUE(WaitUntil([&] { return SomeDescriptorIsOpenOn(path); }));
  AppendFile(path, partial.substr(partial.size() / 2) + "\n" + LineWithId("new1") + "\n");
  ASSERT_TRUE(follow.WaitForRecords(1));
  AppendFile(path, LineWithId("new2") + "\n");
  ASSERT_TRUE(follow.WaitForRecords(2));
  EXPECT_TRUE(follow.Stop().ok());
  EXPECT_THAT(follow.Ids(), ElementsAre("new1", "new2"));
  EXPECT_THAT(follow.Bad(), IsEmpty());  // the partial line's end was not read as a line
}

TEST(ReviewLogReader, FollowHandsOverAPartialLineOnlyOnceComplete) {
  TempDir dir;
  const std::string path = dir.File("attack.log");
  const std::string b = LineWithId("b");
  // One write: whoever reads "a" has also read the first half of "b".
  WriteFile(path, LineWithId("a") + "\n" + b.substr(0, b.size() / 2));
  Follow follow(path, /*from_start=*/true);
  ASSERT_TRUE(follow.WaitForRecords(1));
  EXPECT_THAT(follow.Ids(), ElementsAre("a"));
  EXPECT_THAT(follow.Bad(), IsEmpty());  // the half was not read as a (bad) line
  AppendFile(path, b.substr(b.size() / 2) + "\n");
  ASSERT_TRUE(follow.WaitForRecords(2));
  EXPECT_TRUE(follow.Stop().ok());
  EXPECT_THAT(follow.Ids(), ElementsAre("a", "b"));
  EXPECT_THAT(follow.Bad(), IsEmpty());
}

// The end of a follow whose file at `path` held "a" and "b" and is replaced under it (truncated,
// or renamed away): writes "c" as the whole new file, then appends "d"; the follower hands over
// all four in order, the new file's from its start, and no bad line.
void ExpectFollowReadsTheNewFileFromItsStart(Follow& follow, const std::string& path) {
  WriteFile(path, LineWithId("c") + "\n");
  ASSERT_TRUE(follow.WaitForRecords(3));
  AppendFile(path, LineWithId("d") + "\n");
  ASSERT_TRUE(follow.WaitForRecords(4));
  EXPECT_TRUE(follow.Stop().ok());
  EXPECT_THAT(follow.Ids(), ElementsAre("a", "b", "c", "d"));
  EXPECT_THAT(follow.Bad(), IsEmpty());
}

TEST(ReviewLogReader, FollowReadsATruncatedFileFromItsStart) {
  TempDir dir;
  const std::string path = dir.File("attack.log");
  testing::LineSpec longer;
  longer.padding = std::string(500, 'x');
  longer.id = "a";
  std::string content = testing::Line(longer) + "\n";
  longer.id = "b";
  content += testing::Line(longer) + "\n";
  WriteFile(path, content);
  Follow follow(path, /*from_start=*/true);
  ASSERT_TRUE(follow.WaitForRecords(2));
  // Shorter than what was read: the follower sees the file shrink.
  ExpectFollowReadsTheNewFileFromItsStart(follow, path);
}

TEST(ReviewLogReader, FollowFinishesARotatedFileAndOpensTheNewOne) {
  TempDir dir;
  const std::string path = dir.File("attack.log");
  WriteFile(path, LineWithId("a") + "\n");
  // The writer's descriptor, which stays on the old file after the rename.
  const int writer = open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  ASSERT_GE(writer, 0);
  Follow follow(path, /*from_start=*/true);
  ASSERT_TRUE(follow.WaitForRecords(1));
  ASSERT_EQ(std::rename(path.c_str(), dir.File("attack.log.1").c_str()), 0);
  const std::string b = LineWithId("b") + "\n";
  ASSERT_EQ(write(writer, b.data(), b.size()), static_cast<ssize_t>(b.size()));
  close(writer);
  ExpectFollowReadsTheNewFileFromItsStart(follow, path);
}

TEST(ReviewLogReader, FollowWaitsForTheFileToAppear) {
  TempDir dir;
  const std::string path = dir.File("attack.log");
  // from_start, so that "a" is read whether the follower opens the file before or after it is
  // written: a missing file must not end the follow either way.
  Follow follow(path, /*from_start=*/true);
  WriteFile(path, LineWithId("a") + "\n");
  ASSERT_TRUE(follow.WaitForRecords(1));
  EXPECT_TRUE(follow.Stop().ok());
  EXPECT_THAT(follow.Ids(), ElementsAre("a"));
}

TEST(ReviewLogReader, FollowReadsAFileCreatedAfterTheOldOneWasRemoved) {
  TempDir dir;
  const std::string path = dir.File("attack.log");
  WriteFile(path, LineWithId("a") + "\n");
  Follow follow(path, /*from_start=*/false);
  ASSERT_TRUE(WaitUntil([&] { return SomeDescriptorIsOpenOn(path); }));
  ASSERT_EQ(std::remove(path.c_str()), 0);
  WriteFile(path, LineWithId("b") + "\n");  // a new file: read from its start
  ASSERT_TRUE(follow.WaitForRecords(1));
  EXPECT_TRUE(follow.Stop().ok());
  EXPECT_THAT(follow.Ids(), ElementsAre("b"));
  EXPECT_THAT(follow.Bad(), IsEmpty());
}

TEST(ReviewLogReader, FollowReportsBadLinesWithTheirNumber) {
  TempDir dir;
  const std::string path = dir.File("attack.log");
  WriteFile(path, LineWithId("a") + "\n");
  Follow follow(path, /*from_start=*/true);
  ASSERT_TRUE(follow.WaitForRecords(1));
  AppendFile(path, "not a record\n" + LineWithId("b") + "\n");
  ASSERT_TRUE(follow.WaitForRecords(2));
  EXPECT_TRUE(follow.Stop().ok());
  ASSERT_EQ(follow.Bad().size(), 1u);
  EXPECT_THAT(follow.Bad()[0], StartsWith(path + ":2: not JSON"));
}

TEST(ReviewLogReader, FollowEndsWhenTheSinkSaysSo) {
  TempDir dir;
  const std::string path = dir.File("attack.log");
  WriteFile(path, LineWithId("a") + "\n" + LineWithId("b") + "\n");
  const std::atomic<bool> never{false};
  std::vector<std::string> ids;
  FollowOptions options;
  options.from_start = true;
  options.poll_interval_ms = 10;
  // Returns on its own, without the stop flag: the test would hang otherwise.
  const auto status = FollowRecords(
      path, options, never,
      [&](AttackRecord&& r) {
        ids.push_back(r.request_id);
        return false;
      },
      nullptr);
  EXPECT_TRUE(status.ok());
  EXPECT_THAT(ids, ElementsAre("a"));
}

TEST(ReviewLogReader, FollowEndsWhenStopped) {
  TempDir dir;
  const std::string path = dir.File("attack.log");
  WriteFile(path, "");
  Follow follow(path, /*from_start=*/false);
  EXPECT_TRUE(follow.Stop().ok());  // returns: the thread joined
  EXPECT_THAT(follow.Ids(), IsEmpty());
}

TEST(ReviewLogReader, FollowTellsWhenThePastIsRead) {
  TempDir dir;
  const std::string path = dir.File("attack.log");
  WriteFile(path, LineWithId("a") + "\n" + LineWithId("b") + "\n");
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::vector<std::string> ids;
  std::vector<std::string> at_caught_up;
  int caught_up_calls = 0;
  FollowOptions options;
  options.from_start = true;
  options.poll_interval_ms = 20;
  options.on_caught_up = [&] {
    const std::lock_guard<std::mutex> lock(mutex);
    at_caught_up = ids;
    ++caught_up_calls;
  };
  std::thread follower([&] {
    (void)FollowRecords(
        path, options, stop,
        [&](AttackRecord&& r) {
          const std::lock_guard<std::mutex> lock(mutex);
          ids.push_back(r.request_id);
          return true;
        },
        [](const BadLine&) {});
  });
  ASSERT_TRUE(WaitUntil([&] {
    const std::lock_guard<std::mutex> lock(mutex);
    return caught_up_calls == 1;
  }));
  AppendFile(path, LineWithId("c") + "\n");
  ASSERT_TRUE(WaitUntil([&] {
    const std::lock_guard<std::mutex> lock(mutex);
    return ids.size() == 3;
  }));
  stop = true;
  follower.join();
  EXPECT_THAT(at_caught_up, ElementsAre("a", "b")) << "called after the past, before the new";
  EXPECT_EQ(caught_up_calls, 1) << "called once";
}

}  // namespace
}  // namespace rampart::review
