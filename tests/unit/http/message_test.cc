#include "http/message.h"

#include <gtest/gtest.h>

#include <string>

namespace rampart::http {
namespace {

struct TargetCase {
  const char* target;
  const char* path;
  const char* query;
};

TEST(HttpMessageTest, PathAndQueryOfEveryTargetForm) {
  const TargetCase cases[] = {
      {"/", "/", ""},
      {"/a/b", "/a/b", ""},
      {"/a/b?x=1&y=2", "/a/b", "x=1&y=2"},
      {"/a?", "/a", ""},
      {"/a?b?c", "/a", "b?c"},
      {"//double", "//double", ""},
      {"*", "/", ""},
      {"http://host/p?q=1", "/p", "q=1"},
      {"http://host", "/", ""},
      {"https://host:8443?q", "/", "q"},
      {"http://[::1]:80/x/y", "/x/y", ""},
  };
  for (const TargetCase& c : cases) {
    Request request;
    request.target = c.target;
    EXPECT_EQ(request.path(), c.path) << c.target;
    EXPECT_EQ(request.query(), c.query) << c.target;
  }
}

TEST(HttpMessageTest, Defaults) {
  const Request request;
  EXPECT_EQ(request.version, Version::kHttp11);
  EXPECT_EQ(request.framing, BodyFraming::kNone);
  EXPECT_TRUE(request.keep_alive);
  EXPECT_EQ(request.path(), "/");  // an empty target has no path: routed as the root
  EXPECT_EQ(request.query(), "");
}

}  // namespace
}  // namespace rampart::http
