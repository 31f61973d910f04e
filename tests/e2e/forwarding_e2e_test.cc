// What rampart changes on the way through: hop-by-hop headers, X-Forwarded-*, Via, request
// ids, W3C trace context, and the error pages it writes itself (no backend detail).

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>
#include <string>

#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

bool IsHex(std::string_view s, size_t n) {
  if (s.size() != n) return false;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

struct Traceparent {
  std::string trace_id;
  std::string parent_id;
};

// Parses exactly "00-<32 lowercase hex>-<16 lowercase hex>-01" (what rampart must send).
std::optional<Traceparent> ParseTraceparent(std::string_view v) {
  if (v.size() != 55 || v.substr(0, 3) != "00-" || v[35] != '-' || v.substr(52) != "-01") {
    return std::nullopt;
  }
  Traceparent t{std::string(v.substr(3, 32)), std::string(v.substr(36, 16))};
  if (!IsLowerHex(t.trace_id, 32) || !IsLowerHex(t.parent_id, 16)) return std::nullopt;
  return t;
}

class ForwardingTest : public ProxyTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartRampart()); }

  // Sends GET `target` with `headers`, expects 200, returns what the backend saw.
  std::optional<RecordedRequest> Through(const std::string& target, const HeaderList& headers,
                                         std::optional<HttpResponse>* response = nullptr) {
    auto r = Get(target, headers);
    EXPECT_TRUE(r);
    if (!r) return std::nullopt;
    EXPECT_EQ(r->status, 200) << r->raw;
    if (response != nullptr) *response = r;
    return origin_.WaitForTarget(target);
  }
};

TEST_F(ForwardingTest, HopByHopHeadersAreRemoved) {
  auto seen = Through("/hop", {{"Connection", "close, X-Secret"},
                               {"Keep-Alive", "timeout=5"},
                               {"Proxy-Connection", "keep-alive"},
                               {"TE", "trailers"},
                               {"Trailer", "X-Checksum"},
                               {"Upgrade", "h2c"},
                               {"X-Secret", "do-not-forward"},
                               {"X-Kept", "forwarded"}});
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->Header("X-Kept"), "forwarded");
  for (const char* name :
       {"Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Upgrade", "X-Secret"}) {
    EXPECT_EQ(seen->HeaderCount(name), 0u) << name << " reached the backend:\n" << seen->raw_head;
  }
  EXPECT_FALSE(HeaderHasToken(seen->headers, "Connection", "close"))
      << "the client's Connection header is its own hop's business";
  EXPECT_FALSE(HeaderHasToken(seen->headers, "Connection", "X-Secret"));
}

TEST_F(ForwardingTest, HeadersNamedInConnectionAreRemovedOnKeepAlive) {
  Client c = Connect();
  auto r = c.Get("/named", {{"Connection", "keep-alive, X-Hop-A, x-hop-b"},
                            {"X-Hop-A", "a"},
                            {"X-Hop-B", "b"},
                            {"X-End-To-End", "e"}});
  ASSERT_TRUE(r) << c.error();
  auto seen = origin_.WaitForTarget("/named");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->HeaderCount("X-Hop-A"), 0u);
  EXPECT_EQ(seen->HeaderCount("X-Hop-B"), 0u);
  EXPECT_EQ(seen->Header("X-End-To-End"), "e");
}

TEST_F(ForwardingTest, ForwardedHeadersAndVia) {
  auto seen = Through("/fwd", {{"Host", "app.example.com"},
                               {"X-Forwarded-For", "1.2.3.4"},
                               {"X-Forwarded-Proto", "https"},
                               {"X-Forwarded-Host", "evil.example"}});
  ASSERT_TRUE(seen);
  EXPECT_EQ(FindHeaders(seen->headers, "X-Forwarded-For"), std::vector<std::string>{"127.0.0.1"})
      << "an untrusted client's X-Forwarded-For is replaced";
  EXPECT_EQ(FindHeaders(seen->headers, "X-Forwarded-Proto"), std::vector<std::string>{"http"});
  EXPECT_EQ(FindHeaders(seen->headers, "X-Forwarded-Host"),
            std::vector<std::string>{"app.example.com"});
  auto via = seen->Header("Via");
  ASSERT_TRUE(via) << seen->raw_head;
  EXPECT_NE(via->find("rampart"), std::string::npos) << *via;
  EXPECT_EQ(seen->Header("Host"), "app.example.com");
}

