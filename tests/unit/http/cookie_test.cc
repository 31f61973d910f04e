#include "http/cookie.h"

#include <gtest/gtest.h>

#include <optional>
#include <string_view>

namespace rampart::http {
namespace {

HeaderMap Cookies(std::initializer_list<std::string_view> values) {
  HeaderMap headers;
  headers.Add("Host", "example.com");
  for (std::string_view v : values) headers.Add("Cookie", v);
  return headers;
}

TEST(CookieTest, FindsACookieAmongOthers) {
  const HeaderMap h = Cookies({"a=1; session=abc;b=2"});
  EXPECT_EQ(FindCookie(h, "session"), std::optional<std::string_view>("abc"));
  EXPECT_EQ(FindCookie(h, "a"), std::optional<std::string_view>("1"));
  EXPECT_EQ(FindCookie(h, "b"), std::optional<std::string_view>("2"));
  EXPECT_EQ(FindCookie(h, "c"), std::nullopt);
}

TEST(CookieTest, NamesAreCaseSensitiveHeaderNamesAreNot) {
  HeaderMap h;
  h.Add("COOKIE", "Session=upper; session=lower");
  EXPECT_EQ(FindCookie(h, "session"), std::optional<std::string_view>("lower"));
  EXPECT_EQ(FindCookie(h, "Session"), std::optional<std::string_view>("upper"));
}

TEST(CookieTest, SeveralHeadersFirstMatchWins) {
  const HeaderMap h = Cookies({"x=1", "ab=b; ab=c"});
  EXPECT_EQ(FindCookie(h, "ab"), std::optional<std::string_view>("b"));
}

TEST(CookieTest, QuotesSpacesAndOddPairs) {
  const HeaderMap h = Cookies({" q=\"quoted\" ;  sp = v ; noequals; empty=; =anon"});
  EXPECT_EQ(FindCookie(h, "q"), std::optional<std::string_view>("quoted"));
  EXPECT_EQ(FindCookie(h, "sp"), std::optional<std::string_view>("v"));
  EXPECT_EQ(FindCookie(h, "noequals"), std::nullopt);
  EXPECT_EQ(FindCookie(h, "empty"), std::optional<std::string_view>(""));
  // A name that is a suffix or prefix of another must not match it.
  EXPECT_EQ(FindCookie(h, "s"), std::nullopt);
  EXPECT_EQ(FindCookie(h, "emp"), std::nullopt);
}

TEST(CookieTest, NoCookieHeader) {
  HeaderMap h;
  h.Add("Set-Cookie", "a=1");
  EXPECT_EQ(FindCookie(h, "a"), std::nullopt);
}

}  // namespace
}  // namespace rampart::http
