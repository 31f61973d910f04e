// Static files (a route's `static`) through the real binary: files answered with their type,
// length and validators; directories, index files and the redirect to the slash; conditional
// and Range requests; large files over sendfile and keep-alive; HEAD and the methods refused;
// every traversal trick refused without leaking a file outside the root (raw targets, no
// client-side normalisation); hidden files, FIFOs, symlinks; strip_prefix; the request stages
// (the WAF) still in front; HTTP/2; and `rampart check` on a root that is not a directory.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/attack_records.h"
#include "support/cli_clients.h"
#include "support/payload.h"
#include "support/proxy_fixture.h"
#include "support/test_pki.h"

namespace rampart::test {
namespace {

constexpr char kSecretMarker[] = "TOP-SECRET-MARKER-51f0c2";
constexpr char kIndexHtml[] = "<!doctype html><title>index</title>root index\n";
constexpr char kSubIndexHtml[] = "<!doctype html><title>sub</title>sub index\n";
constexpr char kPageTxt[] = "a page inside sub\n";
constexpr char kAppJs[] = "console.log('app');\n";
constexpr size_t kBigSize = 8 << 20;

// A file's ETag as the docs promise it: "<mtime>-<size>" in lowercase hex.
std::string ExpectedETag(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return "stat failed: " + path;
  char buf[64];
  std::snprintf(buf, sizeof buf, "\"%" PRIx64 "-%" PRIx64 "\"",
                static_cast<uint64_t>(st.st_mtim.tv_sec), static_cast<uint64_t>(st.st_size));
  return buf;
}

std::string HttpDate(time_t t) {
  tm g{};
  gmtime_r(&t, &g);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &g);
  return buf;
}

std::optional<time_t> ParseHttpDate(const std::string& text) {
  tm g{};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &g);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return timegm(&g);
}

time_t MtimeOf(const std::string& path) {
  struct stat st {};
  stat(path.c_str(), &st);
  return st.st_mtim.tv_sec;
}

class StaticFilesTest : public ProxyTest {
 protected:
  void SetUp() override {
    namespace fs = std::filesystem;
    dir_ = rampart_.dir();
    www_ = dir_ + "/www";
    fs::create_directories(www_ + "/sub");
    fs::create_directories(www_ + "/empty");
    fs::create_directories(www_ + "/.git");
    fs::create_directories(www_ + "/a");
    WriteFile(dir_ + "/secret.txt", std::string(kSecretMarker) + "\n");
    WriteFile(www_ + "/index.html", kIndexHtml);
    WriteFile(www_ + "/sub/index.html", kSubIndexHtml);
    WriteFile(www_ + "/sub/page.txt", kPageTxt);
    WriteFile(www_ + "/style.css", "body { color: red; }\n");
    WriteFile(www_ + "/app.js", kAppJs);
    WriteFile(www_ + "/data.json", "{\"a\": 1}\n");
    WriteFile(www_ + "/image.png", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));
    WriteFile(www_ + "/PHOTO.PNG", std::string("\x89PNG\r\n\x1a\n", 8));
    WriteFile(www_ + "/logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n");
    WriteFile(www_ + "/blob.zzqx", "unknown extension\n");
    WriteFile(www_ + "/README", "no extension\n");
    WriteFile(www_ + "/my file.txt", "a name with a space\n");
    WriteFile(www_ + "/caf\xC3\xA9.txt", "UTF-8 name\n");
    WriteFile(www_ + "/lit%20name.txt", "literal percent name\n");
    WriteFile(www_ + "/digits.txt", "0123456789abcdefghijklmnopqrstuvwxyz");  // 36 bytes
    WriteFile(www_ + "/.env", std::string("SECRET_ENV=") + kSecretMarker + "\n");
    WriteFile(www_ + "/.git/config", std::string("[core] ") + kSecretMarker + "\n");
    std::string big(kBigSize, '\0');
    FillPattern(0, big.data(), big.size());
    WriteFile(www_ + "/big.bin", big);
    // Symlinks: one staying inside the root, the rest pointing out of it.
    symlink("sub/page.txt", (www_ + "/alias.txt").c_str());
    symlink("../secret.txt", (www_ + "/link-out.txt").c_str());
    symlink((dir_ + "/secret.txt").c_str(), (www_ + "/link-abs.txt").c_str());
    symlink("../../secret.txt", (www_ + "/sub/link-up.txt").c_str());
    symlink("..", (www_ + "/outdir").c_str());
    symlink(dir_.c_str(), (www_ + "/absdir").c_str());
    mkfifo((www_ + "/pipe.txt").c_str(), 0644);
  }

  // Starts rampart with the static routes plus `extra_routes` (YAML list items, in front).
  void StartStatic(const std::string& extra_routes = "") {
    ConfigOptions options;
    options.routes_yaml = "routes:\n" + extra_routes + R"(  - name: assets
    match: {path_prefix: /assets/}
    strip_prefix: true
    static: {root: )" + www_ +
                          R"(}
  - name: hidden-ok
    match: {path_prefix: /hidden-ok/}
    strip_prefix: true
    static: {root: www, allow_hidden: true}
  - name: proxied
    match: {path_prefix: /proxied/}
    pool: app
  - name: files
    match: {path_prefix: /}
    static:
      root: )" + www_ + R"(
      index: [index.html]
      expires: 1h
)";
    ASSERT_NO_FATAL_FAILURE(StartRampart(options));
  }

  // One raw request (the target exactly as given) on a fresh connection.
  std::optional<HttpResponse> Raw(const std::string& method, const std::string& target,
                                  const HeaderList& headers = {},
                                  Timeout timeout = kDefaultTimeout) {
    Client c;
    if (!c.Connect(port())) {
      ADD_FAILURE() << c.error();
      return std::nullopt;
    }
    HeaderList h = headers;
    h.emplace_back("Connection", "close");
    return c.Request(method, target, h, {}, timeout);
  }

  std::string dir_;
  std::string www_;
};