TEST_F(ForwardingTest, RequestIdIsGeneratedAndReturned) {
  std::optional<HttpResponse> r1;
  std::optional<HttpResponse> r2;
  auto a = Through("/id-1", {}, &r1);
  auto b = Through("/id-2", {}, &r2);
  ASSERT_TRUE(a && b && r1 && r2);
  auto id1 = a->Header("X-Request-Id");
  auto id2 = b->Header("X-Request-Id");
  ASSERT_TRUE(id1 && id2) << a->raw_head;
  EXPECT_TRUE(IsHex(*id1, 32)) << *id1;
  EXPECT_TRUE(IsHex(*id2, 32)) << *id2;
  EXPECT_NE(*id1, *id2);
  EXPECT_EQ(r1->Header("X-Request-Id"), *id1) << "the client gets the id the backend saw";
  EXPECT_EQ(r2->Header("X-Request-Id"), *id2);
  EXPECT_EQ(a->HeaderCount("X-Request-Id"), 1u);
}

TEST_F(ForwardingTest, UntrustedClientRequestIdIsReplaced) {
  std::optional<HttpResponse> r;
  auto seen = Through("/id-untrusted", {{"X-Request-Id", "client-chosen-id"}}, &r);
  ASSERT_TRUE(seen && r);
  auto id = seen->Header("X-Request-Id");
  ASSERT_TRUE(id);
  EXPECT_NE(*id, "client-chosen-id");
  EXPECT_TRUE(IsHex(*id, 32)) << *id;
  EXPECT_EQ(seen->HeaderCount("X-Request-Id"), 1u);
  EXPECT_EQ(r->Header("X-Request-Id"), *id);
}

TEST_F(ForwardingTest, TraceparentIsGeneratedWhenAbsent) {
  auto seen = Through("/trace-new", {});
  ASSERT_TRUE(seen);
  auto tp = seen->Header("traceparent");
  ASSERT_TRUE(tp) << seen->raw_head;
  EXPECT_TRUE(ParseTraceparent(*tp)) << *tp;
}

TEST_F(ForwardingTest, ValidTraceparentKeepsTraceIdWithNewParent) {
  const std::string trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  const std::string parent = "00f067aa0ba902b7";
  auto seen = Through("/trace-keep", {{"traceparent", "00-" + trace_id + "-" + parent + "-01"}});
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->HeaderCount("traceparent"), 1u);
  auto tp = seen->Header("traceparent");
  ASSERT_TRUE(tp);
  auto parsed = ParseTraceparent(*tp);
  ASSERT_TRUE(parsed) << *tp;
  EXPECT_EQ(parsed->trace_id, trace_id);
  EXPECT_NE(parsed->parent_id, parent) << "rampart is a new span: it sends its own parent-id";
}

TEST_F(ForwardingTest, InvalidTraceparentIsReplaced) {
  const std::string bad[] = {
      "00-zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-00f067aa0ba902b7-01",
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // all-zero trace-id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // all-zero parent-id
      "garbage",
  };
  for (size_t i = 0; i < std::size(bad); ++i) {
    std::string target = "/trace-bad-" + std::to_string(i);
    auto seen = Through(target, {{"traceparent", bad[i]}});
    ASSERT_TRUE(seen);
    auto tp = seen->Header("traceparent");
    ASSERT_TRUE(tp) << bad[i];
    auto parsed = ParseTraceparent(*tp);
    ASSERT_TRUE(parsed) << bad[i] << " -> " << *tp;
    EXPECT_EQ(tp->find("4bf92f3577b34da6a3ce929d0e0e4736"), std::string::npos)
        << "a trace-id from an invalid header must not be kept: " << bad[i] << " -> " << *tp;
    EXPECT_NE(parsed->trace_id, std::string(32, '0'));
  }
}

