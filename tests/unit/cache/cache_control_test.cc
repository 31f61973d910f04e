#include "cache/cache_control.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rampart::cache {
namespace {

http::HeaderMap Headers(std::initializer_list<std::pair<const char*, const char*>> fields) {
  http::HeaderMap h;
  for (const auto& [name, value] : fields) h.Add(name, value);
  return h;
}

CacheControl Parse(const char* value) {
  return ParseCacheControl(Headers({{"Cache-Control", value}}));
}

TEST(CacheControlTest, EmptyAndAbsent) {
  const CacheControl cc = ParseCacheControl(http::HeaderMap{});
  EXPECT_FALSE(cc.max_age);
  EXPECT_FALSE(cc.no_store);
  EXPECT_FALSE(cc.no_cache);
  const CacheControl empty = Parse("");
  EXPECT_FALSE(empty.max_age);
  EXPECT_FALSE(empty.public_);
}

TEST(CacheControlTest, ParsesEveryDirective) {
  const CacheControl cc = Parse(
      "max-age=60, s-maxage=120, stale-while-revalidate=30, stale-if-error=600, max-stale=5, "
      "min-fresh=7, no-store, no-cache, private, public, must-revalidate, proxy-revalidate, "
      "only-if-cached, no-transform, immutable");
  EXPECT_EQ(cc.max_age, 60);
  EXPECT_EQ(cc.s_maxage, 120);
  EXPECT_EQ(cc.stale_while_revalidate, 30);
  EXPECT_EQ(cc.stale_if_error, 600);
  EXPECT_EQ(cc.max_stale, 5);
  EXPECT_EQ(cc.min_fresh, 7);
  EXPECT_TRUE(cc.no_store);
  EXPECT_TRUE(cc.no_cache);
  EXPECT_TRUE(cc.private_);
  EXPECT_TRUE(cc.public_);
  EXPECT_TRUE(cc.must_revalidate);
  EXPECT_TRUE(cc.proxy_revalidate);
  EXPECT_TRUE(cc.only_if_cached);
  EXPECT_TRUE(cc.no_transform);
  EXPECT_TRUE(cc.immutable);
  EXPECT_FALSE(cc.no_cache_with_fields);
  EXPECT_FALSE(cc.private_with_fields);
}

TEST(CacheControlTest, NamesAreCaseInsensitive) {
  const CacheControl cc = Parse("MAX-AGE=10, No-Store, Public, S-MaxAge=20");
  EXPECT_EQ(cc.max_age, 10);
  EXPECT_EQ(cc.s_maxage, 20);
  EXPECT_TRUE(cc.no_store);
  EXPECT_TRUE(cc.public_);
}

TEST(CacheControlTest, QuotedArguments) {
  EXPECT_EQ(Parse("max-age=\"60\"").max_age, 60);
  // A comma inside a quoted string does not split the list.
  const CacheControl cc = Parse("no-cache=\"Set-Cookie, X-Foo\", max-age=5");
  EXPECT_TRUE(cc.no_cache);
  EXPECT_TRUE(cc.no_cache_with_fields);
  EXPECT_EQ(cc.max_age, 5);
  // Escapes inside quotes, then more directives.
  const CacheControl escaped = Parse("ext=\"a\\\"b,c\", public");
  EXPECT_TRUE(escaped.public_);
  const CacheControl priv = Parse("private=\"Set-Cookie\"");
  EXPECT_TRUE(priv.private_);
  EXPECT_TRUE(priv.private_with_fields);
  // An unterminated quoted string drops that directive only.
  const CacheControl open = Parse("public, max-age=\"60");
  EXPECT_TRUE(open.public_);
  EXPECT_FALSE(open.max_age);
}

TEST(CacheControlTest, DuplicatesFirstValidWins) {
  EXPECT_EQ(Parse("max-age=10, max-age=20").max_age, 10);
  EXPECT_EQ(Parse("max-age=abc, max-age=20").max_age, 20);
  // Across field lines too.
  const CacheControl cc = ParseCacheControl(
      Headers({{"Cache-Control", "max-age=30"}, {"Cache-Control", "max-age=40, no-store"}}));
  EXPECT_EQ(cc.max_age, 30);
  EXPECT_TRUE(cc.no_store);
}

TEST(CacheControlTest, InvalidNumbersAreIgnored) {
  EXPECT_FALSE(Parse("max-age=").max_age);
  EXPECT_FALSE(Parse("max-age").max_age);
  EXPECT_FALSE(Parse("max-age=-1").max_age);
  EXPECT_FALSE(Parse("max-age=+5").max_age);
  EXPECT_FALSE(Parse("max-age=1.5").max_age);
  EXPECT_FALSE(Parse("max-age=10s").max_age);
  EXPECT_FALSE(Parse("s-maxage=\"\"").s_maxage);
  EXPECT_EQ(Parse("max-age=0").max_age, 0);
}

TEST(CacheControlTest, HugeNumbersClampToTwoToThe31) {
  EXPECT_EQ(Parse("max-age=99999999999999999999999999").max_age, int64_t{1} << 31);
  EXPECT_EQ(Parse("max-age=2147483647").max_age, 2147483647);
}

TEST(CacheControlTest, MaxStaleWithoutValueIsUnbounded) {
  EXPECT_EQ(Parse("max-stale").max_stale, INT64_MAX);
  EXPECT_EQ(Parse("max-stale=30").max_stale, 30);
  EXPECT_EQ(Parse("max-stale, max-stale=30").max_stale, INT64_MAX);
  EXPECT_FALSE(Parse("max-stale=x").max_stale);
}

TEST(CacheControlTest, GarbageIsSkipped) {
  const CacheControl cc = Parse(" ,, ;;; , max-age=5 junk here , \"quoted\", =, public ,");
  EXPECT_EQ(cc.max_age, 5);
  EXPECT_TRUE(cc.public_);
  EXPECT_FALSE(cc.no_store);
  EXPECT_FALSE(Parse("no-storex, xno-cache").no_store);
  EXPECT_FALSE(Parse("no-storex, xno-cache").no_cache);
  // Whitespace around '=' and tabs are tolerated.
  EXPECT_EQ(Parse("\tmax-age = 7\t").max_age, 7);
}

TEST(CacheControlTest, OtherFieldName) {
  const http::HeaderMap h =
      Headers({{"Cache-Control", "max-age=1"}, {"Surrogate-Control", "max-age=99"}});
  EXPECT_EQ(ParseCacheControl(h, "surrogate-control").max_age, 99);
}

const std::vector<std::string> kCdn = {"CDN-Cache-Control"};

TEST(CacheControlTargetedTest, TargetedFieldReplacesCacheControl) {
  const http::HeaderMap h =
      Headers({{"Cache-Control", "no-store"}, {"CDN-Cache-Control", "max-age=60, public"}});
  std::string used = "x";
  const CacheControl cc = ResponseCacheControl(h, kCdn, &used);
  EXPECT_EQ(used, "CDN-Cache-Control");
  EXPECT_EQ(cc.max_age, 60);
  EXPECT_TRUE(cc.public_);
  EXPECT_FALSE(cc.no_store);  // Cache-Control is not merged in
}

TEST(CacheControlTargetedTest, FirstPresentOfSeveralWins) {
  const std::vector<std::string> fields = {"Rampart-Cache-Control", "CDN-Cache-Control"};
  const http::HeaderMap both = Headers({{"CDN-Cache-Control", "max-age=60"},
                                        {"Rampart-Cache-Control", "max-age=5"},
                                        {"Cache-Control", "max-age=1"}});
  std::string used;
  EXPECT_EQ(ResponseCacheControl(both, fields, &used).max_age, 5);
  EXPECT_EQ(used, "Rampart-Cache-Control");
  const http::HeaderMap cdn_only =
      Headers({{"cdn-cache-control", "max-age=60"}, {"Cache-Control", "max-age=1"}});
  EXPECT_EQ(ResponseCacheControl(cdn_only, fields, &used).max_age, 60);
  EXPECT_EQ(used, "CDN-Cache-Control");
}

TEST(CacheControlTargetedTest, FallsBackWhenAbsentEmptyOrInvalid) {
  std::string used = "x";
  const http::HeaderMap none = Headers({{"Cache-Control", "max-age=1"}});
  EXPECT_EQ(ResponseCacheControl(none, kCdn, &used).max_age, 1);
  EXPECT_EQ(used, "");
  for (const char* bad : {"", "   ", "Max-Age=60", "max-age=60,", "max-age=\"60", "max-age=1.2.3",
                          "max-age=60; ", "max-age=1234567890123456", "a=(1 2", "@", "x=?2"}) {
    SCOPED_TRACE(bad);
    const http::HeaderMap h = Headers({{"CDN-Cache-Control", bad}, {"Cache-Control", "max-age=1"}});
    used = "x";
    EXPECT_EQ(ResponseCacheControl(h, kCdn, &used).max_age, 1);
    EXPECT_EQ(used, "");
  }
  // An invalid first targeted field falls back to the next one.
  const std::vector<std::string> fields = {"A-Cache-Control", "B-Cache-Control"};
  const http::HeaderMap h =
      Headers({{"A-Cache-Control", "max-age=="}, {"B-Cache-Control", "max-age=9"}});
  EXPECT_EQ(ResponseCacheControl(h, fields, &used).max_age, 9);
  EXPECT_EQ(used, "B-Cache-Control");
  // Null `used` is fine.
  EXPECT_EQ(ResponseCacheControl(h, fields).max_age, 9);
}

TEST(CacheControlTargetedTest, StructuredFieldTypes) {
  auto parse = [](const char* value) {
    return ResponseCacheControl(Headers({{"CDN-Cache-Control", value}}), kCdn);
  };
  // Booleans: bare, ?1, ?0.
  EXPECT_TRUE(parse("no-store").no_store);
  EXPECT_TRUE(parse("no-store=?1").no_store);
  EXPECT_FALSE(parse("no-store=?0").no_store);
  // Integers only for numeric directives: others types are ignored, the field stays valid.
  EXPECT_EQ(parse("max-age=60").max_age, 60);
  EXPECT_FALSE(parse("max-age=\"60\"").max_age);
  EXPECT_FALSE(parse("max-age=1.5").max_age);
  EXPECT_FALSE(parse("max-age=-5").max_age);
  EXPECT_TRUE(parse("max-age=\"60\", public").public_);
  EXPECT_EQ(parse("s-maxage=10, stale-while-revalidate=20, stale-if-error=30").stale_if_error, 30);
  // Parameters are ignored.
  EXPECT_EQ(parse("max-age=60;foo=bar, must-revalidate;x").max_age, 60);
  EXPECT_TRUE(parse("max-age=60;foo=bar, must-revalidate;x").must_revalidate);
  // The qualified forms of no-cache and private.
  const CacheControl qualified = parse("no-cache=\"set-cookie\", private=(\"x\" \"y\")");
  EXPECT_TRUE(qualified.no_cache && qualified.no_cache_with_fields);
  EXPECT_TRUE(qualified.private_ && qualified.private_with_fields);
  // A repeated key: the last value wins (dictionary semantics).
  EXPECT_EQ(parse("max-age=5, max-age=10").max_age, 10);
  // Tokens and unknown keys are fine and ignored.
  EXPECT_EQ(parse("foo=bar, max-age=3, *x=:aGk=:").max_age, 3);
  // Huge integers clamp.
  EXPECT_EQ(parse("max-age=999999999999999").max_age, int64_t{1} << 31);
}

TEST(CacheControlTargetedTest, SeveralLinesAreCombined) {
  const http::HeaderMap h = Headers({{"CDN-Cache-Control", "max-age=60"},
                                     {"CDN-Cache-Control", ""},
                                     {"CDN-Cache-Control", "no-transform"}});
  const CacheControl cc = ResponseCacheControl(h, kCdn);
  EXPECT_EQ(cc.max_age, 60);
  EXPECT_TRUE(cc.no_transform);
}

}  // namespace
}  // namespace rampart::cache