// --- files ----------------------------------------------------------------------------------

TEST_F(StaticFilesTest, AFileIsServedWithItsTypeLengthAndValidators) {
  ASSERT_NO_FATAL_FAILURE(StartStatic());
  const time_t before = time(nullptr);
  auto r = Get("/index.html");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kIndexHtml);
  EXPECT_EQ(r->Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(r->Header("Content-Length"), std::to_string(sizeof kIndexHtml - 1));
  EXPECT_FALSE(r->chunked);
  EXPECT_EQ(r->Header("ETag"), ExpectedETag(www_ + "/index.html"));
  EXPECT_EQ(r->Header("Last-Modified"), HttpDate(MtimeOf(www_ + "/index.html")));
  EXPECT_EQ(r->Header("Accept-Ranges"), "bytes");
  EXPECT_EQ(r->Header("Cache-Control"), "max-age=3600");
  ASSERT_TRUE(r->Header("Expires").has_value());
  std::optional<time_t> expires = ParseHttpDate(*r->Header("Expires"));
  ASSERT_TRUE(expires) << *r->Header("Expires");
  EXPECT_GE(*expires, before + 3600 - 2);
  EXPECT_LE(*expires, time(nullptr) + 3600 + 2);
  EXPECT_TRUE(r->Header("X-Request-Id").has_value());
  EXPECT_EQ(origin_.RequestCount(), 0u) << "a static route never asks a backend";
}

TEST_F(StaticFilesTest, ContentTypesFollowTheExtension) {
  ASSERT_NO_FATAL_FAILURE(StartStatic());
  struct Case {
    const char* target;
    const char* type;
  };
  const Case cases[] = {
      {"/index.html", "text/html; charset=utf-8"},
      {"/style.css", "text/css; charset=utf-8"},
      {"/app.js", "text/javascript; charset=utf-8"},
      {"/data.json", "application/json"},
      {"/image.png", "image/png"},
      {"/PHOTO.PNG", "image/png"},
      {"/logo.svg", "image/svg+xml"},
      {"/sub/page.txt", "text/plain; charset=utf-8"},
      {"/blob.zzqx", "application/octet-stream"},
      {"/README", "application/octet-stream"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.target);
    auto r = Get(c.target);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->Header("Content-Type"), c.type);
  }
  auto png = Get("/image.png");
  ASSERT_TRUE(png);
  EXPECT_EQ(png->body, std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16)) << "binary bytes intact";
}

// A file whose name needs percent-encoding in a URL (spaces, UTF-8, '#', '%') is found: the
// path beneath the root is decoded before the lookup (the router decodes only unreserved
// characters).
TEST_F(StaticFilesTest, PercentEncodedNamesAreDecoded) {
  ASSERT_NO_FATAL_FAILURE(StartStatic());
  auto r = Raw("GET", "/%69ndex.html");  // %69 = 'i', unreserved: decoded by the normaliser
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kIndexHtml);

  auto literal = Raw("GET", "/lit%20name.txt");
  const bool literal_served = literal && literal->status == 200;
  r = Raw("GET", "/my%20file.txt");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << "\"my file.txt\" exists; meanwhile a file literally named "
                            << "\"lit%20name.txt\" is " << (literal_served ? "" : "not ")
                            << "served for /lit%20name.txt, i.e. the path is "
                            << (literal_served ? "NOT " : "") << "percent-decoded";
  EXPECT_EQ(r->body, "a name with a space\n");
  r = Raw("GET", "/caf%C3%A9.txt");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << "a UTF-8 name";
  EXPECT_EQ(r->body, "UTF-8 name\n");
  EXPECT_FALSE(literal_served) << "a file named \"lit%20name.txt\" answers \"/lit%20name.txt\"";
}

