#include "pipeline/local_reply.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace rampart::pipeline {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ErrorPageTest, IsExactlyStatusReasonAndRequestId) {
  // The whole page, so that anything added to it (a server name, a version, a backend address)
  // fails here and is a conscious decision.
  EXPECT_EQ(ErrorPage(502, "req-42.a_b"),
            "<!DOCTYPE html>\n"
            "<html><head><title>502 Bad Gateway</title></head>\n"
            "<body><h1>502 Bad Gateway</h1>\n"
            "<p>Request ID: req-42.a_b</p>\n"
            "</body></html>\n");
}

TEST(ErrorPageTest, WithoutRequestIdHasNoIdParagraph) {
  const std::string page = ErrorPage(404, "");
  EXPECT_EQ(page,
            "<!DOCTYPE html>\n"
            "<html><head><title>404 Not Found</title></head>\n"
            "<body><h1>404 Not Found</h1>\n"
            "</body></html>\n");
  EXPECT_THAT(page, Not(HasSubstr("Request ID")));
}

TEST(ErrorPageTest, NamesStatusAndReasonForCommonProxyErrors) {
  struct Case {
    int status;
    const char* title;
  };
  for (const Case& c :
       {Case{400, "400 Bad Request"}, Case{403, "403 Forbidden"}, Case{408, "408 Request Timeout"},
        Case{413, "413 Content Too Large"}, Case{429, "429 Too Many Requests"},
        Case{431, "431 Request Header Fields Too Large"}, Case{503, "503 Service Unavailable"},
        Case{504, "504 Gateway Timeout"}, Case{302, "302 Found"}}) {
    const std::string page = ErrorPage(c.status, "id1");
    EXPECT_THAT(page, HasSubstr(std::string("<title>") + c.title + "</title>")) << c.status;
    EXPECT_THAT(page, HasSubstr(std::string("<h1>") + c.title + "</h1>")) << c.status;
    EXPECT_THAT(page, HasSubstr("<p>Request ID: id1</p>")) << c.status;
  }
}

TEST(ErrorPageTest, RevealsNothingAboutTheProxyOrBackends) {
  for (int status : {400, 404, 413, 500, 502, 503, 504}) {
    const std::string page = ErrorPage(status, "0123456789abcdef");
    for (const char* word : {"rampart", "Rampart", "libevent", "nginx", "Server:", "version",
                             "127.0.0.1", "upstream", "backend", "pool", ":80"}) {
      EXPECT_THAT(page, Not(HasSubstr(word))) << status << " " << word;
    }
  }
}

TEST(ErrorPageTest, UnknownStatusStillRenders) {
  EXPECT_THAT(ErrorPage(599, "x"), HasSubstr("<h1>599 Unknown</h1>"));
}

}  // namespace
}  // namespace rampart::pipeline
