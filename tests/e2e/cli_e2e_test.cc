// The command line: `rampart version`, and `rampart check -c FILE`, which validates without
// starting anything and reports every error as "file:line: key: reason".

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "support/rampart_process.h"
#include "support/test_config.h"

namespace rampart::test {
namespace {

class CliTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = scratch_.dir() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  static std::string All(const CommandResult& r) { return r.out + r.err; }

  RampartProcess scratch_;  // only for its temporary directory
};

TEST_F(CliTest, Version) {
  CommandResult r = RampartProcess::Run({"version"});
  EXPECT_EQ(r.exit_code, 0) << All(r);
  EXPECT_NE(All(r).find(RAMPART_VERSION), std::string::npos) << All(r);
}

TEST_F(CliTest, CheckAcceptsAGoodConfig) {
  ConfigOptions options;
  options.backend_ports = {9};
  options.pool_lines = {"read_timeout: 300ms"};
  options.extra = "timeouts:\n  client_header: 5s\nlimits:\n  max_body_size: 64KiB\n";
  std::string path = Write("good.yaml", MakeConfig(scratch_.dir(), options));
  CommandResult r = RampartProcess::RunCheck(path);
  EXPECT_EQ(r.exit_code, 0) << All(r);
}

TEST_F(CliTest, CheckReportsEveryErrorWithFileLineAndKey) {
  std::string path = Write("bad.yaml",
                           "workers: 2\n"                       // 1
                           "listen:\n"                          // 2
                           "  - address: 127.0.0.1:0\n"         // 3
                           "pools:\n"                           // 4
                           "  app:\n"                           // 5
                           "    servers:\n"                     // 6
                           "      - address: not-an-address\n"  // 7
                           "    read_timeout: 5 parsecs\n"      // 8
                           "routes:\n"                          // 9
                           "  - match: {path_prefix: /}\n"      // 10
                           "    pool: app\n"                    // 11
                           "bogus_key: 1\n");                   // 12
  CommandResult r = RampartProcess::RunCheck(path);
  EXPECT_NE(r.exit_code, 0) << All(r);
  std::string out = All(r);
  EXPECT_NE(out.find("bad.yaml:7: pools.app.servers[0].address: "), std::string::npos) << out;
  EXPECT_NE(out.find("bad.yaml:8: pools.app.read_timeout: "), std::string::npos) << out;
  EXPECT_NE(out.find("bad.yaml:12: bogus_key: "), std::string::npos) << out;
  EXPECT_NE(out.find("unknown key"), std::string::npos) << out;
  EXPECT_NE(out.find(path + ":7: "), std::string::npos) << "the file is named as given: " << out;
}

TEST_F(CliTest, CheckReportsAMissingFile) {
  CommandResult r = RampartProcess::RunCheck(scratch_.dir() + "/does-not-exist.yaml");
  EXPECT_NE(r.exit_code, 0) << All(r);
  EXPECT_NE(All(r).find("does-not-exist.yaml"), std::string::npos) << All(r);
}

TEST_F(CliTest, RunRefusesABadConfigWithoutStarting) {
  std::string path = Write("bad-run.yaml",
                           "workers: 2\nlisten:\n  - address: 127.0.0.1:0\nroutes: []\n"
                           "unknown_top: 1\n");
  CommandResult r = RampartProcess::Run({"run", "-c", path}, Timeout(10'000));
  EXPECT_FALSE(r.timed_out) << "rampart started despite a bad config";
  EXPECT_NE(r.exit_code, 0) << All(r);
  EXPECT_NE(All(r).find("bad-run.yaml:5: unknown_top: "), std::string::npos) << All(r);
}

}  // namespace
}  // namespace rampart::test
