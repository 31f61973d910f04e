#include "proxy/client_ip.h"

#include <gtest/gtest.h>

#include <string>

namespace rampart::proxy {
namespace {

class ClientIpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(trusted_.Add("10.0.0.0/8").ok());
    ASSERT_TRUE(trusted_.Add("2001:db8:ffff::/48").ok());
  }
  std::string Resolve(std::string_view peer, std::initializer_list<http::Header> fields) {
    http::HeaderMap headers;
    for (const http::Header& h : fields) headers.Add(h.name, h.value);
    return ResolveClientIp(peer, headers, trusted_);
  }
  net::CidrSet trusted_;
};

TEST_F(ClientIpTest, AnUntrustedPeerIsTheClientWhateverItSays) {
  EXPECT_EQ(Resolve("198.51.100.7", {{"X-Forwarded-For", "1.2.3.4"}}), "198.51.100.7");
  EXPECT_EQ(Resolve("198.51.100.7", {{"X-Real-IP", "1.2.3.4"}}), "198.51.100.7");
}

TEST_F(ClientIpTest, TheRightmostUntrustedHopOfXForwardedFor) {
  EXPECT_EQ(Resolve("10.0.0.2", {{"X-Forwarded-For", "203.0.113.9"}}), "203.0.113.9");
  // The client's own claim sits left of what our proxies added: not believed.
  EXPECT_EQ(Resolve("10.0.0.2", {{"X-Forwarded-For", "6.6.6.6, 203.0.113.9, 10.0.0.5"}}),
            "203.0.113.9");
  // Several fields are one list, in order.
  EXPECT_EQ(
      Resolve("10.0.0.2", {{"X-Forwarded-For", "6.6.6.6"}, {"X-Forwarded-For", "203.0.113.9"}}),
      "203.0.113.9");
  // All trusted: the leftmost.
  EXPECT_EQ(Resolve("10.0.0.2", {{"X-Forwarded-For", "10.1.1.1, 10.2.2.2"}}), "10.1.1.1");
  // Ports and brackets.
  EXPECT_EQ(Resolve("10.0.0.2", {{"X-Forwarded-For", "203.0.113.9:5555"}}), "203.0.113.9");
  EXPECT_EQ(Resolve("10.0.0.2", {{"X-Forwarded-For", "[2001:DB8::1]:443"}}), "2001:db8::1");
}

TEST_F(ClientIpTest, GarbageStopsTheWalkAtTheLastTrustedHop) {
  EXPECT_EQ(Resolve("10.0.0.2", {{"X-Forwarded-For", "203.0.113.9, garbage, 10.0.0.5"}}),
            "10.0.0.5");
  EXPECT_EQ(Resolve("10.0.0.2", {{"X-Forwarded-For", "unknown"}}), "10.0.0.2");
}

TEST_F(ClientIpTest, ForwardedThenXRealIp) {
  EXPECT_EQ(Resolve("10.0.0.2", {{"Forwarded", "for=192.0.2.60;proto=http;by=10.0.0.2"}}),
            "192.0.2.60");
  EXPECT_EQ(Resolve("10.0.0.2", {{"Forwarded",
                                  R"(for=6.6.6.6, For="[2001:db8:cafe::17]:4711", for=10.9.9.9)"}}),
            "2001:db8:cafe::17");
  EXPECT_EQ(Resolve("10.0.0.2", {{"Forwarded", "for=_hidden, for=10.3.3.3"}}), "10.3.3.3");
  EXPECT_EQ(Resolve("10.0.0.2", {{"X-Real-IP", "192.0.2.61"}}), "192.0.2.61");
  // X-Forwarded-For first when both are there.
  EXPECT_EQ(Resolve("10.0.0.2", {{"X-Real-IP", "192.0.2.61"}, {"X-Forwarded-For", "192.0.2.62"}}),
            "192.0.2.62");
}

TEST_F(ClientIpTest, TrustedIpv6Peer) {
  EXPECT_EQ(Resolve("2001:db8:ffff::1", {{"X-Forwarded-For", "2001:db8::99"}}), "2001:db8::99");
}

}  // namespace
}  // namespace rampart::proxy
