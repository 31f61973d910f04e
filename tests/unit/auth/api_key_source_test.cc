// ApiKeySource: where a route takes its API key from (header first, then query parameter) and
// the name of the key it presents.

#include "auth/api_key_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "auth/api_keys.h"

namespace rampart::auth {
namespace {

namespace fs = std::filesystem;

class ApiKeySourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rampart-apikeysource-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    const std::string path = (dir_ / "api-keys").string();
    std::ofstream(path, std::ios::trunc) << HashApiKeyLine("billing", "key-billing-0123") << "\n"
                                         << HashApiKeyLine("ci", "key ci+/=&1") << "\n"
                                         << HashApiKeyLine("spaced", "a b") << "\n";
    auto keys = ApiKeys::Load(path);
    ASSERT_TRUE(keys.ok()) << keys.error().message;
    keys_ = keys.value();
  }
  void TearDown() override { fs::remove_all(dir_); }

  ApiKeySource Source(std::string header, std::string query) const {
    return ApiKeySource(keys_, std::move(header), std::move(query));
  }

  static http::Request Request(const std::string& target) {
    http::Request request;
    request.method = "GET";
    request.target = target;
    request.host = "api.example";
    return request;
  }

  fs::path dir_;
  std::shared_ptr<const ApiKeys> keys_;
};

TEST_F(ApiKeySourceTest, Accessors) {
  const ApiKeySource source = Source("X-Api-Key", "api_key");
  EXPECT_EQ(source.header(), "X-Api-Key");
  EXPECT_EQ(source.query(), "api_key");
  EXPECT_EQ(Source("", "key").header(), "");
  EXPECT_EQ(Source("X-Key", "").query(), "");
}

TEST_F(ApiKeySourceTest, HeaderOnly) {
  const ApiKeySource source = Source("X-Api-Key", "");
  http::Request request = Request("/v1/items?api_key=from-query");
  EXPECT_EQ(source.Presented(request), std::nullopt);  // no query parameter configured
  request.headers.Add("X-Api-Key", "key-billing-0123");
  EXPECT_EQ(source.Presented(request), "key-billing-0123");
  // Header names are case-insensitive.
  http::Request lower = Request("/");
  lower.headers.Add("x-api-key", "abc");
  EXPECT_EQ(source.Presented(lower), "abc");
}

TEST_F(ApiKeySourceTest, QueryOnly) {
  const ApiKeySource source = Source("", "api_key");
  http::Request request = Request("/v1/items?a=1&api_key=key-billing-0123&b=2");
  request.headers.Add("X-Api-Key", "from-header");
  EXPECT_EQ(source.Presented(request), "key-billing-0123");
  EXPECT_EQ(source.Presented(Request("/v1/items")), std::nullopt);
  EXPECT_EQ(source.Presented(Request("/v1/items?other=1")), std::nullopt);
}

TEST_F(ApiKeySourceTest, HeaderComesBeforeQuery) {
  const ApiKeySource source = Source("X-Api-Key", "api_key");
  http::Request both = Request("/?api_key=from-query");
  both.headers.Add("X-Api-Key", "from-header");
  EXPECT_EQ(source.Presented(both), "from-header");
  // The first header field when it is repeated.
  both.headers.Add("X-Api-Key", "second");
  EXPECT_EQ(source.Presented(both), "from-header");
  EXPECT_EQ(source.Presented(Request("/?api_key=from-query")), "from-query");
}

TEST_F(ApiKeySourceTest, EmptyValuesAreNotKeys) {
  const ApiKeySource source = Source("X-Api-Key", "api_key");
  // An empty header falls through to the query parameter.
  http::Request empty_header = Request("/?api_key=from-query");
  empty_header.headers.Add("X-Api-Key", "");
  EXPECT_EQ(source.Presented(empty_header), "from-query");
  http::Request nothing = Request("/?api_key=");
  nothing.headers.Add("X-Api-Key", "");
  EXPECT_EQ(source.Presented(nothing), std::nullopt);
  EXPECT_EQ(source.Presented(Request("/?api_key")), std::nullopt);
  EXPECT_EQ(source.Presented(Request("/?api_key=&x=1")), std::nullopt);
  EXPECT_EQ(source.Presented(Request("/?")), std::nullopt);
}

TEST_F(ApiKeySourceTest, QueryValueIsPercentDecoded) {
  const ApiKeySource source = Source("", "api_key");
  EXPECT_EQ(source.Presented(Request("/?api_key=key%20ci%2B%2F%3D%261")), "key ci+/=&1");
  EXPECT_EQ(source.Presented(Request("/?api_key=a+b")), "a b");    // '+' is a space
  EXPECT_EQ(source.Presented(Request("/?api_key=a%2bb")), "a+b");  // lower-case hex
  EXPECT_EQ(source.Presented(Request("/?api_key=100%")), "100%");  // malformed escape kept
  EXPECT_EQ(source.Presented(Request("/?api_key=%zz")), "%zz");
  // The decoded key is what is looked up.
  const std::optional<std::string> presented =
      source.Presented(Request("/?api_key=key%20ci%2B%2F%3D%261"));
  ASSERT_TRUE(presented.has_value());
  EXPECT_EQ(source.NameOf(*presented), "ci");
  EXPECT_EQ(source.NameOf(*source.Presented(Request("/?api_key=a+b"))), "spaced");
}

TEST_F(ApiKeySourceTest, HeaderValueIsTakenAsItIs) {
  const ApiKeySource source = Source("X-Api-Key", "api_key");
  http::Request request = Request("/");
  request.headers.Add("X-Api-Key", "a%20b");
  EXPECT_EQ(source.Presented(request), "a%20b");
  EXPECT_EQ(source.NameOf("a%20b"), std::nullopt);
}

TEST_F(ApiKeySourceTest, ParameterNameIsComparedAsSent) {
  const ApiKeySource source = Source("", "api_key");
  EXPECT_EQ(source.Presented(Request("/?api%5Fkey=x")), std::nullopt);
  EXPECT_EQ(source.Presented(Request("/?API_KEY=x")), std::nullopt);
  EXPECT_EQ(source.Presented(Request("/?my_api_key=x")), std::nullopt);
  EXPECT_EQ(source.Presented(Request("/?api_key_2=x")), std::nullopt);
  // The first parameter of that name counts.
  EXPECT_EQ(source.Presented(Request("/?api_key=first&api_key=second")), "first");
}

TEST_F(ApiKeySourceTest, QueryOfAnAbsoluteFormTarget) {
  const ApiKeySource source = Source("", "api_key");
  EXPECT_EQ(source.Presented(Request("http://api.example/v1?api_key=abc")), "abc");
  EXPECT_EQ(source.Presented(Request("http://api.example?api_key=abc")), "abc");
}

TEST_F(ApiKeySourceTest, NamesOfKnownKeysOnly) {
  const ApiKeySource source = Source("X-Api-Key", "api_key");
  EXPECT_EQ(source.NameOf("key-billing-0123"), "billing");
  EXPECT_EQ(source.NameOf("key ci+/=&1"), "ci");
  EXPECT_EQ(source.NameOf("key-billing-012"), std::nullopt);
  EXPECT_EQ(source.NameOf("key-billing-01234"), std::nullopt);
  EXPECT_EQ(source.NameOf("KEY-BILLING-0123"), std::nullopt);
  EXPECT_EQ(source.NameOf(""), std::nullopt);
  EXPECT_EQ(source.NameOf("billing"), std::nullopt);  // a name is not a key
}

}  // namespace
}  // namespace rampart::auth
