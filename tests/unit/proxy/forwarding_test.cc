#include "proxy/forwarding.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace rampart::proxy {
namespace {

using ::testing::ElementsAre;
using ::testing::MatchesRegex;
using ::testing::Pair;

// The header fields as (name, value) pairs, in order.
std::vector<std::pair<std::string, std::string>> Fields(const http::HeaderMap& headers) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& h : headers) out.emplace_back(h.name, h.value);
  return out;
}

// ---------------------------------------------------------------------------------------------
// RemoveHopByHop

TEST(RemoveHopByHopTest, RemovesTheStandardListAndKeepsEndToEndFields) {
  http::HeaderMap h;
  h.Add("Host", "example.com");
  h.Add("Connection", "keep-alive");
  h.Add("Keep-Alive", "timeout=5");
  h.Add("Proxy-Connection", "keep-alive");
  h.Add("TE", "trailers");
  h.Add("Trailer", "X-Checksum");
  h.Add("Transfer-Encoding", "chunked");
  h.Add("Upgrade", "websocket");
  h.Add("Accept", "*/*");
  h.Add("Proxy-Authorization", "Basic x");  // end-to-end as far as RFC 9110 §7.6.1 goes
  RemoveHopByHop(h, false);
  EXPECT_THAT(Fields(h), ElementsAre(Pair("Host", "example.com"), Pair("Accept", "*/*"),
                                     Pair("Proxy-Authorization", "Basic x")));
}

TEST(RemoveHopByHopTest, NamesAreCaseInsensitive) {
  http::HeaderMap h;
  h.Add("connection", "close");
  h.Add("KEEP-ALIVE", "timeout=5");
  h.Add("te", "trailers");
  h.Add("transfer-encoding", "chunked");
  h.Add("uPgRaDe", "h2c");
  h.Add("X-Kept", "1");
  RemoveHopByHop(h, false);
  EXPECT_THAT(Fields(h), ElementsAre(Pair("X-Kept", "1")));
}

TEST(RemoveHopByHopTest, RemovesFieldsNamedByConnection) {
  http::HeaderMap h;
  h.Add("Connection", "X-Secret, x-debug ,\tFoo");
  h.Add("Connection", "bar");  // a second Connection field counts too
  h.Add("x-secret", "s");
  h.Add("X-Debug", "1");
  h.Add("X-DEBUG", "2");
  h.Add("FOO", "f");
  h.Add("Bar", "b");
  h.Add("X-Kept", "k");
  RemoveHopByHop(h, false);
  EXPECT_THAT(Fields(h), ElementsAre(Pair("X-Kept", "k")));
}

TEST(RemoveHopByHopTest, EmptyListElementsAreIgnored) {
  http::HeaderMap h;
  h.Add("Connection", ", ,close,,");
  h.Add("Accept", "*/*");
  RemoveHopByHop(h, false);
  EXPECT_THAT(Fields(h), ElementsAre(Pair("Accept", "*/*")));
}

