#include "http/query.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace rampart::http {
namespace {

using std::nullopt;

TEST(QueryTest, FindsAParameterAndDecodesItsValue) {
  EXPECT_EQ(FindQueryParam("a=1&b=x%20y", "a"), "1");
  EXPECT_EQ(FindQueryParam("a=1&b=x%20y", "b"), "x y");
  EXPECT_EQ(FindQueryParam("q=a+b+c", "q"), "a b c");  // '+' is a space, as in forms
  EXPECT_EQ(FindQueryParam("q=%2B%2b", "q"), "++");    // an escaped '+' stays a '+'
  EXPECT_EQ(FindQueryParam("p=%2f%2F", "p"), "//");    // either case of hex digits
  EXPECT_EQ(FindQueryParam("k=%41%42c", "k"), "ABc");
  EXPECT_EQ(FindQueryParam("k=a=b=c", "k"), "a=b=c");  // the first '=' splits
  EXPECT_EQ(FindQueryParam("k=%00", "k"), std::string(1, '\0'));
}

TEST(QueryTest, AbsentParameters) {
  EXPECT_EQ(FindQueryParam("", "a"), nullopt);
  EXPECT_EQ(FindQueryParam("b=1&c=2", "a"), nullopt);
  EXPECT_EQ(FindQueryParam("ab=1&ba=2", "a"), nullopt);  // whole names only
  EXPECT_EQ(FindQueryParam("A=1", "a"), nullopt);        // names are case-sensitive
  EXPECT_EQ(FindQueryParam("x=a%3D1", "a"), nullopt);    // not inside another value
}

TEST(QueryTest, PresentWithoutValue) {
  EXPECT_EQ(FindQueryParam("a", "a"), "");
  EXPECT_EQ(FindQueryParam("a=", "a"), "");
  EXPECT_EQ(FindQueryParam("x=1&a&y=2", "a"), "");
}

TEST(QueryTest, TheFirstOccurrenceWins) {
  EXPECT_EQ(FindQueryParam("a=1&a=2", "a"), "1");
  EXPECT_EQ(FindQueryParam("ab=1&a=2&a=3", "a"), "2");
  // An empty first occurrence still wins: it is present.
  EXPECT_EQ(FindQueryParam("a=&a=2", "a"), "");
}

TEST(QueryTest, EmptyPairsAreSkipped) {
  EXPECT_EQ(FindQueryParam("&&a=1&", "a"), "1");
  EXPECT_EQ(FindQueryParam("&", "a"), nullopt);
}

TEST(QueryTest, NamesAreComparedAsSent) {
  // Not decoded: "api%5Fkey" is not "api_key", as most servers read it.
  EXPECT_EQ(FindQueryParam("api%5Fkey=s", "api_key"), nullopt);
  EXPECT_EQ(FindQueryParam("api%5Fkey=s", "api%5Fkey"), "s");
  EXPECT_EQ(FindQueryParam("api+key=s", "api key"), nullopt);
}

TEST(QueryTest, MalformedEscapesAreKept) {
  EXPECT_EQ(FindQueryParam("a=%zz", "a"), "%zz");
  EXPECT_EQ(FindQueryParam("a=%4", "a"), "%4");
  EXPECT_EQ(FindQueryParam("a=100%", "a"), "100%");
  EXPECT_EQ(FindQueryParam("a=%4g%41", "a"), "%4gA");
  EXPECT_EQ(FindQueryParam("a=%%41", "a"), "%A");
  EXPECT_EQ(FindQueryParam("a=x%41", "a"), "xA");  // an escape that ends the value
}

}  // namespace
}  // namespace rampart::http
