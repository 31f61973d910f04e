// fastpath::ValueMemo: a value is found only under the fast path, variable, key (in any case)
// and bytes it was remembered with; arguments and long values are never remembered; more values
// than the memory holds push older ones out but never give a value another value's links.

#include "fastpath/value_memo.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rampart::fastpath {
namespace {

Value Header(const std::string& name, const std::string& value) {
  return {Variable::kRequestHeaders, name, value};
}

// The serials are made up, far above any a fast path of this test binary gets (FastPath counts
// them from 1), so these entries never answer for a real fast path's values.
TEST(ValueMemoTest, FindsOnlyWhatWasRememberedUnderTheSameSerialVariableAndKey) {
  (void)ValueMemo::Take();
  const uint64_t serial = 1'000'001;
  const Value ua = Header("User-Agent", "Mozilla/5.0 (memo test)");
  EXPECT_EQ(ValueMemo::Find(serial, ua), nullptr);
  ValueMemo::Remember(serial, ua, {3, 7});
  const std::vector<uint32_t>* links = ValueMemo::Find(serial, ua);
  ASSERT_NE(links, nullptr);
  EXPECT_EQ(*links, (std::vector<uint32_t>{3, 7}));
  // Header names in any case are one header, as libmodsecurity's keys are.
  links = ValueMemo::Find(serial, Header("user-agent", ua.value));
  ASSERT_NE(links, nullptr);
  EXPECT_EQ(*links, (std::vector<uint32_t>{3, 7}));
  // Another fast path, another header, a cookie of that name, other bytes: not found.
  EXPECT_EQ(ValueMemo::Find(serial + 1, ua), nullptr);
  EXPECT_EQ(ValueMemo::Find(serial, Header("Referer", ua.value)), nullptr);
  EXPECT_EQ(ValueMemo::Find(serial, {Variable::kRequestCookies, "User-Agent", ua.value}), nullptr);
  EXPECT_EQ(ValueMemo::Find(serial, Header("User-Agent", ua.value + " ")), nullptr);
  // An empty list is remembered too (the common case: nothing may match).
  const Value clean = {Variable::kRequestCookies, "theme", "dark"};
  ValueMemo::Remember(serial, clean, {});
  links = ValueMemo::Find(serial, clean);
  ASSERT_NE(links, nullptr);
  EXPECT_TRUE(links->empty());
  const ValueMemo::Counts counts = ValueMemo::Take();
  EXPECT_EQ(counts.hits, 3u);
  EXPECT_EQ(counts.misses, 5u);
  EXPECT_EQ(ValueMemo::Take().hits, 0u);
}

TEST(ValueMemoTest, RemembersHeadersCookiesAndConstantsButNotTheUriArgumentsOrLongValues) {
  EXPECT_TRUE(ValueMemo::Remembers(Header("Referer", "https://shop.example/")));
  EXPECT_TRUE(ValueMemo::Remembers({Variable::kRequestCookies, "session", "4f2a9c81e7"}));
  EXPECT_TRUE(ValueMemo::Remembers({Variable::kRequestCookiesNames, "", "session"}));
  EXPECT_TRUE(ValueMemo::Remembers({Variable::kRequestHeadersNames, "", "Accept"}));
  EXPECT_TRUE(ValueMemo::Remembers({Variable::kRequestMethod, "", "GET"}));
  EXPECT_TRUE(ValueMemo::Remembers({Variable::kEmptyScalar, "", ""}));
  EXPECT_FALSE(ValueMemo::Remembers({Variable::kArgsGet, "q", "shoes"}));
  EXPECT_FALSE(ValueMemo::Remembers({Variable::kQueryString, "", "q=shoes"}));
  EXPECT_FALSE(ValueMemo::Remembers({Variable::kArgsPost, "q", "shoes"}));
  EXPECT_FALSE(ValueMemo::Remembers({Variable::kRequestUri, "", "/"}));
  EXPECT_FALSE(ValueMemo::Remembers(Header("Cookie", std::string(3000, 'a'))));
  // Remember ignores what it does not remember.
  const uint64_t serial = 1'000'002;
  const Value arg = {Variable::kArgsGet, "q", "shoes"};
  ValueMemo::Remember(serial, arg, {1});
  EXPECT_EQ(ValueMemo::Find(serial, arg), nullptr);
}

TEST(ValueMemoTest, ManyValuesPushOlderOnesOutButNeverMixThemUp) {
  const uint64_t serial = 1'000'003;
  constexpr uint32_t kValues = 5000;  // several times what one thread remembers
  for (uint32_t i = 0; i < kValues; ++i) {
    ValueMemo::Remember(serial, Header("X-Id", std::to_string(i)), {i});
  }
  size_t found = 0;
  for (uint32_t i = 0; i < kValues; ++i) {
    const std::vector<uint32_t>* links = ValueMemo::Find(serial, Header("X-Id", std::to_string(i)));
    if (links == nullptr) continue;
    ++found;
    ASSERT_EQ(*links, std::vector<uint32_t>{i}) << "value " << i;
  }
  EXPECT_GT(found, 500u);  // the latest ones stay
  EXPECT_LT(found, kValues);
  // The last value remembered is always found.
  ASSERT_NE(ValueMemo::Find(serial, Header("X-Id", std::to_string(kValues - 1))), nullptr);
}

}  // namespace
}  // namespace rampart::fastpath
