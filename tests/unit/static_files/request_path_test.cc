#include "static_files/request_path.h"

#include <gtest/gtest.h>

namespace rampart::static_files {
namespace {

TEST(StaticRequestPathTest, DecodesEscapesInSegments) {
  EXPECT_EQ(DecodeRequestPath("/my%20file.txt"), "/my file.txt");
  EXPECT_EQ(DecodeRequestPath("/caf%C3%A9.txt"), "/caf\xC3\xA9.txt");
  EXPECT_EQ(DecodeRequestPath("/a/b%23c/%25d"), "/a/b#c/%d");
  EXPECT_EQ(DecodeRequestPath("/plain/path.html"), "/plain/path.html");
}

TEST(StaticRequestPathTest, LeavesDotsAndBackslashesForTheLookupToRefuse) {
  EXPECT_EQ(DecodeRequestPath("/%2e%2e/secret"), "/../secret");
  EXPECT_EQ(DecodeRequestPath("/a%5cb"), "/a\\b");
}

TEST(StaticRequestPathTest, RefusesEscapedSlashNulAndMalformedEscapes) {
  EXPECT_FALSE(DecodeRequestPath("/..%2fsecret"));
  EXPECT_FALSE(DecodeRequestPath("/a%2Fb"));
  EXPECT_FALSE(DecodeRequestPath("/a%00.html"));
  EXPECT_FALSE(DecodeRequestPath("/a%zz"));
  EXPECT_FALSE(DecodeRequestPath("/a%2"));
  EXPECT_FALSE(DecodeRequestPath("/a%"));
}

}  // namespace
}  // namespace rampart::static_files