TEST_F(StaticFilesTest, AMissingFileIs404) {
  ASSERT_NO_FATAL_FAILURE(StartStatic());
  auto r = Get("/nope.html");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  r = Get("/sub/page.txt/");  // a file is not a directory
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
}

// --- directories ----------------------------------------------------------------------------

TEST_F(StaticFilesTest, DirectoriesServeTheirIndexOrRedirectToTheSlash) {
  ASSERT_NO_FATAL_FAILURE(StartStatic());
  auto r = Get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kIndexHtml);
  EXPECT_EQ(r->Header("Content-Type"), "text/html; charset=utf-8");

  r = Get("/sub/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kSubIndexHtml);
  EXPECT_EQ(r->Header("ETag"), ExpectedETag(www_ + "/sub/index.html"));

  r = Get("/sub");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 301);
  EXPECT_EQ(r->Header("Location"), "/sub/");

  r = Get("/sub?x=1&y=two");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 301);
  EXPECT_EQ(r->Header("Location"), "/sub/?x=1&y=two") << "the query is kept";

  r = Get("/empty/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403) << "no index and no listing";
  r = Get("/empty");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 301);
  EXPECT_EQ(r->Header("Location"), "/empty/");
}

TEST_F(StaticFilesTest, StripPrefixServesFromTheRootAndRedirectsToTheClientsPath) {
  ASSERT_NO_FATAL_FAILURE(StartStatic());
  auto r = Get("/assets/app.js");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kAppJs);
  EXPECT_EQ(r->Header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_FALSE(r->Header("Cache-Control").has_value()) << "no expires on this route";
  EXPECT_FALSE(r->Header("Expires").has_value());

  r = Get("/assets/sub/page.txt");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kPageTxt);

  r = Get("/assets/sub");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 301);
  EXPECT_EQ(r->Header("Location"), "/assets/sub/")
      << "the path the client asked for, not the file's";

  r = Get("/assets/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kIndexHtml);
}

TEST_F(StaticFilesTest, ARelativeRootIsFromTheConfigFilesDirectory) {
  ASSERT_NO_FATAL_FAILURE(StartStatic());
  auto r = Get("/hidden-ok/sub/page.txt");  // root: www
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kPageTxt);
}

// --- conditional requests -------------------------------------------------------------------

TEST_F(StaticFilesTest, ConditionalRequests) {
  ASSERT_NO_FATAL_FAILURE(StartStatic());
  const std::string etag = ExpectedETag(www_ + "/index.html");
  const std::string last_modified = HttpDate(MtimeOf(www_ + "/index.html"));
  Client c = Connect();

  auto r = c.Get("/index.html", {{"If-None-Match", etag}});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 304);
  EXPECT_TRUE(r->body.empty());
  EXPECT_EQ(r->Header("ETag"), etag);
  EXPECT_FALSE(r->Header("Content-Length").has_value() && *r->Header("Content-Length") != "0")
      << "a 304 has no body";

  r = c.Get("/index.html", {{"If-None-Match", "\"other\", " + etag}});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 304) << "any of the list";

  r = c.Get("/index.html", {{"If-None-Match", "W/" + etag}});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 304) << "If-None-Match compares weakly";

  r = c.Get("/index.html", {{"If-None-Match", "*"}});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 304);

  r = c.Get("/index.html", {{"If-None-Match", "\"stale\""}});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kIndexHtml);

  r = c.Get("/index.html", {{"If-Modified-Since", last_modified}});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 304);
  EXPECT_TRUE(r->body.empty());

  r = c.Get("/index.html", {{"If-Modified-Since", HttpDate(MtimeOf(www_ + "/index.html") - 60)}});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 200) << "modified since a minute before";
  EXPECT_EQ(r->body, kIndexHtml);

  // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
  r = c.Get("/index.html", {{"If-None-Match", "\"stale\""}, {"If-Modified-Since", last_modified}});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 200);

  r = c.Get("/index.html", {{"If-Match", "\"nope\""}});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 412);

  r = c.Get("/index.html", {{"If-Match", etag}});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kIndexHtml);

  r = c.Get("/index.html", {{"If-Unmodified-Since", HttpDate(MtimeOf(www_ + "/index.html") - 60)}});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 412);

  // The connection is still in step after all of them.
  r = c.Get("/sub/page.txt");
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kPageTxt);
}

// --- ranges ---------------------------------------------------------------------------------

