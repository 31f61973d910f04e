// The attack log as far as it goes without a stage that acts: logging.attack_log is opened at
// start (created empty), requests on which nothing was found write nothing to it, and renaming
// it then sending SIGHUP opens a new file. What goes into a record is covered by the unit tests
// (tests/unit/proxy/attack_log_test.cc), a stage included.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <cstdio>
#include <string>

#include "support/log_file.h"
#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

class AttackLogTest : public ProxyTest {
 protected:
  std::string AttackLogPath() const { return rampart_.dir() + "/attack.log"; }
  void Start() {
    ConfigOptions options;
    options.extra = "  attack_log: " + AttackLogPath() + "\n";  // continues the logging: section
    ASSERT_NO_FATAL_FAILURE(StartRampart(options));
  }
};

bool Exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

off_t SizeOf(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

TEST_F(AttackLogTest, OpenedAtStartAndLeftEmptyByCleanRequests) {
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_TRUE(Exists(AttackLogPath()));
  auto r = Get("/clean?q=1'+or+1=1--");  // no stage inspects it yet
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  // The access-log line shows the request is done; the workers' batches are flushed within a
  // second, the attack log's with them.
  ASSERT_EQ(WaitForFileLines(rampart_.dir() + "/access.log", 1).size(), 1u);
  EXPECT_EQ(SizeOf(AttackLogPath()), 0);
  const std::string metrics = Metrics();
  EXPECT_NE(metrics.find("# TYPE rampart_attack_records_total counter"), std::string::npos);
  EXPECT_EQ(metrics.find("rampart_attack_records_total{"), std::string::npos) << metrics;
}

TEST_F(AttackLogTest, RenameThenSighupOpensANewFile) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_EQ(std::rename(AttackLogPath().c_str(), (AttackLogPath() + ".1").c_str()), 0);
  EXPECT_FALSE(Exists(AttackLogPath()));
  const size_t from = rampart_.LineCount();
  ASSERT_TRUE(rampart_.Signal(SIGHUP));
  ASSERT_TRUE(rampart_.WaitForLine("reload: applied", kDefaultTimeout, from)) << rampart_.Log();
  EXPECT_TRUE(Exists(AttackLogPath()));
  EXPECT_TRUE(Exists(AttackLogPath() + ".1"));
}

}  // namespace
}  // namespace rampart::test
