// Which address rampart takes a request to come from, in the real binary: forwarding headers
// (X-Forwarded-For, Forwarded, X-Real-IP) ignored and overwritten when the peer is not a trusted
// proxy, read from the right when it is; the PROXY protocol v1 and v2 (header built here, byte
// by byte) on a listener that asks for it, LOCAL and UNKNOWN keeping the peer, a connection
// without a header closed, a header arriving in pieces. The deny list shows which address the
// stages saw; the origin shows what the backend was told.

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "support/acl_helpers.h"
#include "support/attack_records.h"
#include "support/log_file.h"
#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

constexpr char kDenied[] = "203.0.113.7";

// --- PROXY protocol v2, built here from the spec (haproxy.org proxy-protocol.txt §2.2) ---------

constexpr char kV2Signature[] = "\r\n\r\n\0\r\nQUIT\n";  // 12 bytes

enum : uint8_t { kLocal = 0x0, kProxy = 0x1 };
enum : uint8_t { kUnspec = 0x00, kTcp4 = 0x11, kTcp6 = 0x21 };

std::string Be16(uint16_t v) {
  return std::string{static_cast<char>(v >> 8), static_cast<char>(v & 0xff)};
}

// The whole header: signature, version 2 and `command`, `family` (family << 4 | transport),
// the length, then `body` (the address block and any TLVs).
std::string ProxyV2(uint8_t command, uint8_t family, const std::string& body) {
  std::string h(kV2Signature, 12);
  h.push_back(static_cast<char>(0x20 | command));
  h.push_back(static_cast<char>(family));
  h += Be16(static_cast<uint16_t>(body.size()));
  h += body;
  return h;
}

// The address block for TCP over IPv4 or IPv6: source, destination, source port, destination
// port, all in network byte order.
std::string V2Addresses(int af, const std::string& src, const std::string& dst, uint16_t sport,
                        uint16_t dport) {
  unsigned char a[16] = {};
  unsigned char b[16] = {};
  EXPECT_EQ(inet_pton(af, src.c_str(), a), 1) << src;
  EXPECT_EQ(inet_pton(af, dst.c_str(), b), 1) << dst;
  const size_t n = af == AF_INET ? 4 : 16;
  std::string out(reinterpret_cast<const char*>(a), n);
  out.append(reinterpret_cast<const char*>(b), n);
  out += Be16(sport);
  out += Be16(dport);
  return out;
}

// A TLV (type, 16-bit length, value): rampart must skip what it does not use.
std::string Tlv(uint8_t type, const std::string& value) {
  std::string out(1, static_cast<char>(type));
  out += Be16(static_cast<uint16_t>(value.size()));
  out += value;
  return out;
}

class ClientIpTest : public ProxyTest {
 protected:
  std::string AttackLogPath() const { return rampart_.dir() + "/attack.log"; }
  std::string AccessLogPath() const { return rampart_.dir() + "/access.log"; }

  // Listener 0 plain; listener 1 with proxy_protocol. `trusted`: the trusted_proxies list
  // (empty: none). The deny list holds kDenied, so a refusal shows which address was used.
  void Start(const std::string& trusted) {
    ConfigOptions options;
    options.backend_ports = {origin_.port()};
    options.extra = "  attack_log: " + AttackLogPath() + "\n" +  // continues logging:
                    "ip_reputation: {deny: [" + kDenied + "]}\n";
    if (!trusted.empty()) options.extra += "trusted_proxies: [" + trusted + "]\n";
    std::string yaml = MakeConfig(rampart_.dir(), options);
    const std::string plain = "listen:\n  - address: 127.0.0.1:0\n";
    const size_t at = yaml.find(plain);
    ASSERT_NE(at, std::string::npos) << yaml;
    yaml.replace(at, plain.size(), plain + "  - {address: 127.0.0.1:0, proxy_protocol: true}\n");
    ASSERT_NO_FATAL_FAILURE(StartRampartYaml(yaml));
    ASSERT_NE(proxy_port(), 0) << rampart_.Log();
  }

  uint16_t proxy_port() const { return rampart_.listener_port(1); }

