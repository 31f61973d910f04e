// fastpath::DetectsInjectionRemembered against libinjection as libmodsecurity runs it
// (modsec::DetectsSqli/DetectsXss): a remembered verdict must be the verdict, whatever was judged
// before it in the same slot, for either kind, for values past what it remembers.

#include "fastpath/injection_memo.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "modsec/libinjection.h"

namespace rampart::fastpath {
namespace {

bool Judged(Injection kind, const std::string& value) {
  return kind == Injection::kSqli ? modsec::DetectsSqli(value) : modsec::DetectsXss(value);
}

// Header and cookie values, clean and hostile, and random ones from pieces of SQL, HTML and
// script: more values than the memory has slots, so slots are taken over again and again.
std::vector<std::string> Values() {
  std::vector<std::string> values = {
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0",
      "https://shop.example/products?id=2",
      "4f2a9c81e7",
      "1' or '1'='1",
      "1 union select password from users--",
      "<script>alert(1)</script>",
      "<img src=x onerror=alert(1)>",
      "\" onmouseover=\"alert(1)",
      "",
  };
  std::mt19937 rng(1234);
  const std::vector<std::string> pieces = {
      "1",      "'",     "\"",       " or ",      "=",      "--",     " union ", " select ",
      "abc",    " ",     "/*",       "*/",        ";",      "(",      ")",       "<script>",
      "<img ",  "src=x", " onerror", "=alert(1)", ">",      "<svg/",  "onload",  "javascript:",
      "&quot;", "%27",   "#",        " and ",     "sleep(", "from t", "x@y.z",   "Mozilla/5.0"};
  for (int i = 0; i < 3000; ++i) {
    std::string v;
    const size_t count = 1 + rng() % 8;
    for (size_t j = 0; j < count; ++j) v += pieces[rng() % pieces.size()];
    values.push_back(v);
  }
  values.push_back(std::string(3000, 'a') + "' or 1=1--");  // longer than what is remembered
  return values;
}

TEST(InjectionMemoTest, RememberedVerdictsAreLibinjectionsOwn) {
  const std::vector<std::string> values = Values();
  size_t positives[2] = {0, 0};
  (void)TakeInjectionMemoCounts();
  // Three rounds in different orders and kinds: first judged, then mostly remembered.
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < values.size(); ++i) {
      const std::string& v = values[round == 1 ? values.size() - 1 - i : i];
      for (Injection kind : {Injection::kXss, Injection::kSqli}) {
        const bool expected = Judged(kind, v);
        ASSERT_EQ(DetectsInjectionRemembered(kind, v), expected)
            << "round " << round << (kind == Injection::kSqli ? " sqli " : " xss ") << v;
        if (round == 0) positives[static_cast<int>(kind)] += expected ? 1 : 0;
      }
    }
  }
  // The values hold both verdicts of both kinds, so a mix-up would have shown.
  EXPECT_GT(positives[0], 100u);
  EXPECT_GT(positives[1], 100u);
  EXPECT_LT(positives[0], values.size() - 100);
  EXPECT_LT(positives[1], values.size() - 100);
  const InjectionMemoCounts counts = TakeInjectionMemoCounts();
  EXPECT_EQ(counts.hits + counts.misses, 3 * 2 * values.size());
  EXPECT_GT(counts.hits, 0u);
  EXPECT_GT(counts.misses, 2 * values.size() / 2);  // more values than slots: many judged again
}

TEST(InjectionMemoTest, CountsSayWhatWasRememberedAndResetWhenTaken) {
  (void)TakeInjectionMemoCounts();
  const std::string ua = "Mozilla/5.0 (a counting test) " + std::to_string(std::random_device{}());
  EXPECT_FALSE(DetectsInjectionRemembered(Injection::kSqli, ua));
  EXPECT_FALSE(DetectsInjectionRemembered(Injection::kSqli, ua));
  EXPECT_FALSE(DetectsInjectionRemembered(Injection::kXss, ua));  // the other kind: judged
  InjectionMemoCounts counts = TakeInjectionMemoCounts();
  EXPECT_EQ(counts.hits, 1u);
  EXPECT_EQ(counts.misses, 2u);
  counts = TakeInjectionMemoCounts();
  EXPECT_EQ(counts.hits + counts.misses, 0u);

  // A value longer than what is remembered is judged every time.
  const std::string long_value = std::string(4000, 'x') + "' or 1=1--";
  EXPECT_EQ(DetectsInjectionRemembered(Injection::kSqli, long_value),
            modsec::DetectsSqli(long_value));
  EXPECT_EQ(DetectsInjectionRemembered(Injection::kSqli, long_value),
            modsec::DetectsSqli(long_value));
  counts = TakeInjectionMemoCounts();
  EXPECT_EQ(counts.hits, 0u);
  EXPECT_EQ(counts.misses, 2u);
}

}  // namespace
}  // namespace rampart::fastpath
