#include "http/http_date.h"

#include <gtest/gtest.h>

namespace rampart::http {
namespace {

// RFC 9110 §5.6.7's example instant, 784111777 seconds after the epoch.
constexpr int64_t kExample = 784111777;

TEST(HttpDateTest, FormatsImfFixdate) {
  EXPECT_EQ(FormatHttpDate(kExample), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(FormatHttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(HttpDateTest, ParsesAllThreeForms) {
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), kExample);
  EXPECT_EQ(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), kExample);
  EXPECT_EQ(ParseHttpDate("Sun Nov  6 08:49:37 1994"), kExample);
}

TEST(HttpDateTest, RoundTrips) {
  for (int64_t t : {int64_t{0}, kExample, int64_t{1'800'000'000}}) {
    EXPECT_EQ(ParseHttpDate(FormatHttpDate(t)), t);
  }
}

TEST(HttpDateTest, RefusesWhatIsNotADate) {
  EXPECT_FALSE(ParseHttpDate(""));
  EXPECT_FALSE(ParseHttpDate("0"));
  EXPECT_FALSE(ParseHttpDate("-1"));
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT trailing"));
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Foo 1994 08:49:37 GMT"));
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Nov 1994 25:49:37 GMT"));
}

}  // namespace
}  // namespace rampart::http
