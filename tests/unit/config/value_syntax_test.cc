#include "config/value_syntax.h"

#include <gtest/gtest.h>

#include <string>

namespace rampart::config {
namespace {

std::string HostPortError(std::string_view address) {
  core::Status status = CheckHostPort(address);
  return status.ok() ? "" : status.error().message;
}

TEST(CheckHostPortTest, Accepts) {
  for (const char* address : {"127.0.0.1:80", "0.0.0.0:65535", "[::1]:8080", "[::]:1",
                              "[2001:db8::1]:443", "localhost:9901", "backend.internal:9000",
                              "my_service:8080", "example.com.:80", "a-b.c:1"}) {
    EXPECT_EQ(HostPortError(address), "") << address;
  }
}

TEST(CheckHostPortTest, Rejects) {
  EXPECT_EQ(HostPortError(""), "expected host:port");
  EXPECT_EQ(HostPortError("localhost"), "expected host:port");
  EXPECT_EQ(HostPortError(":8080"), "expected host:port");
  EXPECT_EQ(HostPortError("[::1]"), "expected host:port");
  EXPECT_EQ(HostPortError("[::1"), "expected host:port");
  EXPECT_EQ(HostPortError("[::1]:"), "expected host:port");
  EXPECT_EQ(HostPortError("1.2.3:80"), "invalid IPv4 address");
  EXPECT_EQ(HostPortError("01.2.3.4:80"), "invalid IPv4 address");
  EXPECT_EQ(HostPortError("[1.2.3.4]:80"), "invalid IPv6 address");
  EXPECT_EQ(HostPortError("fe80::1:80"), "an IPv6 address needs brackets, e.g. [::1]:8080");
  EXPECT_EQ(HostPortError("*:80"), "invalid host name");
  EXPECT_EQ(HostPortError("-a.com:80"), "invalid host name");
  EXPECT_EQ(HostPortError("a..b:80"), "invalid host name");
  EXPECT_EQ(HostPortError(std::string(64, 'a') + ":80"), "invalid host name");
  EXPECT_EQ(HostPortError("a:0"), "port must be between 1 and 65535");
  EXPECT_EQ(HostPortError("a:65536"), "port must be between 1 and 65535");
  EXPECT_EQ(HostPortError("a:99999999999999999999"), "port must be between 1 and 65535");
  EXPECT_EQ(HostPortError("a:+80"), "port must be between 1 and 65535");
  EXPECT_EQ(HostPortError("a:8 0"), "port must be between 1 and 65535");
}

TEST(IsHostNameTest, Lengths) {
  EXPECT_TRUE(IsHostName(std::string(63, 'a') + ".com"));
  EXPECT_FALSE(IsHostName(std::string(64, 'a') + ".com"));
  std::string long_name;
  while (long_name.size() < 250) long_name += "abcdefghi.";
  EXPECT_FALSE(IsHostName(long_name + "abcd"));  // 254 bytes
  EXPECT_FALSE(IsHostName(""));
  EXPECT_FALSE(IsHostName("."));
}

TEST(IsHostPatternTest, ExactAndWildcard) {
  EXPECT_TRUE(IsHostPattern("example.com"));
  EXPECT_TRUE(IsHostPattern("*.example.com"));
  EXPECT_TRUE(IsHostPattern("10.0.0.1"));
  EXPECT_TRUE(IsHostPattern("[::1]"));
  EXPECT_FALSE(IsHostPattern("*"));
  EXPECT_FALSE(IsHostPattern("*."));
  EXPECT_FALSE(IsHostPattern("*.1.2.3"));
  EXPECT_FALSE(IsHostPattern("foo.*.com"));
  EXPECT_FALSE(IsHostPattern("example.com:8080"));
  EXPECT_FALSE(IsHostPattern("::1"));
}

TEST(IsCidrTest, AddressesAndPrefixes) {
  for (const char* ok : {"10.0.0.0/8", "0.0.0.0/0", "1.2.3.4/32", "1.2.3.4", "::1", "::/0",
                         "fd00::/8", "2001:db8::/128"}) {
    EXPECT_TRUE(IsCidr(ok)) << ok;
  }
  for (const char* bad :
       {"", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/08x", "10.0.0/8",
        "10.0.0.0/8/8", "example.com/8", "10.0.0.0/0008"}) {
    EXPECT_FALSE(IsCidr(bad)) << bad;
  }
}

TEST(HttpSyntaxTest, TokensAndValues) {
  EXPECT_TRUE(IsHttpToken("X-Request-Id"));
  EXPECT_TRUE(IsHttpToken("M-SEARCH"));
  EXPECT_TRUE(IsHttpToken("!#$%&'*+-.^_`|~09azAZ"));
  EXPECT_FALSE(IsHttpToken(""));
  EXPECT_FALSE(IsHttpToken("X Y"));
  EXPECT_FALSE(IsHttpToken("X:Y"));
  EXPECT_FALSE(IsHttpToken("X\"Y"));
  EXPECT_FALSE(IsHttpToken("caf\xc3\xa9"));
  EXPECT_TRUE(HasLineBreakOrNul("a\rb"));
  EXPECT_TRUE(HasLineBreakOrNul("a\nb"));
  EXPECT_TRUE(HasLineBreakOrNul(std::string_view("a\0b", 3)));
  EXPECT_FALSE(HasLineBreakOrNul("a\tb c"));
  EXPECT_TRUE(HasSpaceOrControl("/a b"));
  EXPECT_TRUE(HasSpaceOrControl("/a\x7f"));
  EXPECT_FALSE(HasSpaceOrControl("/a/b?c=%20"));
}

TEST(ParseHashKeyTest, Accepts) {
  using Kind = HashKeyConfig::Kind;
  const auto parse = [](std::string_view text) {
    core::Result<HashKeyConfig> key = ParseHashKey(text);
    EXPECT_TRUE(key.ok()) << text;
    return key.ok() ? key.value() : HashKeyConfig{};
  };
  EXPECT_EQ(parse("client_ip").kind, Kind::kClientIp);
  EXPECT_EQ(parse("client_ip").name, "");
  EXPECT_EQ(parse("path").kind, Kind::kPath);
  EXPECT_EQ(parse("header:X-Api-Key").kind, Kind::kHeader);
  EXPECT_EQ(parse("header:X-Api-Key").name, "X-Api-Key");
  EXPECT_EQ(parse("cookie:__Host-sid").kind, Kind::kCookie);
  EXPECT_EQ(parse("cookie:__Host-sid").name, "__Host-sid");
}

TEST(ParseHashKeyTest, Rejects) {
  const auto error = [](std::string_view text) {
    core::Result<HashKeyConfig> key = ParseHashKey(text);
    return key.ok() ? std::string() : key.error().message;
  };
  const std::string expected = "expected client_ip, path, header:<name> or cookie:<name>";
  EXPECT_EQ(error(""), expected);
  EXPECT_EQ(error("ip"), expected);
  EXPECT_EQ(error("Client_IP"), expected);
  EXPECT_EQ(error("header"), expected);
  EXPECT_EQ(error("query:a"), expected);
  EXPECT_EQ(error("header:"), "invalid header name ''");
  EXPECT_EQ(error("header:a:b"), "invalid header name 'a:b'");
  EXPECT_EQ(error("cookie:a b"), "invalid cookie name 'a b'");
}

}  // namespace
}  // namespace rampart::config
