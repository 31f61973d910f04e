// When a certificate is renewed, and the back-off after failures.

#include "acme/schedule.h"

#include <gtest/gtest.h>

namespace rampart::acme {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

constexpr hours kDay{24};

TEST(RenewalTime, DefaultsToAThirdOfTheLifetimeLeft) {
  const Clock::time_point issued = Clock::from_time_t(1'700'000'000);
  const Clock::time_point expires = issued + 90 * kDay;
  EXPECT_EQ(RenewalTime(issued, expires, seconds(0)), expires - 30 * kDay);
  EXPECT_FALSE(RenewalDue(issued, expires, issued + 59 * kDay, seconds(0)));
  EXPECT_TRUE(RenewalDue(issued, expires, issued + 60 * kDay, seconds(0)));
  // A 6-day certificate is renewed with 2 days left, not at once.
  EXPECT_EQ(RenewalTime(issued, issued + 6 * kDay, seconds(0)), issued + 4 * kDay);
}

TEST(RenewalTime, AnExplicitRenewBeforeWins) {
  const Clock::time_point issued = Clock::from_time_t(1'700'000'000);
  const Clock::time_point expires = issued + 90 * kDay;
  EXPECT_EQ(RenewalTime(issued, expires, seconds(10 * kDay)), expires - 10 * kDay);
  EXPECT_FALSE(RenewalDue(issued, expires, expires - 11 * kDay, seconds(10 * kDay)));
  EXPECT_TRUE(RenewalDue(issued, expires, expires - 10 * kDay, seconds(10 * kDay)));
  // Longer than the lifetime: due immediately (what the pebble test uses to force a renewal).
  EXPECT_TRUE(RenewalDue(issued, expires, issued, seconds(100 * kDay)));
  // Expired: due.
  EXPECT_TRUE(RenewalDue(issued, expires, expires + kDay, seconds(0)));
}

TEST(RetryDelay, DoublesFromTheMinimumUpToTheCap) {
  EXPECT_EQ(RetryDelay(1, seconds(60), hours(24)), seconds(60));
  EXPECT_EQ(RetryDelay(2, seconds(60), hours(24)), seconds(120));
  EXPECT_EQ(RetryDelay(3, seconds(60), hours(24)), seconds(240));
  EXPECT_EQ(RetryDelay(11, seconds(60), hours(24)), seconds(61440));
  EXPECT_EQ(RetryDelay(12, seconds(60), hours(24)), hours(24));      // 122880 s, capped
  EXPECT_EQ(RetryDelay(10'000, seconds(60), hours(24)), hours(24));  // no overflow
  EXPECT_EQ(RetryDelay(3, seconds(60), seconds(100)), seconds(100));
}

TEST(RetryDelay, IsNeverBelowASecondNorBelowTheMinimum) {
  EXPECT_EQ(RetryDelay(1, seconds(0), seconds(0)), seconds(1));
  EXPECT_EQ(RetryDelay(0, seconds(5), seconds(60)), seconds(5));
  EXPECT_EQ(RetryDelay(1, seconds(90), seconds(60)), seconds(90));  // a cap below the minimum
}

}  // namespace
}  // namespace rampart::acme
