// The RFC 9111 shared cache (a route's `cache`, the top-level `cache`, the admin purge API)
// through the real binary, against a ScriptedOrigin whose replies each test scripts. Every test
// asserts both what the client got (status, body, Age, Cache-Status) and what the origin saw
// (how many requests per path, and their validators): a hit is a request the origin never
// received.
//
// Freshness is in whole seconds. Tests that need a response to go stale use max-age=1 and sleep
// past it; a response that must stay fresh across two requests gets max-age of at least 2 (the
// origin's Date and rampart's clock may straddle a second). Nothing here asserts on speed.

#include <brotli/decode.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <latch>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/attack_records.h"
#include "support/auth_helpers.h"
#include "support/client.h"
#include "support/log_file.h"
#include "support/metrics.h"
#include "support/rampart_process.h"
#include "support/scripted_origin.h"
#include "support/test_config.h"

namespace rampart::test {
namespace {

using std::chrono::milliseconds;

constexpr std::string_view kToken = "cache-admin-token-0123456789abcdef";
constexpr char kDefaultCache[] = "{ttl: 60s, cache_status: true, lock_timeout: 3s}";
constexpr Timeout kRequestTimeout{5'000};

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// A scripted 200 with `body` and `headers`.
ScriptedReply Reply(std::string body, HeaderList headers = {}, int status = 200) {
  ScriptedReply r;
  r.status = status;
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

// Percent-encodes everything but unreserved characters (for a URL inside a query).
std::string QueryEncode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

void SleepMs(int ms) { std::this_thread::sleep_for(milliseconds(ms)); }

class CacheTest : public ::testing::Test {
 protected:
  std::string TokenPath() const { return rampart_.dir() + "/admin.token"; }
  std::string AccessLogPath() const { return rampart_.dir() + "/access.log"; }

  // The config: one route "main" (path_prefix /) to the scripted origin with `cache` (a YAML
  // flow value) and `route_lines`, `extra` at top level, the admin API with a token.
  ConfigOptions Options(const std::string& cache = kDefaultCache,
                        const std::vector<std::string>& route_lines = {},
                        const std::string& extra = "") {
    ConfigOptions options;
    options.backend_ports = {origin_.port()};
    options.route_lines = {"cache: " + cache};
    for (const std::string& line : route_lines) options.route_lines.push_back(line);
    options.extra = extra;
    options.admin_token_file = TokenPath();
    return options;
  }

  void WriteToken() {
    const int fd = open(TokenPath().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0) << TokenPath();
    ASSERT_EQ(fchmod(fd, 0600), 0);
    const std::string text = std::string(kToken) + "\n";
    ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    close(fd);
  }

  void StartWith(const ConfigOptions& options) {
    ASSERT_NO_FATAL_FAILURE(WriteToken());
    const std::string yaml = MakeConfig(rampart_.dir(), options);
    ASSERT_TRUE(rampart_.Start(yaml)) << rampart_.error() << "\nconfig:\n" << yaml;
  }
  void Start(const std::string& cache = kDefaultCache,
             const std::vector<std::string>& route_lines = {}, const std::string& extra = "") {
    ASSERT_NO_FATAL_FAILURE(StartWith(Options(cache, route_lines, extra)));
  }

  std::string Host() const { return "127.0.0.1:" + std::to_string(rampart_.port()); }
  // The absolute URL of `target` as the cache keys it (the Host clients send by default).
  std::string Url(std::string_view target) const {
    return "http://" + Host() + std::string(target);
  }

  // One request through rampart on a fresh connection (Connection: close).
  std::optional<HttpResponse> Send(std::string_view method, std::string_view target,
                                   HeaderList headers = {}, std::string_view body = {},
                                   uint16_t port = 0) {
    Client client;
    if (!client.Connect(port != 0 ? port : rampart_.port(), kRequestTimeout)) {
      ADD_FAILURE() << "cannot connect to rampart: " << client.error();
      return std::nullopt;
    }
    if (!FindHeader(headers, "Connection")) headers.emplace_back("Connection", "close");
    auto r = client.Request(method, target, headers, body, kRequestTimeout);
    if (!r) ADD_FAILURE() << method << " " << target << ": " << client.error();
    return r;
  }
  std::optional<HttpResponse> Get(std::string_view target, const HeaderList& headers = {}) {
    return Send("GET", target, headers);
  }

  // POST /api/cache/purge?<query> on the admin listener (with the token unless !token).
  std::optional<HttpResponse> Purge(const std::string& query, bool token = true,
                                    std::string_view method = "POST") {
    HeaderList headers = {{"Content-Length", "0"}};
    if (token) headers.emplace_back("Authorization", "Bearer " + std::string(kToken));
    return Send(method, "/api/cache/purge" + (query.empty() ? "" : "?" + query), headers, {},
                rampart_.admin_port());
  }

  std::string Metrics() {
    std::optional<HttpResponse> r = HttpGet(rampart_.admin_port(), "/metrics", {}, kRequestTimeout);
    if (!r || r->status != 200) {
      ADD_FAILURE() << "GET /metrics on the admin port failed";
      return "";
    }
    return r->body;
  }
  // Waits until MetricSum(name, labels) >= at_least; returns the last value read.
  double WaitForMetric(std::string_view name, const Labels& labels, double at_least) {
    double value = 0;
    const Deadline deadline = DeadlineIn(kRequestTimeout);
    for (;;) {
      value = MetricSum(Metrics(), name, labels);
      if (value >= at_least || Clock::now() >= deadline) return value;
      SleepMs(50);
    }
  }

  // Polls `target` (fresh connections) until it answers `fresh`; until then it must answer
  // `stale`. Fails when `fresh` does not come within a few seconds; the last answer must be a
  // hit.
  void ExpectNewBodySoon(const std::string& target, const std::string& stale,
                         const std::string& fresh) {
    std::optional<HttpResponse> r;
    const Deadline deadline = DeadlineIn(kRequestTimeout);
    do {
      r = Get(target);
      ASSERT_TRUE(r);
      if (r->body == fresh) break;
      EXPECT_EQ(r->body, stale);
      SleepMs(50);
    } while (Clock::now() < deadline);
    EXPECT_EQ(r->body, fresh) << "the refresh stored the new response";
    EXPECT_TRUE(Contains(r->Header("Cache-Status").value_or(""), "rampart; hit"))
        << r->Header("Cache-Status").value_or("");
  }

  ScriptedOrigin origin_;  // outlives rampart_
  RampartProcess rampart_;
};

std::string CacheStatus(const HttpResponse& r) { return r.Header("Cache-Status").value_or(""); }

// What a client sees of the two kinds of answers (on routes with cache_status: true): an answer
// from the store, and one the backend gave.
#define EXPECT_HIT(r)                                                        \
  do {                                                                       \
    EXPECT_TRUE(Contains(CacheStatus(r), "rampart; hit")) << CacheStatus(r); \
    EXPECT_TRUE((r).Header("Age").has_value()) << "a hit carries Age";       \
  } while (0)
#define EXPECT_FORWARDED(r)                                            \
  do {                                                                 \
    EXPECT_TRUE(Contains(CacheStatus(r), "fwd=")) << CacheStatus(r);   \
    EXPECT_FALSE(Contains(CacheStatus(r), "; hit")) << CacheStatus(r); \
  } while (0)

// --- Freshness ----------------------------------------------------------------------------------

TEST_F(CacheTest, HitAfterMiss) {
  origin_.Set("/hit", Reply("hit body\n", {{"Cache-Control", "max-age=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start());

  auto first = Get("/hit");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->body, "hit body\n");
  EXPECT_EQ(CacheStatus(*first), "rampart; fwd=uri-miss; fwd-status=200; stored");

  auto second = Get("/hit");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->body, "hit body\n");
  EXPECT_HIT(*second);
  auto age = second->Header("Age");
  ASSERT_TRUE(age);
  EXPECT_TRUE(!age->empty() && std::all_of(age->begin(), age->end(), ::isdigit)) << *age;
  EXPECT_TRUE(Contains(CacheStatus(*second), "ttl=")) << CacheStatus(*second);
  EXPECT_EQ(second->Header("Content-Length"), "9");
  EXPECT_EQ(second->Header("Cache-Control"), "max-age=60");
  // The hit has a request id of its own, not the stored one.
  EXPECT_NE(second->Header("X-Request-Id"), first->Header("X-Request-Id"));
  EXPECT_EQ(origin_.Count("/hit"), 1);
}

TEST_F(CacheTest, KeepAliveClientGetsHitsOnOneConnection) {
  origin_.Set("/ka", Reply("keep-alive body\n", {{"Cache-Control", "max-age=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  Client client;
  ASSERT_TRUE(client.Connect(rampart_.port()));
  for (int i = 0; i < 5; ++i) {
    auto r = client.Get("/ka", {}, kRequestTimeout);
    ASSERT_TRUE(r) << i << ": " << client.error();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "keep-alive body\n");
    if (i > 0) EXPECT_HIT(*r);
  }
  EXPECT_EQ(origin_.Count("/ka"), 1);
}

TEST_F(CacheTest, QueryIsPartOfTheKey) {
  origin_.Set("/q", Reply("q\n", {{"Cache-Control", "max-age=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/q?a=1"));
  ASSERT_TRUE(Get("/q?a=2"));
  auto again = Get("/q?a=1");
  ASSERT_TRUE(again);
  EXPECT_HIT(*again);
  EXPECT_EQ(origin_.Count("/q?a=1"), 1);
  EXPECT_EQ(origin_.Count("/q?a=2"), 1);
}

TEST_F(CacheTest, HostIsPartOfTheKey) {
  origin_.Set("/host", Reply("host\n", {{"Cache-Control", "max-age=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/host", {{"Host", "a.example"}}));
  ASSERT_TRUE(Get("/host", {{"Host", "b.example"}}));
  EXPECT_EQ(origin_.Count("/host"), 2);
  auto upper = Get("/host", {{"Host", "A.EXAMPLE"}});
  ASSERT_TRUE(upper);
  EXPECT_HIT(*upper);
  EXPECT_EQ(origin_.Count("/host"), 2) << "the host is keyed in lower case";
}

TEST_F(CacheTest, MaxAgeExpiresAndIsRefetched) {
  origin_.Set("/short", Reply("v1\n", {{"Cache-Control", "max-age=2"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  auto first = Get("/short");
  ASSERT_TRUE(first);
  auto hit = Get("/short");
  ASSERT_TRUE(hit);
  EXPECT_HIT(*hit);
  EXPECT_EQ(origin_.Count("/short"), 1);

  origin_.Set("/short", Reply("v2\n", {{"Cache-Control", "max-age=60"}}));
  SleepMs(3'200);
  auto refetched = Get("/short");
  ASSERT_TRUE(refetched);
  EXPECT_EQ(refetched->status, 200);
  EXPECT_EQ(refetched->body, "v2\n");
  EXPECT_FORWARDED(*refetched);
  EXPECT_EQ(origin_.Count("/short"), 2);
}

TEST_F(CacheTest, SMaxAgeOverridesMaxAge) {
  // max-age=1 alone would be stale after the sleep; s-maxage=60 keeps it fresh for rampart.
  origin_.Set("/smax", Reply("shared\n", {{"Cache-Control", "max-age=1, s-maxage=60"}}));
  // And the other way round: s-maxage=1 makes a max-age=60 response stale for rampart.
  origin_.Set("/smax-short", Reply("short\n", {{"Cache-Control", "max-age=60, s-maxage=1"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/smax"));
  ASSERT_TRUE(Get("/smax-short"));
  SleepMs(2'500);
  auto r = Get("/smax");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "shared\n");
  EXPECT_HIT(*r);
  EXPECT_EQ(origin_.Count("/smax"), 1);

  auto stale = Get("/smax-short");
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->body, "short\n");
  EXPECT_FORWARDED(*stale);
  EXPECT_EQ(origin_.Count("/smax-short"), 2);
}

TEST_F(CacheTest, ExpiresGivesFreshness) {
  origin_.Set("/expires", Reply("expires\n", {{"Expires", HttpDate(UnixNow() + 60)}}));
  // An Expires in the past (or an invalid one, "0") means stale at once: not stored.
  origin_.Set("/expired", Reply("expired\n", {{"Expires", HttpDate(UnixNow() - 60)}}));
  origin_.Set("/expires-zero", Reply("zero\n", {{"Expires", "0"}}));
  ASSERT_NO_FATAL_FAILURE(Start("{cache_status: true}"));  // no ttl: freshness is Expires's
  for (int i = 0; i < 2; ++i) {
    for (const char* path : {"/expires", "/expired", "/expires-zero"}) {
      auto r = Get(path);
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 200);
    }
  }
  auto hit = Get("/expires");
  ASSERT_TRUE(hit);
  EXPECT_HIT(*hit);
  EXPECT_EQ(origin_.Count("/expires"), 1);
  EXPECT_EQ(origin_.Count("/expired"), 2);
  EXPECT_EQ(origin_.Count("/expires-zero"), 2);
}

TEST_F(CacheTest, RouteTtlForResponsesWithoutFreshness) {
  origin_.Set("/plain", Reply("no freshness of its own\n"));
  origin_.Set("/missing", Reply("not here\n", {}, 404));
  origin_.Set("/created", Reply("created\n", {}, 201));  // not heuristically cacheable
  ASSERT_NO_FATAL_FAILURE(Start("{ttl: 60s, cache_status: true}"));
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(Get("/plain"));
    auto missing = Get("/missing");
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404);
    EXPECT_EQ(missing->body, "not here\n");
    ASSERT_TRUE(Get("/created"));
  }
  auto hit = Get("/plain");
  ASSERT_TRUE(hit);
  EXPECT_HIT(*hit);
  EXPECT_TRUE(Contains(CacheStatus(*hit), "ttl=5") || Contains(CacheStatus(*hit), "ttl=6"))
      << "ttl: 60s gives about 60 s: " << CacheStatus(*hit);
  EXPECT_EQ(origin_.Count("/plain"), 1);
  EXPECT_EQ(origin_.Count("/missing"), 1) << "404 is heuristically cacheable";
  EXPECT_EQ(origin_.Count("/created"), 2) << "201 needs explicit freshness";
}

TEST_F(CacheTest, WithoutTtlAResponseWithoutFreshnessOrValidatorIsNotStored) {
  origin_.Set("/plain", Reply("no freshness\n"));
  ASSERT_NO_FATAL_FAILURE(Start("{cache_status: true}"));
  for (int i = 0; i < 2; ++i) {
    auto r = Get("/plain");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "no freshness\n");
    EXPECT_FORWARDED(*r);
    EXPECT_FALSE(Contains(CacheStatus(*r), "stored")) << CacheStatus(*r);
  }
  EXPECT_EQ(origin_.Count("/plain"), 2);
}

TEST_F(CacheTest, HeuristicFreshnessFromLastModified) {
  // Modified 10 days ago: 10 % of that is capped at one day.
  origin_.Set("/old", Reply("old\n", {{"Last-Modified", HttpDate(UnixNow() - 10 * 86'400)}}));
  ASSERT_NO_FATAL_FAILURE(Start("{cache_status: true}"));  // no ttl: the heuristic
  ASSERT_TRUE(Get("/old"));
  auto hit = Get("/old");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->body, "old\n");
  EXPECT_HIT(*hit);
  const std::string status = CacheStatus(*hit);
  const size_t ttl_at = status.find("ttl=");
  ASSERT_NE(ttl_at, std::string::npos) << status;
  const long ttl = std::stol(status.substr(ttl_at + 4));
  EXPECT_GT(ttl, 86'000) << status;
  EXPECT_LE(ttl, 86'400) << status;
  EXPECT_EQ(origin_.Count("/old"), 1);
}

TEST_F(CacheTest, AgeGrowsWhileStored) {
  origin_.Set("/age", Reply("age\n", {{"Cache-Control", "max-age=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/age"));
  SleepMs(2'100);
  auto r = Get("/age");
  ASSERT_TRUE(r);
  EXPECT_HIT(*r);
  EXPECT_GE(std::stoi(r->Header("Age").value_or("0")), 2);
  EXPECT_EQ(origin_.Count("/age"), 1);
}

// RFC 9111 §4.2.3: the Age a response arrives with (from a cache upstream) is part of its
// current age: a max-age=60 response that is already 100 s old is stale on arrival, and a hit
// reports an Age that includes the upstream's.
TEST_F(CacheTest, TheOriginsAgeCountsTowardsTheCurrentAge) {
  origin_.Set("/aged", Reply("aged\n", {{"Cache-Control", "max-age=60"}, {"Age", "100"}}));
  origin_.Set("/young", Reply("young\n", {{"Cache-Control", "max-age=600"}, {"Age", "100"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/aged"));
  auto aged = Get("/aged");
  ASSERT_TRUE(aged);
  EXPECT_FORWARDED(*aged);
  EXPECT_EQ(origin_.Count("/aged"), 2) << "stale on arrival: Age 100 > max-age 60";

  ASSERT_TRUE(Get("/young"));
  auto young = Get("/young");
  ASSERT_TRUE(young);
  EXPECT_HIT(*young);
  EXPECT_GE(std::stoi(young->Header("Age").value_or("0")), 100) << "Age includes the upstream's";
  EXPECT_EQ(origin_.Count("/young"), 1);
}

// --- Not stored ---------------------------------------------------------------------------------

TEST_F(CacheTest, NoStoreAndPrivateResponsesAreNotStored) {
  origin_.Set("/no-store", Reply("no-store\n", {{"Cache-Control", "no-store, max-age=60"}}));
  origin_.Set("/private", Reply("private\n", {{"Cache-Control", "private, max-age=60"}}));
  origin_.Set("/private-field",
              Reply("private field\n", {{"Cache-Control", "private=\"X-User\", max-age=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  for (int i = 0; i < 2; ++i) {
    for (const char* path : {"/no-store", "/private", "/private-field"}) {
      auto r = Get(path);
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 200);
      EXPECT_FORWARDED(*r);
      EXPECT_FALSE(Contains(CacheStatus(*r), "stored")) << path << ": " << CacheStatus(*r);
    }
  }
  EXPECT_EQ(origin_.Count("/no-store"), 2);
  EXPECT_EQ(origin_.Count("/private"), 2);
  EXPECT_EQ(origin_.Count("/private-field"), 2);
}

TEST_F(CacheTest, RequestNoStoreBypassesTheCache) {
  origin_.Set("/bypass", Reply("v1\n", {{"Cache-Control", "max-age=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/bypass"));  // stored
  origin_.Set("/bypass", Reply("v2\n", {{"Cache-Control", "max-age=60"}}));
  auto bypass = Get("/bypass", {{"Cache-Control", "no-store"}});
  ASSERT_TRUE(bypass);
  EXPECT_EQ(bypass->body, "v2\n") << "no-store goes to the backend";
  EXPECT_TRUE(Contains(CacheStatus(*bypass), "fwd=request")) << CacheStatus(*bypass);
  EXPECT_EQ(origin_.Count("/bypass"), 2);
  // Nor does it store what it got: the first response is still the stored one.
  auto hit = Get("/bypass");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->body, "v1\n");
  EXPECT_HIT(*hit);
  EXPECT_EQ(origin_.Count("/bypass"), 2);
}

TEST_F(CacheTest, GetWithABodyBypassesTheCache) {
  origin_.Set("/with-body", Reply("body\n", {{"Cache-Control", "max-age=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/with-body"));
  auto r = Send("GET", "/with-body", {}, "payload");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_FORWARDED(*r);
  EXPECT_EQ(origin_.Count("/with-body"), 2);
  auto requests = origin_.Requests("/with-body");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].body, "payload");
}

TEST_F(CacheTest, AuthorizationRequestsAreNotStoredUnlessPublic) {
  origin_.Set("/auth", Reply("for alice\n", {{"Cache-Control", "max-age=60"}}));
  origin_.Set("/auth-public", Reply("public\n", {{"Cache-Control", "public, max-age=60"}}));
  origin_.Set("/auth-smaxage", Reply("s-maxage\n", {{"Cache-Control", "s-maxage=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  const HeaderList alice = {{"Authorization", "Bearer alice"}};
  for (int i = 0; i < 2; ++i) {
    for (const char* path : {"/auth", "/auth-public", "/auth-smaxage"}) {
      auto r = Get(path, alice);
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 200);
    }
  }
  EXPECT_EQ(origin_.Count("/auth"), 2);
  EXPECT_EQ(origin_.Count("/auth-public"), 1);
  EXPECT_EQ(origin_.Count("/auth-smaxage"), 1);
  // And an anonymous client is not served alice's response either: it was never stored.
  auto anonymous = Get("/auth");
  ASSERT_TRUE(anonymous);
  EXPECT_FORWARDED(*anonymous);
  EXPECT_EQ(origin_.Count("/auth"), 3);
}

TEST_F(CacheTest, AllowAuthorizationStoresThem) {
  origin_.Set("/auth", Reply("shared\n", {{"Cache-Control", "max-age=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start("{ttl: 60s, cache_status: true, allow_authorization: true}"));
  ASSERT_TRUE(Get("/auth", {{"Authorization", "Bearer alice"}}));
  auto r = Get("/auth", {{"Authorization", "Bearer alice"}});
  ASSERT_TRUE(r);
  EXPECT_HIT(*r);
  EXPECT_EQ(origin_.Count("/auth"), 1);
}

TEST_F(CacheTest, SetCookieResponsesAreNotStoredUnlessAllowed) {
  origin_.Set("/cookie",
              Reply("cookie\n", {{"Cache-Control", "max-age=60"}, {"Set-Cookie", "sid=alice"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  for (int i = 0; i < 2; ++i) {
    auto r = Get("/cookie");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->Header("Set-Cookie"), "sid=alice");
  }
  EXPECT_EQ(origin_.Count("/cookie"), 2);
}

TEST_F(CacheTest, AllowSetCookieStoresThem) {
  origin_.Set("/cookie",
              Reply("cookie\n", {{"Cache-Control", "max-age=60"}, {"Set-Cookie", "lang=en"}}));
  ASSERT_NO_FATAL_FAILURE(Start("{ttl: 60s, cache_status: true, allow_set_cookie: true}"));
  ASSERT_TRUE(Get("/cookie"));
  auto r = Get("/cookie");
  ASSERT_TRUE(r);
  EXPECT_HIT(*r);
  EXPECT_EQ(r->Header("Set-Cookie"), "lang=en");
  EXPECT_EQ(origin_.Count("/cookie"), 1);
}

TEST_F(CacheTest, MaxObjectSizeResponsesArePassedOnNotStored) {
  const std::string big(1'000, 'b');
  origin_.Set("/big", Reply(big, {{"Cache-Control", "max-age=60"}}));
  ScriptedReply chunked = Reply(big, {{"Cache-Control", "max-age=60"}});
  chunked.chunked = true;  // no Content-Length: found too large while capturing
  origin_.Set("/big-chunked", chunked);
  origin_.Set("/small", Reply("small\n", {{"Cache-Control", "max-age=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start("{ttl: 60s, cache_status: true, max_object_size: 100}"));
  for (int i = 0; i < 2; ++i) {
    for (const char* path : {"/big", "/big-chunked"}) {
      auto r = Get(path);
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 200);
      EXPECT_EQ(r->body, big) << path;
    }
    ASSERT_TRUE(Get("/small"));
  }
  EXPECT_EQ(origin_.Count("/big"), 2);
  EXPECT_EQ(origin_.Count("/big-chunked"), 2);
  EXPECT_EQ(origin_.Count("/small"), 1);
}

TEST_F(CacheTest, ChunkedResponseIsStoredAndServedWithContentLength) {
  ScriptedReply chunked =
      Reply("chunk-one-chunk-two-chunk-three\n", {{"Cache-Control", "max-age=60"}});
  chunked.chunked = true;
  origin_.Set("/chunked", chunked);
  ASSERT_NO_FATAL_FAILURE(Start());
  auto first = Get("/chunked");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->body, chunked.body);
  auto hit = Get("/chunked");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->body, chunked.body);
  EXPECT_HIT(*hit);
  EXPECT_EQ(hit->Header("Content-Length"), std::to_string(chunked.body.size()));
  EXPECT_FALSE(hit->Header("Transfer-Encoding").has_value());
  EXPECT_EQ(origin_.Count("/chunked"), 1);
}

// --- Revalidation -------------------------------------------------------------------------------

TEST_F(CacheTest, RequestNoCacheRevalidatesWithTheStoredETag) {
  origin_.Set("/nc", Reply("stored\n", {{"Cache-Control", "max-age=60"}, {"ETag", "\"v1\""}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/nc"));
  auto r = Get("/nc", {{"Cache-Control", "no-cache"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "stored\n");
  auto requests = origin_.Requests("/nc");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_FALSE(requests[0].Header("If-None-Match").has_value());
  EXPECT_EQ(requests[1].Header("If-None-Match"), "\"v1\"");
  EXPECT_EQ(requests[1].replied_status, 304);

  // Pragma: no-cache (without Cache-Control) does the same.
  auto pragma = Get("/nc", {{"Pragma", "no-cache"}});
  ASSERT_TRUE(pragma);
  EXPECT_EQ(pragma->body, "stored\n");
  EXPECT_EQ(origin_.Count("/nc"), 3);
  // Request max-age=0 too.
  auto max_age_0 = Get("/nc", {{"Cache-Control", "max-age=0"}});
  ASSERT_TRUE(max_age_0);
  EXPECT_EQ(max_age_0->body, "stored\n");
  EXPECT_EQ(origin_.Count("/nc"), 4);
  // A plain request is a hit.
  auto hit = Get("/nc");
  ASSERT_TRUE(hit);
  EXPECT_HIT(*hit);
  EXPECT_EQ(origin_.Count("/nc"), 4);
}

TEST_F(CacheTest, ResponseNoCacheIsRevalidatedEveryTime) {
  origin_.Set("/always",
              Reply("validated body\n", {{"Cache-Control", "no-cache"}, {"ETag", "\"e1\""}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  auto first = Get("/always");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->body, "validated body\n");
  for (int i = 0; i < 2; ++i) {
    auto r = Get("/always");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "validated body\n");
    const std::string status = CacheStatus(*r);
    EXPECT_TRUE(Contains(status, "fwd=stale")) << status;
    EXPECT_TRUE(Contains(status, "fwd-status=304")) << status;
  }
  auto requests = origin_.Requests("/always");
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].Header("If-None-Match"), "\"e1\"");
  EXPECT_EQ(requests[2].Header("If-None-Match"), "\"e1\"");
  EXPECT_EQ(requests[2].replied_status, 304);
}

TEST_F(CacheTest, ETagRevalidationMergesThe304Headers) {
  origin_.Set("/etag",
              Reply("etag body\n",
                    {{"Cache-Control", "max-age=1"}, {"ETag", "\"abc\""}, {"X-Version", "1"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  auto first = Get("/etag");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->Header("X-Version"), "1");
  SleepMs(2'500);
  // Same ETag, new header and a longer lifetime: the origin will answer 304 with them.
  origin_.Set("/etag",
              Reply("a body the 304 never sends\n",
                    {{"Cache-Control", "max-age=60"}, {"ETag", "\"abc\""}, {"X-Version", "2"}}));
  auto revalidated = Get("/etag");
  ASSERT_TRUE(revalidated);
  EXPECT_EQ(revalidated->status, 200);
  EXPECT_EQ(revalidated->body, "etag body\n");
  EXPECT_EQ(revalidated->Header("X-Version"), "2");
  EXPECT_TRUE(Contains(CacheStatus(*revalidated), "fwd-status=304")) << CacheStatus(*revalidated);
  auto requests = origin_.Requests("/etag");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].Header("If-None-Match"), "\"abc\"");
  EXPECT_EQ(requests[1].replied_status, 304);

  auto hit = Get("/etag");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->body, "etag body\n");
  EXPECT_EQ(hit->Header("X-Version"), "2") << "the 304's fields replace the stored ones";
  EXPECT_EQ(hit->Header("Cache-Control"), "max-age=60");
  EXPECT_HIT(*hit);
  EXPECT_EQ(origin_.Count("/etag"), 2);
}

TEST_F(CacheTest, LastModifiedRevalidationMergesThe304Headers) {
  const std::string modified = HttpDate(UnixNow() - 3'600);
  origin_.Set("/lm", Reply("lm body\n", {{"Cache-Control", "max-age=1"},
                                         {"Last-Modified", modified},
                                         {"X-Version", "1"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/lm"));
  SleepMs(2'500);
  origin_.Set("/lm", Reply("never sent\n", {{"Cache-Control", "max-age=60"},
                                            {"Last-Modified", modified},
                                            {"X-Version", "2"}}));
  auto revalidated = Get("/lm");
  ASSERT_TRUE(revalidated);
  EXPECT_EQ(revalidated->body, "lm body\n");
  EXPECT_EQ(revalidated->Header("X-Version"), "2");
  auto requests = origin_.Requests("/lm");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].Header("If-Modified-Since"), modified);
  EXPECT_FALSE(requests[1].Header("If-None-Match").has_value());
  EXPECT_EQ(requests[1].replied_status, 304);
  auto hit = Get("/lm");
  ASSERT_TRUE(hit);
  EXPECT_HIT(*hit);
  EXPECT_EQ(hit->Header("X-Version"), "2");
  EXPECT_EQ(origin_.Count("/lm"), 2);
}

TEST_F(CacheTest, StaleResponseReplacedWhenTheOriginHasANewOne) {
  origin_.Set("/changed", Reply("old\n", {{"Cache-Control", "max-age=1"}, {"ETag", "\"old\""}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/changed"));
  SleepMs(2'500);
  origin_.Set("/changed", Reply("new\n", {{"Cache-Control", "max-age=60"}, {"ETag", "\"new\""}}));
  auto r = Get("/changed");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "new\n");
  EXPECT_EQ(r->Header("ETag"), "\"new\"");
  auto requests = origin_.Requests("/changed");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].Header("If-None-Match"), "\"old\"");
  EXPECT_EQ(requests[1].replied_status, 200);
  auto hit = Get("/changed");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->body, "new\n");
  EXPECT_HIT(*hit);
  EXPECT_EQ(origin_.Count("/changed"), 2);
}

TEST_F(CacheTest, MustRevalidateIsNeverServedStale) {
  // stale-if-error would allow a stale answer; must-revalidate (and proxy-revalidate) forbid it.
  origin_.Set("/must", Reply("must body\n",
                             {{"Cache-Control", "max-age=1, must-revalidate, stale-if-error=60"}}));
  origin_.Set(
      "/proxy",
      Reply("proxy body\n", {{"Cache-Control", "max-age=1, proxy-revalidate, stale-if-error=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/must"));
  ASSERT_TRUE(Get("/proxy"));
  SleepMs(2'500);
  origin_.SetDown(true);
  for (const char* path : {"/must", "/proxy"}) {
    auto r = Get(path);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->status == 502 || r->status == 503 || r->status == 504)
        << path << ": " << r->status << " " << r->body;
    EXPECT_FALSE(Contains(r->body, "body\n")) << path << ": " << r->body;
  }
  // With the origin failing with a 503 instead of being down: the 503 passes, not the stale one.
  origin_.SetDown(false);
  origin_.Set("/must", Reply("unavailable\n", {}, 503));
  auto r = Get("/must");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, "unavailable\n");
}

// --- The client's own conditional requests ------------------------------------------------------

TEST_F(CacheTest, ClientConditionalRequestsAreAnsweredFromTheStore) {
  const std::string modified = HttpDate(UnixNow() - 3'600);
  origin_.Set("/cond", Reply("conditional body\n", {{"Cache-Control", "max-age=60"},
                                                    {"ETag", "\"c1\""},
                                                    {"Last-Modified", modified}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/cond"));

  auto inm = Get("/cond", {{"If-None-Match", "\"c1\""}});
  ASSERT_TRUE(inm);
  EXPECT_EQ(inm->status, 304);
  EXPECT_TRUE(inm->body.empty());
  EXPECT_EQ(inm->Header("ETag"), "\"c1\"");

  auto weak = Get("/cond", {{"If-None-Match", "\"zz\", W/\"c1\""}});
  ASSERT_TRUE(weak);
  EXPECT_EQ(weak->status, 304) << "If-None-Match compares weakly";

  auto other = Get("/cond", {{"If-None-Match", "\"other\""}});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
  EXPECT_EQ(other->body, "conditional body\n");

  auto ims = Get("/cond", {{"If-Modified-Since", HttpDate(UnixNow())}});
  ASSERT_TRUE(ims);
  EXPECT_EQ(ims->status, 304);
  EXPECT_TRUE(ims->body.empty());

  auto ims_old = Get("/cond", {{"If-Modified-Since", HttpDate(UnixNow() - 7'200)}});
  ASSERT_TRUE(ims_old);
  EXPECT_EQ(ims_old->status, 200);
  EXPECT_EQ(ims_old->body, "conditional body\n");

  auto if_match = Get("/cond", {{"If-Match", "\"nope\""}});
  ASSERT_TRUE(if_match);
  EXPECT_EQ(if_match->status, 412);

  EXPECT_EQ(origin_.Count("/cond"), 1) << "every conditional request was answered from the store";
}

TEST_F(CacheTest, ClientValidatorsAndRangeDoNotReachTheBackendOnAFill) {
  origin_.Set("/fill", Reply("whole body\n", {{"Cache-Control", "max-age=60"}, {"ETag", "\"f\""}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  auto r = Get("/fill", {{"If-None-Match", "\"something-else\""},
                         {"If-Modified-Since", HttpDate(UnixNow() - 60)},
                         {"Range", "bytes=0-3"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto requests = origin_.Requests("/fill");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_FALSE(requests[0].Header("If-None-Match").has_value());
  EXPECT_FALSE(requests[0].Header("If-Modified-Since").has_value());
  EXPECT_FALSE(requests[0].Header("Range").has_value());
  auto hit = Get("/fill");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->body, "whole body\n");
  EXPECT_HIT(*hit);
  EXPECT_EQ(origin_.Count("/fill"), 1);
}

// --- Vary ---------------------------------------------------------------------------------------

TEST_F(CacheTest, VaryAcceptEncodingWithoutCompressionKeysOnTheRawValue) {
  origin_.Set("/ae", Reply("ae\n", {{"Cache-Control", "max-age=60"}, {"Vary", "Accept-Encoding"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/ae", {{"Accept-Encoding", "gzip, deflate"}}));
  ASSERT_TRUE(Get("/ae", {{"Accept-Encoding", "deflate, gzip"}}));
  EXPECT_EQ(origin_.Count("/ae"), 2) << "two spellings, two variants";
  auto hit = Get("/ae", {{"Accept-Encoding", "gzip, deflate"}});
  ASSERT_TRUE(hit);
  EXPECT_HIT(*hit);
  auto hit2 = Get("/ae", {{"Accept-Encoding", "deflate, gzip"}});
  ASSERT_TRUE(hit2);
  EXPECT_HIT(*hit2);
  EXPECT_EQ(origin_.Count("/ae"), 2);
}

TEST_F(CacheTest, VaryAcceptEncodingWithCompressionSharesTheChosenCoding) {
  // Large enough to be compressed, so the stored variant is the gzip-encoded body.
  std::string body;
  for (int i = 0; i < 40; ++i) body += "line " + std::to_string(i) + " of a compressible body\n";
  origin_.Set("/ae", Reply(body, {{"Cache-Control", "max-age=60"},
                                  {"Content-Type", "text/plain"},
                                  {"Vary", "Accept-Encoding"}}));
  ASSERT_NO_FATAL_FAILURE(Start(kDefaultCache, {"compression: {algorithms: [br, gzip]}"}));
  auto first = Get("/ae", {{"Accept-Encoding", "gzip, deflate"}});
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->Header("Content-Encoding"), "gzip");
  auto second = Get("/ae", {{"Accept-Encoding", "deflate, gzip"}});
  ASSERT_TRUE(second);
  EXPECT_EQ(second->Header("Content-Encoding"), "gzip");
  EXPECT_EQ(second->body, first->body) << "the stored gzip variant";
  EXPECT_HIT(*second);
  EXPECT_EQ(origin_.Count("/ae"), 1) << "both lists choose gzip: one variant";

  auto br = Get("/ae", {{"Accept-Encoding", "br"}});
  ASSERT_TRUE(br);
  EXPECT_EQ(br->Header("Content-Encoding"), "br");
  EXPECT_FORWARDED(*br);
  EXPECT_EQ(origin_.Count("/ae"), 2);
  auto identity = Get("/ae");
  ASSERT_TRUE(identity);
  EXPECT_FALSE(identity->Header("Content-Encoding").has_value());
  EXPECT_EQ(identity->body, body);
  EXPECT_EQ(origin_.Count("/ae"), 3);
  auto identity_hit = Get("/ae", {{"Accept-Encoding", "identity"}});
  ASSERT_TRUE(identity_hit);
  EXPECT_EQ(identity_hit->body, body);
  EXPECT_HIT(*identity_hit);
  EXPECT_EQ(origin_.Count("/ae"), 3);
}

TEST_F(CacheTest, VaryOnARequestHeaderStoresEachVariant) {
  const HeaderList kHeaders = {{"Cache-Control", "max-age=60"}, {"Vary", "X-Lang"}};
  ASSERT_NO_FATAL_FAILURE(Start());
  origin_.Set("/lang", Reply("hello\n", kHeaders));
  auto en = Get("/lang", {{"X-Lang", "en"}});
  ASSERT_TRUE(en);
  EXPECT_EQ(en->body, "hello\n");
  origin_.Set("/lang", Reply("bonjour\n", kHeaders));
  auto fr = Get("/lang", {{"X-Lang", "fr"}});
  ASSERT_TRUE(fr);
  EXPECT_EQ(fr->body, "bonjour\n");
  EXPECT_FORWARDED(*fr);
  EXPECT_EQ(origin_.Count("/lang"), 2);

  auto en_hit = Get("/lang", {{"X-Lang", "en"}});
  ASSERT_TRUE(en_hit);
  EXPECT_EQ(en_hit->body, "hello\n");
  EXPECT_HIT(*en_hit);
  auto fr_hit = Get("/lang", {{"X-Lang", "fr"}});
  ASSERT_TRUE(fr_hit);
  EXPECT_EQ(fr_hit->body, "bonjour\n");
  EXPECT_HIT(*fr_hit);
  EXPECT_EQ(origin_.Count("/lang"), 2);

  // No X-Lang at all is a third variant.
  auto none = Get("/lang");
  ASSERT_TRUE(none);
  EXPECT_FORWARDED(*none);
  EXPECT_EQ(origin_.Count("/lang"), 3);
}

TEST_F(CacheTest, VaryStarIsNeverStored) {
  origin_.Set("/star", Reply("star\n", {{"Cache-Control", "max-age=60"}, {"Vary", "*"}}));
  origin_.Set("/star-list",
              Reply("star list\n", {{"Cache-Control", "max-age=60"}, {"Vary", "Accept, *"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(Get("/star"));
    ASSERT_TRUE(Get("/star-list"));
  }
  EXPECT_EQ(origin_.Count("/star"), 2);
  EXPECT_EQ(origin_.Count("/star-list"), 2);
}

// --- Stale responses ----------------------------------------------------------------------------

TEST_F(CacheTest, StaleWhileRevalidateServesStaleAndRefreshesOnce) {
  origin_.Set("/swr", Reply("v1\n", {{"Cache-Control", "max-age=1, stale-while-revalidate=30"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/swr"));
  SleepMs(2'500);
  // The refresh is slow: the stale answer must not wait for it.
  ScriptedReply v2 = Reply("v2\n", {{"Cache-Control", "max-age=60"}});
  v2.delay_ms = 300;
  origin_.Set("/swr", v2);

  Client client;  // keep-alive, kept open
  ASSERT_TRUE(client.Connect(rampart_.port()));
  auto stale = client.Get("/swr", {}, kRequestTimeout);
  ASSERT_TRUE(stale) << client.error();
  EXPECT_EQ(stale->status, 200);
  EXPECT_EQ(stale->body, "v1\n");
  EXPECT_TRUE(Contains(CacheStatus(*stale), "detail=stale-while-revalidate"))
      << CacheStatus(*stale);
  EXPECT_TRUE(stale->Header("Age").has_value());

  ASSERT_TRUE(origin_.WaitForCount("/swr", 2)) << "the refresh reached the origin";
  ASSERT_NO_FATAL_FAILURE(ExpectNewBodySoon("/swr", "v1\n", "v2\n"));
  SleepMs(200);
  EXPECT_EQ(origin_.Count("/swr"), 2) << "exactly one refresh";
  // The connection the refresh ran on still serves its client.
  auto next = client.Get("/swr", {}, kRequestTimeout);
  ASSERT_TRUE(next) << client.error();
  EXPECT_EQ(next->body, "v2\n");
  EXPECT_EQ(origin_.Count("/swr"), 2);
}

TEST_F(CacheTest, StaleWhileRevalidateRefreshCompletesAfterTheClientCloses) {
  // The stale answer goes to a client that sent Connection: close and then goes away: the
  // refresh must still complete and store the new response.
  origin_.Set("/swr", Reply("v1\n", {{"Cache-Control", "max-age=1, stale-while-revalidate=30"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/swr"));
  SleepMs(2'500);
  ScriptedReply v2 = Reply("v2\n", {{"Cache-Control", "max-age=60"}});
  v2.delay_ms = 300;
  origin_.Set("/swr", v2);
  auto stale = Get("/swr");  // Connection: close; the client closes once it has the answer
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->body, "v1\n");
  EXPECT_TRUE(Contains(CacheStatus(*stale), "detail=stale-while-revalidate"))
      << CacheStatus(*stale);
  ASSERT_TRUE(origin_.WaitForCount("/swr", 2)) << "the refresh reached the origin";
  ASSERT_NO_FATAL_FAILURE(ExpectNewBodySoon("/swr", "v1\n", "v2\n"));
  EXPECT_EQ(origin_.Count("/swr"), 2) << "exactly one refresh";
}

TEST_F(CacheTest, StaleIfErrorServesStaleWhenTheOriginFails) {
  origin_.Set("/sie",
              Reply("stale but fine\n", {{"Cache-Control", "max-age=1, stale-if-error=60"}}));
  origin_.Set("/no-sie", Reply("no sie\n", {{"Cache-Control", "max-age=1"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/sie"));
  ASSERT_TRUE(Get("/no-sie"));
  SleepMs(2'500);
  origin_.Set("/sie", Reply("broken\n", {}, 503));
  origin_.Set("/no-sie", Reply("broken\n", {}, 503));

  auto r = Get("/sie");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "stale but fine\n");
  EXPECT_TRUE(Contains(CacheStatus(*r), "detail=stale-if-error")) << CacheStatus(*r);
  EXPECT_EQ(origin_.Count("/sie"), 2);

  auto error = Get("/no-sie");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status, 503);
  EXPECT_EQ(error->body, "broken\n");
  EXPECT_EQ(origin_.Count("/no-sie"), 2);

  // A request's own stale-if-error counts too.
  auto asked = Get("/no-sie", {{"Cache-Control", "stale-if-error=60"}});
  ASSERT_TRUE(asked);
  EXPECT_EQ(asked->status, 200);
  EXPECT_EQ(asked->body, "no sie\n");
}

TEST_F(CacheTest, StaleIfErrorServesStaleWhenTheOriginIsDown) {
  origin_.Set("/sie",
              Reply("stale but fine\n", {{"Cache-Control", "max-age=1, stale-if-error=60"}}));
  origin_.Set("/no-sie", Reply("no sie\n", {{"Cache-Control", "max-age=1"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/sie"));
  ASSERT_TRUE(Get("/no-sie"));
  SleepMs(2'500);
  origin_.SetDown(true);
  auto r = Get("/sie");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "stale but fine\n");
  auto error = Get("/no-sie");
  ASSERT_TRUE(error);
  EXPECT_TRUE(error->status == 502 || error->status == 503 || error->status == 504)
      << error->status;
  EXPECT_NE(error->body, "no sie\n");
}

TEST_F(CacheTest, OnlyIfCachedWithNothingStoredIs504) {
  origin_.Set("/oic", Reply("oic\n", {{"Cache-Control", "max-age=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  auto miss = Get("/oic", {{"Cache-Control", "only-if-cached"}});
  ASSERT_TRUE(miss);
  EXPECT_EQ(miss->status, 504);
  EXPECT_EQ(origin_.Count("/oic"), 0);
  ASSERT_TRUE(Get("/oic"));
  auto hit = Get("/oic", {{"Cache-Control", "only-if-cached"}});
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->status, 200);
  EXPECT_EQ(hit->body, "oic\n");
  EXPECT_EQ(origin_.Count("/oic"), 1);
}

TEST_F(CacheTest, RequestMaxStaleAcceptsAStaleResponse) {
  origin_.Set("/ms", Reply("v1\n", {{"Cache-Control", "max-age=1"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/ms"));
  SleepMs(2'500);
  origin_.Set("/ms", Reply("v2\n", {{"Cache-Control", "max-age=60"}}));
  auto stale = Get("/ms", {{"Cache-Control", "max-stale=60"}});
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->body, "v1\n");
  EXPECT_EQ(origin_.Count("/ms"), 1);
  auto fresh = Get("/ms");
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->body, "v2\n");
  EXPECT_EQ(origin_.Count("/ms"), 2);
}

TEST_F(CacheTest, SMaxAgeIsNotServedStaleOnAClientsMaxStale) {
  origin_.Set("/smax-stale", Reply("v1\n", {{"Cache-Control", "s-maxage=1"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/smax-stale"));
  SleepMs(2'500);
  origin_.Set("/smax-stale", Reply("v2\n", {{"Cache-Control", "s-maxage=60"}}));
  auto r = Get("/smax-stale", {{"Cache-Control", "max-stale=60"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "v2\n") << "s-maxage implies proxy-revalidate";
  EXPECT_EQ(origin_.Count("/smax-stale"), 2);
}

// --- Collapsing ---------------------------------------------------------------------------------

TEST_F(CacheTest, ConcurrentMissesAreCollapsedIntoOneBackendRequest) {
  ScriptedReply slow = Reply("collapsed body\n", {{"Cache-Control", "max-age=60"}});
  slow.delay_ms = 500;
  origin_.Set("/slow", slow);
  ASSERT_NO_FATAL_FAILURE(Start());

  constexpr int kClients = 10;
  std::vector<std::optional<HttpResponse>> results(kClients);
  std::vector<std::string> errors(kClients);
  std::latch ready(kClients);
  std::vector<std::thread> threads;
  const uint16_t port = rampart_.port();
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      Client client;
      if (!client.Connect(port, kRequestTimeout)) {
        errors[i] = client.error();
        ready.count_down();
        return;
      }
      ready.arrive_and_wait();
      results[i] = client.Get("/slow", {{"Connection", "close"}}, kRequestTimeout);
      if (!results[i]) errors[i] = client.error();
    });
  }
  for (std::thread& t : threads) t.join();
  int hits = 0;
  for (int i = 0; i < kClients; ++i) {
    ASSERT_TRUE(results[i]) << "client " << i << ": " << errors[i];
    EXPECT_EQ(results[i]->status, 200) << i;
    EXPECT_EQ(results[i]->body, "collapsed body\n") << i;
    if (Contains(CacheStatus(*results[i]), "; hit")) ++hits;
  }
  EXPECT_EQ(origin_.Count("/slow"), 1);
  EXPECT_EQ(hits, kClients - 1);
}

TEST_F(CacheTest, CollapsedRequestsGoToTheBackendAfterLockTimeout) {
  ScriptedReply slow = Reply("slow body\n", {{"Cache-Control", "max-age=60"}});
  slow.delay_ms = 1'500;
  origin_.Set("/slower", slow);
  ASSERT_NO_FATAL_FAILURE(Start("{ttl: 60s, cache_status: true, lock_timeout: 200ms}"));
  constexpr int kClients = 3;
  std::vector<std::optional<HttpResponse>> results(kClients);
  std::vector<std::thread> threads;
  const uint16_t port = rampart_.port();
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      if (i > 0) SleepMs(100);  // the first one leads the fill
      results[i] = HttpGet(port, "/slower", {}, kRequestTimeout);
    });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < kClients; ++i) {
    ASSERT_TRUE(results[i]) << i;
    EXPECT_EQ(results[i]->status, 200) << i;
    EXPECT_EQ(results[i]->body, "slow body\n") << i;
  }
  EXPECT_EQ(origin_.Count("/slower"), kClients)
      << "each follower stopped waiting after lock_timeout and fetched for itself";
}

// --- Invalidation -------------------------------------------------------------------------------

TEST_F(CacheTest, SuccessfulUnsafeMethodInvalidatesItsUrl) {
  origin_.Set("/inv", Reply("v1\n", {{"Cache-Control", "max-age=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/inv"));
  ASSERT_TRUE(Get("/inv"));
  EXPECT_EQ(origin_.Count("/inv"), 1);
  origin_.Set("/inv", Reply("v2\n", {{"Cache-Control", "max-age=60"}}));
  auto post = Send("POST", "/inv", {}, "x=1");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 200);
  EXPECT_TRUE(Contains(CacheStatus(*post), "fwd=method")) << CacheStatus(*post);
  auto after = Get("/inv");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->body, "v2\n");
  EXPECT_FORWARDED(*after);
  auto requests = origin_.Requests("/inv");
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].method, "POST");
  EXPECT_EQ(requests[1].body, "x=1");
  EXPECT_EQ(requests[2].method, "GET");

  // DELETE as well.
  origin_.Set("/inv", Reply("v3\n", {{"Cache-Control", "max-age=60"}}));
  auto del = Send("DELETE", "/inv");
  ASSERT_TRUE(del);
  auto after_delete = Get("/inv");
  ASSERT_TRUE(after_delete);
  EXPECT_EQ(after_delete->body, "v3\n");
  EXPECT_EQ(origin_.Count("/inv"), 5);
}

TEST_F(CacheTest, UnsafeMethodInvalidatesEveryVariant) {
  origin_.Set("/vinv", Reply("v1\n", {{"Cache-Control", "max-age=60"}, {"Vary", "X-Lang"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/vinv", {{"X-Lang", "en"}}));
  ASSERT_TRUE(Get("/vinv", {{"X-Lang", "fr"}}));
  EXPECT_EQ(origin_.Count("/vinv"), 2);
  auto put = Send("PUT", "/vinv", {}, "new");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 200);
  ASSERT_TRUE(Get("/vinv", {{"X-Lang", "en"}}));
  ASSERT_TRUE(Get("/vinv", {{"X-Lang", "fr"}}));
  EXPECT_EQ(origin_.Count("/vinv"), 5);
}

TEST_F(CacheTest, FailedUnsafeMethodDoesNotInvalidate) {
  origin_.Set("/keep", Reply("v1\n", {{"Cache-Control", "max-age=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/keep"));
  origin_.Set("/keep", Reply("forbidden\n", {}, 403));
  auto post = Send("POST", "/keep", {}, "x=1");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 403);
  auto hit = Get("/keep");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->body, "v1\n");
  EXPECT_HIT(*hit);
  EXPECT_EQ(origin_.Count("/keep"), 2);  // the GET and the POST
}

TEST_F(CacheTest, LocationAndContentLocationOfTheSameHostAreInvalidated) {
  for (const char* path : {"/target", "/target2", "/target3"}) {
    origin_.Set(path, Reply(std::string(path) + " v1\n", {{"Cache-Control", "max-age=60"}}));
  }
  ASSERT_NO_FATAL_FAILURE(Start());
  for (const char* path : {"/target", "/target2", "/target3"}) ASSERT_TRUE(Get(path));
  origin_.Set("/action", Reply("created\n",
                               {{"Location", "/target"},
                                {"Content-Location", Url("/target2")},
                                {"Link", "</target3>"}},  // not invalidating
                               201));
  auto post = Send("POST", "/action", {}, "x=1");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 201);
  // Another host's URL in Location is not ours to invalidate.
  origin_.Set("/action2", Reply("moved\n", {{"Location", "http://other.example/target3"}}, 303));
  auto post2 = Send("POST", "/action2", {}, "x=1");
  ASSERT_TRUE(post2);
  EXPECT_EQ(post2->status, 303);

  for (const char* path : {"/target", "/target2", "/target3"}) ASSERT_TRUE(Get(path));
  EXPECT_EQ(origin_.Count("/target"), 2) << "Location (relative) invalidated";
  EXPECT_EQ(origin_.Count("/target2"), 2) << "Content-Location (absolute, same host) invalidated";
  EXPECT_EQ(origin_.Count("/target3"), 1) << "another host's URL left alone";
}

// --- HEAD ---------------------------------------------------------------------------------------

TEST_F(CacheTest, HeadIsAnsweredFromAStoredGet) {
  origin_.Set("/h", Reply("head body\n", {{"Cache-Control", "max-age=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  auto get = Get("/h");
  ASSERT_TRUE(get);
  auto head = Send("HEAD", "/h");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
  EXPECT_EQ(head->Header("Content-Length"), "10");
  EXPECT_HIT(*head);
  EXPECT_EQ(origin_.Count("/h"), 1);
}

TEST_F(CacheTest, HeadMissGoesToTheBackendAsHeadAndStoresNothing) {
  origin_.Set("/h2", Reply("head two\n", {{"Cache-Control", "max-age=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  auto head = Send("HEAD", "/h2");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
  auto requests = origin_.Requests("/h2");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "HEAD");

  auto get = Get("/h2");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->body, "head two\n");
  EXPECT_FORWARDED(*get);
  EXPECT_EQ(origin_.Count("/h2"), 2) << "the HEAD stored nothing";
  auto head_hit = Send("HEAD", "/h2");
  ASSERT_TRUE(head_hit);
  EXPECT_EQ(head_hit->Header("Content-Length"), "9");
  EXPECT_EQ(origin_.Count("/h2"), 2);
}

// --- Targeted cache control (RFC 9213) ----------------------------------------------------------

TEST_F(CacheTest, CdnCacheControlOverridesCacheControl) {
  origin_.Set("/cdn",
              Reply("cdn\n", {{"Cache-Control", "no-store"}, {"CDN-Cache-Control", "max-age=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/cdn"));
  auto hit = Get("/cdn");
  ASSERT_TRUE(hit);
  EXPECT_HIT(*hit);
  EXPECT_EQ(hit->Header("Cache-Control"), "no-store") << "passed on to clients unchanged";
  EXPECT_EQ(hit->Header("CDN-Cache-Control"), "max-age=60");
  EXPECT_EQ(origin_.Count("/cdn"), 1);
}

TEST_F(CacheTest, CdnCacheControlNoStoreWins) {
  origin_.Set("/cdn",
              Reply("cdn\n", {{"Cache-Control", "max-age=60"}, {"CDN-Cache-Control", "no-store"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/cdn"));
  ASSERT_TRUE(Get("/cdn"));
  EXPECT_EQ(origin_.Count("/cdn"), 2);
}

TEST_F(CacheTest, EmptyTargetedFieldsObeyOnlyCacheControl) {
  origin_.Set("/cdn",
              Reply("cdn\n", {{"Cache-Control", "no-store"}, {"CDN-Cache-Control", "max-age=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start(kDefaultCache, {}, "cache:\n  targeted_fields: []\n"));
  ASSERT_TRUE(Get("/cdn"));
  auto r = Get("/cdn");
  ASSERT_TRUE(r);
  EXPECT_FORWARDED(*r);
  EXPECT_EQ(origin_.Count("/cdn"), 2);
}

// --- Purge --------------------------------------------------------------------------------------

TEST_F(CacheTest, PurgeByUrlRemovesThatUrlAndItsVariants) {
  origin_.Set("/p1", Reply("p1\n", {{"Cache-Control", "max-age=60"}}));
  origin_.Set("/p1x", Reply("p1x\n", {{"Cache-Control", "max-age=60"}}));
  origin_.Set("/pv", Reply("pv\n", {{"Cache-Control", "max-age=60"}, {"Vary", "X-Lang"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/p1"));
  ASSERT_TRUE(Get("/p1x"));
  ASSERT_TRUE(Get("/pv", {{"X-Lang", "en"}}));
  ASSERT_TRUE(Get("/pv", {{"X-Lang", "fr"}}));

  auto purge = Purge("url=" + QueryEncode(Url("/p1")));
  ASSERT_TRUE(purge);
  EXPECT_EQ(purge->status, 200) << purge->body;
  EXPECT_TRUE(Contains(purge->body, "\"memory\":1")) << purge->body;
  auto purge_variants = Purge("url=" + QueryEncode(Url("/pv")));
  ASSERT_TRUE(purge_variants);
  EXPECT_EQ(purge_variants->status, 200) << purge_variants->body;
  EXPECT_TRUE(Contains(purge_variants->body, "\"memory\":3"))
      << "the Vary marker and both variants: " << purge_variants->body;

  ASSERT_TRUE(Get("/p1"));
  ASSERT_TRUE(Get("/p1x"));
  ASSERT_TRUE(Get("/pv", {{"X-Lang", "en"}}));
  ASSERT_TRUE(Get("/pv", {{"X-Lang", "fr"}}));
  EXPECT_EQ(origin_.Count("/p1"), 2);
  EXPECT_EQ(origin_.Count("/p1x"), 1) << "an exact URL does not take longer ones";
  EXPECT_EQ(origin_.Count("/pv"), 4);
}

TEST_F(CacheTest, PurgeByPrefix) {
  for (const char* path : {"/dir/a", "/dir/b", "/other"}) {
    origin_.Set(path, Reply(std::string(path) + "\n", {{"Cache-Control", "max-age=60"}}));
  }
  ASSERT_NO_FATAL_FAILURE(Start());
  for (const char* path : {"/dir/a", "/dir/b", "/other"}) ASSERT_TRUE(Get(path));
  auto purge = Purge("prefix=" + QueryEncode(Url("/dir/")));
  ASSERT_TRUE(purge);
  EXPECT_EQ(purge->status, 200) << purge->body;
  EXPECT_TRUE(Contains(purge->body, "\"memory\":2")) << purge->body;
  for (const char* path : {"/dir/a", "/dir/b", "/other"}) ASSERT_TRUE(Get(path));
  EXPECT_EQ(origin_.Count("/dir/a"), 2);
  EXPECT_EQ(origin_.Count("/dir/b"), 2);
  EXPECT_EQ(origin_.Count("/other"), 1);
}

TEST_F(CacheTest, PurgeErrors) {
  origin_.Set("/p", Reply("p\n", {{"Cache-Control", "max-age=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/p"));
  const std::string query = "url=" + QueryEncode(Url("/p"));

  auto no_token = Purge(query, /*token=*/false);
  ASSERT_TRUE(no_token);
  EXPECT_EQ(no_token->status, 401);
  auto no_target = Purge("");
  ASSERT_TRUE(no_target);
  EXPECT_EQ(no_target->status, 400) << no_target->body;
  auto both = Purge(query + "&prefix=" + QueryEncode(Url("/")));
  ASSERT_TRUE(both);
  EXPECT_EQ(both->status, 400) << both->body;
  auto relative = Purge("url=%2Fp");
  ASSERT_TRUE(relative);
  EXPECT_EQ(relative->status, 400) << relative->body;
  auto get = Purge(query, /*token=*/true, "GET");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(get->Header("Allow"), "POST");

  auto hit = Get("/p");
  ASSERT_TRUE(hit);
  EXPECT_HIT(*hit);
  EXPECT_EQ(origin_.Count("/p"), 1) << "no failed purge removed anything";
}

// --- The WAF runs before the cache --------------------------------------------------------------

TEST_F(CacheTest, WafBlockedRequestIsNeverServedFromTheCache) {
  REQUIRE_CRS();
  origin_.Set("/page", Reply("page\n", {{"Cache-Control", "max-age=60"}}));
  ASSERT_NO_FATAL_FAILURE(
      Start(kDefaultCache, {"waf: {mode: block, paranoia: 1, exclusions: [{id: 920350}]}"}));
  const HeaderList browser = {
      {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Firefox/128.0"},
      {"Accept", "text/html"}};
  auto first = Get("/page", browser);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200);
  auto hit = Get("/page", browser);
  ASSERT_TRUE(hit);
  EXPECT_HIT(*hit);
  EXPECT_EQ(origin_.Count("/page"), 1);

  auto attack = Get("/page?id=1%27%20OR%201%3D1--", browser);
  ASSERT_TRUE(attack);
  EXPECT_EQ(attack->status, 403);
  EXPECT_NE(attack->body, "page\n");

  // The very key that is stored, with an attack in a header instead.
  auto scanner = Get("/page", {{"User-Agent", "sqlmap/1.7.2#stable (https://sqlmap.org)"},
                               {"Accept", "text/html"}});
  ASSERT_TRUE(scanner);
  EXPECT_EQ(scanner->status, 403);
  EXPECT_NE(scanner->body, "page\n");
  EXPECT_EQ(origin_.Count("/page"), 1);
}

// --- Observability ------------------------------------------------------------------------------

TEST_F(CacheTest, MetricsCountResultsAndStoredBytes) {
  origin_.Set("/m", Reply("metrics body\n", {{"Cache-Control", "max-age=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/m"));
  ASSERT_TRUE(Get("/m"));
  ASSERT_TRUE(Get("/m"));
  origin_.Set("/m-post", Reply("posted\n"));
  ASSERT_TRUE(Send("POST", "/m-post", {}, "x"));  // a bypass (and invalidates only /m-post)
  EXPECT_GE(WaitForMetric("rampart_cache_requests_total", {{"result", "hit"}}, 2), 2);
  EXPECT_GE(WaitForMetric("rampart_cache_requests_total", {{"result", "miss"}}, 1), 1);
  EXPECT_GE(WaitForMetric("rampart_cache_requests_total", {{"result", "bypass"}}, 1), 1);
  const std::string text = Metrics();
  EXPECT_EQ(MetricSum(text, "rampart_cache_requests_total", {{"result", "hit"}}), 2) << text;
  EXPECT_EQ(MetricSum(text, "rampart_cache_requests_total", {{"result", "miss"}}), 1) << text;
  EXPECT_GT(MetricSum(text, "rampart_cache_stored_bytes", {{"tier", "memory"}}), 0) << text;
  EXPECT_GT(MetricSum(text, "rampart_cache_stored_entries", {{"tier", "memory"}}), 0) << text;
  EXPECT_TRUE(HasMetric(text, "rampart_cache_evictions_total")) << text;
}

TEST_F(CacheTest, AccessLogCacheField) {
  origin_.Set("/log", Reply("log\n", {{"Cache-Control", "max-age=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/log"));
  ASSERT_TRUE(Get("/log"));
  const std::vector<std::string> lines = WaitForFileLines(AccessLogPath(), 2);
  ASSERT_EQ(lines.size(), 2u);
  int hits = 0;
  int misses = 0;
  for (const std::string& line : lines) {
    if (Contains(line, "\"cache\":\"hit\"")) ++hits;
    if (Contains(line, "\"cache\":\"miss\"")) ++misses;
  }
  EXPECT_EQ(hits, 1) << lines[0] << "\n" << lines[1];
  EXPECT_EQ(misses, 1) << lines[0] << "\n" << lines[1];
}

TEST_F(CacheTest, AccessLogSaysRevalidatedAndStale) {
  origin_.Set("/rv", Reply("rv\n", {{"Cache-Control", "max-age=1, stale-while-revalidate=30"},
                                    {"ETag", "\"rv\""}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/rv"));                                   // miss
  ASSERT_TRUE(Get("/rv", {{"Cache-Control", "no-cache"}}));  // revalidated
  SleepMs(2'500);
  ASSERT_TRUE(Get("/rv"));  // stale (stale-while-revalidate)
  const std::vector<std::string> lines = WaitForFileLines(AccessLogPath(), 3);
  ASSERT_EQ(lines.size(), 3u);
  std::string all = lines[0] + "\n" + lines[1] + "\n" + lines[2];
  EXPECT_TRUE(Contains(all, "\"cache\":\"miss\"")) << all;
  EXPECT_TRUE(Contains(all, "\"cache\":\"revalidated\"")) << all;
  EXPECT_TRUE(Contains(all, "\"cache\":\"stale\"")) << all;
}

TEST_F(CacheTest, CacheWithNoValueTakesTheDefaults) {
  origin_.Set("/defaults", Reply("defaults\n", {{"Cache-Control", "max-age=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start(""));  // "cache:" with no value
  ASSERT_TRUE(Get("/defaults"));
  auto r = Get("/defaults");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "defaults\n");
  EXPECT_FALSE(r->Header("Cache-Status").has_value()) << "cache_status defaults to false";
  EXPECT_TRUE(r->Header("Age").has_value());
  EXPECT_EQ(origin_.Count("/defaults"), 1);
}

TEST_F(CacheTest, ReloadKeepsWhatIsStored) {
  origin_.Set("/reload", Reply("before reload\n", {{"Cache-Control", "max-age=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(Get("/reload"));
  const size_t from = rampart_.LineCount();
  ASSERT_TRUE(rampart_.Signal(SIGHUP));
  ASSERT_TRUE(rampart_.WaitForLine("reload: applied", kDefaultTimeout, from)) << rampart_.Log();
  auto r = Get("/reload");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "before reload\n");
  EXPECT_HIT(*r);
  EXPECT_EQ(origin_.Count("/reload"), 1);
}

// --- Stores -------------------------------------------------------------------------------------

TEST_F(CacheTest, MemoryStoreEvictsLeastRecentlyUsed) {
  origin_.Set("/ev", Reply(std::string(1'500, 'e'), {{"Cache-Control", "max-age=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start(kDefaultCache, {}, "cache:\n  memory_size: 64KiB\n"));
  constexpr int kObjects = 80;  // ~120 KiB through a 64 KiB store
  for (int i = 0; i < kObjects; ++i) {
    auto r = Get("/ev?i=" + std::to_string(i));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
  }
  EXPECT_GT(WaitForMetric("rampart_cache_evictions_total", {{"tier", "memory"}}, 1), 0);
  const std::string text = Metrics();
  EXPECT_LE(MetricSum(text, "rampart_cache_stored_bytes", {{"tier", "memory"}}), 64 * 1024) << text;
  EXPECT_GT(MetricSum(text, "rampart_cache_stored_bytes", {{"tier", "memory"}}), 0) << text;
  // The least recently used are gone, the most recent are not: asking for them all again,
  // newest first (so that the misses' fills do not evict the survivors before their turn),
  // reaches the origin for some but not all.
  for (int i = kObjects - 1; i >= 0; --i) ASSERT_TRUE(Get("/ev?i=" + std::to_string(i)));
  EXPECT_GT(origin_.Count("/ev"), kObjects);
  EXPECT_LT(origin_.Count("/ev"), 2 * kObjects) << "some were still stored";
}

// Files under `dir` that look like stored responses (<hh>/<16 hex digits>).
size_t StoredFiles(const std::string& dir) {
  size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file() && IsLowerHex(it->path().filename().string(), 16)) ++n;
  }
  return n;
}

TEST_F(CacheTest, DiskStoreSurvivesARestart) {
  origin_.Set("/d", Reply("on disk\n", {{"Cache-Control", "max-age=300"}, {"ETag", "\"d\""}}));
  origin_.Set("/dv", Reply("variant\n", {{"Cache-Control", "max-age=300"}, {"Vary", "X-Lang"}}));
  const std::string disk = rampart_.dir() + "/cache";
  const std::string extra = "cache:\n  disk_path: " + disk + "\n  memory_size: 64KiB\n";
  ConfigOptions options = Options(kDefaultCache, {}, extra);
  ASSERT_NO_FATAL_FAILURE(StartWith(options));
  // A fixed Host: the key must not depend on the listener's port, which changes on restart.
  const HeaderList host = {{"Host", "cache.example"}};
  auto first = Get("/d", host);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->body, "on disk\n");
  ASSERT_TRUE(Get("/dv", {{"Host", "cache.example"}, {"X-Lang", "en"}}));
  // Three files: /d, and /dv's Vary marker and its "en" variant.
  const Deadline deadline = DeadlineIn(kRequestTimeout);
  while (StoredFiles(disk) < 3 && Clock::now() < deadline) SleepMs(20);
  ASSERT_EQ(StoredFiles(disk), 3u) << "the responses were written to " << disk;
  EXPECT_GT(WaitForMetric("rampart_cache_stored_entries", {{"tier", "disk"}}, 1), 0);

  ASSERT_TRUE(rampart_.Signal(SIGTERM));
  ASSERT_TRUE(rampart_.WaitExit().has_value());

  RampartProcess second;
  const std::string yaml = MakeConfig(second.dir(), options);
  ASSERT_TRUE(second.Start(yaml)) << second.error();
  auto after = Send("GET", "/d", host, {}, second.port());
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
  EXPECT_EQ(after->body, "on disk\n");
  EXPECT_TRUE(Contains(CacheStatus(*after), "rampart; hit")) << CacheStatus(*after);
  EXPECT_EQ(origin_.Count("/d"), 1) << "answered from the disk store after the restart";
  auto variant =
      Send("GET", "/dv", {{"Host", "cache.example"}, {"X-Lang", "en"}}, {}, second.port());
  ASSERT_TRUE(variant);
  EXPECT_EQ(variant->body, "variant\n");
  EXPECT_TRUE(Contains(CacheStatus(*variant), "rampart; hit")) << CacheStatus(*variant);
  EXPECT_EQ(origin_.Count("/dv"), 1) << "a Vary variant is found on disk too";
  auto other_variant =
      Send("GET", "/dv", {{"Host", "cache.example"}, {"X-Lang", "fr"}}, {}, second.port());
  ASSERT_TRUE(other_variant);
  EXPECT_EQ(origin_.Count("/dv"), 2);
  // And now from memory.
  auto again = Send("GET", "/d", host, {}, second.port());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, "on disk\n");
  EXPECT_EQ(origin_.Count("/d"), 1);
  if (HasFailure()) ADD_FAILURE() << "second rampart's log:\n" << second.Log();
}

TEST_F(CacheTest, DiskStoreHoldsWhatMemoryCannot) {
  // 64 KiB of memory in 16 shards: 4 KiB each, too small for these 6 KB bodies.
  origin_.Set("/large", Reply(std::string(6'000, 'L'), {{"Cache-Control", "max-age=60"}}));
  const std::string disk = rampart_.dir() + "/cache";
  ASSERT_NO_FATAL_FAILURE(
      Start(kDefaultCache, {}, "cache:\n  disk_path: " + disk + "\n  memory_size: 64KiB\n"));
  ASSERT_TRUE(Get("/large"));
  const Deadline deadline = DeadlineIn(kRequestTimeout);
  while (StoredFiles(disk) == 0 && Clock::now() < deadline) SleepMs(20);
  ASSERT_GT(StoredFiles(disk), 0u);
  auto r = Get("/large");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body.size(), 6'000u);
  EXPECT_HIT(*r);
  EXPECT_EQ(origin_.Count("/large"), 1);
}

TEST_F(CacheTest, PurgeRemovesFromDiskToo) {
  origin_.Set("/pd", Reply("purge disk\n", {{"Cache-Control", "max-age=60"}}));
  const std::string disk = rampart_.dir() + "/cache";
  ASSERT_NO_FATAL_FAILURE(
      Start(kDefaultCache, {}, "cache:\n  disk_path: " + disk + "\n  memory_size: 64KiB\n"));
  ASSERT_TRUE(Get("/pd"));
  const Deadline deadline = DeadlineIn(kRequestTimeout);
  while (StoredFiles(disk) == 0 && Clock::now() < deadline) SleepMs(20);
  ASSERT_GT(StoredFiles(disk), 0u);
  auto purge = Purge("url=" + QueryEncode(Url("/pd")));
  ASSERT_TRUE(purge);
  EXPECT_EQ(purge->status, 200);
  EXPECT_TRUE(Contains(purge->body, "\"disk\":1")) << purge->body;
  EXPECT_EQ(StoredFiles(disk), 0u);
  ASSERT_TRUE(Get("/pd"));
  EXPECT_EQ(origin_.Count("/pd"), 2);
}

// After a successful POST the URL's stored response is gone from memory at once, but from disk
// only when the disk writer gets to it: a GET right after the POST misses memory, reads the disk
// (on the offload threads) and must not find the invalidated response there. Many URLs, each
// invalidated and read right away (pipelined), make the race likely.
TEST_F(CacheTest, UnsafeMethodInvalidatesTheDiskStoreToo) {
  const std::string disk = rampart_.dir() + "/cache";
  ASSERT_NO_FATAL_FAILURE(
      Start(kDefaultCache, {}, "cache:\n  disk_path: " + disk + "\n  memory_size: 64KiB\n"));
  constexpr int kKeys = 150;
  Client client;
  ASSERT_TRUE(client.Connect(rampart_.port()));
  origin_.Set("/inv-disk", Reply("old\n", {{"Cache-Control", "max-age=300"}}));
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_TRUE(client.Get("/inv-disk?i=" + std::to_string(i), {}, kRequestTimeout));
  }
  const Deadline deadline = DeadlineIn(kRequestTimeout);
  while (StoredFiles(disk) < kKeys && Clock::now() < deadline) SleepMs(10);
  ASSERT_EQ(StoredFiles(disk), static_cast<size_t>(kKeys)) << "every response is on disk";

  origin_.Set("/inv-disk", Reply("new\n", {{"Cache-Control", "max-age=300"}}));
  int old_after_post = 0;
  std::vector<std::string> old_targets;
  for (int i = 0; i < kKeys; ++i) {
    const std::string target = "/inv-disk?i=" + std::to_string(i);
    // Pipelined: the GET is read right after the POST's response is out.
    ASSERT_TRUE(client.Send(BuildRequest("POST", target, rampart_.port(), {}, "x") +
                            BuildRequest("GET", target, rampart_.port())));
    auto post = client.ReadResponse({}, kRequestTimeout);
    ASSERT_TRUE(post) << client.error();
    EXPECT_EQ(post->status, 200);
    auto r = client.ReadResponse({}, kRequestTimeout);
    ASSERT_TRUE(r) << client.error();
    if (r->body != "new\n") {
      ++old_after_post;
      old_targets.push_back(target);
    }
  }
  EXPECT_EQ(old_after_post, 0) << "of " << kKeys
                               << " URLs answered their invalidated response right after a POST";
  EXPECT_EQ(origin_.Count("/inv-disk"), 3 * kKeys - old_after_post);
  // What the disk read found went back into memory: it outlives the invalidation for good.
  SleepMs(300);
  int still_old = 0;
  for (const std::string& target : old_targets) {
    auto r = Get(target);
    ASSERT_TRUE(r);
    if (r->body != "new\n") ++still_old;
  }
  EXPECT_EQ(still_old, 0) << "invalidated responses still answered once the disk writer is done";
}

// A purge must win over the disk write of the response it purges, even when that write is still
// queued on the disk writer thread: otherwise the purged response comes back from disk at the
// next memory miss. Many keys, each purged right after its fill, make the race likely.
TEST_F(CacheTest, PurgeRightAfterAFillIsNotUndoneByThePendingDiskWrite) {
  origin_.Set("/race", Reply(std::string(3'500, 'r'), {{"Cache-Control", "max-age=300"}}));
  const std::string disk = rampart_.dir() + "/cache";
  ASSERT_NO_FATAL_FAILURE(
      Start(kDefaultCache, {}, "cache:\n  disk_path: " + disk + "\n  memory_size: 64KiB\n"));
  Client proxy;  // keep-alive, both: the purge follows the fill as closely as possible
  ASSERT_TRUE(proxy.Connect(rampart_.port()));
  Client admin;
  ASSERT_TRUE(admin.Connect(rampart_.admin_port()));
  const HeaderList auth = {{"Authorization", "Bearer " + std::string(kToken)},
                           {"Content-Length", "0"}};
  constexpr int kKeys = 100;
  for (int i = 0; i < kKeys; ++i) {
    const std::string target = "/race?i=" + std::to_string(i);
    auto r = proxy.Get(target, {}, kRequestTimeout);
    ASSERT_TRUE(r) << proxy.error();
    auto purge = admin.Request("POST", "/api/cache/purge?url=" + QueryEncode(Url(target)), auth, {},
                               kRequestTimeout);
    ASSERT_TRUE(purge) << admin.error();
    ASSERT_EQ(purge->status, 200) << purge->body;
  }
  SleepMs(500);  // the disk writer's queue drains
  EXPECT_EQ(StoredFiles(disk), 0u) << "purged responses written to disk after their purge";
  int served_purged = 0;
  for (int i = 0; i < kKeys; ++i) {
    const std::string target = "/race?i=" + std::to_string(i);
    auto r = Get(target);
    ASSERT_TRUE(r);
    if (Contains(CacheStatus(*r), "; hit")) ++served_purged;
  }
  EXPECT_EQ(served_purged, 0) << "of " << kKeys << " purged URLs were answered from the cache";
  EXPECT_EQ(origin_.Count("/race"), 2 * kKeys);
}

// --- The review fixes: collapsing, storability, keys, variants, stored fields --------------------

// `n` clients, each on its own connection, released together to send GET `target` (with
// Connection: close and `headers`); their responses in order (nullopt: none, see `errors`).
struct ConcurrentResult {
  std::vector<std::optional<HttpResponse>> responses;
  std::vector<std::string> errors;
  milliseconds elapsed{0};  // from the release to the last response
};
ConcurrentResult ConcurrentGets(uint16_t port, int n, const std::string& target,
                                const HeaderList& headers = {}) {
  ConcurrentResult result;
  result.responses.resize(n);
  result.errors.resize(n);
  std::latch ready(n + 1);
  std::vector<std::thread> threads;
  HeaderList with_close = headers;
  with_close.emplace_back("Connection", "close");
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      Client client;
      const bool connected = client.Connect(port, kRequestTimeout);
      ready.arrive_and_wait();
      if (!connected) {
        result.errors[i] = "connect: " + client.error();
        return;
      }
      result.responses[i] = client.Get(target, with_close, Timeout(15'000));
      if (!result.responses[i]) result.errors[i] = client.error();
    });
  }
  ready.arrive_and_wait();
  const auto start = Clock::now();
  for (std::thread& t : threads) t.join();
  result.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  return result;
}

// Every line of `name`, joined with ", " (Vary may come on several lines).
std::string AllValues(const HttpResponse& r, std::string_view name) {
  std::string out;
  for (const std::string& value : FindHeaders(r.headers, name)) {
    out += (out.empty() ? "" : ", ") + value;
  }
  return out;
}

// `text` as one gzip stream (what a backend that compresses for itself sends).
std::string Gzip(std::string_view text) {
  z_stream zs{};
  if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&zs, text.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  zs.avail_in = static_cast<uInt>(text.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return rc == Z_STREAM_END ? out : std::string();
}

// A whole gzip or br body decoded; "<undecodable>" when it is not one.
std::string Decoded(std::string_view encoding, std::string_view body) {
  std::string out;
  if (encoding == "gzip") {
    z_stream zs{};
    if (inflateInit2(&zs, 15 + 16) != Z_OK) return "<undecodable>";
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
    zs.avail_in = static_cast<uInt>(body.size());
    int rc = Z_OK;
    char buf[16 * 1024];
    while (rc == Z_OK) {
      zs.next_out = reinterpret_cast<Bytef*>(buf);
      zs.avail_out = sizeof buf;
      rc = inflate(&zs, Z_NO_FLUSH);
      out.append(buf, sizeof buf - zs.avail_out);
    }
    inflateEnd(&zs);
    return rc == Z_STREAM_END ? out : "<undecodable>";
  }
  if (encoding == "br") {
    BrotliDecoderState* state = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
    size_t avail_in = body.size();
    const uint8_t* next_in = reinterpret_cast<const uint8_t*>(body.data());
    BrotliDecoderResult rc = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
    while (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
      uint8_t buf[16 * 1024];
      size_t avail_out = sizeof buf;
      uint8_t* next_out = buf;
      rc =
          BrotliDecoderDecompressStream(state, &avail_in, &next_in, &avail_out, &next_out, nullptr);
      out.append(reinterpret_cast<const char*>(buf), sizeof buf - avail_out);
    }
    BrotliDecoderDestroyInstance(state);
    return rc == BROTLI_DECODER_RESULT_SUCCESS ? out : "<undecodable>";
  }
  return "<no decoder for " + std::string(encoding) + ">";
}

// Compares bodies, printing only their beginnings on a mismatch (they are kilobytes long).
::testing::AssertionResult SameBody(const std::string& got, const std::string& want) {
  if (got == want) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "got " << got.size() << " bytes starting \"" << got.substr(0, 33) << "\", expected "
         << want.size() << " bytes starting \"" << want.substr(0, 33) << "\"";
}

// A compressible text body of about 1.2 KB (above compression's default min_size of 256).
std::string TextBody(std::string_view tag) {
  std::string body;
  for (int i = 0; i < 40; ++i) {
    body += std::string(tag) + " line " + std::to_string(i) + " of a compressible body\n";
  }
  return body;
}

// With a disk store every memory miss reads the disk (on the disk thread) before it joins the
// collapser: the followers still wait for the one fill, and are answered from what it stored.
TEST_F(CacheTest, DiskStoreConcurrentMissesAreCollapsedIntoOneBackendRequest) {
  ScriptedReply slow = Reply("disk collapsed body\n", {{"Cache-Control", "max-age=60"}});
  slow.delay_ms = 500;
  origin_.Set("/dslow", slow);
  const std::string disk = rampart_.dir() + "/c";
  ASSERT_NO_FATAL_FAILURE(Start(kDefaultCache, {}, "cache:\n  disk_path: " + disk + "\n"));

  constexpr int kClients = 8;
  ConcurrentResult result = ConcurrentGets(rampart_.port(), kClients, "/dslow");
  int hits = 0;
  for (int i = 0; i < kClients; ++i) {
    ASSERT_TRUE(result.responses[i]) << "client " << i << ": " << result.errors[i];
    EXPECT_EQ(result.responses[i]->status, 200) << i;
    EXPECT_EQ(result.responses[i]->body, "disk collapsed body\n") << i;
    if (Contains(CacheStatus(*result.responses[i]), "; hit")) ++hits;
  }
  EXPECT_EQ(origin_.Count("/dslow"), 1) << "one fill for the eight cold misses";
  EXPECT_EQ(hits, kClients - 1) << "the followers were answered from the fill";
  auto after = Get("/dslow");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->body, "disk collapsed body\n");
  EXPECT_HIT(*after);
  EXPECT_EQ(origin_.Count("/dslow"), 1);
}

// lock_timeout far shorter than the fill: the followers stop waiting and fetch for themselves,
// some clients are gone before anything is answered (some before they were even looked up, some
// while waiting for the fill), and the leader's fill ends (waking every follower it ever had)
// long after. Those late wakes must reach nothing: not a closed session, and not a later
// exchange on a follower's keep-alive connection. Here that later exchange waits for another
// URL's fill (/late-b, on a route whose lock_timeout outlasts it) when /late-a's fill ends: a
// wake that reached it would send it to the backend early, instead of to /late-b's stored
// response. rampart keeps answering.
TEST_F(CacheTest, DiskStoreLateWakesAfterLockTimeoutAndEarlyClosesReachNothing) {
  ScriptedReply slow = Reply("late a\n", {{"Cache-Control", "max-age=60"}});
  slow.delay_ms = 800;
  origin_.Set("/late-a", slow);
  ScriptedReply b = Reply("late b\n", {{"Cache-Control", "max-age=60"}});
  b.delay_ms = 400;
  origin_.Set("/late-b", b);
  origin_.Set("/after", Reply("after\n", {{"Cache-Control", "max-age=60"}}));
  const std::string disk = rampart_.dir() + "/c";
  ConfigOptions options = Options(kDefaultCache, {}, "cache:\n  disk_path: " + disk + "\n");
  options.routes_yaml =
      "routes:\n"
      "  - name: late-b\n    match: {path_prefix: /late-b}\n    pool: app\n"
      "    cache: {ttl: 60s, cache_status: true, lock_timeout: 5s}\n"
      "  - name: main\n    match: {path_prefix: /}\n    pool: app\n"
      "    cache: {ttl: 60s, cache_status: true, lock_timeout: 100ms}\n";
  ASSERT_NO_FATAL_FAILURE(StartWith(options));
  const uint16_t port = rampart_.port();

  // The leader of /late-a's 800 ms fill.
  std::optional<HttpResponse> leader;
  std::string leader_error;
  std::thread leader_thread([&] {
    Client client;
    if (!client.Connect(port, kRequestTimeout)) {
      leader_error = client.error();
      return;
    }
    leader = client.Get("/late-a", {{"Connection", "close"}}, kRequestTimeout);
    if (!leader) leader_error = client.error();
  });
  if (!origin_.WaitForCount("/late-a", 1, Timeout(3'000))) {
    leader_thread.join();
    FAIL() << "the leader's request did not reach the origin: " << leader_error;
  }
  const auto t0 = Clock::now();  // /late-a's fill ends at about t0 + 800 ms
  // The followers' own fetches are quick: they are done long before the leader's fill.
  origin_.Set("/late-a", Reply("late a\n", {{"Cache-Control", "max-age=60"}}));

  constexpr int kStaying = 4;
  constexpr int kClosing = 4;
  std::vector<std::optional<HttpResponse>> first(kStaying);
  std::vector<std::optional<HttpResponse>> second(kStaying);
  std::vector<std::string> errors(kStaying);
  std::latch go(kStaying + kClosing);
  std::vector<std::thread> threads;
  for (int i = 0; i < kStaying; ++i) {
    threads.emplace_back([&, i] {
      Client client;  // keep-alive: its next exchange comes while /late-a's fill is still on
      const bool connected = client.Connect(port, kRequestTimeout);
      go.arrive_and_wait();
      if (!connected) {
        errors[i] = "connect: " + client.error();
        return;
      }
      first[i] = client.Get("/late-a", {}, kRequestTimeout);
      if (!first[i]) {
        errors[i] = "/late-a: " + client.error();
        return;
      }
      // /late-b's fill runs from about t0 + 600 ms to t0 + 1000 ms; the others wait for it,
      // across the end of /late-a's fill.
      std::this_thread::sleep_until(t0 + milliseconds(600 + 40 * i));
      second[i] = client.Get("/late-b", {}, kRequestTimeout);
      if (!second[i]) errors[i] = "/late-b: " + client.error();
    });
  }
  for (int i = 0; i < kClosing; ++i) {
    threads.emplace_back([&, i] {
      Client client;
      const bool connected = client.Connect(port, kRequestTimeout);
      go.arrive_and_wait();
      if (!connected) return;
      client.Send(BuildRequest("GET", "/late-a", port));
      // Gone before any answer: at once, or once rampart has read the disk and is waiting for
      // the fill (its session ends while the fill still holds its wake).
      if (i % 2 == 1) SleepMs(40);
      client.Close();
    });
  }
  for (std::thread& t : threads) t.join();
  leader_thread.join();

  ASSERT_TRUE(leader) << leader_error;
  EXPECT_EQ(leader->status, 200);
  EXPECT_EQ(leader->body, "late a\n");
  int late_b_hits = 0;
  for (int i = 0; i < kStaying; ++i) {
    ASSERT_TRUE(first[i]) << i << ": " << errors[i];
    EXPECT_EQ(first[i]->status, 200) << i;
    EXPECT_EQ(first[i]->body, "late a\n") << i;
    ASSERT_TRUE(second[i]) << i << ": " << errors[i];
    EXPECT_EQ(second[i]->status, 200) << i;
    EXPECT_EQ(second[i]->body, "late b\n") << i;
    if (Contains(CacheStatus(*second[i]), "; hit")) ++late_b_hits;
  }
  // The leader, and at least one follower that stopped waiting after 100 ms; never more than
  // one request per client.
  EXPECT_GE(origin_.Count("/late-a"), 2);
  EXPECT_LE(origin_.Count("/late-a"), 1 + kStaying + kClosing);
  EXPECT_EQ(origin_.Count("/late-b"), 1)
      << "a follower waiting for /late-b's fill was woken by the end of /late-a's";
  EXPECT_EQ(late_b_hits, kStaying - 1);

  SleepMs(300);  // anything still pending from the fills has fired
  EXPECT_TRUE(rampart_.running());
  EXPECT_FALSE(rampart_.WaitExit(Timeout(100)).has_value()) << "rampart exited:\n"
                                                            << rampart_.Log();
  auto hit = Get("/late-a");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->status, 200);
  EXPECT_EQ(hit->body, "late a\n");
  EXPECT_HIT(*hit);
  auto after = Get("/after");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
  EXPECT_EQ(after->body, "after\n");
  EXPECT_EQ(origin_.Count("/after"), 1);
  auto health = HttpGet(rampart_.admin_port(), "/healthz", {}, kRequestTimeout);
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

// A fill whose response cannot be stored (private, or Set-Cookie) lets its followers go as soon
// as its head says so: they fetch for themselves instead of waiting out lock_timeout (5 s here)
// one after another.
TEST_F(CacheTest, AFillThatStoresNothingReleasesItsWaiters) {
  ScriptedReply priv = Reply("private body\n", {{"Cache-Control", "private, max-age=60"}});
  priv.delay_ms = 500;
  origin_.Set("/priv", priv);
  ScriptedReply cookie =
      Reply("cookie body\n", {{"Cache-Control", "max-age=60"}, {"Set-Cookie", "sid=abc"}});
  cookie.delay_ms = 500;
  origin_.Set("/cookie", cookie);
  ASSERT_NO_FATAL_FAILURE(Start("{ttl: 60s, cache_status: true, lock_timeout: 5s}"));

  constexpr int kClients = 5;
  for (const char* path : {"/priv", "/cookie"}) {
    SCOPED_TRACE(path);
    ConcurrentResult result = ConcurrentGets(rampart_.port(), kClients, path);
    for (int i = 0; i < kClients; ++i) {
      ASSERT_TRUE(result.responses[i]) << "client " << i << ": " << result.errors[i];
      EXPECT_EQ(result.responses[i]->status, 200) << i;
      EXPECT_FALSE(Contains(CacheStatus(*result.responses[i]), "; hit")) << i;
      EXPECT_FALSE(Contains(CacheStatus(*result.responses[i]), "stored")) << i;
    }
    EXPECT_EQ(result.responses[0]->body,
              std::string(path) == "/priv" ? "private body\n" : "cookie body\n");
    EXPECT_EQ(origin_.Count(path), kClients) << "every client's own request reached the origin";
    // The leader's 500 ms, then the followers' own 500 ms side by side: about 1 s. Waiting out
    // lock_timeout would take over 5 s.
    EXPECT_LT(result.elapsed.count(), 4'000) << "the followers were not released";
  }
}

// A backend that sends each response's head at once and its body `body_delay` later, one
// connection per request (Connection: close). The time between a fill's head and its end is
// what the cache's followers must not wait for when nothing will be stored.
class SlowBodyOrigin {
 public:
  SlowBodyOrigin(std::string head_fields, std::string body, milliseconds body_delay)
      : head_fields_(std::move(head_fields)), body_(std::move(body)), delay_(body_delay) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(fd_, 64) != 0 || getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "SlowBodyOrigin: cannot listen";
      return;
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }
  ~SlowBodyOrigin() {
    stop_ = true;
    if (acceptor_.joinable()) acceptor_.join();
    std::lock_guard lock(mu_);
    for (std::thread& t : connections_) t.join();
    if (fd_ >= 0) close(fd_);
  }
  SlowBodyOrigin(const SlowBodyOrigin&) = delete;
  SlowBodyOrigin& operator=(const SlowBodyOrigin&) = delete;

  uint16_t port() const { return port_; }
  int count() const { return count_; }

 private:
  void AcceptLoop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      const int conn = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) continue;
      std::lock_guard lock(mu_);
      connections_.emplace_back([this, conn] { Serve(conn); });
    }
  }
  void Serve(int conn) {
    std::string in;
    const Deadline deadline = DeadlineIn(kRequestTimeout);
    while (in.find("\r\n\r\n") == std::string::npos && !stop_ && Clock::now() < deadline) {
      pollfd p{conn, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char buf[4096];
      const ssize_t n = read(conn, buf, sizeof buf);
      if (n <= 0) break;
      in.append(buf, static_cast<size_t>(n));
    }
    if (in.find("\r\n\r\n") != std::string::npos) {
      ++count_;
      const std::string head = "HTTP/1.1 200 OK\r\n" + head_fields_ +
                               "Content-Length: " + std::to_string(body_.size()) +
                               "\r\nConnection: close\r\n\r\n";
      WriteAll(conn, head);
      const Deadline body_at = Clock::now() + delay_;
      while (!stop_ && Clock::now() < body_at) std::this_thread::sleep_for(milliseconds(10));
      WriteAll(conn, body_);
    }
    close(conn);
  }
  static void WriteAll(int conn, std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = send(conn, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }

  std::string head_fields_;
  std::string body_;
  milliseconds delay_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> count_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> connections_;  // guarded by mu_
};

// The same with a body that comes 2 s after the head: released at the head, the followers' own
// fetches run alongside the leader's (about 2 s in all); released only when the leader's body
// has ended, they would take about 4 s.
TEST_F(CacheTest, AFillThatStoresNothingReleasesItsWaitersAtTheHeadNotTheEnd) {
  SlowBodyOrigin slow("Cache-Control: max-age=60\r\nSet-Cookie: sid=slow\r\n", "slow body\n",
                      milliseconds(2'000));
  ASSERT_NE(slow.port(), 0);
  ConfigOptions options = Options("{ttl: 60s, cache_status: true, lock_timeout: 10s}");
  options.backend_ports = {slow.port()};
  ASSERT_NO_FATAL_FAILURE(StartWith(options));
  constexpr int kClients = 4;
  ConcurrentResult result = ConcurrentGets(rampart_.port(), kClients, "/slow-body");
  for (int i = 0; i < kClients; ++i) {
    ASSERT_TRUE(result.responses[i]) << "client " << i << ": " << result.errors[i];
    EXPECT_EQ(result.responses[i]->status, 200) << i;
    EXPECT_EQ(result.responses[i]->body, "slow body\n") << i;
    EXPECT_EQ(result.responses[i]->Header("Set-Cookie"), "sid=slow") << i;
  }
  EXPECT_EQ(slow.count(), kClients);
  EXPECT_LT(result.elapsed.count(), 3'000)
      << "the followers waited for the end of a response that was never going to be stored";
}

// A route with `auth` answers per user: without public (or s-maxage, must-revalidate) or
// allow_authorization, nothing is stored, whatever header carries the credentials.
TEST_F(CacheTest, RoutesWithAuthStoreOnlyPublicResponsesOrWithAllowAuthorization) {
  constexpr char kAliceKey[] = "ak-cache-alice-0a1b2c3d4e5f6a7b";
  constexpr char kBobKey[] = "ak-cache-bob-9f8e7d6c5b4a3f2e";
  const std::string keys = rampart_.dir() + "/keys.txt";
  WriteFile(keys, ApiKeyLine("alice", kAliceKey) + "\n" + ApiKeyLine("bob", kBobKey) + "\n");
  auto route = [&](const std::string& name, const std::string& cache) {
    return "  - name: " + name + "\n    match: {path_prefix: /" + name +
           "}\n    pool: app\n    auth: {api_key: {file: " + keys + "}}\n    cache: " + cache +
           "\n";
  };
  ConfigOptions options = Options();
  options.routes_yaml = "routes:\n" + route("priv", "{ttl: 60s, cache_status: true}") +
                        route("pub", "{ttl: 60s, cache_status: true}") +
                        route("allow", "{ttl: 60s, cache_status: true, allow_authorization: true}");
  origin_.Set("/priv", Reply("per user\n"));  // fresh by the route's ttl alone
  origin_.Set("/pub", Reply("public\n", {{"Cache-Control", "public, max-age=60"}}));
  origin_.Set("/allow", Reply("shared\n"));
  ASSERT_NO_FATAL_FAILURE(StartWith(options));
  const HeaderList alice = {{"X-Api-Key", kAliceKey}};
  const HeaderList bob = {{"X-Api-Key", kBobKey}};

  auto priv_alice = Get("/priv", alice);
  ASSERT_TRUE(priv_alice);
  EXPECT_EQ(priv_alice->status, 200);
  EXPECT_FALSE(Contains(CacheStatus(*priv_alice), "stored")) << CacheStatus(*priv_alice);
  auto priv_bob = Get("/priv", bob);
  ASSERT_TRUE(priv_bob);
  EXPECT_EQ(priv_bob->status, 200);
  EXPECT_FORWARDED(*priv_bob);
  EXPECT_EQ(origin_.Count("/priv"), 2) << "alice's answer was not stored for bob";

  auto pub_alice = Get("/pub", alice);
  ASSERT_TRUE(pub_alice);
  EXPECT_EQ(pub_alice->status, 200);
  EXPECT_TRUE(Contains(CacheStatus(*pub_alice), "stored")) << CacheStatus(*pub_alice);
  auto pub_bob = Get("/pub", bob);
  ASSERT_TRUE(pub_bob);
  EXPECT_EQ(pub_bob->body, "public\n");
  EXPECT_HIT(*pub_bob);
  EXPECT_EQ(origin_.Count("/pub"), 1);
  // auth still runs before the cache: no key, no stored answer.
  auto pub_anonymous = Get("/pub");
  ASSERT_TRUE(pub_anonymous);
  EXPECT_EQ(pub_anonymous->status, 401);
  EXPECT_NE(pub_anonymous->body, "public\n");
  EXPECT_EQ(origin_.Count("/pub"), 1);

  auto allow_alice = Get("/allow", alice);
  ASSERT_TRUE(allow_alice);
  EXPECT_EQ(allow_alice->status, 200);
  auto allow_bob = Get("/allow", bob);
  ASSERT_TRUE(allow_bob);
  EXPECT_EQ(allow_bob->body, "shared\n");
  EXPECT_HIT(*allow_bob);
  EXPECT_EQ(origin_.Count("/allow"), 1);
  // The origin saw authenticated requests only.
  for (const RecordedHeaders& r : origin_.AllRequests()) {
    EXPECT_TRUE(r.Header("X-Api-Key").has_value()) << r.target;
  }
}

// Two routes for one URL (matched by a header), and a split's two pools: each keeps its own
// responses, as two different backends would answer.
class CacheKeysTest : public CacheTest {
 protected:
  void StartTwoPools() {
    ConfigOptions options = Options();
    const std::string cache = "    cache: {ttl: 60s, cache_status: true}\n";
    options.pools_yaml = "pools:\n  app:\n    servers:\n      - address: " + origin_.address() +
                         "\n  beta:\n    servers:\n      - address: " + beta_.address() + "\n";
    options.routes_yaml =
        "routes:\n"
        "  - name: split\n    match: {path_prefix: /split/}\n"
        "    split:\n      to:\n        - {pool: beta, header: X-Beta, value: \"1\"}\n"
        "        - {pool: app, weight: 1}\n" +
        cache +
        "  - name: beta\n    match:\n      path_prefix: /\n      headers: {X-Beta: \"1\"}\n"
        "    pool: beta\n" +
        cache + "  - name: main\n    match: {path_prefix: /}\n    pool: app\n" + cache;
    ASSERT_NO_FATAL_FAILURE(StartWith(options));
  }
  // Two requests per group, interleaved: each group gets its own backend's body, once fetched.
  void ExpectEachGroupItsOwn(const std::string& target) {
    const HeaderList beta_group = {{"X-Beta", "1"}};
    for (int round = 0; round < 2; ++round) {
      SCOPED_TRACE("round " + std::to_string(round));
      auto app = Get(target);
      ASSERT_TRUE(app);
      EXPECT_EQ(app->status, 200);
      EXPECT_EQ(app->body, "app body\n");
      auto beta = Get(target, beta_group);
      ASSERT_TRUE(beta);
      EXPECT_EQ(beta->status, 200);
      EXPECT_EQ(beta->body, "beta body\n");
      if (round == 1) {
        EXPECT_HIT(*app);
        EXPECT_HIT(*beta);
      }
    }
    EXPECT_EQ(origin_.Count(target), 1);
    EXPECT_EQ(beta_.Count(target), 1);
  }

  ScriptedOrigin beta_;  // declared after origin_ and rampart_: destroyed before rampart stops
};

TEST_F(CacheKeysTest, RoutesMatchedByAHeaderKeepTheirOwnResponses) {
  for (ScriptedOrigin* o : {&origin_, &beta_}) {
    o->Set("/page",
           Reply(o == &origin_ ? "app body\n" : "beta body\n", {{"Cache-Control", "max-age=60"}}));
  }
  ASSERT_NO_FATAL_FAILURE(StartTwoPools());
  ASSERT_NO_FATAL_FAILURE(ExpectEachGroupItsOwn("/page"));
  // A purge of the URL takes both routes' responses.
  auto purge = Purge("url=" + QueryEncode(Url("/page")));
  ASSERT_TRUE(purge);
  EXPECT_EQ(purge->status, 200);
  EXPECT_TRUE(Contains(purge->body, "\"memory\":2")) << purge->body;
  ASSERT_TRUE(Get("/page"));
  ASSERT_TRUE(Get("/page", {{"X-Beta", "1"}}));
  EXPECT_EQ(origin_.Count("/page"), 2);
  EXPECT_EQ(beta_.Count("/page"), 2);
}

TEST_F(CacheKeysTest, ASplitsPoolsKeepTheirOwnResponses) {
  for (ScriptedOrigin* o : {&origin_, &beta_}) {
    o->Set("/split/page",
           Reply(o == &origin_ ? "app body\n" : "beta body\n", {{"Cache-Control", "max-age=60"}}));
  }
  ASSERT_NO_FATAL_FAILURE(StartTwoPools());
  ASSERT_NO_FATAL_FAILURE(ExpectEachGroupItsOwn("/split/page"));
}

// docs/configuration.md: "a successful response to POST ... removes the stored responses of its
// URL". With keys per route and pool, a POST through one route leaves the URL's response stored
// by another route (or a split's other pool) in place.
TEST_F(CacheKeysTest, AnUnsafeRequestInvalidatesItsUrlInEveryRouteAndPool) {
  for (ScriptedOrigin* o : {&origin_, &beta_}) {
    o->Set("/split/doc",
           Reply(o == &origin_ ? "app v1\n" : "beta v1\n", {{"Cache-Control", "max-age=60"}}));
  }
  ASSERT_NO_FATAL_FAILURE(StartTwoPools());
  ASSERT_TRUE(Get("/split/doc"));
  ASSERT_TRUE(Get("/split/doc", {{"X-Beta", "1"}}));
  for (ScriptedOrigin* o : {&origin_, &beta_}) {
    o->Set("/split/doc",
           Reply(o == &origin_ ? "app v2\n" : "beta v2\n", {{"Cache-Control", "max-age=60"}}));
  }
  auto post = Send("POST", "/split/doc", {}, "x=1");  // through pool app
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 200);
  auto app = Get("/split/doc");
  ASSERT_TRUE(app);
  EXPECT_EQ(app->body, "app v2\n");
  auto beta = Get("/split/doc", {{"X-Beta", "1"}});
  ASSERT_TRUE(beta);
  EXPECT_EQ(beta->body, "beta v2\n") << "the URL's response stored through pool beta survived "
                                        "a successful POST to the URL: "
                                     << CacheStatus(*beta);
  EXPECT_EQ(origin_.Count("/split/doc"), 3);  // GET, POST, GET
  EXPECT_EQ(beta_.Count("/split/doc"), 2);
}

// The same when the pool the POST goes through never stored the URL: the copy the other pool's
// clients are answered from is the one that must go.
TEST_F(CacheKeysTest, AnUnsafeRequestInvalidatesOtherPoolsCopiesAlsoWhenItsOwnPoolStoredNone) {
  beta_.Set("/split/doc", Reply("beta v1\n", {{"Cache-Control", "max-age=60"}}));
  origin_.Set("/split/doc", Reply("posted\n"));
  ASSERT_NO_FATAL_FAILURE(StartTwoPools());
  const HeaderList beta_group = {{"X-Beta", "1"}};
  auto stored = Get("/split/doc", beta_group);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->body, "beta v1\n");
  auto hit = Get("/split/doc", beta_group);
  ASSERT_TRUE(hit);
  EXPECT_HIT(*hit);
  beta_.Set("/split/doc", Reply("beta v2\n", {{"Cache-Control", "max-age=60"}}));
  auto post = Send("POST", "/split/doc", {}, "x=1");  // through pool app, which stored nothing
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 200);
  EXPECT_EQ(post->body, "posted\n");
  auto after = Get("/split/doc", beta_group);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->body, "beta v2\n")
      << "pool beta's copy survived a successful POST to the URL: " << CacheStatus(*after);
  EXPECT_EQ(origin_.Count("/split/doc"), 1);  // the POST
  EXPECT_EQ(beta_.Count("/split/doc"), 2);
}

// A backend that compresses for itself (Content-Encoding: gzip, Vary: Accept-Encoding) on a route
// whose own compression offers only br: the gzip client's stored variant is for clients that
// accept gzip, never for one that sent no Accept-Encoding (to which this route, offering only
// br, would also choose identity).
TEST_F(CacheTest, ABackendsGzipVariantIsNotServedToAClientWithoutAcceptEncoding) {
  const std::string text = TextBody("precompressed");
  const std::string gzipped = Gzip(text);
  ASSERT_FALSE(gzipped.empty());
  origin_.Set("/pre", Reply(gzipped, {{"Cache-Control", "max-age=60"},
                                      {"Content-Type", "text/plain"},
                                      {"Content-Encoding", "gzip"},
                                      {"Vary", "Accept-Encoding"}}));
  ASSERT_NO_FATAL_FAILURE(Start(kDefaultCache, {"compression: {algorithms: [br]}"}));

  auto gzip = Get("/pre", {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(gzip);
  EXPECT_EQ(gzip->status, 200);
  EXPECT_EQ(gzip->Header("Content-Encoding"), "gzip");
  EXPECT_TRUE(SameBody(Decoded("gzip", gzip->body), text));
  EXPECT_TRUE(Contains(CacheStatus(*gzip), "stored")) << CacheStatus(*gzip);
  EXPECT_EQ(origin_.Count("/pre"), 1);

  // What the backend would answer a client that accepts no coding.
  origin_.Set("/pre", Reply(text, {{"Cache-Control", "max-age=60"},
                                   {"Content-Type", "text/plain"},
                                   {"Vary", "Accept-Encoding"}}));
  auto identity = Get("/pre");
  ASSERT_TRUE(identity);
  EXPECT_EQ(identity->status, 200);
  EXPECT_FALSE(identity->Header("Content-Encoding").has_value())
      << "a client without Accept-Encoding got " << *identity->Header("Content-Encoding");
  EXPECT_TRUE(SameBody(identity->body, text));
  EXPECT_EQ(origin_.Count("/pre"), 2) << "fetched for the identity variant";
  auto requests = origin_.Requests("/pre");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].Header("Accept-Encoding"), "gzip");
  EXPECT_FALSE(requests[1].Header("Accept-Encoding").has_value());

  // Both variants now answer from the store, each to its own clients.
  auto gzip_hit = Get("/pre", {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(gzip_hit);
  EXPECT_EQ(gzip_hit->Header("Content-Encoding"), "gzip");
  EXPECT_EQ(gzip_hit->body, gzipped);
  EXPECT_HIT(*gzip_hit);
  auto identity_hit = Get("/pre", {{"Accept-Encoding", "identity"}});
  ASSERT_TRUE(identity_hit);
  EXPECT_FALSE(identity_hit->Header("Content-Encoding").has_value());
  EXPECT_TRUE(SameBody(identity_hit->body, text));
  EXPECT_HIT(*identity_hit);
  EXPECT_EQ(origin_.Count("/pre"), 2);
}

// The variants rampart's compression makes (br, gzip, identity) all go with a successful POST to
// their URL; a POST to another URL takes none of them.
TEST_F(CacheTest, UnsafeMethodInvalidatesEveryEncodingVariantAndNothingElse) {
  const std::string v1 = TextBody("v1");
  origin_.Set("/doc", Reply(v1, {{"Cache-Control", "max-age=60"}, {"Content-Type", "text/plain"}}));
  origin_.Set("/other", Reply("other\n", {{"Cache-Control", "max-age=60"}}));
  origin_.Set("/unrelated", Reply("posted\n"));
  ASSERT_NO_FATAL_FAILURE(Start(kDefaultCache, {"compression: {algorithms: [br, gzip]}"}));
  const HeaderList gzip = {{"Accept-Encoding", "gzip"}};
  const HeaderList br = {{"Accept-Encoding", "br"}};
  const HeaderList none = {};
  // Fills, then hits: three variants of /doc, and /other.
  for (int round = 0; round < 2; ++round) {
    for (const HeaderList* h : {&gzip, &br, &none}) {
      auto r = Get("/doc", *h);
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 200);
      const std::string coding = r->Header("Content-Encoding").value_or("");
      EXPECT_TRUE(SameBody(coding.empty() ? r->body : Decoded(coding, r->body), v1));
      EXPECT_TRUE(HeaderHasToken(r->headers, "Vary", "Accept-Encoding"));
      if (round == 1) EXPECT_HIT(*r);
    }
    ASSERT_TRUE(Get("/other"));
  }
  EXPECT_EQ(origin_.Count("/doc"), 3);
  EXPECT_EQ(origin_.Count("/other"), 1);

  auto unrelated = Send("POST", "/unrelated", {}, "x=1");
  ASSERT_TRUE(unrelated);
  EXPECT_EQ(unrelated->status, 200);
  for (const HeaderList* h : {&gzip, &br, &none}) {
    auto r = Get("/doc", *h);
    ASSERT_TRUE(r);
    EXPECT_HIT(*r);
  }
  EXPECT_EQ(origin_.Count("/doc"), 3) << "a POST to another URL removed nothing of /doc";

  const std::string v2 = TextBody("v2");
  origin_.Set("/doc", Reply(v2, {{"Cache-Control", "max-age=60"}, {"Content-Type", "text/plain"}}));
  auto post = Send("POST", "/doc", {}, "x=1");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 200);
  for (const HeaderList* h : {&gzip, &br, &none}) {
    auto r = Get("/doc", *h);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_FORWARDED(*r);
    const std::string coding = r->Header("Content-Encoding").value_or("");
    EXPECT_TRUE(SameBody(coding.empty() ? r->body : Decoded(coding, r->body), v2))
        << "Accept-Encoding: " << (h->empty() ? "(none)" : (*h)[0].second);
  }
  EXPECT_EQ(origin_.Count("/doc"), 3 + 1 + 3);
  auto other = Get("/other");
  ASSERT_TRUE(other);
  EXPECT_HIT(*other);
  EXPECT_EQ(origin_.Count("/other"), 1);
}

// A URL whose response was stored with Vary (here compression's Vary: Accept-Encoding) and later
// without (a body under min_size is not compressed, so it gets no Vary): the response without
// Vary replaces the Vary marker, and the earlier variants stay in the store under their own
// keys. A POST must remove them too: once the URL's responses vary again, an old variant must not
// come back.
TEST_F(CacheTest, UnsafeMethodInvalidatesVariantsStoredBeforeAResponseWithoutVary) {
  const std::string v1 = TextBody("v1");
  const HeaderList fields = {{"Cache-Control", "max-age=60"}, {"Content-Type", "text/plain"}};
  origin_.Set("/shifty", Reply(v1, fields));
  ASSERT_NO_FATAL_FAILURE(Start(kDefaultCache, {"compression: {algorithms: [gzip]}"}));
  const HeaderList gzip = {{"Accept-Encoding", "gzip"}};

  auto first = Get("/shifty", gzip);  // stored as the gzip variant
  ASSERT_TRUE(first);
  EXPECT_EQ(first->Header("Content-Encoding"), "gzip");
  EXPECT_TRUE(SameBody(Decoded("gzip", first->body), v1));

  origin_.Set("/shifty", Reply("tiny\n", fields));  // under min_size: no compression, no Vary
  auto small = Get("/shifty");                      // the identity variant is missing: fetched
  ASSERT_TRUE(small);
  EXPECT_EQ(small->body, "tiny\n");
  EXPECT_FALSE(small->Header("Vary").has_value());
  EXPECT_EQ(origin_.Count("/shifty"), 2);

  auto post = Send("POST", "/shifty", {}, "x=1");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 200);

  const std::string v2 = TextBody("v2");
  origin_.Set("/shifty", Reply(v2, fields));
  auto identity = Get("/shifty");  // stores a Vary marker again, and the identity variant
  ASSERT_TRUE(identity);
  EXPECT_TRUE(SameBody(identity->body, v2));
  EXPECT_EQ(origin_.Count("/shifty"), 4);
  auto after = Get("/shifty", gzip);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->Header("Content-Encoding"), "gzip");
  EXPECT_TRUE(SameBody(Decoded("gzip", after->body), v2))
      << "the gzip variant stored before the POST answered after it: " << CacheStatus(*after);
  EXPECT_EQ(origin_.Count("/shifty"), 5);
}

// The rate_limit stage's fields describe the request that filled the cache; a hit neither
// carries them nor runs the response stages again. The limiter still counts every hit.
TEST_F(CacheTest, RateLimitFieldsAreNotStored) {
  origin_.Set("/rl", Reply("limited\n", {{"Cache-Control", "max-age=60"}}));
  origin_.Set("/tight/x", Reply("tight\n", {{"Cache-Control", "max-age=60"}}));
  ConfigOptions options = Options();
  const std::string cache = "    cache: {ttl: 60s, cache_status: true}\n";
  options.routes_yaml =
      "routes:\n"
      "  - name: tight\n    match: {path_prefix: /tight/}\n    pool: app\n"
      "    rate_limit: {key: client_ip, rate: 1/h, burst: 3}\n" +
      cache +
      "  - name: main\n    match: {path_prefix: /}\n    pool: app\n"
      "    rate_limit: {key: client_ip, rate: 100/s, burst: 100}\n" +
      cache;
  ASSERT_NO_FATAL_FAILURE(StartWith(options));
  constexpr std::string_view kFields[] = {"RateLimit-Limit", "RateLimit-Remaining",
                                          "RateLimit-Reset", "RateLimit-Policy", "Retry-After"};

  auto fill = Get("/rl");
  ASSERT_TRUE(fill);
  EXPECT_EQ(fill->status, 200);
  EXPECT_EQ(fill->Header("RateLimit-Limit"), "100") << "the filler's own fields";
  EXPECT_TRUE(fill->Header("RateLimit-Remaining").has_value());
  auto hit = Get("/rl");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->body, "limited\n");
  EXPECT_HIT(*hit);
  for (std::string_view name : kFields) {
    EXPECT_FALSE(hit->Header(name).has_value()) << name << ": " << hit->Header(name).value_or("");
  }
  EXPECT_EQ(origin_.Count("/rl"), 1);

  auto tight_fill = Get("/tight/x");
  ASSERT_TRUE(tight_fill);
  EXPECT_EQ(tight_fill->Header("RateLimit-Remaining"), "2");
  for (int i = 0; i < 2; ++i) {
    auto tight_hit = Get("/tight/x");
    ASSERT_TRUE(tight_hit);
    EXPECT_EQ(tight_hit->status, 200);
    EXPECT_HIT(*tight_hit);
    EXPECT_FALSE(tight_hit->Header("RateLimit-Remaining").has_value())
        << "hit " << i << " carries the filler's RateLimit-Remaining: "
        << tight_hit->Header("RateLimit-Remaining").value_or("");
  }
  auto refused = Get("/tight/x");  // the fourth request of a burst of 3: hits were counted
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 429);
  EXPECT_EQ(refused->Header("RateLimit-Remaining"), "0");
  EXPECT_TRUE(refused->Header("Retry-After").has_value());
  EXPECT_EQ(origin_.Count("/tight/x"), 1);
}

// The backend's 304 speaks of its own representation (strong ETag "x", Vary: Origin); the stored
// variants are rampart's br and gzip encodings of it: after the revalidation they keep their weak
// ETag and Vary: Accept-Encoding, and their encoded bodies.
TEST_F(CacheTest, RevalidationOfAnEncodedVariantKeepsItsWeakETagAndVary) {
  const std::string text = TextBody("etag");
  origin_.Set("/enc", Reply(text, {{"Cache-Control", "max-age=1"},
                                   {"Content-Type", "text/plain"},
                                   {"ETag", "\"x\""}}));
  ASSERT_NO_FATAL_FAILURE(Start(kDefaultCache, {"compression: {algorithms: [br, gzip]}"}));
  const HeaderList codings[] = {{{"Accept-Encoding", "br"}}, {{"Accept-Encoding", "gzip"}}};
  for (const HeaderList& h : codings) {
    auto r = Get("/enc", h);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->Header("Content-Encoding"), h[0].second);
    EXPECT_EQ(r->Header("ETag"), "W/\"x\"");
  }
  EXPECT_EQ(origin_.Count("/enc"), 2);
  SleepMs(2'500);
  origin_.Set("/enc", Reply("a body the 304 never sends\n", {{"Cache-Control", "max-age=60"},
                                                             {"Content-Type", "text/plain"},
                                                             {"ETag", "\"x\""},
                                                             {"Vary", "Origin"}}));
  for (const HeaderList& h : codings) {
    const std::string coding = h[0].second;
    SCOPED_TRACE(coding);
    const int before = origin_.Count("/enc");
    auto revalidated = Get("/enc", h);
    ASSERT_TRUE(revalidated);
    EXPECT_EQ(revalidated->status, 200);
    EXPECT_TRUE(Contains(CacheStatus(*revalidated), "fwd-status=304")) << CacheStatus(*revalidated);
    auto requests = origin_.Requests("/enc");
    ASSERT_EQ(static_cast<int>(requests.size()), before + 1);
    EXPECT_EQ(requests.back().Header("If-None-Match"), "W/\"x\"");
    EXPECT_EQ(requests.back().replied_status, 304);
    for (int i = 0; i < 2; ++i) {  // the revalidated answer, then a hit
      auto r = i == 0 ? revalidated : Get("/enc", h);
      ASSERT_TRUE(r);
      EXPECT_EQ(r->Header("Content-Encoding"), coding);
      EXPECT_TRUE(SameBody(Decoded(coding, r->body), text));
      EXPECT_EQ(r->Header("ETag"), "W/\"x\"") << "the 304's strong ETag replaced the weak one";
      EXPECT_TRUE(HeaderHasToken(r->headers, "Vary", "Accept-Encoding")) << AllValues(*r, "Vary");
      EXPECT_EQ(r->Header("Cache-Control"), "max-age=60") << "the 304's fields are merged";
      if (i == 1) EXPECT_HIT(*r);
    }
    EXPECT_EQ(origin_.Count("/enc"), before + 1);
  }
  // The client's own validator (the weak ETag it was given) still matches the stored variant.
  auto not_modified = Get("/enc", {{"Accept-Encoding", "br"}, {"If-None-Match", "W/\"x\""}});
  ASSERT_TRUE(not_modified);
  EXPECT_EQ(not_modified->status, 304);
  EXPECT_EQ(origin_.Count("/enc"), 4);
}

// A stored 204 has no body and no Content-Length (RFC 9110 §8.6): a hit sends its head only,
// and the keep-alive connection stays in step for the next request.
TEST_F(CacheTest, AStored204IsServedWithoutContentLengthOrBody) {
  origin_.Set("/nothing", Reply("", {{"Cache-Control", "max-age=60"}}, 204));
  origin_.Set("/next", Reply("next\n", {{"Cache-Control", "max-age=60"}}));
  ASSERT_NO_FATAL_FAILURE(Start());
  Client client;
  ASSERT_TRUE(client.Connect(rampart_.port()));
  auto fill = client.Get("/nothing", {}, kRequestTimeout);
  ASSERT_TRUE(fill) << client.error();
  EXPECT_EQ(fill->status, 204);
  EXPECT_TRUE(Contains(CacheStatus(*fill), "stored")) << CacheStatus(*fill);
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    auto hit = client.Get("/nothing", {}, kRequestTimeout);
    ASSERT_TRUE(hit) << client.error();
    EXPECT_EQ(hit->status, 204);
    EXPECT_HIT(*hit);
    EXPECT_FALSE(hit->Header("Content-Length").has_value())
        << "Content-Length: " << hit->Header("Content-Length").value_or("");
    EXPECT_FALSE(hit->Header("Transfer-Encoding").has_value());
    EXPECT_TRUE(hit->body.empty());
    EXPECT_TRUE(hit->raw.ends_with("\r\n\r\n")) << "bytes after the head";
    auto next = client.Get("/next", {}, kRequestTimeout);
    ASSERT_TRUE(next) << client.error();
    EXPECT_EQ(next->status, 200);
    EXPECT_EQ(next->body, "next\n");
  }
  EXPECT_TRUE(client.buffered().empty()) << "stray bytes: " << client.buffered();
  EXPECT_EQ(origin_.Count("/nothing"), 1);
  EXPECT_EQ(origin_.Count("/next"), 1);
}

}  // namespace
}  // namespace rampart::test