  // One request on a fresh connection to `port` (Connection: close), preceded by `preface`.
  std::optional<HttpResponse> Send(uint16_t port, const std::string& preface,
                                   const std::string& target, HeaderList headers = {}) {
    headers.emplace_back("Connection", "close");
    Client c;
    if (!c.Connect(port)) return std::nullopt;
    if (!c.Send(preface + BuildRequest("GET", target, port, headers))) return std::nullopt;
    return c.ReadResponse();
  }

  // What the origin received for `target` (waits briefly; nullopt when it never came).
  std::optional<RecordedRequest> AtOrigin(const std::string& target) {
    return origin_.WaitForTarget(target, Timeout(2'000));
  }
  // True when the origin has no request for `target` (checked after a later request arrived,
  // so a late one would already be there).
  bool NeverReachedOrigin(const std::string& target) {
    for (const RecordedRequest& r : origin_.Requests()) {
      if (r.target == target) return false;
    }
    return true;
  }

  double RejectedBadProxyHeader() {
    return MetricSum(Metrics(), "rampart_connections_rejected_total",
                     {{"reason", "bad_proxy_header"}});
  }
};

// --- Forwarding headers -------------------------------------------------------------------------

TEST_F(ClientIpTest, ForwardingHeadersFromAnUntrustedPeerAreIgnoredAndOverwritten) {
  ASSERT_NO_FATAL_FAILURE(Start("10.0.0.0/8"));  // 127.0.0.1 is not trusted
  auto r = Send(port(), "", "/spoofed",
                {{"X-Forwarded-For", kDenied},
                 {"X-Real-IP", kDenied},
                 {"Forwarded", std::string("for=") + kDenied}});
  ASSERT_TRUE(r);
  // The deny-listed address it claims is not believed...
  EXPECT_EQ(r->status, 200) << r->body;
  auto seen = AtOrigin("/spoofed");
  ASSERT_TRUE(seen);
  // ...and not passed on: the backend learns the real peer only.
  EXPECT_EQ(seen->HeaderCount("X-Forwarded-For"), 1u);
  EXPECT_EQ(seen->Header("X-Forwarded-For"), "127.0.0.1");
  EXPECT_EQ(seen->HeaderCount("X-Real-IP"), 1u);
  EXPECT_EQ(seen->Header("X-Real-IP"), "127.0.0.1");
  EXPECT_EQ(seen->HeaderCount("Forwarded"), 0u) << seen->raw_head;

  auto lines = JsonLines(AccessLogPath(), 1, kDefaultTimeout);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].StringAt("client_ip"), "127.0.0.1");
  EXPECT_LE(FileSize(AttackLogPath()), 0) << "a record for an allowed request";
}

TEST_F(ClientIpTest, FromATrustedPeerTheRightmostUntrustedHopIsTheClient) {
  ASSERT_NO_FATAL_FAILURE(Start("127.0.0.1/32, 10.0.0.0/8"));

  // Two trusted hops on the right (127.0.0.1, the peer, and 10.1.2.3) are skipped.
  auto denied = Send(port(), "", "/hops-denied",
                     {{"X-Forwarded-For", std::string("198.51.100.1, ") + kDenied + ", 10.1.2.3"}});
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 403);

  // A client that prepends the denied address to its own XFF does not become it: the
  // rightmost untrusted hop (198.51.100.9) is the client.
  auto passed = Send(port(), "", "/hops-passed",
                     {{"X-Forwarded-For", std::string(kDenied) + ", 198.51.100.9"}});
  ASSERT_TRUE(passed);
  EXPECT_EQ(passed->status, 200) << passed->body;
  auto seen = AtOrigin("/hops-passed");
  ASSERT_TRUE(seen);
  // The chain is kept and the trusted peer appended; X-Real-IP is the resolved client.
  EXPECT_EQ(seen->Header("X-Forwarded-For"), std::string(kDenied) + ", 198.51.100.9, 127.0.0.1");
  EXPECT_EQ(seen->Header("X-Real-IP"), "198.51.100.9");
  EXPECT_TRUE(NeverReachedOrigin("/hops-denied"));

  auto records = JsonLines(AttackLogPath(), 1, kDefaultTimeout);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].StringAt("client_ip"), kDenied);
  EXPECT_EQ(records[0].StringAt("source"), "ip_reputation");
  EXPECT_EQ(records[0].StringAt("action"), "blocked");
  EXPECT_TRUE(RecordHasRule(records[0], "deny_list"));
}

