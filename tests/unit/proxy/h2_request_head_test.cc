#include "proxy/h2_request_head.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace rampart::proxy {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

H2RequestHead Get(const std::string& path) {
  H2RequestHead head{http::ParseLimits{}};
  head.Add(":method", "GET");
  head.Add(":scheme", "https");
  head.Add(":authority", "example.com");
  head.Add(":path", path);
  return head;
}

TEST(H2RequestHeadTest, WritesTheRequestLineHostFieldsAndConnectionClose) {
  H2RequestHead head = Get("/a?b=1");
  head.Add("accept", "*/*");
  head.Add("user-agent", "t");
  ASSERT_EQ(head.Check(), H2RequestHead::Verdict::kBridge);
  EXPECT_EQ(head.ToHttp1(false),
            "GET /a?b=1 HTTP/1.1\r\nhost: example.com\r\naccept: */*\r\nuser-agent: t\r\n"
            "connection: close\r\n\r\n");
}

TEST(H2RequestHeadTest, JoinsCookiesIntoOneField) {
  H2RequestHead head = Get("/");
  head.Add("cookie", "a=1");
  head.Add("accept", "*/*");
  head.Add("cookie", "b=2");
  EXPECT_THAT(head.ToHttp1(false), HasSubstr("\r\ncookie: a=1; b=2\r\n"));
}

TEST(H2RequestHeadTest, FramesTheBody) {
  H2RequestHead with_length = Get("/");
  with_length.Add("content-length", "5");
  EXPECT_FALSE(with_length.chunked_body());
  EXPECT_THAT(with_length.ToHttp1(true), HasSubstr("\r\ncontent-length: 5\r\n"));
  EXPECT_THAT(with_length.ToHttp1(true), Not(HasSubstr("transfer-encoding")));

  H2RequestHead streamed = Get("/");
  EXPECT_TRUE(streamed.chunked_body());
  EXPECT_THAT(streamed.ToHttp1(true), HasSubstr("\r\ntransfer-encoding: chunked\r\n"));
  EXPECT_THAT(streamed.ToHttp1(false), Not(HasSubstr("transfer-encoding")));

  H2RequestHead empty_post{http::ParseLimits{}};
  empty_post.Add(":method", "POST");
  empty_post.Add(":path", "/");
  empty_post.Add(":authority", "h");
  EXPECT_THAT(empty_post.ToHttp1(false), HasSubstr("\r\ncontent-length: 0\r\n"));
}

TEST(H2RequestHeadTest, UsesTheHostFieldWithoutAuthority) {
  H2RequestHead head{http::ParseLimits{}};
  head.Add(":method", "GET");
  head.Add(":path", "/");
  head.Add("host", "h.example");
  ASSERT_EQ(head.Check(), H2RequestHead::Verdict::kBridge);
  EXPECT_THAT(head.ToHttp1(false), HasSubstr("\r\nhost: h.example\r\n"));
}

TEST(H2RequestHeadTest, RefusesAHostNamingAnotherAuthority) {
  H2RequestHead same = Get("/");
  same.Add("host", "EXAMPLE.com");
  EXPECT_EQ(same.Check(), H2RequestHead::Verdict::kBridge);
  EXPECT_EQ(same.ToHttp1(false).find("host:"), same.ToHttp1(false).rfind("host:"));
  H2RequestHead other = Get("/");
  other.Add("host", "evil.example");
  EXPECT_EQ(other.Check(), H2RequestHead::Verdict::kHostMismatch);
}

TEST(H2RequestHeadTest, RefusesConnect) {
  H2RequestHead head{http::ParseLimits{}};
  head.Add(":method", "CONNECT");
  head.Add(":authority", "example.com:443");
  EXPECT_EQ(head.Check(), H2RequestHead::Verdict::kConnect);
}

TEST(H2RequestHeadTest, CountsTheListAgainstTheLimits) {
  // Four pseudo-fields: (7+3+32) + (7+5+32) + (10+11+32) + (5+1+32) = 177 bytes.
  const http::ParseLimits limits{8192, 177 + 40, 5};
  H2RequestHead fits{limits};
  fits.Add(":method", "GET");
  fits.Add(":scheme", "https");
  fits.Add(":authority", "example.com");
  fits.Add(":path", "/");
  fits.Add("a", std::string(7, 'v'));  // 1 + 7 + 32 = 40: exactly at the limit
  EXPECT_EQ(fits.Check(), H2RequestHead::Verdict::kBridge);
  fits.Add("b", "");  // one byte field past both limits
  EXPECT_EQ(fits.Check(), H2RequestHead::Verdict::kTooLarge);
  EXPECT_EQ(fits.limit_error(), http::ParseError::kHeadersTooLarge);

  H2RequestHead many{http::ParseLimits{8192, 65536, 5}};
  for (int i = 0; i < 6; ++i) many.Add("x", "1");
  EXPECT_EQ(many.Check(), H2RequestHead::Verdict::kTooLarge);
  EXPECT_EQ(many.limit_error(), http::ParseError::kTooManyHeaders);
}

}  // namespace
}  // namespace rampart::proxy
