// Authentication at the edge (a route's `auth:` section) in the real binary: JWTs (HS256 from a
// secret file, RS256 and ES256 from a JWKS file that is rotated under the running process, from
// a header or a cookie; expired, wrong key, alg none, missing, claims not accepted), API keys
// (header or query parameter; the key name for the backend and for the rate limiter), basic
// auth (bcrypt and SHA-512 crypt), forward auth against a scripted loopback auth service, and
// `satisfy: all`. Also: the identity headers rampart sets cannot be spoofed, credentials never
// reach the logs, /metrics counts every decision, and `rampart check` names a broken key file.
// The tokens and keys are made here with OpenSSL (support/auth_helpers.h).

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "support/acl_helpers.h"
#include "support/auth_helpers.h"
#include "support/log_file.h"
#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

constexpr char kSecret[] = "e2e-hmac-secret-0123456789abcdef-0123456789";  // >= 32 bytes
constexpr char kAliceKey[] = "ak-alice-7f3c9e2b1d4a6f8e0c5b";
constexpr char kBobKey[] = "ak-bob-2e8d4c6a0f1b3d5e7a9c";
// Made once with Python's crypt module (libxcrypt) and `openssl passwd -6`: bcrypt cost 5 and
// SHA-512 crypt, so that no hashing tool is needed when the test runs.
constexpr char kCarolPassword[] = "carol-bcrypt-pass";
constexpr char kCarolBcrypt[] = "$2b$05$sl4DXRyQef2To4oauZyXk.WVL9d.NJIjH7.ANBRkYY4USTpXNqHZO";
constexpr char kDavePassword[] = "dave-sha512-pass";
constexpr char kDaveSha512[] =
    "$6$e2eSaltAuth$cbXsJVuJv5z0hdgL/NCrvi6N5S1f0SHj0X3EqJkpSwVx2gAjj6YqbQTuZrb4TliBZ."
    "1sbzj4Kfidu/aENWTio0";

constexpr char kBearerChallenge[] = R"(Bearer realm="rampart")";
constexpr char kInvalidToken[] = R"(Bearer realm="rampart", error="invalid_token")";
constexpr char kInsufficientScope[] = R"(Bearer realm="rampart", error="insufficient_scope")";
constexpr char kBasicChallenge[] = R"(Basic realm="rampart", charset="UTF-8")";

// JWT claims: `members` plus "exp" `exp_in_s` seconds from now.
std::string Claims(const std::string& members, long exp_in_s = 600) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const long exp = std::chrono::duration_cast<std::chrono::seconds>(now).count() + exp_in_s;
  return "{" + members + (members.empty() ? "" : ",") + "\"exp\":" + std::to_string(exp) + "}";
}

HeaderList Bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }
HeaderList BasicAuth(const std::string& user, const std::string& password) {
  return {{"Authorization", "Basic " + Base64(user + ":" + password)}};
}