TEST_F(ClientIpTest, FromATrustedPeerForwardedAndXRealIpNameTheClient) {
  ASSERT_NO_FATAL_FAILURE(Start("127.0.0.1/32"));

  auto fwd_denied = Send(port(), "", "/fwd-denied",
                         {{"Forwarded", std::string("for=") + kDenied + ";proto=http"}});
  ASSERT_TRUE(fwd_denied);
  EXPECT_EQ(fwd_denied->status, 403);

  auto fwd_v6 = Send(port(), "", "/fwd-v6", {{"Forwarded", "for=\"[2001:db8::9]:4711\""}});
  ASSERT_TRUE(fwd_v6);
  EXPECT_EQ(fwd_v6->status, 200) << fwd_v6->body;
  auto seen = AtOrigin("/fwd-v6");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->Header("X-Real-IP"), "2001:db8::9");
  // From a trusted peer the Forwarded field is passed on.
  EXPECT_EQ(seen->Header("Forwarded"), "for=\"[2001:db8::9]:4711\"");

  auto real_ip_denied = Send(port(), "", "/xri-denied", {{"X-Real-IP", kDenied}});
  ASSERT_TRUE(real_ip_denied);
  EXPECT_EQ(real_ip_denied->status, 403);

  // Garbage stops the walk at the last trusted hop: the peer itself.
  auto garbage =
      Send(port(), "", "/garbage", {{"X-Forwarded-For", std::string(kDenied) + ", unknown"}});
  ASSERT_TRUE(garbage);
  EXPECT_EQ(garbage->status, 200) << garbage->body;
  auto garbage_seen = AtOrigin("/garbage");
  ASSERT_TRUE(garbage_seen);
  EXPECT_EQ(garbage_seen->Header("X-Real-IP"), "127.0.0.1");

  EXPECT_TRUE(NeverReachedOrigin("/fwd-denied"));
  EXPECT_TRUE(NeverReachedOrigin("/xri-denied"));
}

// --- PROXY protocol -----------------------------------------------------------------------------

TEST_F(ClientIpTest, ProxyProtocolV1NamesTheClient) {
  ASSERT_NO_FATAL_FAILURE(Start(""));

  // TCP4, then a second request on the same connection: the header came once, for both.
  Client c;
  ASSERT_TRUE(c.Connect(proxy_port())) << c.error();
  ASSERT_TRUE(c.Send("PROXY TCP4 198.51.100.23 192.0.2.1 51234 80\r\n" +
                     BuildRequest("GET", "/v1-first", proxy_port())));
  auto first = c.ReadResponse();
  ASSERT_TRUE(first) << c.error();
  EXPECT_EQ(first->status, 200);
  auto second = c.Get("/v1-second", {{"X-Forwarded-For", kDenied}});
  ASSERT_TRUE(second) << c.error();
  EXPECT_EQ(second->status, 200);
  for (const char* target : {"/v1-first", "/v1-second"}) {
    auto seen = AtOrigin(target);
    ASSERT_TRUE(seen) << target;
    EXPECT_EQ(seen->Header("X-Forwarded-For"), "198.51.100.23") << target;
    EXPECT_EQ(seen->Header("X-Real-IP"), "198.51.100.23") << target;
  }

  // TCP6.
  auto v6 = Send(proxy_port(), "PROXY TCP6 2001:db8::5 2001:db8::1 40000 443\r\n", "/v1-tcp6");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->status, 200);
  auto seen6 = AtOrigin("/v1-tcp6");
  ASSERT_TRUE(seen6);
  EXPECT_EQ(seen6->Header("X-Real-IP"), "2001:db8::5");

  // The address the header names is the one the stages judge.
  auto denied = Send(proxy_port(), std::string("PROXY TCP4 ") + kDenied + " 192.0.2.1 5000 80\r\n",
                     "/v1-deny");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 403);
  EXPECT_TRUE(NeverReachedOrigin("/v1-deny"));

  // The access log names the same clients (workers write their lines in any order).
  std::multiset<std::string> clients;
  for (const JsonValue& line : JsonLines(AccessLogPath(), 4, kDefaultTimeout)) {
    clients.insert(line.StringAt("client_ip").value_or("?"));
  }
  EXPECT_EQ(clients,
            (std::multiset<std::string>{"198.51.100.23", "198.51.100.23", "2001:db8::5", kDenied}));
}

