#include "cache/variant_key.h"

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

using Names = std::vector<std::string>;

TEST(VaryFieldsTest, LowerCasedSortedUnique) {
  EXPECT_EQ(VaryFields(Headers({{"Vary", "Accept-Encoding, User-Agent"},
                                {"vary", "accept-encoding ,Accept-Language,,"},
                                {"Content-Type", "text/plain"}})),
            (Names{"accept-encoding", "accept-language", "user-agent"}));
  EXPECT_TRUE(VaryFields(Headers({{"Content-Type", "text/plain"}})).empty());
  EXPECT_TRUE(VaryFields(Headers({{"Vary", ""}})).empty());
}

TEST(VaryFieldsTest, Star) {
  EXPECT_EQ(VaryFields(Headers({{"Vary", "Accept, *"}})), (Names{"*", "accept"}));
}

TEST(VaryVariantKeyTest, JoinsLinesAndNormalisesWhitespace) {
  const Names vary = {"accept-encoding", "accept-language"};
  const http::HeaderMap request = Headers({{"Accept-Encoding", "gzip ,  br"},
                                           {"accept-encoding", "zstd"},
                                           {"Accept-Language", "en-GB, fr;q=0.5"}});
  EXPECT_EQ(VariantKey(vary, request, nullptr),
            "accept-encoding=gzip,br,zstd\naccept-language=en-GB,fr;q=0.5\n");
}

TEST(VaryVariantKeyTest, EquivalentRequestsShareAKey) {
  const Names vary = {"accept-language"};
  EXPECT_EQ(VariantKey(vary, Headers({{"Accept-Language", "en, de"}}), nullptr),
            VariantKey(vary, Headers({{"Accept-Language", "en,de"}}), nullptr));
  EXPECT_EQ(
      VariantKey(vary, Headers({{"Accept-Language", "en"}, {"Accept-Language", "de"}}), nullptr),
      VariantKey(vary, Headers({{"Accept-Language", "en,de"}}), nullptr));
  // Case is kept: values may be case-sensitive.
  EXPECT_NE(VariantKey(vary, Headers({{"Accept-Language", "EN"}}), nullptr),
            VariantKey(vary, Headers({{"Accept-Language", "en"}}), nullptr));
}

TEST(VaryVariantKeyTest, AbsentFieldsAndNoVary) {
  EXPECT_EQ(VariantKey(Names{"x-missing"}, http::HeaderMap{}, nullptr), "x-missing=\n");
  EXPECT_EQ(VariantKey(Names{}, Headers({{"Accept", "x"}}), nullptr), "");
}

TEST(VaryVariantKeyTest, NormalizeIsCalledForEveryName) {
  const Names vary = {"accept-encoding", "user-agent"};
  std::vector<std::string> seen;
  auto normalize = [&](std::string_view name, std::string_view value) -> std::string {
    seen.push_back(std::string(name) + ":" + std::string(value));
    if (name == "accept-encoding") return value.find("br") != std::string_view::npos ? "br" : "";
    return std::string(value);
  };
  const std::string key =
      VariantKey(vary, Headers({{"Accept-Encoding", "gzip, deflate, br"}}), normalize);
  EXPECT_EQ(key, "accept-encoding=br\nuser-agent=\n");
  EXPECT_EQ(seen, (std::vector<std::string>{"accept-encoding:gzip,deflate,br", "user-agent:"}));
}

}  // namespace
}  // namespace rampart::cache
