#include "cache/cache_status.h"

#include <gtest/gtest.h>

namespace rampart::cache {
namespace {

TEST(CacheStatusTest, Hit) {
  CacheStatusInfo info;
  info.hit = true;
  info.ttl = 30;
  EXPECT_EQ(FormatCacheStatus(info), "rampart; hit; ttl=30");
}

TEST(CacheStatusTest, MissStored) {
  CacheStatusInfo info;
  info.fwd = "uri-miss";
  info.fwd_status = 200;
  info.stored = true;
  EXPECT_EQ(FormatCacheStatus(info), "rampart; fwd=uri-miss; fwd-status=200; stored");
}

TEST(CacheStatusTest, Revalidated) {
  CacheStatusInfo info;
  info.fwd = "stale";
  info.fwd_status = 304;
  info.ttl = 60;
  EXPECT_EQ(FormatCacheStatus(info), "rampart; fwd=stale; fwd-status=304; ttl=60");
}

TEST(CacheStatusTest, DetailTokenOrString) {
  CacheStatusInfo info;
  info.hit = true;
  info.detail = "stale-while-revalidate";
  EXPECT_EQ(FormatCacheStatus(info), "rampart; hit; detail=stale-while-revalidate");
  info.detail = "stale if error";
  EXPECT_EQ(FormatCacheStatus(info), "rampart; hit; detail=\"stale if error\"");
  info.detail = "a\"b\\c\x01\xff";
  EXPECT_EQ(FormatCacheStatus(info), "rampart; hit; detail=\"a\\\"b\\\\c??\"");
  info.detail = "1starts-with-digit";
  EXPECT_EQ(FormatCacheStatus(info), "rampart; hit; detail=\"1starts-with-digit\"");
}

TEST(CacheStatusTest, CollapsedAndNegativeTtl) {
  CacheStatusInfo info;
  info.hit = true;
  info.collapsed = true;
  info.ttl = -5;
  EXPECT_EQ(FormatCacheStatus(info), "rampart; hit; collapsed; ttl=-5");
}

TEST(CacheStatusTest, HitWinsOverFwdAndNameIsQuotedWhenNotAToken) {
  CacheStatusInfo info;
  info.cache_name = "edge cache";
  info.hit = true;
  info.fwd = "miss";
  EXPECT_EQ(FormatCacheStatus(info), "\"edge cache\"; hit");
  info.hit = false;
  info.cache_name = "rampart";
  EXPECT_EQ(FormatCacheStatus(info), "rampart; fwd=miss");
  info.fwd = {};
  EXPECT_EQ(FormatCacheStatus(info), "rampart");
}

}  // namespace
}  // namespace rampart::cache
