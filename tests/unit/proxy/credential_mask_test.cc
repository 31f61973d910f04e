#include "proxy/credential_mask.h"

#include <gtest/gtest.h>

#include <string>

#include "pipeline/exchange.h"

namespace rampart::proxy {
namespace {

// What a route with `api_key: {header: X-Api-Key, query: api_key}` registers.
pipeline::CredentialFields ApiKeyFields() {
  pipeline::CredentialFields fields;
  fields.headers = {"X-Api-Key"};
  fields.query_params = {"api_key"};
  return fields;
}

TEST(CredentialMaskTest, FixedCredentialHeaders) {
  for (const char* name : {"Authorization", "authorization", "Proxy-Authorization",
                           "PROXY-AUTHORIZATION", "Cookie", "cookie", "Set-Cookie", "set-cookie"}) {
    EXPECT_TRUE(IsCredentialHeader(name, nullptr)) << name;
  }
  for (const char* name : {"X-Api-Key", "User-Agent", "Authorization2", "Cookie2", "", "Auth"}) {
    EXPECT_FALSE(IsCredentialHeader(name, nullptr)) << name;
  }
}

TEST(CredentialMaskTest, RouteCredentialHeaders) {
  const pipeline::CredentialFields fields = ApiKeyFields();
  EXPECT_TRUE(IsCredentialHeader("X-Api-Key", &fields));
  EXPECT_TRUE(IsCredentialHeader("x-api-key", &fields));  // header names are case-insensitive
  EXPECT_TRUE(IsCredentialHeader("Authorization", &fields));
  EXPECT_FALSE(IsCredentialHeader("X-Api-Key-Name", &fields));
  EXPECT_FALSE(IsCredentialHeader("api_key", &fields));  // a query parameter, not a header
  const pipeline::CredentialFields none;
  EXPECT_FALSE(IsCredentialHeader("X-Api-Key", &none));
  EXPECT_TRUE(IsCredentialHeader("Cookie", &none));
}

TEST(CredentialMaskTest, MaskedTargetWithoutQueryParameters) {
  const pipeline::CredentialFields fields = ApiKeyFields();
  const pipeline::CredentialFields headers_only{{"X-Api-Key"}, {}};
  EXPECT_EQ(MaskedTarget("/p?api_key=s", nullptr), "/p?api_key=s");
  EXPECT_EQ(MaskedTarget("/p?api_key=s", &headers_only), "/p?api_key=s");
  EXPECT_EQ(MaskedTarget("/p", &fields), "/p");
  EXPECT_EQ(MaskedTarget("", &fields), "");
  EXPECT_EQ(MaskedTarget("*", &fields), "*");
}

TEST(CredentialMaskTest, MaskedTargetMasksTheValues) {
  const pipeline::CredentialFields fields = ApiKeyFields();
  EXPECT_EQ(MaskedTarget("/p?api_key=s3cr3t", &fields), "/p?api_key=***");
  EXPECT_EQ(MaskedTarget("/p?a=1&api_key=s3cr3t&b=2", &fields), "/p?a=1&api_key=***&b=2");
  // Every occurrence, though only the first is read as the key.
  EXPECT_EQ(MaskedTarget("/p?api_key=x&api_key=y", &fields), "/p?api_key=***&api_key=***");
  EXPECT_EQ(MaskedTarget("/p?api_key=", &fields), "/p?api_key=***");
  EXPECT_EQ(MaskedTarget("/p?api_key=a=b", &fields), "/p?api_key=***");
  // Absolute-form targets keep their scheme and authority.
  EXPECT_EQ(MaskedTarget("http://example.com/p?api_key=s", &fields),
            "http://example.com/p?api_key=***");

  pipeline::CredentialFields two = fields;
  two.query_params.push_back("token");
  EXPECT_EQ(MaskedTarget("/?token=t&x=1&api_key=k", &two), "/?token=***&x=1&api_key=***");
}

TEST(CredentialMaskTest, MaskedTargetLeavesOtherParametersAlone) {
  const pipeline::CredentialFields fields = ApiKeyFields();
  EXPECT_EQ(MaskedTarget("/p?", &fields), "/p?");
  EXPECT_EQ(MaskedTarget("/p?&&", &fields), "/p?&&");
  EXPECT_EQ(MaskedTarget("/p?api_key", &fields), "/p?api_key");  // no value to hide
  EXPECT_EQ(MaskedTarget("/p?api_key_2=v&xapi_key=v", &fields), "/p?api_key_2=v&xapi_key=v");
  // Names are compared as sent, as FindQueryParam reads them: these are not the key either.
  EXPECT_EQ(MaskedTarget("/p?API_KEY=v&api%5Fkey=v", &fields), "/p?API_KEY=v&api%5Fkey=v");
  EXPECT_EQ(MaskedTarget("/p?q=api_key%3Dv", &fields), "/p?q=api_key%3Dv");
}

TEST(CredentialMaskTest, CredentialVariables) {
  // Cookies and the fixed credential headers: always.
  EXPECT_TRUE(IsCredentialVariable("REQUEST_COOKIES:session", nullptr));
  EXPECT_TRUE(IsCredentialVariable("REQUEST_COOKIES", nullptr));
  EXPECT_TRUE(IsCredentialVariable("request_cookies:session", nullptr));
  EXPECT_TRUE(IsCredentialVariable("REQUEST_HEADERS:Authorization", nullptr));
  EXPECT_TRUE(IsCredentialVariable("REQUEST_HEADERS:cookie", nullptr));
  EXPECT_TRUE(IsCredentialVariable("REQUEST_HEADERS:Proxy-Authorization", nullptr));
  EXPECT_FALSE(IsCredentialVariable("REQUEST_HEADERS:User-Agent", nullptr));
  EXPECT_FALSE(IsCredentialVariable("REQUEST_HEADERS", nullptr));
  EXPECT_FALSE(IsCredentialVariable("REQUEST_COOKIES_NAMES:session", nullptr));
  EXPECT_FALSE(IsCredentialVariable("ARGS:api_key", nullptr));
  EXPECT_FALSE(IsCredentialVariable("", nullptr));
  EXPECT_FALSE(IsCredentialVariable("REQUEST_URI", nullptr));
  // A variable the WAF could not name may have been a cookie: masked.
  EXPECT_TRUE(IsCredentialVariable("(ambiguous)", nullptr));
  // The signatures stage's names: header:<lower-case name> and cookies.
  EXPECT_TRUE(IsCredentialVariable("header:authorization", nullptr));
  EXPECT_TRUE(IsCredentialVariable("header:cookie", nullptr));
  EXPECT_TRUE(IsCredentialVariable("cookies", nullptr));
  EXPECT_FALSE(IsCredentialVariable("header:user-agent", nullptr));
  EXPECT_FALSE(IsCredentialVariable("headers", nullptr));

  // The route's API key header and query parameter.
  const pipeline::CredentialFields fields = ApiKeyFields();
  EXPECT_TRUE(IsCredentialVariable("REQUEST_HEADERS:X-Api-Key", &fields));
  EXPECT_TRUE(IsCredentialVariable("REQUEST_HEADERS:x-api-key", &fields));
  EXPECT_TRUE(IsCredentialVariable("ARGS:api_key", &fields));
  EXPECT_TRUE(IsCredentialVariable("ARGS_GET:api_key", &fields));
  EXPECT_TRUE(IsCredentialVariable("args_get:api_key", &fields));
  EXPECT_FALSE(IsCredentialVariable("ARGS:API_KEY", &fields));       // parameter names as sent
  EXPECT_FALSE(IsCredentialVariable("ARGS_POST:api_key", &fields));  // only read from the query
  EXPECT_FALSE(IsCredentialVariable("ARGS_NAMES:api_key", &fields));
  EXPECT_FALSE(IsCredentialVariable("ARGS:other", &fields));
  EXPECT_FALSE(IsCredentialVariable("REQUEST_HEADERS:api_key", &fields));
}

}  // namespace
}  // namespace rampart::proxy
