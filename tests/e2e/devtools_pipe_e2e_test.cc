// The DevTools client of the browser tests (support/devtools_pipe.h) against a real headless
// Chromium: a page served by a scripted origin under a strict CSP is loaded, read, clicked and
// screenshot; exceptions, awaited promises, a CSP violation and a failed navigation come back
// as they should. The browser tests of the dashboard build on exactly these calls.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "support/chromium.h"
#include "support/devtools_pipe.h"
#include "support/json.h"
#include "support/scripted_origin.h"

namespace rampart::test {
namespace {

// A button whose listener counts clicks and logs them; an inline script without the nonce that
// the CSP must refuse (it would set window.unsafe).
constexpr char kPage[] = R"(<!doctype html>
<html><head><title>devtools test</title>
<style nonce="n0nce">#b { width: 200px; height: 80px; background: #36c; }</style></head>
<body data-clicks="0">
<button id="b">press</button>
<script nonce="n0nce">
document.getElementById('b').addEventListener('click', () => {
  const n = Number(document.body.dataset.clicks) + 1;
  document.body.dataset.clicks = String(n);
  console.log('clicked', n);
});
</script>
<script>window.unsafe = true;</script>
</body></html>
)";

class DevToolsPipeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ScriptedReply page;
    page.headers = {{"Content-Type", "text/html; charset=utf-8"},
                    {"Content-Security-Policy",
                     "default-src 'none'; script-src 'nonce-n0nce'; style-src 'nonce-n0nce'"}};
    page.body = kPage;
    origin_.Set("/page", page);
  }

  std::string PageUrl() const { return "http://" + origin_.address() + "/page"; }

  // Starts the browser and loads the test page; fails the test fatally when it cannot.
  void Open() {
    ASSERT_TRUE(browser_.Start()) << browser_.error();
    ASSERT_TRUE(browser_.Navigate(PageUrl())) << browser_.error();
  }

  ScriptedOrigin origin_;
  DevToolsBrowser browser_;
};

TEST_F(DevToolsPipeTest, LoadsEvaluatesAndClicks) {
  REQUIRE_CHROMIUM();
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(origin_.Count("/page"), 1);

  EXPECT_EQ(browser_.Evaluate("document.title"), "\"devtools test\"");
  EXPECT_EQ(browser_.Evaluate("location.href"), "\"" + PageUrl() + "\"");
  EXPECT_EQ(browser_.Evaluate("6 * 7"), "42");
  EXPECT_EQ(browser_.Evaluate("({a: [1, 'x'], b: null})"), R"({"a":[1,"x"],"b":null})");
  EXPECT_EQ(browser_.Evaluate("undefined"), "null");
  EXPECT_EQ(browser_.Evaluate("0.1 + 0.2"), "0.30000000000000004");
  // Statements, as in the console: the last one's value.
  EXPECT_EQ(browser_.Evaluate("{ let t = 3; t *= 2; t + 1 }"), "7");
  EXPECT_EQ(browser_.Evaluate("document.body.dataset.x = 'y'; document.body.dataset.x"), "\"y\"");
  // A trailing comment must not swallow the wrapper around the expression.
  EXPECT_EQ(browser_.Evaluate("'quote \" and \\\\ backslash' // comment"),
            R"("quote \" and \\ backslash")");
  auto parsed = browser_.EvaluateJson("({n: document.querySelectorAll('button').length})");
  ASSERT_TRUE(parsed) << browser_.error();
  EXPECT_EQ(parsed->NumberAt("n"), 1);

  ASSERT_EQ(browser_.Evaluate("document.body.dataset.clicks"), "\"0\"");
  ASSERT_TRUE(browser_.Evaluate("document.getElementById('b').click()")) << browser_.error();
  ASSERT_TRUE(browser_.Evaluate("document.getElementById('b').click()")) << browser_.error();
  ASSERT_TRUE(browser_.WaitFor("document.body.dataset.clicks === '2'")) << browser_.error();

  bool logged = false;
  for (const std::string& line : browser_.ConsoleMessages()) {
    if (line == "console.log: clicked 2") logged = true;
  }
  EXPECT_TRUE(logged) << ::testing::PrintToString(browser_.ConsoleMessages());
}

