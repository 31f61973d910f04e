// Rate-limit keys from an exchange: every part kind, combinations, missing parts, prefixes and
// the hashing of long values.

#include "stages/rate_limit/rate_key.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipeline/exchange.h"

namespace rampart::stages::rate_limit {
namespace {

using Kind = config::RateKeyPart::Kind;

config::RateKeyPart Part(Kind kind, std::string name = {}) { return {kind, std::move(name)}; }

pipeline::Exchange MakeExchange(std::string ip) {
  pipeline::Exchange ex(pipeline::ClientInfo{ip, 40000, false, ip});
  ex.set_route_name("api");
  ex.request().method = "GET";
  ex.request().target = "/";
  return ex;
}

std::optional<std::string> Key(const std::vector<config::RateKeyPart>& parts,
                               const pipeline::Exchange& ex, uint32_t v4 = 24, uint32_t v6 = 64) {
  return BuildRateKey(parts, ex, v4, v6);
}

TEST(RateKeyTest, ClientIp) {
  const std::vector<config::RateKeyPart> parts = {Part(Kind::kClientIp)};
  EXPECT_EQ(Key(parts, MakeExchange("192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(Key(parts, MakeExchange("2001:db8::1")), "2001:db8::1");
  // An IPv4 client on a dual-stack socket counts as its IPv4 address.
  EXPECT_EQ(Key(parts, MakeExchange("::ffff:192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(Key(parts, MakeExchange("not-an-ip")), "not-an-ip");
  EXPECT_EQ(Key(parts, MakeExchange("")), std::nullopt);
}

TEST(RateKeyTest, IpPrefix) {
  const std::vector<config::RateKeyPart> parts = {Part(Kind::kIpPrefix)};
  EXPECT_EQ(Key(parts, MakeExchange("192.0.2.77")), "192.0.2.0/24");
  EXPECT_EQ(Key(parts, MakeExchange("192.0.2.77"), 16), "192.0.0.0/16");
  EXPECT_EQ(Key(parts, MakeExchange("192.0.2.77"), 32), "192.0.2.77/32");
  EXPECT_EQ(Key(parts, MakeExchange("192.0.2.77"), 0), "0.0.0.0/0");
  EXPECT_EQ(Key(parts, MakeExchange("192.0.2.77"), 40), "192.0.2.77/32");  // clamped
  EXPECT_EQ(Key(parts, MakeExchange("10.1.2.3"), 27), "10.1.2.0/27");
  EXPECT_EQ(Key(parts, MakeExchange("::ffff:192.0.2.77")), "192.0.2.0/24");
  EXPECT_EQ(Key(parts, MakeExchange("2001:db8:1:2:3:4:5:6")), "2001:db8:1:2::/64");
  EXPECT_EQ(Key(parts, MakeExchange("2001:db8:1:2:3:4:5:6"), 24, 48), "2001:db8:1::/48");
  EXPECT_EQ(Key(parts, MakeExchange("2001:db8:1:2:3:4:5:6"), 24, 56), "2001:db8:1::/56");
  EXPECT_EQ(Key(parts, MakeExchange("2001:db8:1:2:3:4:5:6"), 24, 96), "2001:db8:1:2:3:4::/96");
  EXPECT_EQ(Key(parts, MakeExchange("2001:db8:1:2:3:4:5:6"), 24, 128), "2001:db8:1:2:3:4:5:6/128");
  EXPECT_EQ(Key(parts, MakeExchange("2001:db8:1:2:3:4:5:6"), 24, 0), "::/0");
  EXPECT_EQ(Key(parts, MakeExchange("not-an-ip")), std::nullopt);
  // Two clients of one /64 share a key; of two /64s, they do not.
  EXPECT_EQ(Key(parts, MakeExchange("2001:db8:1:2::a")),
            Key(parts, MakeExchange("2001:db8:1:2::b")));
  EXPECT_NE(Key(parts, MakeExchange("2001:db8:1:2::a")),
            Key(parts, MakeExchange("2001:db8:1:3::a")));
}

TEST(RateKeyTest, Header) {
  const std::vector<config::RateKeyPart> parts = {Part(Kind::kHeader, "X-Api-Key")};
  pipeline::Exchange ex = MakeExchange("192.0.2.7");
  EXPECT_EQ(Key(parts, ex), std::nullopt);  // not sent
  ex.request().headers.Add("x-api-key", "k1");
  ex.request().headers.Add("X-Api-Key", "k2");
  EXPECT_EQ(Key(parts, ex), "k1");  // the first field, name case-insensitive

  pipeline::Exchange empty = MakeExchange("192.0.2.7");
  empty.request().headers.Add("X-Api-Key", "");
  EXPECT_EQ(Key(parts, empty), std::nullopt);
}

TEST(RateKeyTest, Cookie) {
  const std::vector<config::RateKeyPart> parts = {Part(Kind::kCookie, "sid")};
  pipeline::Exchange ex = MakeExchange("192.0.2.7");
  EXPECT_EQ(Key(parts, ex), std::nullopt);
  ex.request().headers.Add("Cookie", "theme=dark; sid=abc123");
  EXPECT_EQ(Key(parts, ex), "abc123");
  const auto full = BuildRateKeyParts(parts, ex, 24, 64);
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(full->readable, "cookie:sid=***");  // a credential never reaches the attack log

  pipeline::Exchange other = MakeExchange("192.0.2.7");
  other.request().headers.Add("Cookie", "SID=abc123");  // cookie names are case-sensitive
  EXPECT_EQ(Key(parts, other), std::nullopt);
}

TEST(RateKeyTest, RouteCountryAsn) {
  pipeline::Exchange ex = MakeExchange("192.0.2.7");
  EXPECT_EQ(Key({Part(Kind::kRoute)}, ex), "api");
  EXPECT_EQ(Key({Part(Kind::kCountry)}, ex), std::nullopt);
  EXPECT_EQ(Key({Part(Kind::kAsn)}, ex), std::nullopt);
  ex.set_geo({"DE", 64501});
  EXPECT_EQ(Key({Part(Kind::kCountry)}, ex), "DE");
  EXPECT_EQ(Key({Part(Kind::kAsn)}, ex), "64501");
  ex.set_geo({"", 64501});
  EXPECT_EQ(Key({Part(Kind::kCountry)}, ex), std::nullopt);

  pipeline::Exchange unrouted(pipeline::ClientInfo{"192.0.2.7", 1, false, "192.0.2.7"});
  EXPECT_EQ(Key({Part(Kind::kRoute)}, unrouted), std::nullopt);
}

TEST(RateKeyTest, CombinationsJoinWithUnitSeparator) {
  pipeline::Exchange ex = MakeExchange("192.0.2.7");
  ex.request().headers.Add("X-Api-Key", "k1");
  ex.set_geo({"DE", 64501});
  const std::vector<config::RateKeyPart> parts = {
      Part(Kind::kClientIp), Part(Kind::kHeader, "X-Api-Key"),
      Part(Kind::kRoute),    Part(Kind::kCountry),
      Part(Kind::kAsn),      Part(Kind::kIpPrefix)};
  const auto key = BuildRateKeyParts(parts, ex, 24, 64);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->key, std::string("192.0.2.7\x1f"
                                  "k1\x1f"
                                  "api\x1f"
                                  "DE\x1f"
                                  "64501\x1f"
                                  "192.0.2.0/24"));
  EXPECT_EQ(key->readable,
            "client_ip=192.0.2.7 header:X-Api-Key=k1 route=api country=DE asn=64501 "
            "ip_prefix=192.0.2.0/24");

  // One missing part and the request is not counted by this limit at all.
  ex.set_geo({"DE", 0});
  EXPECT_EQ(Key(parts, ex), std::nullopt);
  EXPECT_EQ(Key({Part(Kind::kClientIp), Part(Kind::kHeader, "X-Missing")}, ex), std::nullopt);
}

TEST(RateKeyTest, PartsOrderMatters) {
  pipeline::Exchange ex = MakeExchange("192.0.2.7");
  EXPECT_NE(Key({Part(Kind::kClientIp), Part(Kind::kRoute)}, ex),
            Key({Part(Kind::kRoute), Part(Kind::kClientIp)}, ex));
}

TEST(RateKeyTest, LongPartsAreHashed) {
  const std::vector<config::RateKeyPart> parts = {Part(Kind::kHeader, "User-Agent"),
                                                  Part(Kind::kClientIp)};
  pipeline::Exchange at_limit = MakeExchange("192.0.2.7");
  at_limit.request().headers.Add("User-Agent", std::string(kMaxKeyPartBytes, 'a'));
  EXPECT_EQ(Key(parts, at_limit), std::string(kMaxKeyPartBytes, 'a') +
                                      "\x1f"
                                      "192.0.2.7");

  pipeline::Exchange long1 = MakeExchange("192.0.2.7");
  long1.request().headers.Add("User-Agent", std::string(5000, 'b'));
  const auto key = BuildRateKeyParts(parts, long1, 24, 64);
  ASSERT_TRUE(key.has_value());
  ASSERT_EQ(key->key.size(), 1u + 16u + 1u + 9u);
  EXPECT_EQ(key->key[0], '\x1e');
  EXPECT_EQ(key->key.substr(1, 16).find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(key->key.substr(17),
            "\x1f"
            "192.0.2.7");
  EXPECT_EQ(key->readable, "client_ip=192.0.2.7");  // the hash is left out

  // The same long value gives the same key; another one another key.
  pipeline::Exchange same = MakeExchange("192.0.2.7");
  same.request().headers.Add("User-Agent", std::string(5000, 'b'));
  EXPECT_EQ(Key(parts, same), key->key);
  pipeline::Exchange other = MakeExchange("192.0.2.7");
  other.request().headers.Add("User-Agent", std::string(4999, 'b') + "c");
  EXPECT_NE(Key(parts, other), key->key);
  // A client cannot send the hash itself to share the key.
  pipeline::Exchange forged = MakeExchange("192.0.2.7");
  forged.request().headers.Add("User-Agent", key->key.substr(1, 16));
  EXPECT_NE(Key(parts, forged), key->key);
}

TEST(RateKeyTest, CredentialHeadersAreMaskedInReadable) {
  pipeline::Exchange ex = MakeExchange("192.0.2.7");
  ex.request().headers.Add("Authorization", "Bearer secret");
  const auto key = BuildRateKeyParts({Part(Kind::kHeader, "authorization")}, ex, 24, 64);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->key, "Bearer secret");
  EXPECT_EQ(key->readable, "header:authorization=***");
}

TEST(RateKeyTest, PartNames) {
  EXPECT_EQ(RateKeyPartName(Part(Kind::kClientIp)), "client_ip");
  EXPECT_EQ(RateKeyPartName(Part(Kind::kIpPrefix)), "ip_prefix");
  EXPECT_EQ(RateKeyPartName(Part(Kind::kHeader, "X-A")), "header:X-A");
  EXPECT_EQ(RateKeyPartName(Part(Kind::kCookie, "sid")), "cookie:sid");
  EXPECT_EQ(RateKeyPartName(Part(Kind::kRoute)), "route");
  EXPECT_EQ(RateKeyPartName(Part(Kind::kCountry)), "country");
  EXPECT_EQ(RateKeyPartName(Part(Kind::kAsn)), "asn");
}

}  // namespace
}  // namespace rampart::stages::rate_limit

namespace rampart::stages::rate_limit {
namespace {

TEST(RateKeyTest, TlsFingerprints) {
  pipeline::Exchange cleartext = MakeExchange("192.0.2.7");
  EXPECT_EQ(Key({Part(Kind::kJa3)}, cleartext), std::nullopt);  // not counted: no handshake
  EXPECT_EQ(Key({Part(Kind::kJa4)}, cleartext), std::nullopt);

  pipeline::Exchange tls = MakeExchange("192.0.2.7");
  auto info = std::make_shared<pipeline::TlsInfo>();
  info->ja3_hash = "e7d705a3286e19ea42f587b344ee6865";
  info->ja4 = "t13d1516h2_8daaf6152771_e5627efa2ab1";
  tls.set_tls(info);
  EXPECT_EQ(Key({Part(Kind::kJa3)}, tls), "e7d705a3286e19ea42f587b344ee6865");
  EXPECT_EQ(Key({Part(Kind::kJa4)}, tls), "t13d1516h2_8daaf6152771_e5627efa2ab1");
  // One fingerprint from many addresses is one key; with the address, one key per client.
  pipeline::Exchange other = MakeExchange("198.51.100.9");
  other.set_tls(info);
  EXPECT_EQ(Key({Part(Kind::kJa4)}, other), Key({Part(Kind::kJa4)}, tls));
  EXPECT_NE(Key({Part(Kind::kJa4), Part(Kind::kClientIp)}, other),
            Key({Part(Kind::kJa4), Part(Kind::kClientIp)}, tls));
  const auto readable = BuildRateKeyParts({Part(Kind::kJa4)}, tls, 24, 64, nullptr);
  ASSERT_TRUE(readable);
  EXPECT_EQ(readable->readable, "ja4=t13d1516h2_8daaf6152771_e5627efa2ab1");
}

}  // namespace
}  // namespace rampart::stages::rate_limit
