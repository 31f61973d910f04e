// Routing through the real binary: each kind of match sends to its own backend (a separate
// origin per pool, so "which route" is read from where the request arrived), first match wins,
// no match is a 404, and each per-route action (strip_prefix, rewrite, header edits,
// preserve_host, redirect, max_body_size) is seen from both ends.

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

constexpr const char* kPools[] = {"exact",  "wild",  "path",   "regex", "method",
                                  "header", "first", "second", "main"};

class RoutingTest : public ProxyTest {
 protected:
  void SetUp() override {
    std::string pools = "pools:\n";
    for (const char* name : kPools) {
      origins_[name] = std::make_unique<Origin>();
      pools += std::string("  ") + name +
               ":\n    servers:\n      - address: " + origins_[name]->address() + "\n";
    }
    ConfigOptions options;
    options.pools_yaml = pools;
    options.routes_yaml = R"(routes:
  - name: exact-host
    match: {host: exact.example.com}
    pool: exact
  - name: wildcard-host
    match: {host: "*.example.com"}
    pool: wild
  - name: exact-path
    match: {path: /exact}
    pool: path
  - name: regex
    match: {path_regex: "^/items/[0-9]+$"}
    pool: regex
  - name: methods
    match: {path_prefix: /m/, methods: [POST, PUT]}
    pool: method
  - name: header
    match:
      path_prefix: /h/
      headers: {X-Tenant: blue}
    pool: header
  - name: first
    match: {path_prefix: /api/}
    pool: first
  - name: second
    match: {path_prefix: /api/v2/}
    pool: second
  - name: strip
    match: {path_prefix: /strip/}
    strip_prefix: true
    pool: main
  - name: rewrite
    match: {path_prefix: /rw/}
    rewrite: {regex: "^/rw/([a-z]+)/(.*)$", replacement: "/new/$2/$1"}
    pool: main
  - name: set-headers
    match: {path_prefix: /set/}
    set_request_headers: {X-Added: "added value", User-Agent: ""}
    set_response_headers: {X-Resp-Added: "resp value", X-Origin-Seq: ""}
    pool: main
  - name: no-preserve-host
    match: {path_prefix: /nohost/}
    preserve_host: false
    pool: main
  - name: redirect-permanent
    match: {path_prefix: /old/}
    redirect: {to: "https://new.example.com$request_uri", status: 301}
  - name: redirect-default
    match: {path: /moved}
    redirect: {to: /elsewhere}
  - name: small-body
    match: {path_prefix: /small/}
    max_body_size: 16
    pool: main
  - name: plain
    match: {path_prefix: /plain/}
    pool: main
)";
    ASSERT_NO_FATAL_FAILURE(StartRampart(options));
  }

  // Sends the request and returns the response; expects a response at all.
  std::optional<HttpResponse> Send(const std::string& method, const std::string& target,
                                   const HeaderList& headers = {}, const std::string& body = {}) {
    Client c;
    EXPECT_TRUE(c.Connect(port())) << c.error();
    HeaderList h = headers;
    h.emplace_back("Connection", "close");
    auto r = c.Request(method, target, h, body);
    EXPECT_TRUE(r) << method << " " << target << ": " << c.error();
    return r;
  }

  // Expects `target` to arrive at pool `pool`'s origin (and at no other); returns what it saw.
  std::optional<RecordedRequest> ExpectRoutedTo(const std::string& pool, const std::string& method,
                                                const std::string& target,
                                                const HeaderList& headers = {},
                                                const std::string& seen_target = {}) {
    size_t before = TotalRequests();
    auto r = Send(method, target, headers);
    if (!r) return std::nullopt;
    EXPECT_EQ(r->status, 200) << method << " " << target << " should reach pool " << pool;
    const std::string& expect_target = seen_target.empty() ? target : seen_target;
    auto seen = origins_[pool]->WaitForTarget(expect_target, Timeout(5'000));
    EXPECT_TRUE(seen) << method << " " << target << " did not reach pool " << pool;
    EXPECT_EQ(TotalRequests(), before + 1) << method << " " << target << " reached two pools?";
    return seen;
  }

  void ExpectNoRoute(const std::string& method, const std::string& target,
                     const HeaderList& headers = {}) {
    size_t before = TotalRequests();
    auto r = Send(method, target, headers);
    if (!r) return;
    EXPECT_EQ(r->status, 404) << method << " " << target << " should match no route";
    EXPECT_EQ(TotalRequests(), before) << method << " " << target << " reached a backend";
  }

  size_t TotalRequests() const {
    size_t n = 0;
    for (const auto& [name, origin] : origins_) n += origin->RequestCount();
    return n;
  }

  std::map<std::string, std::unique_ptr<Origin>> origins_;
};

TEST_F(RoutingTest, ExactHost) {
  ExpectRoutedTo("exact", "GET", "/anything", {{"Host", "exact.example.com"}});
  ExpectRoutedTo("exact", "GET", "/case", {{"Host", "EXACT.Example.COM"}});
  ExpectRoutedTo("exact", "GET", "/with-port", {{"Host", "exact.example.com:8080"}});
}

TEST_F(RoutingTest, WildcardHost) {
  ExpectRoutedTo("wild", "GET", "/w", {{"Host", "a.example.com"}});
  ExpectRoutedTo("wild", "GET", "/w2", {{"Host", "shop.example.com"}});
  ExpectNoRoute("GET", "/apex", {{"Host", "example.com"}});
  ExpectNoRoute("GET", "/other", {{"Host", "a.example.org"}});
}

TEST_F(RoutingTest, ExactPath) {
  ExpectRoutedTo("path", "GET", "/exact");
  ExpectRoutedTo("path", "GET", "/exact?q=1");
  ExpectNoRoute("GET", "/exact/more");
  ExpectNoRoute("GET", "/exactly");
}

TEST_F(RoutingTest, PathRegex) {
  ExpectRoutedTo("regex", "GET", "/items/42");
  ExpectNoRoute("GET", "/items/abc");
  ExpectNoRoute("GET", "/items/42/x");
}

TEST_F(RoutingTest, Methods) {
  ExpectRoutedTo("method", "POST", "/m/x");
  ExpectRoutedTo("method", "PUT", "/m/y");
  ExpectNoRoute("GET", "/m/x");
  ExpectNoRoute("DELETE", "/m/x");
}

TEST_F(RoutingTest, Headers) {
  ExpectRoutedTo("header", "GET", "/h/a", {{"X-Tenant", "blue"}});
  ExpectRoutedTo("header", "GET", "/h/b", {{"x-tenant", "blue"}});
  ExpectNoRoute("GET", "/h/c", {{"X-Tenant", "red"}});
  ExpectNoRoute("GET", "/h/d");
}

TEST_F(RoutingTest, FirstMatchWins) {
  ExpectRoutedTo("first", "GET", "/api/v2/users");
  ExpectRoutedTo("first", "GET", "/api/v1/users");
  EXPECT_EQ(origins_["second"]->AcceptedConnections(), 0u);
}

TEST_F(RoutingTest, NoMatchIs404AndReachesNoBackend) {
  ExpectNoRoute("GET", "/nowhere");
  ExpectNoRoute("POST", "/nowhere");
  for (const auto& [name, origin] : origins_) {
    EXPECT_EQ(origin->AcceptedConnections(), 0u) << name;
  }
}

TEST_F(RoutingTest, StripPrefix) {
  ExpectRoutedTo("main", "GET", "/strip/foo/bar?x=1", {}, "/foo/bar?x=1");
  ExpectRoutedTo("main", "GET", "/strip/", {}, "/");
}

TEST_F(RoutingTest, RewriteWithCaptures) {
  ExpectRoutedTo("main", "GET", "/rw/abc/def/ghi?q=2", {}, "/new/def/ghi/abc?q=2");
}

TEST_F(RoutingTest, SetRequestAndResponseHeaders) {
  size_t before = TotalRequests();
  auto r = Send("GET", "/set/x", {{"User-Agent", "test-agent"}, {"X-Added", "from client"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("X-Resp-Added"), "resp value");
  EXPECT_EQ(r->HeaderCount("X-Origin-Seq"), 0u) << "an empty value removes the header";
  EXPECT_TRUE(r->Header("X-Origin-Conn").has_value()) << "other backend headers pass";
  auto seen = origins_["main"]->WaitForTarget("/set/x");
  ASSERT_TRUE(seen);
  EXPECT_EQ(FindHeaders(seen->headers, "X-Added"), std::vector<std::string>{"added value"});
  EXPECT_EQ(seen->HeaderCount("User-Agent"), 0u) << "an empty value removes the header";
  EXPECT_EQ(TotalRequests(), before + 1);
}

TEST_F(RoutingTest, PreserveHost) {
  auto kept = ExpectRoutedTo("main", "GET", "/plain/a", {{"Host", "app.example.net"}});
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->Header("Host"), "app.example.net");
  auto replaced = ExpectRoutedTo("main", "GET", "/nohost/a", {{"Host", "app.example.net"}});
  ASSERT_TRUE(replaced);
  EXPECT_EQ(replaced->Header("Host"), origins_["main"]->address());
}

TEST_F(RoutingTest, Redirects) {
  auto r = Send("GET", "/old/page?x=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 301);
  EXPECT_EQ(r->Header("Location"), "https://new.example.com/old/page?x=1");
  r = Send("GET", "/moved");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 302);
  EXPECT_EQ(r->Header("Location"), "/elsewhere");
  EXPECT_EQ(TotalRequests(), 0u);
  EXPECT_EQ(origins_["main"]->AcceptedConnections(), 0u);
}

TEST_F(RoutingTest, MaxBodySize) {
  auto r = Send("POST", "/small/ok", {}, "0123456789");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  ASSERT_TRUE(origins_["main"]->WaitForTarget("/small/ok"));
  const size_t accepted = origins_["main"]->AcceptedConnections();
  const uint64_t bytes = origins_["main"]->BytesReceived();

  r = Send("POST", "/small/big", {}, std::string(100, 'x'));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(origins_["main"]->BytesReceived(), bytes) << "the backend received part of it";
  EXPECT_EQ(origins_["main"]->AcceptedConnections(), accepted);

  // Chunked: the size is only known as the body arrives, so the head may have been sent on;
  // the backend must never get the whole request.
  Client c;
  ASSERT_TRUE(c.Connect(port())) << c.error();
  ASSERT_TRUE(
      c.Send(BuildRequest("POST", "/small/chunked", port(), {{"Transfer-Encoding", "chunked"}}) +
             ChunkBody(std::string(100, 'y'), 10)));
  auto rc = c.ReadResponse();
  ASSERT_TRUE(rc) << c.error();
  EXPECT_EQ(rc->status, 413);
  for (const RecordedRequest& seen : origins_["main"]->Requests()) {
    EXPECT_NE(seen.target, "/small/chunked") << "an over-limit body reached the backend";
    EXPECT_NE(seen.target, "/small/big");
  }
}

}  // namespace
}  // namespace rampart::test

