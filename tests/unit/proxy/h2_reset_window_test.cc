#include "proxy/h2_reset_window.h"

#include <gtest/gtest.h>

namespace rampart::proxy {
namespace {

TEST(H2ResetWindowTest, CountsWithinTheLastTenSeconds) {
  H2ResetWindow window;
  const uint64_t t0 = 1'000'000;
  EXPECT_EQ(window.Add(t0), 1u);
  EXPECT_EQ(window.Add(t0 + 500), 2u);
  EXPECT_EQ(window.Add(t0 + 9'000), 3u);
  // Ten seconds on, the first second's two have left the window.
  EXPECT_EQ(window.Add(t0 + 10'000), 2u);
  // Long after, only the new one counts.
  EXPECT_EQ(window.Add(t0 + 60'000), 1u);
}

TEST(H2ResetWindowTest, AFloodWithinOneSecondAddsUp) {
  H2ResetWindow window;
  uint32_t last = 0;
  for (int i = 0; i < 300; ++i) last = window.Add(5'000'000 + i);
  EXPECT_EQ(last, 300u);
}

}  // namespace
}  // namespace rampart::proxy