TEST_F(ClientIpTest, ProxyProtocolV2NamesTheClient) {
  ASSERT_NO_FATAL_FAILURE(Start(""));

  // INET with TLVs after the addresses (an authority and a unique id): skipped.
  const std::string v4 =
      ProxyV2(kProxy, kTcp4,
              V2Addresses(AF_INET, "198.51.100.44", "192.0.2.1", 40001, 80) +
                  Tlv(0x02, "shop.example") + Tlv(0x05, std::string("\x01\x02\x03", 3)));
  auto r4 = Send(proxy_port(), v4, "/v2-tcp4");
  ASSERT_TRUE(r4);
  EXPECT_EQ(r4->status, 200);
  auto seen4 = AtOrigin("/v2-tcp4");
  ASSERT_TRUE(seen4);
  EXPECT_EQ(seen4->Header("X-Forwarded-For"), "198.51.100.44");
  EXPECT_EQ(seen4->Header("X-Real-IP"), "198.51.100.44");

  const std::string v6 =
      ProxyV2(kProxy, kTcp6, V2Addresses(AF_INET6, "2001:db8::44", "2001:db8::1", 40002, 443));
  auto r6 = Send(proxy_port(), v6, "/v2-tcp6");
  ASSERT_TRUE(r6);
  EXPECT_EQ(r6->status, 200);
  auto seen6 = AtOrigin("/v2-tcp6");
  ASSERT_TRUE(seen6);
  EXPECT_EQ(seen6->Header("X-Real-IP"), "2001:db8::44");

  const std::string denied =
      ProxyV2(kProxy, kTcp4, V2Addresses(AF_INET, kDenied, "192.0.2.1", 40003, 80));
  auto rd = Send(proxy_port(), denied, "/v2-deny");
  ASSERT_TRUE(rd);
  EXPECT_EQ(rd->status, 403);
  EXPECT_TRUE(NeverReachedOrigin("/v2-deny"));
}

TEST_F(ClientIpTest, ProxyProtocolLocalAndUnknownKeepThePeerAddress) {
  ASSERT_NO_FATAL_FAILURE(Start(""));
  // v2 LOCAL (a balancer's own health check), even with an address block, and UNSPEC.
  const std::string local =
      ProxyV2(kLocal, kTcp4, V2Addresses(AF_INET, kDenied, "192.0.2.1", 40004, 80));
  const std::string unspec = ProxyV2(kProxy, kUnspec, "");
  // v1 UNKNOWN: the rest of the line is ignored.
  const std::string unknown = std::string("PROXY UNKNOWN ") + kDenied + " 192.0.2.1 1 2\r\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/v2-local", local}, {"/v2-unspec", unspec}, {"/v1-unknown", unknown}};
  for (const auto& [target, header] : cases) {
    auto r = Send(proxy_port(), header, target);
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 200) << target;
    auto seen = AtOrigin(target);
    ASSERT_TRUE(seen) << target;
    EXPECT_EQ(seen->Header("X-Forwarded-For"), "127.0.0.1") << target;
    EXPECT_EQ(seen->Header("X-Real-IP"), "127.0.0.1") << target;
  }
}