namespace rampart::test {
namespace {

// What is matched is what is forwarded: dot segments and encoded dots cannot reach a route the
// table would not choose for the normalised path, nor smuggle "../" to the backend.
TEST_F(RoutingTest, PathsAreNormalisedBeforeMatchingAndForwarding) {
  // "/exact" belongs to route exact-path, "/api/" to route first.
  ExpectRoutedTo("path", "GET", "/api/../exact", {}, "/exact");
  ExpectRoutedTo("path", "GET", "/api/%2e%2e/exact", {}, "/exact");
  ExpectRoutedTo("path", "GET", "/api/%2E%2E/exact?q=1", {}, "/exact?q=1");
  ExpectRoutedTo("first", "GET", "/api//users/./42", {}, "/api/users/42");
  // strip_prefix works on the normalised path: no "/../" reaches the backend.
  ExpectRoutedTo("main", "GET", "/strip/a/../b", {}, "/b");
  // Percent-encoded unreserved characters are decoded; reserved ones stay encoded.
  ExpectRoutedTo("first", "GET", "/api/%7Euser%2Fx", {}, "/api/~user%2Fx");
}

TEST_F(RoutingTest, PathsClimbingAboveTheRootAreRefused) {
  for (const char* target :
       {"/../etc/passwd", "/a/../../etc", "/%2e%2e/x", "/bad%zzescape", "/api/..;/exact"}) {
    size_t before = TotalRequests();
    auto r = Send("GET", target);
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 400) << target;
    EXPECT_EQ(TotalRequests(), before) << target << " reached a backend";
  }
}

}  // namespace
}  // namespace rampart::test
