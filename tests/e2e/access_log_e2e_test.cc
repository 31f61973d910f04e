// The access log as operators read it: one JSON line per request (malformed ones included) with
// the id the client saw in X-Request-Id, attacker bytes escaped; the combined format as an
// option; rotation by renaming the file and sending SIGHUP.

#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "support/log_file.h"
#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

class AccessLogTest : public ProxyTest {
 protected:
  std::string LogPath() const { return rampart_.dir() + "/access.log"; }
};

bool Contains(const std::string& line, const std::string& part) {
  return line.find(part) != std::string::npos;
}

TEST_F(AccessLogTest, JsonLinePerRequestWithTheClientsRequestId) {
  ASSERT_NO_FATAL_FAILURE(StartRampart());
  auto r = Get("/logged?x=1", {{"User-Agent", "ua \"quoted\" \xff"}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const std::string id = r->Header("X-Request-Id").value_or("");
  ASSERT_EQ(id.size(), 32u);

  Client bad = Connect();
  ASSERT_TRUE(bad.Send("GET /x HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n"));
  auto refused = bad.ReadResponse({}, Timeout(5'000));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);

  std::vector<std::string> lines = WaitForFileLines(LogPath(), 2);
  ASSERT_EQ(lines.size(), 2u);
  // Workers write their own batches: the two lines may come in either order.
  if (Contains(lines[0], "\"status\":400")) std::swap(lines[0], lines[1]);
  const std::string& ok = lines[0];
  EXPECT_TRUE(Contains(ok, "\"request_id\":\"" + id + "\"")) << ok;
  EXPECT_TRUE(Contains(ok, "\"uri\":\"/logged?x=1\"")) << ok;
  EXPECT_TRUE(Contains(ok, "\"status\":200")) << ok;
  EXPECT_TRUE(Contains(ok, "\"route\":\"main\"")) << ok;
  EXPECT_TRUE(Contains(ok, "\"user_agent\":\"ua \\\"quoted\\\" \\ufffd\"")) << ok;
  EXPECT_EQ(ok.front(), '{');
  EXPECT_EQ(ok.back(), '}');
  EXPECT_TRUE(Contains(lines[1], "\"status\":400")) << lines[1];
  EXPECT_TRUE(
      Contains(lines[1], "\"request_id\":\"" + refused->Header("X-Request-Id").value_or("-")))
      << "a refused request is logged with the id it was answered with: " << lines[1];
}

TEST_F(AccessLogTest, CombinedFormat) {
  ConfigOptions options;
  options.extra = "  access_log_format: combined\n";  // continues the logging: section
  ASSERT_NO_FATAL_FAILURE(StartRampart(options));
  auto r = Get("/combined", {{"Referer", "https://ref.example/"}, {"User-Agent", "curl/8"}});
  ASSERT_TRUE(r);
  std::vector<std::string> lines = WaitForFileLines(LogPath(), 1);
  ASSERT_EQ(lines.size(), 1u);
  const std::string& line = lines[0];
  EXPECT_EQ(line.rfind("127.0.0.1 - - [", 0), 0u) << line;
  EXPECT_TRUE(Contains(line, "] \"GET /combined HTTP/1.1\" 200 ")) << line;
  EXPECT_TRUE(Contains(line, "\"https://ref.example/\" \"curl/8\"")) << line;
}

TEST_F(AccessLogTest, RenameThenSighupRotates) {
  ASSERT_NO_FATAL_FAILURE(StartRampart());
  ASSERT_TRUE(Get("/before-rotation"));
  ASSERT_EQ(WaitForFileLines(LogPath(), 1).size(), 1u);
  ASSERT_EQ(std::rename(LogPath().c_str(), (LogPath() + ".1").c_str()), 0);

  const size_t from = rampart_.LineCount();
  ASSERT_TRUE(rampart_.Signal(SIGHUP));
  ASSERT_TRUE(rampart_.WaitForLine("reload: applied", kDefaultTimeout, from)) << rampart_.Log();
  ASSERT_TRUE(Get("/after-rotation"));

  std::vector<std::string> fresh = WaitForFileLines(LogPath(), 1);
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_TRUE(Contains(fresh[0], "/after-rotation")) << fresh[0];
  std::vector<std::string> old = WaitForFileLines(LogPath() + ".1", 1);
  ASSERT_EQ(old.size(), 1u);
  EXPECT_TRUE(Contains(old[0], "/before-rotation")) << old[0];
}

}  // namespace
}  // namespace rampart::test