TEST_F(StaticFilesTest, RangeRequests) {
  ASSERT_NO_FATAL_FAILURE(StartStatic());
  const std::string all = "0123456789abcdefghijklmnopqrstuvwxyz";
  const std::string etag = ExpectedETag(www_ + "/digits.txt");
  Client c = Connect();

  auto r = c.Get("/digits.txt", {{"Range", "bytes=0-9"}});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 206);
  EXPECT_EQ(r->body, "0123456789");
  EXPECT_EQ(r->Header("Content-Range"), "bytes 0-9/36");
  EXPECT_EQ(r->Header("Content-Length"), "10");
  EXPECT_EQ(r->Header("ETag"), etag);

  r = c.Get("/digits.txt", {{"Range", "bytes=-5"}});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 206);
  EXPECT_EQ(r->body, "vwxyz");
  EXPECT_EQ(r->Header("Content-Range"), "bytes 31-35/36");

  r = c.Get("/digits.txt", {{"Range", "bytes=30-"}});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 206);
  EXPECT_EQ(r->body, "uvwxyz");
  EXPECT_EQ(r->Header("Content-Range"), "bytes 30-35/36");

  r = c.Get("/digits.txt", {{"Range", "bytes=33-1000"}});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 206);
  EXPECT_EQ(r->body, "xyz");
  EXPECT_EQ(r->Header("Content-Range"), "bytes 33-35/36");

  r = c.Get("/digits.txt", {{"Range", "bytes=36-"}});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 416);
  EXPECT_EQ(r->Header("Content-Range"), "bytes */36");

  r = c.Get("/digits.txt", {{"Range", "bytes=0-1,5-6"}});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 200) << "several ranges get the whole file";
  EXPECT_EQ(r->body, all);
  EXPECT_FALSE(r->Header("Content-Range").has_value());

  r = c.Get("/digits.txt", {{"Range", "bytes=0-9"}, {"If-Range", "\"stale\""}});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 200) << "If-Range with a stale ETag: the whole file";
  EXPECT_EQ(r->body, all);

  r = c.Get("/digits.txt", {{"Range", "bytes=0-9"}, {"If-Range", etag}});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 206);
  EXPECT_EQ(r->body, "0123456789");

  r = c.Get("/digits.txt", {{"Range", "items=0-9"}});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 200) << "an unknown range unit is ignored";
  EXPECT_EQ(r->body, all);

  // A range in the middle of a large file: the kernel sends from the right offset.
  r = c.Get("/big.bin", {{"Range", "bytes=4194300-4194499"}});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 206);
  EXPECT_EQ(r->body, PatternBytes(4194300, 200));
  EXPECT_EQ(r->Header("Content-Range"), "bytes 4194300-4194499/" + std::to_string(kBigSize));
}

// --- large files, HEAD, methods -------------------------------------------------------------

TEST_F(StaticFilesTest, ALargeFileArrivesIntactAlsoOnKeepAlive) {
  ASSERT_NO_FATAL_FAILURE(StartStatic());
  auto r = Get("/big.bin", {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("Content-Length"), std::to_string(kBigSize));
  ASSERT_EQ(r->body.size(), kBigSize);
  StreamChecksum sum;
  sum.Update(r->body);
  EXPECT_EQ(sum.Value(), PatternChecksum(kBigSize));

  Client c = Connect();
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round);
    r = c.Get("/big.bin", {}, Timeout(30'000));
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->status, 200);
    ASSERT_EQ(r->body.size(), kBigSize);
    StreamChecksum again;
    again.Update(r->body);
    EXPECT_EQ(again.Value(), PatternChecksum(kBigSize));
    r = c.Get("/sub/page.txt");
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, kPageTxt);
  }
}

// A client that does not read for a while: sendfile meets a full socket and must resume where it
// stopped, on a connection that then carries the next request.
TEST_F(StaticFilesTest, ALargeFileSurvivesASlowReader) {
  ASSERT_NO_FATAL_FAILURE(StartStatic());
  Client c = Connect();
  ASSERT_TRUE(c.Send(BuildRequest("GET", "/big.bin", port())));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto r = c.ReadResponse({}, Timeout(30'000));
  ASSERT_TRUE(r) << c.error();
  ASSERT_EQ(r->body.size(), kBigSize);
  StreamChecksum sum;
  sum.Update(r->body);
  EXPECT_EQ(sum.Value(), PatternChecksum(kBigSize));
  r = c.Get("/digits.txt");
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->body, "0123456789abcdefghijklmnopqrstuvwxyz");
}

// Requests sent at once are answered in order, each file whole (the file segments queued behind
// one another in the output).
TEST_F(StaticFilesTest, PipelinedRequestsAreAnsweredInOrder) {
  ASSERT_NO_FATAL_FAILURE(StartStatic());
  Client c = Connect();
  ASSERT_TRUE(c.Send(BuildRequest("GET", "/big.bin", port()) +
                     BuildRequest("GET", "/digits.txt", port(), {{"Range", "bytes=-3"}}) +
                     BuildRequest("HEAD", "/index.html", port()) +
                     BuildRequest("GET", "/sub/", port()) + BuildRequest("GET", "/nope", port())));
  auto r = c.ReadResponse({}, Timeout(30'000));
  ASSERT_TRUE(r) << c.error();
  ASSERT_EQ(r->body.size(), kBigSize);
  StreamChecksum sum;
  sum.Update(r->body);
  EXPECT_EQ(sum.Value(), PatternChecksum(kBigSize));
  r = c.ReadResponse();
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 206);
  EXPECT_EQ(r->body, "xyz");
  ReadOptions head;
  head.head_request = true;
  r = c.ReadResponse(head);
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("Content-Length"), std::to_string(sizeof kIndexHtml - 1));
  r = c.ReadResponse();
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->body, kSubIndexHtml);
  r = c.ReadResponse();
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 404);
}