TEST(RemoveHopByHopTest, KeepUpgradeKeepsUpgradeAndSetsConnectionUpgrade) {
  http::HeaderMap h;
  h.Add("Host", "example.com");
  h.Add("Connection", "keep-alive, Upgrade, X-Hop");
  h.Add("Upgrade", "websocket");
  h.Add("X-Hop", "1");
  h.Add("Keep-Alive", "timeout=5");
  h.Add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
  RemoveHopByHop(h, true);
  EXPECT_THAT(Fields(h), ElementsAre(Pair("Host", "example.com"), Pair("Upgrade", "websocket"),
                                     Pair("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
                                     Pair("Connection", "upgrade")));
}

TEST(RemoveHopByHopTest, WithoutKeepUpgradeUpgradeNamedByConnectionGoes) {
  http::HeaderMap h;
  h.Add("Connection", "Upgrade");
  h.Add("Upgrade", "websocket");
  RemoveHopByHop(h, false);
  EXPECT_TRUE(h.empty());
}

// BUG (src/proxy/forwarding.cc:49, RemoveHopByHop; used at src/proxy/session.cc:618 after
// StartExchange set the proxy's own headers): a client's "Connection: Content-Length" strips
// the framing header of a Content-Length request, and the body then follows a head that has no
// body: the backend reads the body as a second request (request smuggling). The same token
// list also strips what the proxy set before it (X-Forwarded-For, X-Request-Id, traceparent,
// Via) and what a route's set_request_headers added. Fix: never remove fields the proxy owns
// (Content-Length, Host, X-Forwarded-*, X-Request-Id, traceparent, tracestate, Via) when named by
// Connection, and run RemoveHopByHop on the incoming head before the proxy and the stages add
// anything.
TEST(RemoveHopByHopTest, ConnectionCannotRemoveFramingOrRoutingFields) {
  http::HeaderMap h;
  h.Add("Host", "example.com");
  h.Add("Content-Length", "40");
  h.Add("Connection", "keep-alive, Content-Length, Host");
  RemoveHopByHop(h, false);
  EXPECT_THAT(Fields(h), ElementsAre(Pair("Host", "example.com"), Pair("Content-Length", "40")));
}

TEST(RemoveHopByHopTest, NoHopByHopFieldsLeavesTheMapAlone) {
  http::HeaderMap h;
  h.Add("A", "1");
  h.Add("B", "2");
  RemoveHopByHop(h, false);
  EXPECT_THAT(Fields(h), ElementsAre(Pair("A", "1"), Pair("B", "2")));
}

// ---------------------------------------------------------------------------------------------
// IsValidRequestId

TEST(IsValidRequestIdTest, AcceptsTheSafeCharset) {
  EXPECT_TRUE(IsValidRequestId("a"));
  EXPECT_TRUE(IsValidRequestId("0123456789abcdef"));
  EXPECT_TRUE(IsValidRequestId("Req-42_x.y"));
  EXPECT_TRUE(
      IsValidRequestId("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."));
  EXPECT_TRUE(IsValidRequestId(std::string(128, 'a')));
}

TEST(IsValidRequestIdTest, RejectsEmptyTooLongAndUnsafeBytes) {
  EXPECT_FALSE(IsValidRequestId(""));
  EXPECT_FALSE(IsValidRequestId(std::string(129, 'a')));
  for (const char* id : {"a b", "a\"b", "a<b", "a>b", "a/b", "a\\b", "a:b", "a;b", "a\rb", "a\nb",
                         "a\tb", "a%b", "a+b", "a=b", "a\xc3\xa9", "a\x7f"}) {
    EXPECT_FALSE(IsValidRequestId(id)) << id;
  }
  EXPECT_FALSE(IsValidRequestId(std::string_view("a\0b", 3)));
}

// ---------------------------------------------------------------------------------------------
// RandomHex

TEST(RandomHexTest, LengthAndCharset) {
  std::mt19937_64 rng(42);
  for (size_t n : {0u, 1u, 15u, 16u, 17u, 32u, 33u, 100u}) {
    const std::string hex = RandomHex(rng, n);
    EXPECT_EQ(hex.size(), n);
    EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos) << hex;
  }
}

TEST(RandomHexTest, UsesEveryDigitAndDiffersBetweenCalls) {
  std::mt19937_64 rng(7);
  std::set<char> seen;
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    const std::string hex = RandomHex(rng, 32);
    seen.insert(hex.begin(), hex.end());
    ids.insert(hex);
  }
  EXPECT_EQ(seen.size(), 16u);
  EXPECT_EQ(ids.size(), 100u);
}

TEST(RandomHexTest, ChunksPast16CharsAreNotRepeats) {
  // Each 16 characters use a fresh 64-bit draw; a bug reusing one draw would repeat halves.
  std::mt19937_64 rng(1);
  for (int i = 0; i < 50; ++i) {
    const std::string hex = RandomHex(rng, 32);
    EXPECT_NE(hex.substr(0, 16), hex.substr(16, 16));
  }
}

// ---------------------------------------------------------------------------------------------
// PropagateTraceContext

constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kParentId[] = "00f067aa0ba902b7";
constexpr char kValid[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

// The fields of a traceparent value (version, trace id, parent id, flags), checked for shape.
struct Traceparent {
  std::string version, trace_id, parent_id, flags;
};

Traceparent Split(const std::string& value) {
  EXPECT_THAT(value, MatchesRegex("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")) << value;
  if (value.size() != 55) return {};
  return {value.substr(0, 2), value.substr(3, 32), value.substr(36, 16), value.substr(53, 2)};
}

class TraceContextTest : public ::testing::Test {
 protected:
  // Runs PropagateTraceContext over `headers` and returns the traceparent it set.
  std::string Propagate(std::string_view hint = "") {
    PropagateTraceContext(headers_, hint, rng_);
    EXPECT_EQ(headers_.Count("traceparent"), 1u);
    const std::string* tp = headers_.Get("traceparent");
    return tp == nullptr ? "" : *tp;
  }

  http::HeaderMap headers_;
  std::mt19937_64 rng_{1234};
};

TEST_F(TraceContextTest, ValidKeepsTraceIdAndFlagsWithANewParentId) {
  headers_.Add("traceparent", kValid);
  headers_.Add("tracestate", "vendor=abc");
  const Traceparent tp = Split(Propagate("ffffffffffffffffffffffffffffffff"));
  EXPECT_EQ(tp.version, "00");
  EXPECT_EQ(tp.trace_id, kTraceId);  // the hint is not used when the incoming one is valid
  EXPECT_NE(tp.parent_id, kParentId);
  EXPECT_NE(tp.parent_id, "0000000000000000");
  EXPECT_EQ(tp.flags, "01");
  ASSERT_NE(headers_.Get("tracestate"), nullptr);
  EXPECT_EQ(*headers_.Get("tracestate"), "vendor=abc");
}

TEST_F(TraceContextTest, FlagsAreKeptAsSent) {
  headers_.Add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  EXPECT_EQ(Split(Propagate()).flags, "00");
}

TEST_F(TraceContextTest, HeaderNameIsCaseInsensitive) {
  headers_.Add("TraceParent", kValid);
  EXPECT_EQ(Split(Propagate()).trace_id, kTraceId);
}

TEST_F(TraceContextTest, FutureVersionWithExtraFieldsKeepsTraceId) {
  headers_.Add("traceparent", std::string("cc-") + kTraceId + "-" + kParentId + "-01-what-ever");
  const Traceparent tp = Split(Propagate());
  EXPECT_EQ(tp.version, "00");  // rampart speaks version 00
  EXPECT_EQ(tp.trace_id, kTraceId);
}

TEST_F(TraceContextTest, InvalidValuesAreReplacedAndTracestateDropped) {
  const std::string tail = std::string(kTraceId) + "-" + kParentId + "-01";
  const std::vector<std::string> invalid = {
      "",
      "garbage",
      "ff-" + tail,                                                  // version ff
      "0g-" + tail,                                                  // not hex
      "0A-" + tail,                                                  // upper case
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",     // upper trace id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",     // upper parent id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A",     // upper flags
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",     // zero trace id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",     // zero parent id
      "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",      // trace id 31
      "00-4bf92f3577b34da6a3ce929d0e0e47366-00f067aa0ba902b7-01",    // trace id 33
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",      // parent id 15
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",      // flags 1
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",    // v00 with extra
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xx",  // v00 with extra
      "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",    // no dash after
      "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",     // wrong separator
      " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",     // shifted
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",     // flags not hex
  };
  for (const std::string& value : invalid) {
    headers_.clear();
    headers_.Add("traceparent", value);
    headers_.Add("tracestate", "vendor=abc");
    headers_.Add("X-Other", "kept");
    const Traceparent tp = Split(Propagate());
    EXPECT_NE(tp.trace_id, kTraceId) << value;
    EXPECT_NE(tp.trace_id, "00000000000000000000000000000000") << value;
    EXPECT_EQ(tp.flags, "01") << value;  // a new trace is sampled
    EXPECT_EQ(headers_.Get("tracestate"), nullptr) << value;
    ASSERT_NE(headers_.Get("X-Other"), nullptr) << value;
  }
}

TEST_F(TraceContextTest, TwoTraceparentHeadersAreReplaced) {
  headers_.Add("traceparent", kValid);
  headers_.Add("traceparent", kValid);
  headers_.Add("tracestate", "vendor=abc");
  const Traceparent tp = Split(Propagate());
  EXPECT_NE(tp.trace_id, kTraceId);
  EXPECT_EQ(headers_.Get("tracestate"), nullptr);
}

TEST_F(TraceContextTest, AbsentUsesTheHintAsTraceId) {
  headers_.Add("tracestate", "orphan=1");  // tracestate without traceparent means nothing
  const std::string hint = "0af7651916cd43dd8448eb211c80319c";
  const Traceparent tp = Split(Propagate(hint));
  EXPECT_EQ(tp.trace_id, hint);
  EXPECT_EQ(tp.flags, "01");
  EXPECT_EQ(headers_.Get("tracestate"), nullptr);
}

TEST_F(TraceContextTest, InvalidTraceparentUsesTheHintToo) {
  headers_.Add("traceparent", "junk");
  const std::string hint = "0af7651916cd43dd8448eb211c80319c";
  EXPECT_EQ(Split(Propagate(hint)).trace_id, hint);
}

TEST_F(TraceContextTest, UnusableHintGivesARandomTraceId) {
  for (std::string_view hint :
       {"", "0af7651916cd43dd8448eb211c80319", "0AF7651916CD43DD8448EB211C80319C",
        "00000000000000000000000000000000", "0af7651916cd43dd8448eb211c80319cc", "req-1234"}) {
    headers_.clear();
    const Traceparent tp = Split(Propagate(hint));
    EXPECT_NE(tp.trace_id, hint);
    EXPECT_NE(tp.trace_id, "00000000000000000000000000000000");
  }
}

TEST_F(TraceContextTest, NewParentIdsDiffer) {
  headers_.Add("traceparent", kValid);
  const std::string first = Split(Propagate()).parent_id;
  headers_.Set("traceparent", kValid);
  const std::string second = Split(Propagate()).parent_id;
  EXPECT_NE(first, second);
}

// ---------------------------------------------------------------------------------------------
// SetForwardedHeaders

TEST(SetForwardedHeadersTest, SetsXForwardedAndAddsVia) {
  http::HeaderMap h;
  h.Add("Host", "example.com");
  SetForwardedHeaders(h, {.client_ip = "192.0.2.7", .proto = "https", .host = "example.com"});
  EXPECT_THAT(Fields(h),
              ElementsAre(Pair("Host", "example.com"), Pair("X-Forwarded-For", "192.0.2.7"),
                          Pair("X-Real-IP", "192.0.2.7"), Pair("X-Forwarded-Proto", "https"),
                          Pair("X-Forwarded-Host", "example.com"), Pair("Via", "1.1 rampart")));
}

TEST(SetForwardedHeadersTest, ClientXForwardedValuesAreReplaced) {
  http::HeaderMap h;
  h.Add("X-Forwarded-For", "1.2.3.4");
  h.Add("x-forwarded-for", "5.6.7.8");
  h.Add("X-Forwarded-Proto", "https");
  h.Add("X-Forwarded-Host", "evil.test");
  SetForwardedHeaders(h, {.client_ip = "198.51.100.1", .proto = "http", .host = "good.test"});
  EXPECT_EQ(h.Count("X-Forwarded-For"), 1u);
  EXPECT_EQ(*h.Get("X-Forwarded-For"), "198.51.100.1");
  EXPECT_EQ(h.Count("X-Forwarded-Proto"), 1u);
  EXPECT_EQ(*h.Get("X-Forwarded-Proto"), "http");
  EXPECT_EQ(h.Count("X-Forwarded-Host"), 1u);
  EXPECT_EQ(*h.Get("X-Forwarded-Host"), "good.test");
}

TEST(SetForwardedHeadersTest, TrustedPeerAppendsToTheIncomingList) {
  http::HeaderMap h;
  h.Add("x-forwarded-for", "203.0.113.7, 10.0.0.2");
  SetForwardedHeaders(
      h, {.client_ip = "10.0.0.3", .proto = "https", .host = "h", .peer_trusted = true});
  EXPECT_EQ(h.Count("X-Forwarded-For"), 1u);
  EXPECT_EQ(*h.Get("X-Forwarded-For"), "203.0.113.7, 10.0.0.2, 10.0.0.3");
}

TEST(SetForwardedHeadersTest, TrustedPeerWithoutAUsableListStartsANewOne) {
  http::HeaderMap none;
  SetForwardedHeaders(
      none, {.client_ip = "10.0.0.3", .proto = "http", .host = "h", .peer_trusted = true});
  EXPECT_EQ(*none.Get("X-Forwarded-For"), "10.0.0.3");

  http::HeaderMap empty;
  empty.Add("X-Forwarded-For", "");
  SetForwardedHeaders(
      empty, {.client_ip = "10.0.0.3", .proto = "http", .host = "h", .peer_trusted = true});
  EXPECT_EQ(*empty.Get("X-Forwarded-For"), "10.0.0.3");

  // Several fields are one list in order (RFC 9110 5.3), as client_ip.cc reads them: the
  // backend sees the same chain the client address was taken from.
  http::HeaderMap two;
  two.Add("X-Forwarded-For", "1.1.1.1");
  two.Add("X-Forwarded-For", "2.2.2.2");
  SetForwardedHeaders(two, {.client_ip = "10.0.0.3",
                            .real_ip = "2.2.2.2",
                            .proto = "http",
                            .host = "h",
                            .peer_trusted = true});
  EXPECT_EQ(two.Count("X-Forwarded-For"), 1u);
  EXPECT_EQ(*two.Get("X-Forwarded-For"), "1.1.1.1, 2.2.2.2, 10.0.0.3");
  EXPECT_EQ(*two.Get("X-Real-IP"), "2.2.2.2");
}

TEST(SetForwardedHeadersTest, ForwardedIsKeptFromTrustedPeersOnly) {
  http::HeaderMap trusted;
  trusted.Add("Forwarded", "for=203.0.113.9");
  SetForwardedHeaders(
      trusted, {.client_ip = "10.0.0.3", .proto = "http", .host = "h", .peer_trusted = true});
  EXPECT_EQ(*trusted.Get("Forwarded"), "for=203.0.113.9");
  http::HeaderMap untrusted;
  untrusted.Add("Forwarded", "for=203.0.113.9");
  untrusted.Add("X-Real-IP", "203.0.113.9");
  SetForwardedHeaders(untrusted, {.client_ip = "198.51.100.1", .proto = "http", .host = "h"});
  EXPECT_EQ(untrusted.Get("Forwarded"), nullptr);
  EXPECT_EQ(*untrusted.Get("X-Real-IP"), "198.51.100.1");
}

TEST(SetForwardedHeadersTest, UntrustedPeerReplacesTheIncomingList) {
  http::HeaderMap h;
  h.Add("X-Forwarded-For", "203.0.113.7");
  SetForwardedHeaders(
      h, {.client_ip = "198.51.100.1", .proto = "http", .host = "h", .peer_trusted = false});
  EXPECT_EQ(*h.Get("X-Forwarded-For"), "198.51.100.1");
}

TEST(SetForwardedHeadersTest, EmptyHostLeavesXForwardedHostAlone) {
  http::HeaderMap h;
  SetForwardedHeaders(h, {.client_ip = "::1", .proto = "http", .host = ""});
  EXPECT_EQ(h.Get("X-Forwarded-Host"), nullptr);
  EXPECT_EQ(*h.Get("X-Forwarded-For"), "::1");
}

TEST(SetForwardedHeadersTest, ViaIsAppended) {
  http::HeaderMap h;
  h.Add("Via", "1.0 fred");
  SetForwardedHeaders(h, {.client_ip = "192.0.2.7", .proto = "http", .host = "h"});
  EXPECT_EQ(h.Count("Via"), 1u);
  EXPECT_EQ(*h.Get("Via"), "1.0 fred, 1.1 rampart");
}

TEST(SetForwardedHeadersTest, EveryEarlierViaHopIsKept) {
  http::HeaderMap h;
  h.Add("Via", "1.0 a");
  h.Add("Via", "1.1 b");
  SetForwardedHeaders(h, {.client_ip = "192.0.2.7", .proto = "http", .host = "h"});
  std::string all;
  for (const auto& f : h) {
    if (f.name == "Via") all += (all.empty() ? "" : ", ") + f.value;
  }
  EXPECT_EQ(all, "1.0 a, 1.1 b, 1.1 rampart");
}

}  // namespace
}  // namespace rampart::proxy
