#include "net/ip_range_set.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace rampart::net {
namespace {

IpRangeSet Make(std::initializer_list<const char*> cidrs) {
  IpRangeSet::Builder b;
  for (const char* c : cidrs) EXPECT_TRUE(b.Add(c).ok()) << c;
  return b.Build();
}

TEST(IpRangeSetTest, Ipv4RangesAndPlainAddresses) {
  const IpRangeSet set = Make({"10.0.0.0/8", "192.0.2.7", "198.51.100.128/25"});
  EXPECT_TRUE(set.Contains("10.0.0.0"));
  EXPECT_TRUE(set.Contains("10.255.255.255"));
  EXPECT_FALSE(set.Contains("11.0.0.0"));
  EXPECT_FALSE(set.Contains("9.255.255.255"));
  EXPECT_TRUE(set.Contains("192.0.2.7"));
  EXPECT_FALSE(set.Contains("192.0.2.8"));
  EXPECT_TRUE(set.Contains("198.51.100.200"));
  EXPECT_FALSE(set.Contains("198.51.100.127"));
  // IPv4-mapped IPv6 is IPv4.
  EXPECT_TRUE(set.Contains("::ffff:10.1.2.3"));
  EXPECT_FALSE(set.Contains("not an ip"));
}

TEST(IpRangeSetTest, Ipv6Ranges) {
  const IpRangeSet set = Make({"2001:db8::/32", "2001:db9:0:1::/64", "::1"});
  EXPECT_TRUE(set.Contains("2001:db8::1"));
  EXPECT_TRUE(set.Contains("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"));
  EXPECT_FALSE(set.Contains("2001:db9::1"));
  EXPECT_TRUE(set.Contains("2001:db9:0:1:abcd::"));
  EXPECT_FALSE(set.Contains("2001:db9:0:2::"));
  EXPECT_TRUE(set.Contains("::1"));
  EXPECT_FALSE(set.Contains("::2"));
  EXPECT_FALSE(set.Contains("10.0.0.1"));
}

TEST(IpRangeSetTest, OverlappingAndAdjacentRangesMerge) {
  const IpRangeSet set =
      Make({"10.0.0.0/24", "10.0.1.0/24", "10.0.0.128/25", "10.0.3.0/24", "0.0.0.0/32"});
  EXPECT_EQ(set.range_count(), 3u);  // 0.0.0.0, 10.0.0.0-10.0.1.255, 10.0.3.0/24
  EXPECT_TRUE(set.Contains("10.0.1.255"));
  EXPECT_FALSE(set.Contains("10.0.2.0"));
  const IpRangeSet all = Make({"0.0.0.0/0", "::/0"});
  EXPECT_TRUE(all.Contains("255.255.255.255"));
  EXPECT_TRUE(all.Contains("ffff::1"));
}

TEST(IpRangeSetTest, HostBitsPastThePrefixAreIgnored) {
  const IpRangeSet set = Make({"10.1.2.3/8"});
  EXPECT_TRUE(set.Contains("10.200.0.1"));
}

TEST(IpRangeSetTest, BadEntriesAreErrors) {
  IpRangeSet::Builder b;
  EXPECT_FALSE(b.Add("10.0.0.0/33").ok());
  EXPECT_FALSE(b.Add("10.0.0.0/").ok());
  EXPECT_FALSE(b.Add("10.0.0/8").ok());
  EXPECT_FALSE(b.Add("2001:db8::/129").ok());
  EXPECT_FALSE(b.Add("example.com").ok());
}

// Every range of a random list is found, and addresses next to them are not.
TEST(IpRangeSetTest, AgreesWithALinearScanOnRandomLists) {
  std::mt19937 rng(7);
  IpRangeSet::Builder b;
  std::vector<std::pair<uint32_t, uint32_t>> ranges;
  for (int i = 0; i < 2000; ++i) {
    const uint32_t ip = rng();
    const int len = 8 + static_cast<int>(rng() % 25);
    const uint32_t mask = ~0U << (32 - len);
    char text[32];
    std::snprintf(text, sizeof(text), "%u.%u.%u.%u/%d", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
                  ip & 255, len);
    ASSERT_TRUE(b.Add(text).ok());
    ranges.emplace_back(ip & mask, ip | ~mask);
  }
  const IpRangeSet set = b.Build();
  for (int i = 0; i < 20000; ++i) {
    const uint32_t ip = rng();
    bool expected = false;
    for (const auto& [first, last] : ranges) expected = expected || (ip >= first && ip <= last);
    IpAddress a;
    a.ip4 = ip;
    ASSERT_EQ(set.Contains(a), expected) << ip;
  }
}

TEST(IpRangeSetTest, ListFilesInFireholAndSpamhausFormats) {
  const auto path = std::filesystem::temp_directory_path() / "rampart-iplist-test.txt";
  std::ofstream(path) << "# FireHOL netset\n"
                         "1.10.16.0/20 ; SBL256894\n"
                         "\n"
                         "  2001:db8::/48\t# a comment\n"
                         "192.0.2.1\n";
  IpRangeSet::Builder b;
  ASSERT_TRUE(AddListFile(path.string(), b).ok());
  const IpRangeSet set = b.Build();
  EXPECT_TRUE(set.Contains("1.10.31.255"));
  EXPECT_TRUE(set.Contains("2001:db8:0:ffff::1"));
  EXPECT_TRUE(set.Contains("192.0.2.1"));
  EXPECT_EQ(set.range_count(), 3u);
  std::ofstream(path) << "1.2.3.0/24\nbad-line\n";
  IpRangeSet::Builder bad;
  const core::Status s = AddListFile(path.string(), bad);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find(path.string() + ":2: not an IP address"), std::string::npos)
      << s.error().message;
  std::filesystem::remove(path);
}

TEST(IpRangeSetTest, MemoryIsReported) {
  const IpRangeSet set = Make({"10.0.0.0/8", "2001:db8::/32"});
  EXPECT_EQ(set.memory_bytes(), 2 * sizeof(uint32_t) + 32u);
}

}  // namespace
}  // namespace rampart::net