TEST_F(StaticFilesTest, Http10ClientsGetTheFile) {
  ASSERT_NO_FATAL_FAILURE(StartStatic());
  Client c = Connect();
  ASSERT_TRUE(c.Send("GET /big.bin HTTP/1.0\r\n\r\n"));
  auto r = c.ReadResponse({}, Timeout(30'000));
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 200);
  ASSERT_EQ(r->body.size(), kBigSize);
  StreamChecksum sum;
  sum.Update(r->body);
  EXPECT_EQ(sum.Value(), PatternChecksum(kBigSize));
  EXPECT_TRUE(c.IsClosedByPeer()) << "HTTP/1.0 without keep-alive: closed after the file";
}

TEST_F(StaticFilesTest, HeadHasTheHeadersAndNoBody) {
  ASSERT_NO_FATAL_FAILURE(StartStatic());
  Client c = Connect();
  auto r = c.Request("HEAD", "/big.bin", {}, {});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("Content-Length"), std::to_string(kBigSize));
  EXPECT_EQ(r->Header("ETag"), ExpectedETag(www_ + "/big.bin"));
  EXPECT_TRUE(r->Header("Last-Modified").has_value());
  EXPECT_EQ(r->Header("Accept-Ranges"), "bytes");
  EXPECT_TRUE(r->body.empty());
  // No body bytes follow: the next response on the connection is read cleanly.
  r = c.Get("/index.html");
  ASSERT_TRUE(r) << c.error() << " (buffered " << c.buffered().size() << " bytes)";
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kIndexHtml);
}

TEST_F(StaticFilesTest, OnlyGetAndHeadAreAllowed) {
  ASSERT_NO_FATAL_FAILURE(StartStatic());
  for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS"}) {
    SCOPED_TRACE(method);
    Client c = Connect();
    auto r = c.Request(method, "/index.html", {}, method == std::string("OPTIONS") ? "" : "x=1");
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->status, 405);
    EXPECT_EQ(r->Header("Allow"), "GET, HEAD");
    EXPECT_EQ(r->body.find("root index"), std::string::npos);
  }
}

// --- nothing outside the root ---------------------------------------------------------------

TEST_F(StaticFilesTest, TraversalIsAlwaysRefusedAndNeverLeaks) {
  ASSERT_NO_FATAL_FAILURE(StartStatic());
  const std::vector<std::string> targets = {
      "/../secret.txt",
      "/a/../../secret.txt",
      "/../../../../../../etc/passwd",
      "/%2e%2e/secret.txt",
      "/%2E%2E/secret.txt",
      "/%2e%2e%2fsecret.txt",
      "/..%2fsecret.txt",
      "/..%2Fsecret.txt",
      "/sub/..%2f..%2fsecret.txt",
      "/sub/%2e%2e/%2e%2e/secret.txt",
      "/%252e%252e/secret.txt",
      "/%252e%252e%252fsecret.txt",
      "/..\\secret.txt",
      "/..%5csecret.txt",
      "/sub/..%5c..%5csecret.txt",
      "/a%00.html",
      "/.%00./secret.txt",
      "/index.html%00.txt",
      "//secret.txt",
      "//../secret.txt",
      "/./../secret.txt",
      "/link-out.txt",
      "/link-abs.txt",
      "/sub/link-up.txt",
      "/outdir/secret.txt",
      "/outdir/www/index.html",
      "/absdir/secret.txt",
      "/assets/../secret.txt",
      "/assets/%2e%2e/secret.txt",
      "/assets/..%2fsecret.txt",
      "/assets/link-out.txt",
      "/hidden-ok/link-out.txt",
      "/hidden-ok/outdir/secret.txt",
      "/hidden-ok/%2e%2e/secret.txt",
  };
  for (const std::string& target : targets) {
    SCOPED_TRACE(target);
    auto r = Raw("GET", target);
    ASSERT_TRUE(r) << "no response";
    EXPECT_TRUE(r->status == 400 || r->status == 403 || r->status == 404)
        << "status " << r->status << "\n"
        << r->raw.substr(0, 400);
    EXPECT_EQ(r->raw.find(kSecretMarker), std::string::npos) << r->raw.substr(0, 400);
  }
}

