#include "http/header_map.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rampart::http {
namespace {

std::vector<std::string> Tokens(std::string_view list) {
  std::vector<std::string> tokens;
  ForEachListToken(list, [&](std::string_view t) { tokens.emplace_back(t); });
  return tokens;
}

TEST(HeaderMapTest, AddKeepsOrderAndDuplicates) {
  HeaderMap headers;
  headers.Add("A", "1");
  headers.Add("b", "2");
  headers.Add("a", "3");
  ASSERT_EQ(headers.size(), 3u);
  EXPECT_EQ(headers.fields()[0].name, "A");
  EXPECT_EQ(headers.fields()[1].name, "b");
  EXPECT_EQ(headers.fields()[2].value, "3");
  EXPECT_FALSE(headers.empty());
}

TEST(HeaderMapTest, GetIsCaseInsensitiveAndReturnsTheFirst) {
  HeaderMap headers;
  headers.Add("Content-Type", "text/html");
  headers.Add("content-type", "text/plain");
  ASSERT_NE(headers.Get("CONTENT-TYPE"), nullptr);
  EXPECT_EQ(*headers.Get("CONTENT-TYPE"), "text/html");
  EXPECT_EQ(headers.Get("Content-Length"), nullptr);
  EXPECT_EQ(headers.Get("Content-Typ"), nullptr);
  EXPECT_EQ(headers.Count("content-TYPE"), 2u);
  EXPECT_EQ(headers.Count("x"), 0u);
}

TEST(HeaderMapTest, SetReplacesEveryFieldOfThatName) {
  HeaderMap headers;
  headers.Add("X", "1");
  headers.Add("Y", "2");
  headers.Add("x", "3");
  headers.Set("X", "new");
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers.fields()[0].name, "X");  // keeps the first one's place
  EXPECT_EQ(headers.fields()[0].value, "new");
  EXPECT_EQ(headers.fields()[1].name, "Y");
  headers.Set("Z", "added");
  EXPECT_EQ(headers.size(), 3u);
  EXPECT_EQ(*headers.Get("z"), "added");
}

TEST(HeaderMapTest, RemoveReturnsHowMany) {
  HeaderMap headers;
  headers.Add("X", "1");
  headers.Add("Y", "2");
  headers.Add("x", "3");
  EXPECT_EQ(headers.Remove("X"), 2u);
  EXPECT_EQ(headers.Remove("X"), 0u);
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers.fields()[0].name, "Y");
  headers.clear();
  EXPECT_TRUE(headers.empty());
}

TEST(HeaderMapTest, HasTokenAcrossFields) {
  HeaderMap headers;
  headers.Add("Connection", "keep-alive");
  headers.Add("connection", " Upgrade ,\tTE");
  EXPECT_TRUE(headers.HasToken("Connection", "upgrade"));
  EXPECT_TRUE(headers.HasToken("CONNECTION", "KEEP-ALIVE"));
  EXPECT_TRUE(headers.HasToken("Connection", "te"));
  EXPECT_FALSE(headers.HasToken("Connection", "close"));
  EXPECT_FALSE(headers.HasToken("Connection", "alive"));  // whole tokens only
  EXPECT_FALSE(headers.HasToken("Upgrade", "upgrade"));
}

TEST(HeaderMapTest, HasTokenDoesNotMatchPrefixes) {
  HeaderMap headers;
  headers.Add("Connection", "closed, keep-alive-ish");
  EXPECT_FALSE(headers.HasToken("Connection", "close"));
  EXPECT_FALSE(headers.HasToken("Connection", "keep-alive"));
}

TEST(HeaderMapTest, ForEachListTokenTrimsAndSkipsEmpty) {
  EXPECT_EQ(Tokens("a, b ,\tc"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(Tokens(",, a,,"), (std::vector<std::string>{"a"}));
  EXPECT_EQ(Tokens(""), std::vector<std::string>{});
  EXPECT_EQ(Tokens(" \t "), std::vector<std::string>{});
  EXPECT_EQ(Tokens("gzip, chunked"), (std::vector<std::string>{"gzip", "chunked"}));
}

TEST(HeaderMapTest, IterationVisitsFieldsInOrder) {
  HeaderMap headers;
  headers.Add("A", "1");
  headers.Add("B", "2");
  std::string seen;
  for (const Header& h : headers) seen += h.name + "=" + h.value + ";";
  EXPECT_EQ(seen, "A=1;B=2;");
}

}  // namespace
}  // namespace rampart::http