// Replaces `path` by renaming a new file over it, as key rotation tools do.
void ReplaceFile(const std::string& path, const std::string& text) {
  WriteFile(path + ".new", text);
  std::filesystem::rename(path + ".new", path);
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

class AuthTest : public ProxyTest {
 protected:
  std::string Path(const std::string& name) const { return rampart_.dir() + "/" + name; }
  std::string AttackLogPath() const { return Path("attack.log"); }
  std::string AccessLogPath() const { return Path("access.log"); }

  // The config: `routes` (a whole "routes:" section over pool "app"), the attack log on, auth
  // files watched every 200 ms.
  std::string Config(const std::string& routes) const {
    ConfigOptions options;
    options.backend_ports = {origin_.port()};
    options.routes_yaml = routes;
    options.extra = "  attack_log: " + AttackLogPath() + "\n" +  // continues logging:
                    "watch_interval: 200ms\n";
    return MakeConfig(rampart_.dir(), options);
  }
  // One catch-all route with `auth` as its auth section, and `more` route lines.
  static std::string OneRoute(const std::string& auth, const std::string& more = "") {
    return "routes:\n  - name: main\n    match: {path_prefix: /}\n    pool: app\n    auth: " +
           auth + "\n" + more;
  }
  void Start(const std::string& routes) {
    ASSERT_NO_FATAL_FAILURE(StartRampartYaml(Config(routes)));
  }

  // The files the tests' auth sections name.
  std::string SecretFile() {
    WriteFile(Path("secret.txt"), std::string(kSecret) + "\n");  // the line break is not part of it
    return Path("secret.txt");
  }
  std::string KeyFile() {
    WriteFile(Path("keys.txt"), "# API clients\n" + ApiKeyLine("alice", kAliceKey) + "\n\n" +
                                    ApiKeyLine("bob", kBobKey) + "\n");
    return Path("keys.txt");
  }
  std::string HtpasswdFile() {
    WriteFile(Path("htpasswd"),
              std::string("carol:") + kCarolBcrypt + "\ndave:" + kDaveSha512 + "\n");
    return Path("htpasswd");
  }

  // GET `target`; the status, or 0 without an answer.
  int Status(const std::string& target, const HeaderList& headers = {}) {
    auto r = Get(target, headers);
    return r ? r->status : 0;
  }
  // The request the origin got for `target` (it must have got one).
  RecordedRequest AtOrigin(const std::string& target) {
    auto seen = origin_.WaitForTarget(target, Timeout(2'000));
    EXPECT_TRUE(seen) << target << " did not reach the origin";
    return seen.value_or(RecordedRequest{});
  }
  // The attack log's records once there are `count` (or what is there after a few seconds).
  std::vector<JsonValue> AttackRecords(size_t count) {
    return JsonLines(AttackLogPath(), count, kDefaultTimeout);
  }
};

std::optional<std::string> FirstRuleId(const JsonValue& record) {
  const JsonValue* rules = record.Find("rules");
  if (rules == nullptr || !rules->is_array() || rules->array.empty()) return std::nullopt;
  return rules->array.front().StringAt("id");
}

// --- JWT ----------------------------------------------------------------------------------------

constexpr char kJwtAuth[] =
    "{jwt: {secret_file: %s, claims_to_headers: {sub: X-User, role: X-Role}, "
    "required_claims: {role: admin}}}";

std::string JwtAuth(const std::string& secret_file) {
  std::string out = kJwtAuth;
  return out.replace(out.find("%s"), 2, secret_file);
}

TEST_F(AuthTest, JwtValidTokenPassesAndTheBackendSeesItsClaimsNeverTheClientsCopies) {
  ASSERT_NO_FATAL_FAILURE(Start(OneRoute(JwtAuth(SecretFile()))));
  const JwtSigner key = JwtSigner::Hs256(kSecret);

  HeaderList headers = Bearer(key.Sign(Claims(R"("sub":"alice","role":"admin")")));
  headers.emplace_back("X-User", "mallory");  // a spoofed identity
  auto r = Get("/valid", headers);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  RecordedRequest seen = AtOrigin("/valid");
  EXPECT_EQ(seen.HeaderCount("X-User"), 1u);
  EXPECT_EQ(seen.Header("X-User"), "alice");
  EXPECT_EQ(seen.Header("X-Role"), "admin");

  // A valid token without "sub": the client's X-User is still removed, and nothing replaces it.
  headers = Bearer(key.Sign(Claims(R"("role":"admin")")));
  headers.emplace_back("X-User", "mallory");
  EXPECT_EQ(Status("/no-sub", headers), 200);
  EXPECT_EQ(AtOrigin("/no-sub").HeaderCount("X-User"), 0u);
}

TEST_F(AuthTest, JwtRefusalsAnswer401Or403WithABearerChallengeThatSaysWhy) {
  ASSERT_NO_FATAL_FAILURE(Start(OneRoute(JwtAuth(SecretFile()))));
  const JwtSigner key = JwtSigner::Hs256(kSecret);
  const JwtSigner other = JwtSigner::Hs256("another-secret-of-more-than-32-bytes!!");
  const std::string admin = R"("sub":"alice","role":"admin")";
  struct Case {
    std::string name;
    HeaderList headers;
    int status;
    std::string challenge;
  };
  const std::vector<Case> cases = {
      {"no token", {}, 401, kBearerChallenge},
      // An hour past exp: well beyond the 30 s leeway.
      {"expired", Bearer(key.Sign(Claims(admin, -3600))), 401, kInvalidToken},
      {"wrong key", Bearer(other.Sign(Claims(admin))), 401, kInvalidToken},
      {"alg none", Bearer(UnsignedJwt(Claims(admin))), 401, kInvalidToken},
      {"garbage", Bearer("not.a.token"), 401, kInvalidToken},
      {"role not accepted", Bearer(key.Sign(Claims(R"("sub":"bob","role":"user")"))), 403,
       kInsufficientScope},
      {"role missing", Bearer(key.Sign(Claims(R"("sub":"bob")"))), 403, kInsufficientScope},
  };
  for (const Case& c : cases) {
    auto r = Get("/private", c.headers);
    ASSERT_TRUE(r) << c.name;
    EXPECT_EQ(r->status, c.status) << c.name;
    EXPECT_EQ(FindHeaders(r->headers, "WWW-Authenticate"), std::vector<std::string>{c.challenge})
        << c.name;
  }
  EXPECT_EQ(origin_.RequestCount(), 0u);
}

TEST_F(AuthTest, JwtIsAlsoTakenFromTheConfiguredCookie) {
  ASSERT_NO_FATAL_FAILURE(Start(OneRoute("{jwt: {secret_file: " + SecretFile() +
                                         ", cookie: session, claims_to_headers: {sub: X-User}}}")));
  const JwtSigner key = JwtSigner::Hs256(kSecret);
  const std::string good = key.Sign(Claims(R"("sub":"alice")"));
  EXPECT_EQ(Status("/cookie", {{"Cookie", "theme=dark; session=" + good}}), 200);
  EXPECT_EQ(AtOrigin("/cookie").Header("X-User"), "alice");

  auto expired = Get("/expired", {{"Cookie", "session=" + key.Sign(Claims("", -3600))}});
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->status, 401);
  EXPECT_EQ(expired->Header("WWW-Authenticate"), kInvalidToken);
  // Another cookie's token is not looked at.
  EXPECT_EQ(Status("/other-cookie", {{"Cookie", "token=" + good}}), 401);
}

TEST_F(AuthTest, Rs256AndEs256FromAJwksFileAndARotatedFileIsPickedUpWithoutASignal) {
  const JwtSigner rsa1 = JwtSigner::Rs256("rsa-1");
  const JwtSigner ec1 = JwtSigner::Es256("ec-1");
  const std::string jwks = Path("jwks.json");
  WriteFile(jwks, Jwks({&rsa1, &ec1}));
  ASSERT_NO_FATAL_FAILURE(
      Start(OneRoute("{jwt: {jwks_file: " + jwks + ", claims_to_headers: {sub: X-User}}}")));
  const pid_t pid = rampart_.pid();
  const std::string claims = Claims(R"("sub":"svc")");
  EXPECT_EQ(Status("/rs", Bearer(rsa1.Sign(claims))), 200);
  EXPECT_EQ(Status("/es", Bearer(ec1.Sign(claims))), 200);
  EXPECT_EQ(AtOrigin("/es").Header("X-User"), "svc");
  // Another key under a known kid: a bad signature.
  EXPECT_EQ(Status("/forged", Bearer(JwtSigner::Rs256("rsa-1").Sign(claims))), 401);

  // Rotation: the new keys replace the old ones in the file.
  const JwtSigner rsa2 = JwtSigner::Rs256("rsa-2");
  const JwtSigner ec2 = JwtSigner::Es256("ec-2");
  const size_t from = rampart_.LineCount();
  ReplaceFile(jwks, Jwks({&rsa2, &ec2}));
  EXPECT_TRUE(Eventually([&] { return Status("/new-rs", Bearer(rsa2.Sign(claims))) == 200; }))
      << rampart_.Log();
  EXPECT_TRUE(rampart_.WaitForLine("reload: " + jwks + " changed", kDefaultTimeout, from));
  EXPECT_EQ(Status("/new-es", Bearer(ec2.Sign(claims))), 200);
  EXPECT_EQ(Status("/old-rs", Bearer(rsa1.Sign(claims))), 401);
  EXPECT_EQ(Status("/old-es", Bearer(ec1.Sign(claims))), 401);
  EXPECT_EQ(rampart_.pid(), pid);
}

TEST_F(AuthTest, ABrokenJwksWrittenOverAWorkingOneKeepsTheOldKeysUntilItIsFixed) {
  const JwtSigner ec1 = JwtSigner::Es256("ec-1");
  const JwtSigner ec2 = JwtSigner::Es256("ec-2");
  const std::string jwks = Path("jwks.json");
  WriteFile(jwks, Jwks({&ec1}));
  ASSERT_NO_FATAL_FAILURE(Start(OneRoute("{jwt: {jwks_file: " + jwks + "}}")));
  const std::string claims = Claims(R"("sub":"svc")");
  EXPECT_EQ(Status("/before", Bearer(ec1.Sign(claims))), 200);

  size_t from = rampart_.LineCount();
  ReplaceFile(jwks, "{\"keys\": [" + ec2.PublicJwk());  // cut short
  ASSERT_TRUE(rampart_.WaitForLine("reload: refused", kDefaultTimeout, from)) << rampart_.Log();
  EXPECT_TRUE(rampart_.WaitForLine(jwks + ": not valid JSON", Timeout(1'000), from))
      << rampart_.Log();
  EXPECT_EQ(Status("/old-key", Bearer(ec1.Sign(claims))), 200);
  EXPECT_EQ(Status("/new-key", Bearer(ec2.Sign(claims))), 401);

  from = rampart_.LineCount();
  ReplaceFile(jwks, Jwks({&ec2}));
  EXPECT_TRUE(rampart_.WaitForLine("reload: applied", kDefaultTimeout, from)) << rampart_.Log();
  EXPECT_EQ(Status("/fixed-new", Bearer(ec2.Sign(claims))), 200);
  EXPECT_EQ(Status("/fixed-old", Bearer(ec1.Sign(claims))), 401);
}

// --- API keys -----------------------------------------------------------------------------------

TEST_F(AuthTest, ApiKeyFromAHeaderOrTheQueryNamesTheClientAndNeverReachesTheLogs) {
  ASSERT_NO_FATAL_FAILURE(Start(OneRoute("{api_key: {file: " + KeyFile() +
                                         ", header: X-Api-Key, query: api_key, "
                                         "name_header: X-Api-Client}}")));
  const std::string unknown_key = "ak-unknown-5a5a5a5a5a5a5a5a";
  const std::string unknown_query_key = "ak-unknown-query-6b6b6b6b6b";

  EXPECT_EQ(Status("/by-header", {{"X-Api-Key", kAliceKey}, {"X-Api-Client", "root"}}), 200);
  RecordedRequest seen = AtOrigin("/by-header");
  EXPECT_EQ(seen.HeaderCount("X-Api-Client"), 1u);
  EXPECT_EQ(seen.Header("X-Api-Client"), "alice");
  EXPECT_EQ(Status(std::string("/by-query?api_key=") + kBobKey + "&page=2"), 200);
  EXPECT_EQ(
      AtOrigin(std::string("/by-query?api_key=") + kBobKey + "&page=2").Header("X-Api-Client"),
      "bob");

  auto unknown = Get("/unknown", {{"X-Api-Key", unknown_key}, {"X-Api-Client", "root"}});
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 401);
  EXPECT_EQ(unknown->Header("WWW-Authenticate"),
            R"(ApiKey realm="rampart", header="X-Api-Key", query="api_key")");
  EXPECT_EQ(Status("/unknown-query?api_key=" + unknown_query_key), 401);
  EXPECT_EQ(Status("/none"), 401);
  EXPECT_EQ(origin_.RequestCount(), 2u);

  // The access log masks the query parameter; neither log holds any key, known or not.
  const std::string access = Joined(WaitForFileLines(AccessLogPath(), 5));
  const std::string attacks = Joined(WaitForFileLines(AttackLogPath(), 3));
  EXPECT_NE(access.find("/by-query?api_key=***&page=2"), std::string::npos) << access;
  EXPECT_NE(access.find("/unknown-query?api_key=***"), std::string::npos) << access;
  for (const std::string& key :
       {std::string(kAliceKey), std::string(kBobKey), unknown_key, unknown_query_key}) {
    EXPECT_EQ(access.find(key), std::string::npos) << key << " in the access log:\n" << access;
    EXPECT_EQ(attacks.find(key), std::string::npos) << key << " in the attack log:\n" << attacks;
  }
  std::multiset<std::string> ids;
  for (const JsonValue& record : AttackRecords(3)) ids.insert(FirstRuleId(record).value_or("?"));
  EXPECT_EQ(ids, (std::multiset<std::string>{"auth:api_key:invalid", "auth:api_key:invalid",
                                             "auth:api_key:missing"}));
}

TEST_F(AuthTest, RateLimitKeyedByApiKeyGivesEachKeyItsOwnBurst) {
  ASSERT_NO_FATAL_FAILURE(Start(OneRoute("{api_key: {file: " + KeyFile() + "}}",
                                         "    rate_limit: {key: api_key, rate: 1/h, burst: 2}\n")));
  const HeaderList alice = {{"X-Api-Key", kAliceKey}};
  const HeaderList bob = {{"X-Api-Key", kBobKey}};
  EXPECT_EQ(Status("/a1", alice), 200);
  EXPECT_EQ(Status("/a2", alice), 200);
  EXPECT_EQ(Status("/a3", alice), 429);
  // Bob, from the same address, still has his whole burst.
  EXPECT_EQ(Status("/b1", bob), 200);
  EXPECT_EQ(Status("/b2", bob), 200);
  EXPECT_EQ(Status("/b3", bob), 429);
  EXPECT_EQ(origin_.RequestCount(), 4u);
}

// The rate limiter runs before the auth stage: a request it refuses must not log the key
// either (the key's header and query parameter are credentials on this route whatever stage
// answers).
TEST_F(AuthTest, ApiKeyOfARequestTheRateLimiterRefusesIsNotLoggedEither) {
  ASSERT_NO_FATAL_FAILURE(
      Start(OneRoute("{api_key: {file: " + KeyFile() + ", header: X-Api-Key, query: api_key}}",
                     "    rate_limit: {key: api_key, rate: 1/h, burst: 1}\n")));
  EXPECT_EQ(Status(std::string("/q1?api_key=") + kAliceKey), 200);
  EXPECT_EQ(Status(std::string("/q2?api_key=") + kAliceKey), 429);
  EXPECT_EQ(Status("/h", {{"X-Api-Key", kAliceKey}}), 429);

  const std::string access = Joined(WaitForFileLines(AccessLogPath(), 3));
  const std::string attacks = Joined(WaitForFileLines(AttackLogPath(), 2));
  EXPECT_EQ(access.find(kAliceKey), std::string::npos) << access;
  EXPECT_EQ(attacks.find(kAliceKey), std::string::npos) << attacks;
  EXPECT_NE(access.find("/q2?api_key=***"), std::string::npos) << access;
}

// --- Basic --------------------------------------------------------------------------------------

TEST_F(AuthTest, BasicAuthWithBcryptAndSha512CryptAndThePasswordNeverLogged) {
  ASSERT_NO_FATAL_FAILURE(
      Start(OneRoute("{basic: {htpasswd: " + HtpasswdFile() + ", user_header: X-User}}")));
  HeaderList carol = BasicAuth("carol", kCarolPassword);
  carol.emplace_back("X-User", "admin");  // spoofed
  EXPECT_EQ(Status("/carol", carol), 200);
  EXPECT_EQ(AtOrigin("/carol").HeaderCount("X-User"), 1u);
  EXPECT_EQ(AtOrigin("/carol").Header("X-User"), "carol");
  EXPECT_EQ(Status("/dave", BasicAuth("dave", kDavePassword)), 200);
  EXPECT_EQ(AtOrigin("/dave").Header("X-User"), "dave");

  const std::string wrong_password = "wrong-guess-31337";
  for (const auto& [target, headers] : std::vector<std::pair<std::string, HeaderList>>{
           {"/wrong", BasicAuth("carol", wrong_password)},
           {"/swapped", BasicAuth("dave", kCarolPassword)},
           {"/nobody", BasicAuth("nobody", wrong_password)},
           {"/none", {}}}) {
    auto r = Get(target, headers);
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 401) << target;
    EXPECT_EQ(r->Header("WWW-Authenticate"), kBasicChallenge) << target;
  }
  EXPECT_EQ(origin_.RequestCount(), 2u);

  const std::string attacks = Joined(WaitForFileLines(AttackLogPath(), 4));
  for (const std::string& secret :
       {wrong_password, std::string(kCarolPassword), Base64("carol:" + wrong_password),
        Base64(std::string("dave:") + kCarolPassword)}) {
    EXPECT_EQ(attacks.find(secret), std::string::npos) << secret << " in:\n" << attacks;
  }
}

// --- Forward auth -------------------------------------------------------------------------------

TEST_F(AuthTest, ForwardAuth2xxPassesCopiesTheChosenHeadersAndTheServiceSeesTheRequest) {
  AuthService service;
  service.SetReply({200, {{"X-Auth-User", "alice"}, {"X-Auth-Internal", "no"}}, ""});
  ASSERT_NO_FATAL_FAILURE(Start(OneRoute("{forward: {url: \"" + service.Url("/verify?app=1") +
                                         "\", response_headers: [X-Auth-User]}}")));
  auto r = Get("/docs/page?q=1", {{"Authorization", "Bearer opaque-session-token"},
                                  {"Cookie", "sid=abc123"},
                                  {"X-Private", "not for the auth service"},
                                  {"X-Auth-User", "mallory"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  RecordedRequest seen = AtOrigin("/docs/page?q=1");
  EXPECT_EQ(seen.HeaderCount("X-Auth-User"), 1u);
  EXPECT_EQ(seen.Header("X-Auth-User"), "alice");
  EXPECT_FALSE(seen.Header("X-Auth-Internal"));  // not among response_headers

  const std::vector<AuthSubRequest> asked = service.Requests();
  ASSERT_EQ(asked.size(), 1u);
  const AuthSubRequest& sub = asked[0];
  EXPECT_EQ(sub.method, "GET");
  EXPECT_EQ(sub.target, "/verify?app=1");
  EXPECT_EQ(sub.Header("X-Forwarded-Method"), "GET");
  EXPECT_EQ(sub.Header("X-Forwarded-Uri"), "/docs/page?q=1");
  EXPECT_EQ(sub.Header("X-Original-URI"), "/docs/page?q=1");
  EXPECT_EQ(sub.Header("X-Forwarded-Host"), "127.0.0.1:" + std::to_string(port()));
  EXPECT_EQ(sub.Header("X-Forwarded-For"), "127.0.0.1");
  EXPECT_EQ(sub.Header("Authorization"), "Bearer opaque-session-token");
  EXPECT_EQ(sub.Header("Cookie"), "sid=abc123");
  EXPECT_FALSE(sub.Header("X-Private"));
  EXPECT_FALSE(sub.Header("X-Auth-User"));  // the spoofed copy went nowhere

  // The original method is asked about (without the body).
  Client c = Connect();
  auto post = c.Post("/form", "a=1", {{"Connection", "close"}});
  ASSERT_TRUE(post) << c.error();
  EXPECT_EQ(post->status, 200);
  ASSERT_EQ(service.Requests().size(), 2u);
  EXPECT_EQ(service.Requests()[1].method, "POST");
  EXPECT_EQ(service.Requests()[1].Header("X-Forwarded-Method"), "POST");
  EXPECT_EQ(AtOrigin("/form").body, "a=1");
}

TEST_F(AuthTest, ForwardAuthRelaysThe401And403OfTheServiceToTheClient) {
  AuthService service;
  ASSERT_NO_FATAL_FAILURE(Start(OneRoute("{forward: {url: \"" + service.Url() + "\"}}")));
  service.SetReply({401,
                    {{"WWW-Authenticate", R"(Bearer realm="sso")"}, {"Content-Type", "text/plain"}},
                    "log in at https://sso.example/\n"});
  auto r = Get("/private");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->Header("WWW-Authenticate"), R"(Bearer realm="sso")");
  EXPECT_EQ(r->body, "log in at https://sso.example/\n");

  service.SetReply({403, {{"Content-Type", "text/plain"}}, "not for you\n"});
  r = Get("/private");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(r->body, "not for you\n");
  EXPECT_EQ(origin_.RequestCount(), 0u);
  const std::string metrics = Metrics();
  EXPECT_EQ(MetricValue(metrics, "rampart_auth_requests_total",
                        {{"method", "forward"}, {"result", "invalid"}}),
            1);
  EXPECT_EQ(MetricValue(metrics, "rampart_auth_requests_total",
                        {{"method", "forward"}, {"result", "forbidden"}}),
            1);
}

TEST_F(AuthTest, ForwardAuthFailingSilentOrMissingServiceAnswersTheErrorStatus) {
  AuthService service;
  const std::string down = "http://127.0.0.1:" + std::to_string(UnusedPort()) + "/verify";
  ASSERT_NO_FATAL_FAILURE(
      Start("routes:\n"
            "  - name: live\n    match: {path_prefix: /live}\n    pool: app\n"
            "    auth: {forward: {url: \"" +
            service.Url() +
            "\", timeout: 300ms}}\n"
            "  - name: down\n    match: {path_prefix: /down}\n    pool: app\n"
            "    auth: {forward: {url: \"" +
            down +
            "\"}}\n"
            "  - name: custom\n    match: {path_prefix: /custom}\n    pool: app\n"
            "    auth: {forward: {url: \"" +
            down + "\", error_status: 502}}\n"));
  service.SetReply({500, {}, "boom\n"});
  auto r = Get("/live/500");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body.find("boom"), std::string::npos) << r->body;  // the service's own failure

  service.SetReply({.status = 200, .headers = {}, .body = "", .hang = true});
  EXPECT_EQ(Status("/live/silent"), 503);  // after the 300 ms timeout
  EXPECT_EQ(Status("/down/refused"), 503);
  EXPECT_EQ(Status("/custom/refused"), 502);
  EXPECT_EQ(service.Requests().size(), 2u);
  EXPECT_EQ(origin_.RequestCount(), 0u);
  EXPECT_EQ(MetricValue(Metrics(), "rampart_auth_requests_total",
                        {{"method", "forward"}, {"result", "error"}}),
            4);
}

// --- Several methods ----------------------------------------------------------------------------

TEST_F(AuthTest, SatisfyAllNeedsTheApiKeyAndTheToken) {
  ASSERT_NO_FATAL_FAILURE(Start(
      OneRoute("{satisfy: all, api_key: {file: " + KeyFile() + ", name_header: X-Api-Client}, " +
               "jwt: {secret_file: " + SecretFile() + ", claims_to_headers: {sub: X-User}}}")));
  const JwtSigner key = JwtSigner::Hs256(kSecret);
  const HeaderList token = Bearer(key.Sign(Claims(R"("sub":"alice")")));
  const HeaderList api_key = {{"X-Api-Key", kAliceKey}};
  HeaderList both = token;
  both.insert(both.end(), api_key.begin(), api_key.end());

  EXPECT_EQ(Status("/both", both), 200);
  RecordedRequest seen = AtOrigin("/both");
  EXPECT_EQ(seen.Header("X-Api-Client"), "alice");
  EXPECT_EQ(seen.Header("X-User"), "alice");

  auto key_only = Get("/key-only", api_key);
  ASSERT_TRUE(key_only);
  EXPECT_EQ(key_only->status, 401);
  EXPECT_EQ(FindHeaders(key_only->headers, "WWW-Authenticate"),
            (std::vector<std::string>{R"(ApiKey realm="rampart", header="X-Api-Key")",
                                      kBearerChallenge}));
  EXPECT_EQ(Status("/token-only", token), 401);
  HeaderList bad_token = Bearer(UnsignedJwt(Claims(R"("sub":"alice")")));
  bad_token.insert(bad_token.end(), api_key.begin(), api_key.end());
  EXPECT_EQ(Status("/bad-token", bad_token), 401);
  HeaderList bad_key = token;
  bad_key.emplace_back("X-Api-Key", "ak-not-a-known-key-000000");
  EXPECT_EQ(Status("/bad-key", bad_key), 401);
  EXPECT_EQ(origin_.RequestCount(), 1u);
}

// --- Metrics and the attack log -----------------------------------------------------------------

TEST_F(AuthTest, MetricsCountEveryDecisionAndTheAttackLogRecordsEachRefusalAsAuth) {
  ASSERT_NO_FATAL_FAILURE(
      Start("routes:\n"
            "  - name: jwt\n    match: {path_prefix: /jwt}\n    pool: app\n    auth: " +
            JwtAuth(SecretFile()) +
            "\n"
            "  - name: key\n    match: {path_prefix: /key}\n    pool: app\n"
            "    auth: {api_key: {file: " +
            KeyFile() +
            "}}\n"
            "  - name: basic\n    match: {path_prefix: /basic}\n    pool: app\n"
            "    auth: {basic: {htpasswd: " +
            HtpasswdFile() + "}}\n"));
  const JwtSigner key = JwtSigner::Hs256(kSecret);
  const std::string admin = R"("sub":"alice","role":"admin")";
  EXPECT_EQ(Status("/jwt/1", Bearer(key.Sign(Claims(admin)))), 200);
  EXPECT_EQ(Status("/jwt/2", Bearer(key.Sign(Claims(admin)))), 200);
  EXPECT_EQ(Status("/jwt/3", Bearer(key.Sign(Claims(admin, -3600)))), 401);
  EXPECT_EQ(Status("/jwt/4"), 401);
  EXPECT_EQ(Status("/jwt/5", Bearer(key.Sign(Claims(R"("role":"user")")))), 403);
  EXPECT_EQ(Status("/key/1", {{"X-Api-Key", kBobKey}}), 200);
  EXPECT_EQ(Status("/key/2", {{"X-Api-Key", "nope-1"}}), 401);
  EXPECT_EQ(Status("/key/3", {{"X-Api-Key", "nope-2"}}), 401);
  EXPECT_EQ(Status("/key/4"), 401);
  EXPECT_EQ(Status("/basic/1", BasicAuth("dave", kDavePassword)), 200);
  EXPECT_EQ(Status("/basic/2", BasicAuth("dave", "wrong")), 401);

  const std::map<std::pair<std::string, std::string>, double> expected = {
      {{"jwt", "ok"}, 2},          {{"jwt", "invalid"}, 1}, {{"jwt", "missing"}, 1},
      {{"jwt", "forbidden"}, 1},   {{"api_key", "ok"}, 1},  {{"api_key", "invalid"}, 2},
      {{"api_key", "missing"}, 1}, {{"basic", "ok"}, 1},    {{"basic", "invalid"}, 1},
  };
  const std::string metrics = Metrics();
  double total = 0;
  for (const auto& [labels, count] : expected) {
    EXPECT_EQ(MetricValue(metrics, "rampart_auth_requests_total",
                          {{"method", labels.first}, {"result", labels.second}}),
              count)
        << labels.first << " " << labels.second << "\n"
        << metrics;
    total += count;
  }
  EXPECT_EQ(MetricSum(metrics, "rampart_auth_requests_total"), total) << metrics;

  std::multiset<std::string> ids;
  for (const JsonValue& record : AttackRecords(7)) {
    EXPECT_EQ(record.StringAt("source"), "auth");
    ids.insert(FirstRuleId(record).value_or("?") + " " +
               std::to_string(static_cast<int>(record.NumberAt("status").value_or(0))));
  }
  EXPECT_EQ(ids, (std::multiset<std::string>{"auth:jwt:invalid 401", "auth:jwt:missing 401",
                                             "auth:jwt:forbidden 403", "auth:api_key:invalid 401",
                                             "auth:api_key:invalid 401", "auth:api_key:missing 401",
                                             "auth:basic:invalid 401"}));
}

// --- Broken files -------------------------------------------------------------------------------

TEST_F(AuthTest, CheckRefusesABrokenOrMissingKeyFileNamingItAndWhy) {
  const JwtSigner rsa = JwtSigner::Rs256("rsa-1");
  struct Case {
    std::string name;
    std::string file;  // written unless `content` is empty
    std::string content;
    std::string auth;                   // %f: the file
    std::vector<std::string> expected;  // in the error output
  };
  const std::vector<Case> cases = {
      {"api key digest",
       "keys.txt",
       "# clients\nalice:sha256:abc123\n",
       "{api_key: {file: %f}}",
       {"keys.txt:2:", "64 hex digits"}},
      {"jwks not json",
       "jwks.json",
       "{\"keys\": [",
       "{jwt: {jwks_file: %f}}",
       {"jwks.json", "not valid JSON"}},
      {"jwks bad key",
       "jwks.json",
       "{\"keys\": [" + rsa.PublicJwk() +
           ", {\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": \"AA\"}]}",
       "{jwt: {jwks_file: %f}}",
       {"jwks.json: key 1:"}},
      {"htpasswd md5",
       "htpasswd",
       "carol:$apr1$abc$NKxAkoTtUloZMd1uGIvNG0\n",
       "{basic: {htpasswd: %f}}",
       {"htpasswd:1:", "unsupported hash for user carol"}},
      {"short secret",
       "secret.txt",
       "too-short\n",
       "{jwt: {secret_file: %f}}",
       {"secret.txt", "at least 32 bytes"}},
      {"missing file", "missing.json", "", "{jwt: {jwks_file: %f}}", {"missing.json"}},
  };
  for (const Case& c : cases) {
    const std::string file = Path(c.file);
    std::filesystem::remove(file);
    if (!c.content.empty()) WriteFile(file, c.content);
    std::string auth = c.auth;
    auth.replace(auth.find("%f"), 2, file);
    rampart_.WriteConfig(Config(OneRoute(auth)));
    CommandResult r = RampartProcess::RunCheck(rampart_.config_path());
    EXPECT_NE(r.exit_code, 0) << c.name;
    for (const std::string& text : c.expected) {
      EXPECT_NE(r.err.find(text), std::string::npos) << c.name << ": no " << text << " in\n"
                                                     << r.err;
    }
  }

  // Refused at start too, with the same reason.
  WriteFile(Path("jwks.json"), "{\"keys\": [");
  EXPECT_FALSE(rampart_.Start(Config(OneRoute("{jwt: {jwks_file: " + Path("jwks.json") + "}}"))));
  EXPECT_NE(rampart_.error().find("jwks.json: not valid JSON"), std::string::npos)
      << rampart_.error();
}

}  // namespace
}  // namespace rampart::test
