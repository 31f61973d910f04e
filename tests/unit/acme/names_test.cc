// The names an ACME certificate may be ordered for here.

#include "acme/names.h"

#include <gtest/gtest.h>

namespace rampart::acme {
namespace {

TEST(NormalizeDnsName, LowerCasesValidNames) {
  auto name = NormalizeDnsName("WWW.Example.COM");
  ASSERT_TRUE(name);
  EXPECT_EQ(*name, "www.example.com");
  EXPECT_TRUE(NormalizeDnsName("a-b.x1.example"));
  EXPECT_TRUE(NormalizeDnsName(std::string(63, 'a') + ".com"));
}

TEST(NormalizeDnsName, RefusesWildcardsIpAddressesAndPaths) {
  for (const char* bad : {"*.example.com", "", "1.2.3.4", "../etc", "a/b.com", "a..b", ".a.com",
                          "a.com.", "-a.com", "a-.com", "a_b.com", "a b.com", "::1"}) {
    EXPECT_FALSE(NormalizeDnsName(bad)) << bad;
  }
  EXPECT_FALSE(NormalizeDnsName(std::string(64, 'a') + ".com"));
  EXPECT_FALSE(NormalizeDnsName(std::string(250, 'a') + ".com"));
  EXPECT_EQ(NormalizeDnsName("*.example.com").error().message,
            "\"*.example.com\": wildcard names need the DNS-01 challenge, not supported");
}

}  // namespace
}  // namespace rampart::acme
