// A route's `auth` section (auth_schema.cc), the rate-limit key part `api_key`
// (access_schema.cc), and what the runtime build makes of auth's files (server/auth_stages.cc).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "auth/api_keys.h"
#include "config/loader.h"
#include "config_test_support.h"

namespace rampart::config {
namespace {

using namespace test_util;  // config_test_support.h
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

// One pool and one route whose `auth` map starts at line 6 (its keys on line 7 on); `after` is
// appended after the body (more route keys, or top-level sections).
std::string Auth(const std::string& body, const std::string& after = "") {
  return std::string(kOneRouteHead) + "    auth:\n" + body + after;
}

// A SHA-512 crypt hash of "secret" (openssl passwd -6 -salt saltsalt secret).
constexpr const char* kSha512Hash =
    "$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq."
    "H91p5hVO1";

// A JWKS document with one HMAC key (32 bytes, base64url).
constexpr const char* kOctJwks =
    R"({"keys":[{"kty":"oct","kid":"k1","k":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"}]})";

TEST(AuthConfigTest, EveryKeyFillsTheStruct) {
  TempFile jwks(kOctJwks), keys(auth::HashApiKeyLine("ci", "k") + "\n"),
      users(std::string("alice:") + kSha512Hash + "\n");
  const Config c =
      Load(Auth("      jwt:\n"
                "        jwks_file: " +
                jwks.q() +
                "\n"
                "        cookie: session\n"
                "        algorithms: [RS256, ES256, EdDSA, HS512]\n"
                "        issuer: https://id.example.com/\n"
                "        audiences: [api, web]\n"
                "        leeway: 10s\n"
                "        required_claims: [sub, tenant]\n"
                "        claims_to_headers: {sub: X-User-Id, email: X-User-Email}\n"
                "      api_key:\n"
                "        file: " +
                keys.q() +
                "\n"
                "        header: X-Key\n"
                "        query: api_key\n"
                "        name_header: X-Key-Name\n"
                "      basic:\n"
                "        htpasswd: " +
                users.q() +
                "\n"
                "        user_header: X-User\n"
                "      forward:\n"
                "        url: http://127.0.0.1:9091/verify?x=1\n"
                "        request_headers: [Authorization, X-Session]\n"
                "        response_headers: [X-Auth-User, X-Auth-Groups]\n"
                "        timeout: 250ms\n"
                "        error_status: 502\n"
                "        method: GET\n"
                "      satisfy: all\n"
                "      realm: Example API\n"));
  ASSERT_EQ(c.routes.size(), 1u);
  ASSERT_TRUE(c.routes[0].auth.has_value());
  const AuthConfig& a = *c.routes[0].auth;
  EXPECT_EQ(a.mark.file, "t.yaml");
  EXPECT_EQ(a.mark.line, 6);  // the line of the `auth` key
  EXPECT_TRUE(a.satisfy_all);
  EXPECT_EQ(a.realm, "Example API");

  ASSERT_TRUE(a.jwt.has_value());
  const JwtAuthConfig& jwt = *a.jwt;
  EXPECT_EQ(jwt.jwks_file, jwks.path());
  EXPECT_TRUE(jwt.pem_file.empty());
  EXPECT_TRUE(jwt.secret_file.empty());
  EXPECT_EQ(jwt.cookie, "session");
  EXPECT_EQ(jwt.algorithms, (std::vector<std::string>{"RS256", "ES256", "EdDSA", "HS512"}));
  EXPECT_EQ(jwt.issuer, "https://id.example.com/");
  EXPECT_EQ(jwt.audiences, (std::vector<std::string>{"api", "web"}));
  EXPECT_EQ(jwt.leeway_ms, 10'000u);
  EXPECT_THAT(jwt.required_claims, ElementsAre(Pair("sub", IsEmpty()), Pair("tenant", IsEmpty())));
  EXPECT_THAT(jwt.claims_to_headers,
              ElementsAre(Pair("sub", "X-User-Id"), Pair("email", "X-User-Email")));

  ASSERT_TRUE(a.api_key.has_value());
  EXPECT_EQ(a.api_key->file, keys.path());
  EXPECT_EQ(a.api_key->header, "X-Key");
  EXPECT_EQ(a.api_key->query, "api_key");
  EXPECT_EQ(a.api_key->name_header, "X-Key-Name");

  ASSERT_TRUE(a.basic.has_value());
  EXPECT_EQ(a.basic->htpasswd, users.path());
  EXPECT_EQ(a.basic->user_header, "X-User");

  ASSERT_TRUE(a.forward.has_value());
  const ForwardAuthConfig& f = *a.forward;
  EXPECT_EQ(f.url, "http://127.0.0.1:9091/verify?x=1");
  EXPECT_EQ(f.request_headers, (std::vector<std::string>{"Authorization", "X-Session"}));
  EXPECT_EQ(f.response_headers, (std::vector<std::string>{"X-Auth-User", "X-Auth-Groups"}));
  EXPECT_EQ(f.timeout_ms, 250u);
  EXPECT_EQ(f.error_status, 502);
  EXPECT_FALSE(f.original_method);
}

TEST(AuthConfigTest, Defaults) {
  TempFile secret(std::string(32, 's')), keys(auth::HashApiKeyLine("ci", "k") + "\n"),
      users(std::string("alice:") + kSha512Hash + "\n");
  const Config c = Load(Auth("      jwt: {secret_file: " + secret.q() + "}\n" +
                             "      api_key: {file: " + keys.q() + "}\n" +
                             "      basic: {htpasswd: " + users.q() + "}\n" +
                             "      forward: {url: \"http://auth.internal/check\"}\n"));
  const AuthConfig& a = *c.routes.at(0).auth;
  EXPECT_FALSE(a.satisfy_all);  // satisfy: any
  EXPECT_EQ(a.realm, "rampart");

  const JwtAuthConfig& jwt = *a.jwt;
  EXPECT_EQ(jwt.secret_file, secret.path());
  EXPECT_TRUE(jwt.cookie.empty());
  EXPECT_TRUE(jwt.algorithms.empty());  // every supported one
  EXPECT_TRUE(jwt.issuer.empty());
  EXPECT_TRUE(jwt.audiences.empty());
  EXPECT_EQ(jwt.leeway_ms, 30'000u);
  EXPECT_TRUE(jwt.required_claims.empty());
  EXPECT_TRUE(jwt.claims_to_headers.empty());

  EXPECT_EQ(a.api_key->header, "X-Api-Key");
  EXPECT_TRUE(a.api_key->query.empty());
  EXPECT_TRUE(a.api_key->name_header.empty());

  EXPECT_TRUE(a.basic->user_header.empty());

  const ForwardAuthConfig& f = *a.forward;
  EXPECT_EQ(f.request_headers, (std::vector<std::string>{"Authorization", "Cookie"}));
  EXPECT_TRUE(f.response_headers.empty());
  EXPECT_EQ(f.timeout_ms, 1000u);
  EXPECT_EQ(f.error_status, 503);
  EXPECT_TRUE(f.original_method);

  // No `auth`: anyone may call the route.
  const Config none = Load(
      "listen: [{address: 127.0.0.1:8080}]\n"
      "pools: {app: {servers: [{address: 127.0.0.1:9000}]}}\n"
      "routes: [{match: {path_prefix: /}, pool: app}]\n");
  EXPECT_FALSE(none.routes.at(0).auth.has_value());
}

TEST(AuthConfigTest, PemFileAndOneStringAudience) {
  TempFile pem("not checked before the runtime is built");
  const Config c = Load(Auth("      jwt: {pem_file: " + pem.q() + ", audiences: api}\n"));
  const JwtAuthConfig& jwt = *c.routes.at(0).auth->jwt;
  EXPECT_EQ(jwt.pem_file, pem.path());
  EXPECT_EQ(jwt.audiences, (std::vector<std::string>{"api"}));
}

TEST(AuthConfigTest, RequiredClaimsAsMap) {
  TempFile secret(std::string(32, 's'));
  const Config c =
      Load(Auth("      jwt:\n"
                "        secret_file: " +
                secret.q() +
                "\n"
                "        required_claims:\n"
                "          role: admin\n"
                "          scope: [read, write]\n"
                "          email_verified: true\n"));
  EXPECT_THAT(
      c.routes.at(0).auth->jwt->required_claims,
      ElementsAre(Pair("role", ElementsAre("admin")), Pair("scope", ElementsAre("read", "write")),
                  Pair("email_verified", ElementsAre("true"))));
}

TEST(AuthConfigTest, ApiKeyHeaderAndQuery) {
  TempFile keys(auth::HashApiKeyLine("ci", "k") + "\n");
  // Only a query parameter: no header.
  const Config query_only =
      Load(Auth("      api_key: {file: " + keys.q() + ", query: access_token}\n"));
  EXPECT_TRUE(query_only.routes.at(0).auth->api_key->header.empty());
  EXPECT_EQ(query_only.routes.at(0).auth->api_key->query, "access_token");
  // Only a header: no query parameter.
  const Config header_only =
      Load(Auth("      api_key: {file: " + keys.q() + ", header: Authorization-Key}\n"));
  EXPECT_EQ(header_only.routes.at(0).auth->api_key->header, "Authorization-Key");
  EXPECT_TRUE(header_only.routes.at(0).auth->api_key->query.empty());
}

TEST(AuthConfigTest, SatisfyChoices) {
  TempFile keys(auth::HashApiKeyLine("ci", "k") + "\n");
  const std::string method = "      api_key: {file: " + keys.q() + "}\n";
  EXPECT_FALSE(Load(Auth(method + "      satisfy: any\n")).routes.at(0).auth->satisfy_all);
  EXPECT_TRUE(Load(Auth(method + "      satisfy: all\n")).routes.at(0).auth->satisfy_all);
  EXPECT_THAT(Errors(Auth(method + "      satisfy: both\n")),
              ElementsAre("t.yaml:8: routes[0].auth.satisfy: expected one of: any, all"));
}

TEST(AuthConfigTest, RateLimitKeyApiKey) {
  TempFile keys(auth::HashApiKeyLine("ci", "k") + "\n");
  const Config c = Load(Auth("      api_key: {file: " + keys.q() + "}\n",
                             "    rate_limit:\n"
                             "      - {key: api_key, rate: 100/m}\n"
                             "      - {key: [api_key, client_ip], rate: 10/s}\n"));
  const auto& limits = c.routes.at(0).rate_limits;
  ASSERT_EQ(limits.size(), 2u);
  ASSERT_EQ(limits[0].key.size(), 1u);
  EXPECT_EQ(limits[0].key[0].kind, RateKeyPart::Kind::kApiKey);
  ASSERT_EQ(limits[1].key.size(), 2u);
  EXPECT_EQ(limits[1].key[0].kind, RateKeyPart::Kind::kApiKey);
  EXPECT_EQ(limits[1].key[1].kind, RateKeyPart::Kind::kClientIp);
  // The loader accepts the part without auth.api_key; the runtime build refuses it (below).
  const Config alone = Load(
      "listen: [{address: 127.0.0.1:8080}]\n"
      "pools: {app: {servers: [{address: 127.0.0.1:9000}]}}\n"
      "routes: [{match: {path_prefix: /}, pool: app, rate_limit: {key: api_key, rate: 1/s}}]\n");
  EXPECT_EQ(alone.routes.at(0).rate_limits.at(0).key.at(0).kind, RateKeyPart::Kind::kApiKey);
  EXPECT_THAT(Errors(Auth("      api_key: {file: " + keys.q() + "}\n",
                          "    rate_limit: {key: \"api_key:X\", rate: 1/s}\n")),
              ElementsAre("t.yaml:8: routes[0].rate_limit.key: expected client_ip, ip_prefix, "
                          "route, country, asn, api_key, ja3, ja4, header:<Name> or cookie:<name>"));
}

TEST(AuthConfigErrorTest, NoMethod) {
  EXPECT_THAT(Errors(Auth("      satisfy: all\n")),
              ElementsAre("t.yaml:6: routes[0].auth: expected at least one of jwt, api_key, "
                          "basic or forward"));
  EXPECT_THAT(Errors(Auth("      {}\n")),
              ElementsAre("t.yaml:6: routes[0].auth: expected at least one of jwt, api_key, "
                          "basic or forward"));
  EXPECT_THAT(Errors(Auth("      [jwt]\n")),
              ElementsAre("t.yaml:6: routes[0].auth: expected a map"));
}

TEST(AuthConfigErrorTest, UnknownKeys) {
  TempFile secret(std::string(32, 's'));
  EXPECT_THAT(
      Errors(Auth("      jwt: {secret_file: " + secret.q() + ", jwks: x}\n" + "      oauth: {}\n")),
      ElementsAre("t.yaml:7: routes[0].auth.jwt.jwks: unknown key",
                  "t.yaml:8: routes[0].auth.oauth: unknown key"));
}

TEST(AuthConfigErrorTest, ExactlyOneJwtKeySource) {
  TempFile a(kOctJwks), b(std::string(32, 's'));
  EXPECT_THAT(Errors(Auth("      jwt: {issuer: x}\n")),
              ElementsAre("t.yaml:7: routes[0].auth.jwt: expected exactly one of jwks_file, "
                          "pem_file or secret_file"));
  EXPECT_THAT(Errors(Auth("      jwt: {jwks_file: " + a.q() + ", secret_file: " + b.q() + "}\n")),
              ElementsAre("t.yaml:7: routes[0].auth.jwt: expected exactly one of jwks_file, "
                          "pem_file or secret_file"));
  EXPECT_THAT(Errors(Auth("      jwt: {jwks_file: " + a.q() + ", pem_file: " + a.q() +
                          ", secret_file: " + b.q() + "}\n")),
              ElementsAre("t.yaml:7: routes[0].auth.jwt: expected exactly one of jwks_file, "
                          "pem_file or secret_file"));
}

TEST(AuthConfigErrorTest, MissingFiles) {
  EXPECT_THAT(
      Errors(Auth("      jwt: {jwks_file: /nonexistent/jwks.json}\n"
                  "      api_key: {file: /nonexistent/keys.txt}\n"
                  "      basic: {htpasswd: /nonexistent/htpasswd}\n")),
      ElementsAre("t.yaml:7: routes[0].auth.jwt.jwks_file: cannot read /nonexistent/jwks.json: "
                  "No such file or directory",
                  "t.yaml:8: routes[0].auth.api_key.file: cannot read /nonexistent/keys.txt: No "
                  "such file or directory",
                  "t.yaml:9: routes[0].auth.basic.htpasswd: cannot read /nonexistent/htpasswd: No "
                  "such file or directory"));
  EXPECT_THAT(Errors(Auth("      jwt: {pem_file: /tmp}\n"
                          "      api_key: {header: X-Key}\n"
                          "      basic: {user_header: X-User}\n")),
              ElementsAre("t.yaml:7: routes[0].auth.jwt.pem_file: not a regular file: /tmp",
                          "t.yaml:8: routes[0].auth.api_key.file: required",
                          "t.yaml:9: routes[0].auth.basic.htpasswd: required"));
  EXPECT_THAT(Errors(Auth("      jwt: {secret_file: \"\"}\n")),
              ElementsAre("t.yaml:7: routes[0].auth.jwt.secret_file: expected a file path"));
}

TEST(AuthConfigErrorTest, BadAlgorithms) {
  TempFile secret(std::string(32, 's'));
  const std::string expected =
      "expected one of: HS256, HS384, HS512, RS256, RS384, RS512, PS256, ES256, ES384, EdDSA";
  EXPECT_THAT(Errors(Auth("      jwt:\n"
                          "        secret_file: " +
                          secret.q() +
                          "\n"
                          "        algorithms: [HS256, none, hs512, PS384, RS1]\n")),
              ElementsAre("t.yaml:9: routes[0].auth.jwt.algorithms[1]: " + expected,
                          "t.yaml:9: routes[0].auth.jwt.algorithms[2]: " + expected,
                          "t.yaml:9: routes[0].auth.jwt.algorithms[3]: " + expected,
                          "t.yaml:9: routes[0].auth.jwt.algorithms[4]: " + expected));
  EXPECT_THAT(Errors(Auth("      jwt: {secret_file: " + secret.q() + ", algorithms: HS256}\n")),
              ElementsAre("t.yaml:7: routes[0].auth.jwt.algorithms: expected a list"));
  // An empty list would silently mean "all".
  EXPECT_THAT(Errors(Auth("      jwt: {secret_file: " + secret.q() + ", algorithms: []}\n")),
              ElementsAre("t.yaml:7: routes[0].auth.jwt.algorithms: expected at least one "
                          "algorithm (leave it out for all)"));
}

// The stage strips the headers it sets before reading the credentials: setting the key's own
// header (in either spelling) would remove every key.
TEST(AuthConfigErrorTest, AHeaderTheStageSetsCannotBeTheKeyHeader) {
  TempFile keys("ci:sha256:" + std::string(64, 'a') + "\n"),
      users(std::string("alice:") + kSha512Hash + "\n");
  EXPECT_THAT(
      Errors(Auth("      api_key: {file: " + keys.q() +
                  ", name_header: x_api_key}\n"
                  "      basic: {htpasswd: " +
                  users.q() + ", user_header: X-Api-Key}\n")),
      ElementsAre("t.yaml:6: routes[0].auth.api_key.name_header: x_api_key is the API key's own "
                  "header (api_key.header)",
                  "t.yaml:6: routes[0].auth.basic.user_header: X-Api-Key is the API key's own "
                  "header (api_key.header)"));
}

TEST(AuthConfigErrorTest, JwtValues) {
  TempFile secret(std::string(32, 's'));
  EXPECT_THAT(Errors(Auth("      jwt:\n"
                          "        secret_file: " +
                          secret.q() +
                          "\n"
                          "        cookie: \"a b\"\n"
                          "        leeway: 30\n"
                          "        issuer: [x]\n")),
              ElementsAre("t.yaml:9: routes[0].auth.jwt.cookie: expected a cookie name",
                          "t.yaml:10: routes[0].auth.jwt.leeway: expected a duration such as "
                          "500ms, 5s, 10m",
                          "t.yaml:11: routes[0].auth.jwt.issuer: expected a string"));
}

TEST(AuthConfigErrorTest, RequiredClaims) {
  TempFile secret(std::string(32, 's'));
  EXPECT_THAT(Errors(Auth("      jwt:\n"
                          "        secret_file: " +
                          secret.q() +
                          "\n"
                          "        required_claims:\n"
                          "          role: []\n")),
              ElementsAre("t.yaml:10: routes[0].auth.jwt.required_claims.role: expected a value "
                          "or a list of accepted values"));
  EXPECT_THAT(Errors(Auth("      jwt: {secret_file: " + secret.q() + ", required_claims: sub}\n")),
              ElementsAre("t.yaml:7: routes[0].auth.jwt.required_claims: expected a list"));
}

TEST(AuthConfigErrorTest, ClaimsToHeadersRefusesFramingAndCredentialHeaders) {
  TempFile secret(std::string(32, 's'));
  const std::string refused = "a framing, hop-by-hop, Host or credential header cannot be set";
  EXPECT_THAT(Errors(Auth("      jwt:\n"
                          "        secret_file: " +
                          secret.q() +
                          "\n"
                          "        claims_to_headers:\n"
                          "          a: Host\n"
                          "          b: content-length\n"
                          "          c: Authorization\n"
                          "          d: COOKIE\n"
                          "          e: Transfer-Encoding\n"
                          "          f: Connection\n"
                          "          g: \"X User\"\n"
                          "          h: \"X-User:\"\n"
                          "          i: X-Fine\n")),
              ElementsAre("t.yaml:10: routes[0].auth.jwt.claims_to_headers.a: " + refused,
                          "t.yaml:11: routes[0].auth.jwt.claims_to_headers.b: " + refused,
                          "t.yaml:12: routes[0].auth.jwt.claims_to_headers.c: " + refused,
                          "t.yaml:13: routes[0].auth.jwt.claims_to_headers.d: " + refused,
                          "t.yaml:14: routes[0].auth.jwt.claims_to_headers.e: " + refused,
                          "t.yaml:15: routes[0].auth.jwt.claims_to_headers.f: " + refused,
                          "t.yaml:16: routes[0].auth.jwt.claims_to_headers.g: expected a header "
                          "name such as X-User-Id",
                          "t.yaml:17: routes[0].auth.jwt.claims_to_headers.h: expected a header "
                          "name such as X-User-Id"));
  EXPECT_THAT(
      Errors(Auth("      jwt: {secret_file: " + secret.q() + ", claims_to_headers: [X-User]}\n")),
      ElementsAre("t.yaml:7: routes[0].auth.jwt.claims_to_headers: expected a map"));
}

TEST(AuthConfigErrorTest, ApiKeyValues) {
  TempFile keys(auth::HashApiKeyLine("ci", "k") + "\n");
  EXPECT_THAT(Errors(Auth("      api_key:\n"
                          "        file: " +
                          keys.q() +
                          "\n"
                          "        header: \"X Key\"\n"
                          "        name_header: Host\n")),
              ElementsAre("t.yaml:9: routes[0].auth.api_key.header: expected a header name such "
                          "as X-User-Id",
                          "t.yaml:10: routes[0].auth.api_key.name_header: a framing, hop-by-hop, "
                          "Host or credential header cannot be set"));
  for (const std::string bad : {"\"\"", "\"a=b\"", "\"a&b\"", "\"a b\"", "\"a#b\"", "\"a\\tb\""}) {
    EXPECT_THAT(Errors(Auth("      api_key: {file: " + keys.q() + ", query: " + bad + "}\n")),
                ElementsAre("t.yaml:7: routes[0].auth.api_key.query: expected a query parameter "
                            "name"))
        << bad;
  }
}

TEST(AuthConfigErrorTest, BasicValues) {
  TempFile users(std::string("alice:") + kSha512Hash + "\n");
  EXPECT_THAT(
      Errors(Auth("      basic: {htpasswd: " + users.q() + ", user_header: Proxy-Connection}\n")),
      ElementsAre("t.yaml:7: routes[0].auth.basic.user_header: a framing, hop-by-hop, Host or "
                  "credential header cannot be set"));
}

TEST(AuthConfigErrorTest, ForwardValues) {
  EXPECT_THAT(Errors(Auth("      forward: {url: \"https://auth.example.com/verify\"}\n")),
              ElementsAre("t.yaml:7: routes[0].auth.forward.url: expected an http:// URL such "
                          "as http://127.0.0.1:9091/verify"));
  // The scheme is case-insensitive, as in ParseForwardAuthUrl.
  EXPECT_THAT(Errors(Auth("      forward: {url: \"HTTP://auth/\"}\n")), IsEmpty());
  EXPECT_THAT(Errors(Auth("      forward: {timeout: 1s}\n")),
              ElementsAre("t.yaml:7: routes[0].auth.forward.url: required"));
  EXPECT_THAT(Errors(Auth("      forward:\n"
                          "        url: http://127.0.0.1:9091/\n"
                          "        timeout: 0ms\n"
                          "        error_status: 499\n"
                          "        method: POST\n"
                          "        request_headers: [\"Bad Header\"]\n"
                          "        response_headers: [Cookie, Host, Content-Length]\n")),
              ElementsAre("t.yaml:9: routes[0].auth.forward.timeout: must be at least 1ms",
                          "t.yaml:10: routes[0].auth.forward.error_status: must be between 500 "
                          "and 599",
                          "t.yaml:11: routes[0].auth.forward.method: expected one of: original, "
                          "GET",
                          "t.yaml:12: routes[0].auth.forward.request_headers[0]: expected a "
                          "header name such as X-User-Id",
                          "t.yaml:13: routes[0].auth.forward.response_headers[0]: a framing, "
                          "hop-by-hop, Host or credential header cannot be set",
                          "t.yaml:13: routes[0].auth.forward.response_headers[1]: a framing, "
                          "hop-by-hop, Host or credential header cannot be set",
                          "t.yaml:13: routes[0].auth.forward.response_headers[2]: a framing, "
                          "hop-by-hop, Host or credential header cannot be set"));
  EXPECT_THAT(Errors(Auth("      forward: {url: \"http://a/\", error_status: 600}\n")),
              ElementsAre("t.yaml:7: routes[0].auth.forward.error_status: must be between 500 "
                          "and 599"));
  EXPECT_THAT(Errors(Auth("      forward: {url: \"http://a/\", timeout: soon}\n")),
              ElementsAre("t.yaml:7: routes[0].auth.forward.timeout: expected a duration such as "
                          "500ms, 5s, 10m"));
  // An empty request_headers list sends only the X-Forwarded-* description.
  EXPECT_TRUE(Load(Auth("      forward: {url: \"http://a/\", request_headers: []}\n"))
                  .routes.at(0)
                  .auth->forward->request_headers.empty());
  EXPECT_TRUE(Load(Auth("      forward: {url: \"http://a/\", method: original}\n"))
                  .routes.at(0)
                  .auth->forward->original_method);
}

TEST(AuthConfigErrorTest, Realm) {
  const std::string method = "      forward: {url: \"http://a/\"}\n";
  const std::string refused =
      "t.yaml:8: routes[0].auth.realm: expected a realm without quotes, backslashes or line "
      "breaks";
  EXPECT_THAT(Errors(Auth(method + "      realm: 'say \"hi\"'\n")), ElementsAre(refused));
  EXPECT_THAT(Errors(Auth(method + "      realm: 'a\\b'\n")), ElementsAre(refused));
  EXPECT_THAT(Errors(Auth(method + "      realm: \"a\\nb\"\n")), ElementsAre(refused));
  EXPECT_THAT(Errors(Auth(method + "      realm: \"\"\n")), ElementsAre(refused));
  EXPECT_EQ(Load(Auth(method + "      realm: \"Staff only (v2)\"\n")).routes.at(0).auth->realm,
            "Staff only (v2)");
}

// The runtime build: the contents of auth's files, the auth service's URL, and the rate-limit
// key part `api_key`. Errors are "FILE:LINE: routes[N].auth.METHOD: <the file's own error>".

TEST(AuthBuildTest, GoodFilesBuildTheStageAfterRateLimit) {
  TempFile jwks(kOctJwks), keys(auth::HashApiKeyLine("ci", "k") + "\n"),
      users(std::string("# staff\n\nalice:") + kSha512Hash + "\n");
  auto runtime = Build(Auth("      jwt: {jwks_file: " + jwks.q() + "}\n" +
                                "      api_key: {file: " + keys.q() + "}\n" +
                                "      basic: {htpasswd: " + users.q() + "}\n" +
                                "      forward: {url: \"http://127.0.0.1:9091/verify\"}\n",
                            "    rate_limit: {key: api_key, rate: 10/s}\n"));
  ASSERT_NE(runtime, nullptr);
  ASSERT_EQ(runtime->router.routes().size(), 1u);
  std::vector<std::string> stages;
  for (const auto& factory : runtime->router.routes()[0]->chain.factories()) {
    stages.emplace_back(factory->name());
  }
  EXPECT_THAT(stages, ElementsAre("ip_reputation", "rate_limit", "auth"));
  // The key files are watched: a change reloads the runtime.
  std::vector<std::string> watched;
  for (const auto& [path, stamp] : runtime->watched_files) watched.push_back(path);
  EXPECT_THAT(watched, ElementsAre(jwks.path(), keys.path(), users.path()));
  // The API key's header is masked in the logs from the moment the route matches.
  const auto& fields = runtime->router.routes()[0]->credential_fields;
  ASSERT_NE(fields, nullptr);
  EXPECT_THAT(fields->headers, ElementsAre("X-Api-Key"));
  EXPECT_THAT(fields->query_params, IsEmpty());
}

TEST(AuthBuildTest, AlgorithmsMustFitTheKeys) {
  TempFile secret(std::string(32, 's'));
  EXPECT_THAT(BuildErrors(Auth("      jwt: {secret_file: " + secret.q() +
                               ", algorithms: [RS256, ES256]}\n")),
              ElementsAre(HasSubstr("t.yaml:7: routes[0].auth.jwt: none of the algorithms can be "
                                    "verified with these keys")));
  EXPECT_THAT(BuildErrors(Auth("      jwt: {secret_file: " + secret.q() +
                               ", algorithms: [RS256, HS384]}\n")),
              IsEmpty());
}

TEST(AuthBuildTest, SecretAndPemFiles) {
  TempFile secret(std::string(32, 's') + "\r\n"), short_secret(std::string(31, 's') + "\n"),
      pem("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n");
  auto runtime = Build(Auth("      jwt: {secret_file: " + secret.q() + "}\n"));
  ASSERT_NE(runtime, nullptr);
  EXPECT_EQ(runtime->router.routes().at(0)->credential_fields, nullptr);  // no API key to mask
  EXPECT_THAT(BuildErrors(Auth("      jwt: {secret_file: " + short_secret.q() + "}\n")),
              ElementsAre("t.yaml:7: routes[0].auth.jwt: " + short_secret.path() +
                          ": an HMAC secret needs at least 32 bytes"));
  EXPECT_THAT(
      BuildErrors(Auth("      jwt: {pem_file: " + pem.q() + "}\n")),
      ElementsAre("t.yaml:7: routes[0].auth.jwt: " + pem.path() + ": not a PEM public key"));
}

TEST(AuthBuildTest, MalformedFilesNameTheFile) {
  TempFile jwks("{\"keys\": [\n"), keys("ci:sha256:abc\n"),
      users("# users\nbob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n");
  EXPECT_THAT(BuildErrors(Auth("      jwt:\n"
                               "        jwks_file: " +
                               jwks.q() +
                               "\n"
                               "      api_key:\n"
                               "        file: " +
                               keys.q() +
                               "\n"
                               "      basic:\n"
                               "        htpasswd: " +
                               users.q() + "\n")),
              ElementsAre("t.yaml:7: routes[0].auth.jwt: " + jwks.path() + ": not valid JSON",
                          "t.yaml:9: routes[0].auth.api_key: " + keys.path() +
                              ":1: the SHA-256 of key ci must be 64 hex digits, not 3",
                          "t.yaml:11: routes[0].auth.basic: " + users.path() +
                              ":2: unsupported hash for user bob (use bcrypt or SHA-512 crypt)"));
  TempFile no_keys(R"({"keys": [{"kty": "oct", "use": "enc", "k": "AAAA"}]})");
  EXPECT_THAT(
      BuildErrors(Auth("      jwt: {jwks_file: " + no_keys.q() + "}\n")),
      ElementsAre("t.yaml:7: routes[0].auth.jwt: " + no_keys.path() + ": no usable signing key"));
}

TEST(AuthBuildTest, ApiKeyRateLimitNeedsAuthApiKey) {
  TempFile users(std::string("alice:") + kSha512Hash + "\n");
  EXPECT_THAT(BuildErrors(Auth("      basic: {htpasswd: " + users.q() + "}\n",
                               "    rate_limit: [{rate: 1/s}, {key: [client_ip, api_key], "
                               "rate: 10/s}]\n")),
              ElementsAre("t.yaml:8: routes[0].rate_limit[1]: key api_key needs auth.api_key on "
                          "the route"));
  EXPECT_THAT(
      BuildErrors(
          "listen: [{address: 127.0.0.1:8080}]\n"
          "pools: {app: {servers: [{address: 127.0.0.1:9000}]}}\n"
          "routes:\n"
          "  - {match: {path_prefix: /}, pool: app, rate_limit: {key: api_key, rate: 1/s}}\n"),
      ElementsAre(
          "t.yaml:4: routes[0].rate_limit[0]: key api_key needs auth.api_key on the route"));
}

TEST(AuthBuildTest, ForwardUrlIsResolvedAtBuild) {
  EXPECT_THAT(BuildErrors(Auth("      forward: {url: \"http://\"}\n")),
              ElementsAre("t.yaml:7: routes[0].auth.forward.url: 'http://' has no host"));
}

}  // namespace
}  // namespace rampart::config