TEST_F(DevToolsPipeTest, AwaitsPromisesAndReportsExceptions) {
  REQUIRE_CHROMIUM();
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(browser_.Evaluate("new Promise(resolve => setTimeout(() => resolve('late'), 200))"),
            "\"late\"");

  EXPECT_EQ(browser_.Evaluate("no_such_variable.x"), std::nullopt);
  EXPECT_NE(browser_.error().find("ReferenceError"), std::string::npos) << browser_.error();
  EXPECT_EQ(browser_.Evaluate("Promise.reject(new Error('refused on purpose'))"), std::nullopt);
  EXPECT_NE(browser_.error().find("refused on purpose"), std::string::npos) << browser_.error();
  // The browser still answers after an exception.
  EXPECT_EQ(browser_.Evaluate("1 + 1"), "2");

  // A condition that never holds: WaitFor gives up at its guard and says on what.
  EXPECT_FALSE(browser_.WaitFor("document.body.dataset.clicks === '5'", Timeout(500)));
  EXPECT_NE(browser_.error().find("clicks === '5'"), std::string::npos) << browser_.error();
}

TEST_F(DevToolsPipeTest, CspViolationShowsAmongConsoleMessages) {
  REQUIRE_CHROMIUM();
  ASSERT_NO_FATAL_FAILURE(Open());
  // The nonced script ran, the other did not.
  EXPECT_EQ(browser_.Evaluate("typeof window.unsafe"), "\"undefined\"");
  EXPECT_EQ(browser_.Evaluate("document.body.dataset.clicks"), "\"0\"");
  bool reported = false;
  for (const std::string& line : browser_.ConsoleMessages()) {
    if (line.find("Content Security Policy") != std::string::npos) reported = true;
  }
  EXPECT_TRUE(reported) << ::testing::PrintToString(browser_.ConsoleMessages());
}

TEST_F(DevToolsPipeTest, ScreenshotIsAPngFile) {
  REQUIRE_CHROMIUM();
  ASSERT_NO_FATAL_FAILURE(Open());
  const std::string path = ::testing::TempDir() + "devtools-pipe-" + std::to_string(getpid()) +
                           "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name() +
                           ".png";
  ASSERT_TRUE(browser_.Screenshot(path)) << browser_.error();
  std::ifstream in(path, std::ios::binary);
  const std::string png((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::remove(path.c_str());
  ASSERT_GT(png.size(), 1000u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  // The IHDR chunk right after the signature holds the size: the 1400x900 viewport.
  ASSERT_GE(png.size(), 24u);
  auto be32 = [&png](size_t at) {
    return (static_cast<uint32_t>(static_cast<unsigned char>(png[at])) << 24) |
           (static_cast<uint32_t>(static_cast<unsigned char>(png[at + 1])) << 16) |
           (static_cast<uint32_t>(static_cast<unsigned char>(png[at + 2])) << 8) |
           static_cast<uint32_t>(static_cast<unsigned char>(png[at + 3]));
  };
  EXPECT_EQ(png.substr(12, 4), "IHDR");
  EXPECT_EQ(be32(16), 1400u);
  EXPECT_EQ(be32(20), 900u);
}

TEST_F(DevToolsPipeTest, DataUrlAndFailedNavigation) {
  REQUIRE_CHROMIUM();
  ASSERT_TRUE(browser_.Start()) << browser_.error();
  ASSERT_TRUE(browser_.Navigate("data:text/html,<p id=x>from a data url</p>")) << browser_.error();
  EXPECT_EQ(browser_.Evaluate("document.getElementById('x').textContent"), "\"from a data url\"");

  // A port nobody listens on: bound, then closed again.
  uint16_t closed_port = 0;
  {
    ScriptedOrigin gone;
    closed_port = gone.port();
  }
  EXPECT_FALSE(browser_.Navigate("http://127.0.0.1:" + std::to_string(closed_port) + "/"));
  EXPECT_NE(browser_.error().find("ERR_CONNECTION_REFUSED"), std::string::npos) << browser_.error();
}

}  // namespace
}  // namespace rampart::test
