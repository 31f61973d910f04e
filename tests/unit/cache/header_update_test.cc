#include "cache/header_update.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/strings.h"

namespace rampart::cache {
namespace {

http::HeaderMap Headers(std::initializer_list<std::pair<const char*, const char*>> fields) {
  http::HeaderMap h;
  for (const auto& [name, value] : fields) h.Add(name, value);
  return h;
}

std::vector<std::string> All(const http::HeaderMap& h, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& f : h) {
    if (core::EqualsIgnoreCase(f.name, name)) out.push_back(f.value);
  }
  return out;
}

TEST(HeaderUpdateTest, ReplacesFieldsOfTheSameName) {
  http::HeaderMap stored = Headers({{"Date", "old"},
                                    {"ETag", "\"v1\""},
                                    {"Cache-Control", "max-age=60"},
                                    {"X-Kept", "yes"},
                                    {"Link", "</a>"},
                                    {"Link", "</b>"}});
  UpdateStoredHeaders(stored, Headers({{"date", "new"},
                                       {"Cache-Control", "max-age=120"},
                                       {"Link", "</c>"},
                                       {"X-Added", "1"},
                                       {"X-Added", "2"}}));
  EXPECT_EQ(All(stored, "Date"), std::vector<std::string>{"new"});
  EXPECT_EQ(All(stored, "Cache-Control"), std::vector<std::string>{"max-age=120"});
  EXPECT_EQ(All(stored, "Link"), std::vector<std::string>{"</c>"});
  EXPECT_EQ(All(stored, "X-Added"), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(All(stored, "ETag"), std::vector<std::string>{"\"v1\""});
  EXPECT_EQ(All(stored, "X-Kept"), std::vector<std::string>{"yes"});
}

TEST(HeaderUpdateTest, KeepsContentFieldsAndDropsHopByHop) {
  http::HeaderMap stored = Headers({{"Content-Length", "1234"},
                                    {"Content-Type", "text/html"},
                                    {"Content-Encoding", "gzip"},
                                    {"Content-Range", "bytes 0-1/2"}});
  UpdateStoredHeaders(stored, Headers({{"Content-Length", "0"},
                                       {"Content-Type", "text/plain"},
                                       {"Content-Encoding", "br"},
                                       {"Content-Range", "bytes 5-6/7"},
                                       {"Connection", "close, X-Hop"},
                                       {"X-Hop", "1"},
                                       {"Keep-Alive", "timeout=5"},
                                       {"Transfer-Encoding", "chunked"},
                                       {"Upgrade", "h2c"},
                                       {"Proxy-Authenticate", "Basic"},
                                       {"TE", "trailers"},
                                       {"Trailer", "X"}}));
  EXPECT_EQ(All(stored, "Content-Length"), std::vector<std::string>{"1234"});
  EXPECT_EQ(All(stored, "Content-Type"), std::vector<std::string>{"text/html"});
  EXPECT_EQ(All(stored, "Content-Encoding"), std::vector<std::string>{"gzip"});
  EXPECT_EQ(All(stored, "Content-Range"), std::vector<std::string>{"bytes 0-1/2"});
  for (const char* hop : {"Connection", "X-Hop", "Keep-Alive", "Transfer-Encoding", "Upgrade",
                          "Proxy-Authenticate", "TE", "Trailer"}) {
    EXPECT_TRUE(All(stored, hop).empty()) << hop;
  }
  EXPECT_EQ(stored.size(), 4u);
}

TEST(HeaderUpdateTest, NeverStoresSetCookie) {
  http::HeaderMap stored = Headers({{"ETag", "\"v1\""}});
  UpdateStoredHeaders(stored, Headers({{"Set-Cookie", "session=secret"}, {"ETag", "\"v1\""}}));
  EXPECT_EQ(stored.Get("Set-Cookie"), nullptr);
}

TEST(HeaderUpdateTest, AgeComesOnlyFromThe304) {
  http::HeaderMap stored = Headers({{"Age", "500"}, {"ETag", "\"v1\""}});
  UpdateStoredHeaders(stored, Headers({{"ETag", "\"v1\""}}));
  EXPECT_EQ(stored.Get("Age"), nullptr);
  stored.Add("Age", "500");
  UpdateStoredHeaders(stored, Headers({{"Age", "3"}}));
  EXPECT_EQ(All(stored, "Age"), std::vector<std::string>{"3"});
}

}  // namespace
}  // namespace rampart::cache