// The docs promise 400 for a NUL byte or a backslash in the path: their encoded forms (%00,
// %5C; a raw NUL or backslash cannot be sent in a request line) are refused once decoded.
TEST_F(StaticFilesTest, EncodedNulOrBackslashIsABadRequest) {
  ASSERT_NO_FATAL_FAILURE(StartStatic());
  for (const char* target : {"/a%00.html", "/index.html%00", "/sub%5cpage.txt"}) {
    SCOPED_TRACE(target);
    auto r = Raw("GET", target);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
  }
}

TEST_F(StaticFilesTest, SymlinksAreFollowedOnlyInsideTheRoot) {
  ASSERT_NO_FATAL_FAILURE(StartStatic());
  auto r = Get("/alias.txt");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kPageTxt);
  EXPECT_EQ(r->Header("Content-Type"), "text/plain; charset=utf-8") << "the name asked for";
  for (const char* target : {"/link-out.txt", "/link-abs.txt", "/sub/link-up.txt"}) {
    SCOPED_TRACE(target);
    r = Get(target);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->status == 403 || r->status == 404) << r->status;
    EXPECT_EQ(r->raw.find(kSecretMarker), std::string::npos);
  }
}

TEST_F(StaticFilesTest, HiddenFilesAreForbiddenUnlessAllowed) {
  ASSERT_NO_FATAL_FAILURE(StartStatic());
  for (const char* target : {"/.env", "/.git/config", "/.git/", "/assets/.env"}) {
    SCOPED_TRACE(target);
    auto r = Get(target);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403);
    EXPECT_EQ(r->raw.find(kSecretMarker), std::string::npos);
  }
  auto r = Get("/hidden-ok/.env");  // allow_hidden: true
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, std::string("SECRET_ENV=") + kSecretMarker + "\n");
}