class TrustedForwardingTest : public ProxyTest {
 protected:
  void SetUp() override {
    ConfigOptions options;
    options.extra = "trusted_proxies:\n  - 127.0.0.1/32\n";
    ASSERT_NO_FATAL_FAILURE(StartRampart(options));
  }
};

TEST_F(TrustedForwardingTest, TrustedClientRequestIdIsKept) {
  auto r = Get("/id-trusted", {{"X-Request-Id", "abc-123"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto seen = origin_.WaitForTarget("/id-trusted");
  ASSERT_TRUE(seen);
  EXPECT_EQ(FindHeaders(seen->headers, "X-Request-Id"), std::vector<std::string>{"abc-123"});
  EXPECT_EQ(r->Header("X-Request-Id"), "abc-123");
}

TEST_F(TrustedForwardingTest, TrustedClientForwardedForIsExtended) {
  auto r = Get("/xff-trusted", {{"X-Forwarded-For", "1.2.3.4"}});
  ASSERT_TRUE(r);
  auto seen = origin_.WaitForTarget("/xff-trusted");
  ASSERT_TRUE(seen);
  EXPECT_EQ(FindHeaders(seen->headers, "X-Forwarded-For"),
            std::vector<std::string>{"1.2.3.4, 127.0.0.1"});
}

// A TCP port on 127.0.0.1 that refuses connections: bound (so nobody else takes it) but not
// listening.
class ClosedPort {
 public:
  ClosedPort() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
    socklen_t len = sizeof sin;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&sin), &len);
    port_ = ntohs(sin.sin_port);
  }
  ~ClosedPort() { close(fd_); }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

void ExpectNoBackendDetail(const HttpResponse& r, uint16_t backend_port) {
  std::string port = std::to_string(backend_port);
  EXPECT_EQ(r.body.find("127.0.0.1:" + port), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find(port), std::string::npos) << r.body;
  EXPECT_EQ(r.raw.find("127.0.0.1:" + port), std::string::npos) << r.raw;
  EXPECT_FALSE(r.body.empty());
}

class ErrorPageTest : public ProxyTest {};

// No server could be reached: 503 ("no server can take the request", as HAProxy answers), not
// 502, which means a backend was reached and misbehaved.
TEST_F(ErrorPageTest, UnreachableBackendIs503WithoutDetail) {
  ClosedPort closed;
  ConfigOptions options;
  options.backend_ports = {closed.port()};
  ASSERT_NO_FATAL_FAILURE(StartRampart(options));
  auto r = Get("/unreachable");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  ExpectNoBackendDetail(*r, closed.port());
  EXPECT_TRUE(r->Header("X-Request-Id").has_value()) << "error replies carry the id too";
}

TEST_F(ErrorPageTest, BackendReadTimeoutIs504WithoutDetail) {
  ConfigOptions options;
  options.pool_lines = {"read_timeout: 300ms"};
  ASSERT_NO_FATAL_FAILURE(StartRampart(options));
  Deadline start = Clock::now();
  auto r = Get("/hang");
  auto elapsed = std::chrono::duration_cast<Timeout>(Clock::now() - start);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 504);
  EXPECT_GE(elapsed.count(), 250);
  EXPECT_LT(elapsed.count(), 5'000);
  ExpectNoBackendDetail(*r, origin_.port());
  EXPECT_TRUE(origin_.WaitForTarget("/hang").has_value());
}

}  // namespace
}  // namespace rampart::test