TEST_F(ClientIpTest, ProxyProtocolListenerClosesAConnectionWithoutAValidHeader) {
  ASSERT_NO_FATAL_FAILURE(Start(""));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"plain HTTP", BuildRequest("GET", "/no-header", proxy_port())},
      {"bad v1 address", "PROXY TCP4 198.51.100.300 192.0.2.1 1 2\r\n" +
                             BuildRequest("GET", "/bad-v1", proxy_port())},
      {"v1 without CRLF, too long", "PROXY TCP4 " + std::string(120, '1')},
      {"v2 version 3",
       std::string(kV2Signature, 12) + "\x31\x11" + Be16(12) + std::string(12, 'x')},
  };
  double rejected = 0;
  for (const auto& [what, bytes] : cases) {
    Client c;
    ASSERT_TRUE(c.Connect(proxy_port())) << c.error();
    ASSERT_TRUE(c.Send(bytes)) << what;
    // Closed without a reply.
    EXPECT_TRUE(c.IsClosedByPeer()) << what;
    EXPECT_EQ(c.buffered(), "") << what;
    ++rejected;
    EXPECT_EQ(RejectedBadProxyHeader(), rejected) << what;
  }
  EXPECT_EQ(origin_.RequestCount(), 0u);
  // The plain listener is unaffected.
  auto ok = Send(port(), "", "/plain");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(ClientIpTest, ProxyProtocolHeaderArrivingInPiecesIsReassembled) {
  ASSERT_NO_FATAL_FAILURE(Start(""));
  const std::string v2 = ProxyV2(
      kProxy, kTcp4,
      V2Addresses(AF_INET, "198.51.100.61", "192.0.2.1", 40005, 80) + Tlv(0x02, "shop.example"));
  const std::string v1 = "PROXY TCP4 198.51.100.62 192.0.2.1 40006 80\r\n";
  // Cut inside the signature, inside the length, inside the addresses; for v1 inside "PROXY".
  const std::vector<std::tuple<std::string, std::string, std::vector<size_t>>> cases = {
      {"/pieces-v2", v2, {5, 15, 20, v2.size() - 1}},
      {"/pieces-v1", v1, {3, 11, v1.size() - 2}},
  };
  for (const auto& [target, header, cuts] : cases) {
    const std::string bytes =
        header + BuildRequest("GET", target, proxy_port(), {{"Connection", "close"}});
    Client c;
    ASSERT_TRUE(c.Connect(proxy_port())) << c.error();
    size_t from = 0;
    for (size_t cut : cuts) {
      ASSERT_TRUE(c.Send(std::string_view(bytes).substr(from, cut - from))) << target;
      from = cut;
      // Long enough for rampart to read each piece on its own; nothing is timed.
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      EXPECT_FALSE(c.IsClosedByPeer(Timeout(0))) << target << " closed after " << cut << " bytes";
    }
    ASSERT_TRUE(c.Send(std::string_view(bytes).substr(from))) << target;
    auto r = c.ReadResponse();
    ASSERT_TRUE(r) << target << ": " << c.error();
    EXPECT_EQ(r->status, 200) << target;
  }
  auto seen2 = AtOrigin("/pieces-v2");
  ASSERT_TRUE(seen2);
  EXPECT_EQ(seen2->Header("X-Real-IP"), "198.51.100.61");
  auto seen1 = AtOrigin("/pieces-v1");
  ASSERT_TRUE(seen1);
  EXPECT_EQ(seen1->Header("X-Real-IP"), "198.51.100.62");
  EXPECT_EQ(RejectedBadProxyHeader(), 0);
}

TEST_F(ClientIpTest, ProxyProtocolSourceIsThePeerThatTrustedProxiesJudges) {
  ASSERT_NO_FATAL_FAILURE(Start("10.0.0.0/8"));
  // The balancer names a trusted proxy as the source: its X-Forwarded-For is believed.
  auto trusted = Send(proxy_port(), "PROXY TCP4 10.0.0.5 192.0.2.1 5000 80\r\n", "/pp-trusted",
                      {{"X-Forwarded-For", kDenied}});
  ASSERT_TRUE(trusted);
  EXPECT_EQ(trusted->status, 403);
  // An untrusted source: its X-Forwarded-For is ignored and replaced.
  auto untrusted = Send(proxy_port(), "PROXY TCP4 198.51.100.23 192.0.2.1 5000 80\r\n",
                        "/pp-untrusted", {{"X-Forwarded-For", kDenied}});
  ASSERT_TRUE(untrusted);
  EXPECT_EQ(untrusted->status, 200);
  auto seen = AtOrigin("/pp-untrusted");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->Header("X-Forwarded-For"), "198.51.100.23");
  EXPECT_EQ(seen->Header("X-Real-IP"), "198.51.100.23");
  EXPECT_TRUE(NeverReachedOrigin("/pp-trusted"));
}

TEST_F(ClientIpTest, PlainListenerDoesNotBelieveAProxyHeader) {
  ASSERT_NO_FATAL_FAILURE(Start(""));
  auto r =
      Send(port(), std::string("PROXY TCP4 198.51.100.23 192.0.2.1 5000 80\r\n"), "/not-proxied");
  // Not HTTP: refused as a bad request, never taken for a client address.
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(origin_.RequestCount(), 0u);
  EXPECT_EQ(RejectedBadProxyHeader(), 0);
}

}  // namespace
}  // namespace rampart::test