TEST_F(StaticFilesTest, AFifoIsForbiddenAndDoesNotHang) {
  ASSERT_NO_FATAL_FAILURE(StartStatic());
  const auto start = Clock::now();
  auto r = Raw("GET", "/pipe.txt", {}, Timeout(5'000));
  ASSERT_TRUE(r) << "no answer: the worker may be blocked opening the fifo";
  EXPECT_EQ(r->status, 403);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
  // The worker is still serving.
  for (int i = 0; i < 4; ++i) {
    auto again = Get("/index.html");
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 200);
  }
}

// --- the route's other parts ----------------------------------------------------------------

TEST_F(StaticFilesTest, RequestStagesStillRunFirst) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(StartStatic(R"(  - name: guarded
    match: {path_prefix: /guarded/}
    strip_prefix: true
    waf: {mode: block, paranoia: 1, exclusions: [{id: 920350}]}
    static: {root: )" + www_ + R"(}
)"));
  auto r = Raw("GET", "/guarded/index.html?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(r->body.find("root index"), std::string::npos);
  r = Raw("GET", "/guarded/index.html?q=hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kIndexHtml);
  // A WAF-blocked HEAD and a traversal attempt on the guarded route are refused too.
  r = Raw("GET", "/guarded/%2e%2e/secret.txt");
  ASSERT_TRUE(r);
  EXPECT_NE(r->status, 200);
  EXPECT_EQ(r->raw.find(kSecretMarker), std::string::npos);
}

TEST_F(StaticFilesTest, ProxiedAndStaticRoutesLiveSideBySide) {
  ASSERT_NO_FATAL_FAILURE(StartStatic());
  auto r = Get("/proxied/x");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, Origin::kDefaultBody);
  r = Get("/index.html");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, kIndexHtml);
}

TEST_F(StaticFilesTest, FilesArriveIntactOverHttp2) {
  REQUIRE_CURL_HTTP2();
  ASSERT_NO_FATAL_FAILURE(StartStatic());
  const std::string out = dir_ + "/h2.out";
  const std::string url = "http://127.0.0.1:" + std::to_string(port());
  CommandResult r = RunCommand({kCurl, "-s", "--http2-prior-knowledge", "--max-time", "30", "-o",
                                out, "-w", "%{http_code} %{http_version}", url + "/big.bin"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "200 2");
  const std::string big = ReadFile(out);
  ASSERT_EQ(big.size(), kBigSize);
  StreamChecksum sum;
  sum.Update(big);
  EXPECT_EQ(sum.Value(), PatternChecksum(kBigSize));

  r = RunCommand({kCurl, "-s", "--http2-prior-knowledge", "--max-time", "20", "-o", out, "-w",
                  "%{http_code} %{http_version}", "-H", "Range: bytes=-5", url + "/digits.txt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "206 2");
  EXPECT_EQ(ReadFile(out), "vwxyz");

  r = RunCommand({kCurl, "-s", "--http2-prior-knowledge", "--max-time", "20", "-o", out, "-w",
                  "%{http_code} %{http_version}", url + "/sub/"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "200 2");
  EXPECT_EQ(ReadFile(out), kSubIndexHtml);

  r = RunCommand({kCurl, "-s", "--http2-prior-knowledge", "--max-time", "20", "-o", out, "-w",
                  "%{http_code} %{http_version}", "--path-as-is", url + "/../secret.txt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.substr(0, 3), "200");
  EXPECT_EQ(ReadFile(out).find(kSecretMarker), std::string::npos);
}

// Over TLS there is no sendfile: the file goes through the TLS layer (HTTP/1.1 and h2 by ALPN).
TEST_F(StaticFilesTest, FilesArriveIntactOverTls) {
  REQUIRE_CURL();
  TestPki pki;
  PkeyPtr key = MakeEcKey();
  const TestPki::Files cert = pki.Issue("static", key.get(), "localhost", {"localhost"});
  const std::string yaml =
      "workers: 1\nlisten:\n  - address: 127.0.0.1:0\n    tls:\n"
      "      certificates:\n        - {cert: " +
      cert.cert + ", key: " + cert.key +
      "}\nadmin:\n  address: 127.0.0.1:0\nroutes:\n"
      "  - match: {path_prefix: /}\n    static: {root: " +
      www_ + "}\nlogging:\n  access_log: " + dir_ + "/access.log\n";
  ASSERT_NO_FATAL_FAILURE(StartRampartYaml(yaml));
  const std::string out = dir_ + "/tls.out";
  const std::string url = "https://localhost:" + std::to_string(port());
  const std::string resolve = "localhost:" + std::to_string(port()) + ":127.0.0.1";
  for (const char* version : {"--http1.1", "--http2"}) {
    SCOPED_TRACE(version);
    if (std::string(version) == "--http2" && !CurlSpeaksHttp2()) continue;
    CommandResult r =
        RunCommand({kCurl, "-s", version, "--cacert", pki.WriteCa(), "--resolve", resolve,
                    "--max-time", "30", "-o", out, "-w", "%{http_code}", url + "/big.bin"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "200");
    const std::string big = ReadFile(out);
    ASSERT_EQ(big.size(), kBigSize);
    StreamChecksum sum;
    sum.Update(big);
    EXPECT_EQ(sum.Value(), PatternChecksum(kBigSize));
    r = RunCommand({kCurl, "-s", version, "--cacert", pki.WriteCa(), "--resolve", resolve,
                    "--max-time", "20", "-o", out, "-w", "%{http_code}", "-H",
                    "Range: bytes=4194300-4194499", url + "/big.bin"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "206");
    EXPECT_EQ(ReadFile(out), PatternBytes(4194300, 200));
  }
}

// --- configuration --------------------------------------------------------------------------

TEST_F(StaticFilesTest, CheckRefusesARootThatIsNotADirectory) {
  const std::string not_dir = www_ + "/index.html";
  const std::string missing = dir_ + "/no-such-dir";
  const std::string yaml =
      "workers: 1\n"                     // 1
      "listen:\n"                        // 2
      "  - address: 127.0.0.1:0\n"       // 3
      "routes:\n"                        // 4
      "  - match: {path_prefix: /a/}\n"  // 5
      "    static:\n"                    // 6
      "      root: " +
      not_dir +
      "\n"                             // 7
      "  - match: {path_prefix: /}\n"  // 8
      "    static: {root: " +
      missing + "}\n";  // 9
  const std::string path = dir_ + "/bad-static.yaml";
  WriteFile(path, yaml);
  const CommandResult r = RampartProcess::RunCheck(path);
  const std::string all = r.out + r.err;
  EXPECT_NE(r.exit_code, 0) << all;
  EXPECT_NE(all.find(path + ":7:"), std::string::npos) << all;
  EXPECT_NE(all.find("not a directory: " + not_dir), std::string::npos) << all;
  EXPECT_NE(all.find(path + ":9:"), std::string::npos) << all;
  EXPECT_NE(all.find("not a directory: " + missing), std::string::npos) << all;

  // The same routes with real directories pass.
  WriteFile(path,
            "workers: 1\nlisten:\n  - address: 127.0.0.1:0\nroutes:\n"
            "  - match: {path_prefix: /}\n    static: {root: " +
                www_ + "}\n");
  const CommandResult ok = RampartProcess::RunCheck(path);
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
}

// --- the route's response stages, and redirects -----------------------------------------------

// set_response_headers runs on a file's head as on a backend's: on 200, 206, 304 and HEAD alike.
// A route without it gets none of them.
TEST_F(StaticFilesTest, SetResponseHeadersApplyToFileResponses) {
  ASSERT_NO_FATAL_FAILURE(StartStatic(R"(  - name: headed
    match: {path_prefix: /headed/}
    strip_prefix: true
    set_response_headers: {Content-Security-Policy: "default-src 'self'", X-Frame-Options: DENY}
    static: {root: )" + www_ + R"(}
)"));
  const std::string etag = ExpectedETag(www_ + "/digits.txt");
  Client c = Connect();
  auto expect_headers = [](const std::optional<HttpResponse>& r, const std::string& what) {
    ASSERT_TRUE(r) << what;
    EXPECT_EQ(r->Header("Content-Security-Policy"), "default-src 'self'") << what;
    EXPECT_EQ(r->Header("X-Frame-Options"), "DENY") << what;
    EXPECT_EQ(r->HeaderCount("X-Frame-Options"), 1u) << what;
  };

  auto full = c.Get("/headed/digits.txt");
  ASSERT_TRUE(full) << c.error();
  EXPECT_EQ(full->status, 200);
  EXPECT_EQ(full->body, "0123456789abcdefghijklmnopqrstuvwxyz");
  EXPECT_EQ(full->Header("ETag"), etag);
  expect_headers(full, "200");

  auto part = c.Get("/headed/digits.txt", {{"Range", "bytes=0-9"}});
  ASSERT_TRUE(part) << c.error();
  EXPECT_EQ(part->status, 206);
  EXPECT_EQ(part->body, "0123456789");
  EXPECT_EQ(part->Header("Content-Range"), "bytes 0-9/36");
  expect_headers(part, "206");

  auto not_modified = c.Get("/headed/digits.txt", {{"If-None-Match", etag}});
  ASSERT_TRUE(not_modified) << c.error();
  EXPECT_EQ(not_modified->status, 304);
  EXPECT_TRUE(not_modified->body.empty());
  expect_headers(not_modified, "304");

  auto index = c.Get("/headed/");  // a directory's index file
  ASSERT_TRUE(index) << c.error();
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->body, kIndexHtml);
  expect_headers(index, "index");

  auto head = c.Request("HEAD", "/headed/digits.txt", {}, {});
  ASSERT_TRUE(head) << c.error();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("Content-Length"), "36");
  expect_headers(head, "HEAD");

  // The connection is still in step, and the other static routes are untouched.
  auto plain = c.Get("/digits.txt");
  ASSERT_TRUE(plain) << c.error();
  EXPECT_EQ(plain->status, 200);
  EXPECT_EQ(plain->body, "0123456789abcdefghijklmnopqrstuvwxyz");
  EXPECT_FALSE(plain->Header("Content-Security-Policy").has_value());
  EXPECT_FALSE(plain->Header("X-Frame-Options").has_value());
  EXPECT_EQ(origin_.RequestCount(), 0u);
}

// A directory asked for with leading slashes ("//evil.example/../sub" normalises to /sub): the
// redirect to the slash must not be a protocol-relative "//host/..." that a browser would follow
// to another site.
TEST_F(StaticFilesTest, DirectoryRedirectsNeverStartWithTwoSlashes) {
  ASSERT_NO_FATAL_FAILURE(StartStatic());
  int redirects = 0;
  for (const std::string target :
       {"//evil.example/../sub", "//sub", "///sub", "//evil.example/%2e%2e/sub?x=1", "//assets/sub",
        "/.//evil.example/../sub"}) {
    SCOPED_TRACE(target);
    auto r = Raw("GET", target);
    ASSERT_TRUE(r);
    EXPECT_NE(r->status, 200);
    if (r->status < 300 || r->status >= 400) continue;
    ++redirects;
    const std::string location = r->Header("Location").value_or("");
    EXPECT_TRUE(location.starts_with("/")) << location;
    EXPECT_FALSE(location.starts_with("//")) << location;
    EXPECT_EQ(location.find('\\'), std::string::npos) << location;
  }
  EXPECT_GT(redirects, 0) << "none of the targets was redirected: nothing was checked";
  auto r = Raw("GET", "//sub");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 301);
  EXPECT_EQ(r->Header("Location"), "/sub/");
  r = Raw("GET", "//evil.example/../sub");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 301);
  EXPECT_FALSE(r->Header("Location").value_or("//").starts_with("//"))
      << r->Header("Location").value_or("(none)");
}

}  // namespace
}  // namespace rampart::test
