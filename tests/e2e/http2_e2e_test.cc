// HTTP/2 to clients in the real binary, cleartext with prior knowledge, driven by real clients:
// curl (--http2-prior-knowledge) and nghttp (Debian's nghttp2-client). Each stream goes through
// the same stages as HTTP/1.1 — a WAF block is the same 403 — and is logged as HTTP/2.0.
// Skipped (with a reason) when a client is missing or lacks HTTP/2.

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/attack_records.h"
#include "support/cli_clients.h"
#include "support/log_file.h"
#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

class Http2Test : public ProxyTest {
 protected:
  std::string AccessLogPath() const { return rampart_.dir() + "/access.log"; }
  std::string Url(const std::string& target) const {
    return "http://127.0.0.1:" + std::to_string(port()) + target;
  }

  // curl's status code and HTTP version ("200 2"), with the body in `body`.
  std::string Curl(const std::string& target, bool http2, std::string* body = nullptr) {
    const std::string out = rampart_.dir() + "/curl.out";
    std::vector<std::string> argv = {
        kCurl, "-s", "-o", out, "-w", "%{http_code} %{http_version}", "--max-time", "20"};
    if (http2) argv.push_back("--http2-prior-knowledge");
    argv.push_back(Url(target));
    const CommandResult r = RunCommand(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (body != nullptr) *body = ReadFile(out);
    return r.out;
  }
};

TEST_F(Http2Test, CurlWithPriorKnowledgeIsServedAndLoggedAsHttp2) {
  REQUIRE_CURL_HTTP2();
  ASSERT_NO_FATAL_FAILURE(StartRampart());
  std::string body;
  EXPECT_EQ(Curl("/h2?x=1", true, &body), "200 2");
  EXPECT_EQ(body, Origin::kDefaultBody);
  ASSERT_EQ(origin_.RequestCount(), 1u);
  EXPECT_EQ(origin_.Requests()[0].target, "/h2?x=1");

  const std::vector<std::string> lines = WaitForFileLines(AccessLogPath(), 1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("\"protocol\":\"HTTP/2.0\""), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("\"status\":200"), std::string::npos) << lines[0];
}

TEST_F(Http2Test, CurlUploadsAndDownloadsBodies) {
  REQUIRE_CURL_HTTP2();
  ASSERT_NO_FATAL_FAILURE(StartRampart());
  const std::string upload = rampart_.dir() + "/upload.bin";
  WriteFile(upload, std::string(300 * 1024, 'u'));
  const std::string out = rampart_.dir() + "/echo.out";
  const CommandResult r =
      RunCommand({kCurl, "-s", "--http2-prior-knowledge", "--max-time", "20", "-o", out, "-w",
                  "%{http_code}", "--data-binary", "@" + upload, Url("/echo")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "200");
  EXPECT_EQ(ReadFile(out), std::string(300 * 1024, 'u'));

  std::string body;
  EXPECT_EQ(Curl("/bytes/1048576", true, &body), "200 2");
  EXPECT_EQ(body.size(), 1048576u);
  EXPECT_EQ(Curl("/chunked", true, &body), "200 2");
  EXPECT_FALSE(body.empty());
}

TEST_F(Http2Test, NghttpGetsAResponse) {
  REQUIRE_NGHTTP();
  ASSERT_NO_FATAL_FAILURE(StartRampart());
  const CommandResult r = RunCommand({kNghttp, "-v", "-t", "20", Url("/nghttp")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(":status: 200"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("hello from origin"), std::string::npos) << r.out;
  // Our SETTINGS as nghttp printed them.
  EXPECT_NE(r.out.find("SETTINGS_MAX_CONCURRENT_STREAMS(0x03):100"), std::string::npos) << r.out;
}

TEST_F(Http2Test, NghttpRunsConcurrentStreams) {
  REQUIRE_NGHTTP();
  ASSERT_NO_FATAL_FAILURE(StartRampart());
  std::vector<std::string> argv = {kNghttp, "-n", "-s", "-t", "20"};
  for (int i = 0; i < 20; ++i) argv.push_back(Url("/c" + std::to_string(i)));
  const CommandResult r = RunCommand(argv);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(origin_.RequestCount(), 20u);
}

TEST_F(Http2Test, AWafBlockIsTheSame403AsOverHttp11) {
  REQUIRE_CRS();
  REQUIRE_CURL_HTTP2();
  ConfigOptions options;
  options.route_lines = {"waf: {mode: block}"};
  ASSERT_NO_FATAL_FAILURE(StartRampart(options));
  std::string h2_body;
  std::string h1_body;
  EXPECT_EQ(Curl(kSqliTarget, true, &h2_body), "403 2");
  EXPECT_EQ(Curl(kSqliTarget, false, &h1_body), "403 1.1");
  EXPECT_EQ(origin_.RequestCount(), 0u);
  EXPECT_FALSE(h2_body.empty());
  // The block page names the request id, which differs; the rest is the same page.
  EXPECT_EQ(h2_body.size(), h1_body.size());

  std::vector<std::string> lines = WaitForFileLines(AccessLogPath(), 2);
  ASSERT_EQ(lines.size(), 2u);
  if (lines[0].find("HTTP/2.0") == std::string::npos) std::swap(lines[0], lines[1]);
  EXPECT_NE(lines[0].find("\"protocol\":\"HTTP/2.0\""), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("\"status\":403"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("\"protocol\":\"HTTP/1.1\""), std::string::npos) << lines[1];
}

}  // namespace
}  // namespace rampart::test

namespace rampart::test {
namespace {

// An HTTP/1.1 Upgrade to h2c never reaches a backend: one that accepted it would turn the
// connection into an HTTP/2 tunnel that no stage inspects (h2c smuggling).
TEST_F(Http2Test, AnH2cUpgradeIsNotPassedToTheBackend) {
  ASSERT_NO_FATAL_FAILURE(StartRampart());
  auto r = HttpGet(port(), "/upgrade",
                   {{"Connection", "Upgrade, HTTP2-Settings"},
                    {"Upgrade", "h2c"},
                    {"HTTP2-Settings", "AAMAAABkAARAAAAAAAIAAAAA"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto seen = origin_.WaitForTarget("/upgrade");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->HeaderCount("Upgrade"), 0u);
  EXPECT_EQ(seen->HeaderCount("HTTP2-Settings"), 0u);
  EXPECT_FALSE(HeaderHasToken(seen->headers, "Connection", "upgrade"));
}

}  // namespace
}  // namespace rampart::test
