#include "net/cidr.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace rampart::net {
namespace {

using ::testing::HasSubstr;

// A set holding `cidr`, failing the test when it is refused.
CidrSet SetOf(std::initializer_list<const char*> cidrs) {
  CidrSet set;
  for (const char* cidr : cidrs) {
    const core::Status status = set.Add(cidr);
    EXPECT_TRUE(status.ok()) << cidr << ": " << status.error().message;
  }
  return set;
}

TEST(CidrSetTest, EmptyContainsNothing) {
  const CidrSet set;
  EXPECT_TRUE(set.empty());
  EXPECT_FALSE(set.Contains("127.0.0.1"));
  EXPECT_FALSE(set.Contains("::1"));
}

TEST(CidrSetTest, Ipv4Prefix) {
  const CidrSet set = SetOf({"10.0.0.0/8"});
  EXPECT_FALSE(set.empty());
  EXPECT_TRUE(set.Contains("10.0.0.0"));
  EXPECT_TRUE(set.Contains("10.1.2.3"));
  EXPECT_TRUE(set.Contains("10.255.255.255"));
  EXPECT_FALSE(set.Contains("11.0.0.0"));
  EXPECT_FALSE(set.Contains("9.255.255.255"));
  EXPECT_FALSE(set.Contains("192.168.0.1"));
}

TEST(CidrSetTest, Ipv4PrefixNotOnAByteBoundary) {
  const CidrSet set = SetOf({"192.168.4.0/22"});
  EXPECT_TRUE(set.Contains("192.168.4.0"));
  EXPECT_TRUE(set.Contains("192.168.7.255"));
  EXPECT_FALSE(set.Contains("192.168.8.0"));
  EXPECT_FALSE(set.Contains("192.168.3.255"));
}

TEST(CidrSetTest, Ipv4Slash32AndPlainAddress) {
  for (const char* cidr : {"203.0.113.5/32", "203.0.113.5"}) {
    const CidrSet set = SetOf({cidr});
    EXPECT_TRUE(set.Contains("203.0.113.5")) << cidr;
    EXPECT_FALSE(set.Contains("203.0.113.4")) << cidr;
    EXPECT_FALSE(set.Contains("203.0.113.6")) << cidr;
  }
}

TEST(CidrSetTest, Ipv4Slash0MatchesEveryIpv4AddressOnly) {
  const CidrSet set = SetOf({"0.0.0.0/0"});
  EXPECT_TRUE(set.Contains("0.0.0.0"));
  EXPECT_TRUE(set.Contains("255.255.255.255"));
  EXPECT_TRUE(set.Contains("8.8.8.8"));
  EXPECT_FALSE(set.Contains("::1"));
  EXPECT_FALSE(set.Contains("2001:db8::1"));
}

TEST(CidrSetTest, Ipv6Prefix) {
  const CidrSet set = SetOf({"2001:db8::/32"});
  EXPECT_TRUE(set.Contains("2001:db8::1"));
  EXPECT_TRUE(set.Contains("2001:DB8:ffff::"));
  EXPECT_TRUE(set.Contains("2001:0db8:0000:0000:0000:0000:0000:0001"));
  EXPECT_FALSE(set.Contains("2001:db9::1"));
  EXPECT_FALSE(set.Contains("::1"));
  EXPECT_FALSE(set.Contains("10.0.0.1"));
}

TEST(CidrSetTest, Ipv6OddPrefixAndSlash128) {
  const CidrSet odd = SetOf({"fe80::/10"});
  EXPECT_TRUE(odd.Contains("fe80::1"));
  EXPECT_TRUE(odd.Contains("febf:ffff::1"));
  EXPECT_FALSE(odd.Contains("fec0::1"));
  const CidrSet one = SetOf({"::1/128"});
  EXPECT_TRUE(one.Contains("::1"));
  EXPECT_FALSE(one.Contains("::2"));
  EXPECT_FALSE(one.Contains("127.0.0.1"));
  const CidrSet plain = SetOf({"::1"});
  EXPECT_TRUE(plain.Contains("::1"));
  EXPECT_FALSE(plain.Contains("::"));
}

TEST(CidrSetTest, Ipv6Slash0MatchesEverything) {
  // IPv4 addresses are kept as IPv4-mapped IPv6, which ::/0 covers too.
  const CidrSet set = SetOf({"::/0"});
  EXPECT_TRUE(set.Contains("::"));
  EXPECT_TRUE(set.Contains("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  EXPECT_TRUE(set.Contains("10.0.0.1"));
}

TEST(CidrSetTest, Ipv4MappedIpv6MatchesIpv4Ranges) {
  const CidrSet v4 = SetOf({"10.0.0.0/8"});
  EXPECT_TRUE(v4.Contains("::ffff:10.1.2.3"));
  EXPECT_TRUE(v4.Contains("::FFFF:a01:203"));
  EXPECT_FALSE(v4.Contains("::ffff:11.1.2.3"));
  EXPECT_FALSE(v4.Contains("::10.1.2.3"));  // IPv4-compatible, not mapped
  const CidrSet mapped = SetOf({"::ffff:192.0.2.0/120"});
  EXPECT_TRUE(mapped.Contains("192.0.2.77"));
  EXPECT_FALSE(mapped.Contains("192.0.3.77"));
}

TEST(CidrSetTest, SeveralRanges) {
  const CidrSet set = SetOf({"127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"});
  EXPECT_TRUE(set.Contains("127.0.0.1"));
  EXPECT_TRUE(set.Contains("10.9.9.9"));
  EXPECT_TRUE(set.Contains("::1"));
  EXPECT_TRUE(set.Contains("fd12::3"));
  EXPECT_FALSE(set.Contains("127.0.0.2"));
  EXPECT_FALSE(set.Contains("fe00::1"));
}

TEST(CidrSetTest, HostBitsInTheRangeAreIgnored) {
  const CidrSet set = SetOf({"10.1.2.3/8"});
  EXPECT_TRUE(set.Contains("10.200.0.1"));
}

TEST(CidrSetTest, ContainsRejectsNonAddresses) {
  const CidrSet set = SetOf({"0.0.0.0/0", "::/0"});
  for (const char* ip : {"", "localhost", "10.0.0.0/8", "10.0.0.1:80", "[::1]", "1.2.3",
                         "1.2.3.4.5", "256.0.0.1", " 10.0.0.1", "::g"}) {
    EXPECT_FALSE(set.Contains(ip)) << ip;
  }
}

TEST(CidrSetTest, AddRejectsBadInput) {
  struct Case {
    const char* cidr;
    const char* message;
  };
  for (const Case& c : {
           Case{"", "not an IP address or CIDR: ''"},
           Case{"example.com", "not an IP address or CIDR"},
           Case{"10.0.0/8", "not an IP address or CIDR"},
           Case{"256.1.1.1", "not an IP address or CIDR"},
           Case{"10.0.0.0 /8", "not an IP address or CIDR"},
           Case{"/8", "not an IP address or CIDR"},
           Case{"::1::2", "not an IP address or CIDR"},
           Case{"[::1]/128", "not an IP address or CIDR"},
           Case{"10.0.0.0/33", "bad prefix length in '10.0.0.0/33'"},
           Case{"10.0.0.0/", "bad prefix length"},
           Case{"10.0.0.0/-1", "bad prefix length"},
           Case{"10.0.0.0/8x", "bad prefix length"},
           Case{"10.0.0.0/8/8", "bad prefix length"},
           Case{"10.0.0.0/ 8", "bad prefix length"},
           Case{"10.0.0.0/+8", "bad prefix length"},
           Case{"10.0.0.0/99999999999", "bad prefix length"},
           Case{"::/129", "bad prefix length"},
       }) {
    CidrSet set;
    const core::Status status = set.Add(c.cidr);
    ASSERT_FALSE(status.ok()) << c.cidr;
    EXPECT_THAT(status.error().message, HasSubstr(c.message)) << c.cidr;
    EXPECT_TRUE(set.empty()) << c.cidr;
  }
}

}  // namespace
}  // namespace rampart::net
