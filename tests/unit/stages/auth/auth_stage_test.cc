// The auth stage driven directly (OnRequestHeaders on an Exchange) and through the chain runner:
// satisfy any/all, JWT (claims to headers, required claims, RFC 6750 errors), API keys (header,
// query), basic auth (inline, on a fake offload pool, the verified-credentials memory), findings
// and counters, and forward auth against a loopback auth service on the test's event_base.

#include "stages/auth/auth_stage.h"

#include <event2/event.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "../../run_loop_until.h"
#include "../../unused_port.h"
#include "auth/api_keys.h"
#include "core/base64.h"
#include "pipeline/chain.h"
#include "pipeline/exchange.h"
#include "pipeline/findings.h"
#include "scripted_auth_service.h"

namespace rampart::stages::auth {
namespace {

namespace fs = std::filesystem;
namespace ra = rampart::auth;
using json = nlohmann::json;
using pipeline::Action;
using pipeline::ChainResult;
using pipeline::Exchange;
using pipeline::FindingSource;
using pipeline::Verdict;
using std::chrono::milliseconds;

const std::string kSecret = "a shared HMAC secret for the auth stage tests";
const std::string kBillingKey = "key-billing-0123456789";
const std::string kCiKey = "ci key/+=?&";  // needs percent-encoding in a query
// `openssl passwd -6 -salt rampartTestSalt s3cret`
const std::string kAliceHash =
    "$6$rampartTestSalt$uzPNYG8YvfruSbRbIsRlOeM.wpjKEXHS9fzMRfhnfuXlacvjvBii0SU8pw612Dz4xAbjwLkf/"
    "XPakpOfNOV5n0";
// `openssl passwd -6 -salt rampartBobSalt 'pa:ss word'`
const std::string kBobHash =
    "$6$rampartBobSalt$U8/"
    "ugZCb9l.my.AMAKbzTkhuOvcEyRpmWPHfDfKfNhg7e1to0ccAfTbGfThBwDtx3oL9v6t7UXndP"
    "yhGH5nyE1";

const std::string kApiKeyChallenge =
    R"(ApiKey realm="rampart", header="X-Api-Key", query="api_key")";
const std::string kBearerChallenge = R"(Bearer realm="rampart")";
const std::string kBasicChallenge = R"(Basic realm="rampart", charset="UTF-8")";
constexpr std::string_view kTextType = "text/plain; charset=utf-8";

// ---- Tokens and credentials ----

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// An HS256 token over `payload`.
std::string Sign(const json& payload, const std::string& secret = kSecret) {
  const json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  const std::string input =
      core::Base64UrlEncode(header.dump()) + "." + core::Base64UrlEncode(payload.dump());
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &length);
  return input + "." + core::Base64UrlEncode(std::string(reinterpret_cast<const char*>(mac), length));
}

// A valid token for "alice" (ten minutes left) with `extra` claims added or replaced.
std::string Token(const json& extra = json::object()) {
  const int64_t now = NowSeconds();
  json payload = {{"sub", "alice"}, {"iat", now}, {"exp", now + 600}};
  payload.update(extra);
  return Sign(payload);
}

std::string ExpiredToken() {
  const int64_t now = NowSeconds();
  return Token({{"iat", now - 7200}, {"exp", now - 3600}});
}

std::string BasicAuthorization(const std::string& user, const std::string& password) {
  return "Basic " + core::Base64Encode(user + ":" + password, core::Base64Alphabet::kStandard);
}

// ---- Exchanges ----

std::string Header(const http::HeaderMap& headers, const std::string& name) {
  const std::string* value = headers.Get(name);
  return value ? *value : "<absent>";
}

// Every value of `name`, in order.
std::vector<std::string> Values(const http::HeaderMap& headers, const std::string& name) {
  std::vector<std::string> out;
  for (const http::Header& field : headers) {
    if (field.name.size() == name.size() &&
        std::equal(field.name.begin(), field.name.end(), name.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      out.push_back(field.value);
    }
  }
  return out;
}

std::vector<std::string> Challenges(const Exchange& ex) {
  if (!ex.local_reply()) return {"<no reply>"};
  return Values(ex.local_reply()->headers, "WWW-Authenticate");
}

int ReplyStatus(const Exchange& ex) { return ex.local_reply() ? ex.local_reply()->status : 0; }

// One request through the stage. Heap-allocated so that the stage's and the resume callback's
// pointers to it stay valid.
struct RequestRun {
  explicit RequestRun(Exchange exchange) : ex(std::move(exchange)) {}
  Exchange ex;
  std::unique_ptr<pipeline::Stage> stage;  // after ex: destroyed first
  Action action = Action::kContinue;
  int resumes = 0;  // Exchange::Resume calls
};

Exchange MakeExchange(const std::string& method = "GET",
                      const std::string& target = "/app/page?x=1") {
  Exchange ex(pipeline::ClientInfo{"192.0.2.10", 40000, false});
  ex.set_request_id("req-1");
  ex.set_route_name("app");
  ex.request().method = method;
  ex.request().target = target;
  ex.request().host = "app.example";
  ex.request().headers.Add("Host", "app.example");
  ex.original_target = target;
  return ex;
}

using Prepare = std::function<void(Exchange&)>;

std::unique_ptr<RequestRun> Start(const AuthStageFactory& factory, const Prepare& prepare = {},
                                  Exchange exchange = MakeExchange()) {
  auto run = std::make_unique<RequestRun>(std::move(exchange));
  RequestRun* r = run.get();
  r->ex.set_resume([r] { ++r->resumes; });
  if (prepare) prepare(r->ex);
  r->stage = factory.Create();
  r->action = r->stage->OnRequestHeaders(r->ex);
  return run;
}

// Prepare helpers.
Prepare WithHeader(const std::string& name, const std::string& value) {
  return [name, value](Exchange& ex) { ex.request().headers.Add(name, value); };
}
Prepare WithHeaders(std::vector<std::pair<std::string, std::string>> fields) {
  return [fields](Exchange& ex) {
    for (const auto& [name, value] : fields) ex.request().headers.Add(name, value);
  };
}
Prepare WithBearer(const std::string& token) {
  return WithHeader("Authorization", "Bearer " + token);
}
Prepare WithTarget(const std::string& target) {
  return [target](Exchange& ex) {
    ex.request().target = target;
    ex.original_target = target;
  };
}

// The one rule a refusal records, and the decisive action.
void ExpectRefusal(const Exchange& ex, int status, const std::string& id, const std::string& msg,
                   const std::string& var) {
  ASSERT_TRUE(ex.local_reply().has_value());
  EXPECT_EQ(ex.local_reply()->status, status);
  ASSERT_EQ(ex.findings().rules().size(), 1u);
  const pipeline::RuleMatch& rule = ex.findings().rules()[0];
  EXPECT_EQ(rule.source, FindingSource::kAuth);
  EXPECT_EQ(rule.id, id);
  EXPECT_EQ(rule.msg, msg);
  EXPECT_EQ(rule.var, var);
  EXPECT_TRUE(rule.data.empty()) << rule.data;
  EXPECT_TRUE(rule.tags.empty());
  EXPECT_EQ(ex.findings().verdict(), Verdict::kBlocked);
  EXPECT_EQ(ex.findings().source(), FindingSource::kAuth);
  EXPECT_EQ(ex.findings().status(), status);
}

// No field of any finding holds `secret`.
void ExpectNoSecret(const pipeline::Findings& findings, const std::string& secret) {
  ASSERT_FALSE(secret.empty());
  for (const pipeline::RuleMatch& rule : findings.rules()) {
    for (const std::string* field : {&rule.id, &rule.msg, &rule.severity, &rule.var, &rule.data}) {
      EXPECT_EQ(field->find(secret), std::string::npos) << *field;
    }
    for (const std::string& tag : rule.tags) EXPECT_EQ(tag.find(secret), std::string::npos);
  }
}

// A stand-in for the proxy's offload pool: hands the work back to the test, or runs work and
// done at once.
struct FakeOffload {
  bool at_once = false;
  int calls = 0;
  std::function<void()> work;
  std::function<void()> done;

  Exchange::Offloader Bind() {
    return [this](std::function<void()> w, std::function<void()> d) {
      ++calls;
      if (at_once) {
        w();
        d();
        return;
      }
      work = std::move(w);
      done = std::move(d);
    };
  }
  // Runs the work on another thread, as the pool would.
  void RunWork() {
    ASSERT_TRUE(work);
    std::thread thread(std::move(work));
    thread.join();
    work = nullptr;
  }
  void RunDone() {
    ASSERT_TRUE(done);
    auto d = std::move(done);
    done = nullptr;
    d();
  }
};

// ---- The fixture: key files and methods ----

class AuthStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rampart-auth-stage-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    const std::string keys_path =
        Write("api-keys", ra::HashApiKeyLine("billing", kBillingKey) + "\n" +
                              ra::HashApiKeyLine("ci", kCiKey) + "\n");
    auto keys = ra::ApiKeys::Load(keys_path);
    ASSERT_TRUE(keys.ok()) << keys.error().message;
    api_keys_ = keys.value();
    auto users =
        ra::Htpasswd::Load(Write("htpasswd", "alice:" + kAliceHash + "\nbob:" + kBobHash + "\n"));
    ASSERT_TRUE(users.ok()) << users.error().message;
    users_ = users.value();
    auto jwt_keys = ra::JwtKeySet::FromHmacSecret(kSecret);
    ASSERT_TRUE(jwt_keys.ok()) << jwt_keys.error().message;
    jwt_keys_ = jwt_keys.value();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& content) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::trunc) << content;
    return path;
  }

  JwtMethod Jwt(std::string cookie = "") const {
    JwtMethod method;
    method.keys = jwt_keys_;
    method.policy.algorithms = {"HS256"};
    method.cookie = std::move(cookie);
    return method;
  }

  ApiKeyMethod ApiKey(std::string header = "X-Api-Key", std::string query = "api_key",
                      std::string name_header = "") const {
    ApiKeyMethod method;
    method.source =
        std::make_shared<ra::ApiKeySource>(api_keys_, std::move(header), std::move(query));
    method.name_header = std::move(name_header);
    return method;
  }

  BasicMethod Basic(std::string user_header = "") const {
    BasicMethod method;
    method.users = users_;
    method.user_header = std::move(user_header);
    return method;
  }

  // api_key (header X-Api-Key, query api_key), jwt and basic, satisfy any.
  AuthSettings ThreeMethods() const {
    AuthSettings settings;
    settings.route_name = "app";
    settings.api_key = ApiKey();
    settings.jwt = Jwt();
    settings.basic = Basic();
    return settings;
  }

  static std::unique_ptr<AuthStageFactory> Factory(AuthSettings settings,
                                                   std::shared_ptr<AuthCounters> counters = {}) {
    return std::make_unique<AuthStageFactory>(std::move(settings), std::move(counters));
  }

  fs::path dir_;
  std::shared_ptr<const ra::ApiKeys> api_keys_;
  std::shared_ptr<const ra::Htpasswd> users_;
  std::shared_ptr<const ra::JwtKeySet> jwt_keys_;
};

// ---- The factory ----

TEST_F(AuthStageTest, FactoryListsChallengesIdentityHeadersAndCredentialFields) {
  AuthSettings settings = ThreeMethods();
  settings.api_key->name_header = "X-Api-Key-Name";
  settings.jwt->claims_to_headers = {{"sub", "X-User"}, {"email", "X-Email"}};
  settings.basic->user_header = "X-Remote-User";
  settings.forward = ForwardMethod{};
  settings.forward->response_headers = {"X-Auth-User", "X-Auth-Groups"};
  const auto factory = Factory(std::move(settings));
  EXPECT_EQ(factory->name(), "auth");
  EXPECT_EQ(factory->challenges(),
            (std::vector<std::string>{kApiKeyChallenge, kBearerChallenge, kBasicChallenge}));
  EXPECT_EQ(factory->identity_headers(),
            (std::vector<std::string>{"X-Api-Key-Name", "X-User", "X-Email", "X-Remote-User",
                                      "X-Auth-User", "X-Auth-Groups"}));
  ASSERT_NE(factory->credential_fields(), nullptr);
  EXPECT_EQ(factory->credential_fields()->headers, std::vector<std::string>{"X-Api-Key"});
  EXPECT_EQ(factory->credential_fields()->query_params, std::vector<std::string>{"api_key"});
  EXPECT_EQ(factory->verified()->size(), 0u);
}

TEST_F(AuthStageTest, FactoryChallengeFollowsRealmAndKeySource) {
  AuthSettings settings;
  settings.realm = "internal";
  settings.api_key = ApiKey("X-Key", "");
  settings.basic = Basic();
  const auto factory = Factory(std::move(settings));
  EXPECT_EQ(factory->challenges(),
            (std::vector<std::string>{R"(ApiKey realm="internal", header="X-Key")",
                                      R"(Basic realm="internal", charset="UTF-8")"}));
  ASSERT_NE(factory->credential_fields(), nullptr);
  EXPECT_EQ(factory->credential_fields()->headers, std::vector<std::string>{"X-Key"});
  EXPECT_TRUE(factory->credential_fields()->query_params.empty());

  AuthSettings query_only;
  query_only.api_key = ApiKey("", "key");
  EXPECT_EQ(Factory(std::move(query_only))->challenges(),
            std::vector<std::string>{R"(ApiKey realm="rampart", query="key")"});
}

TEST_F(AuthStageTest, CredentialFieldsOnlyWhenAnApiKeyIsTaken) {
  AuthSettings jwt_only;
  jwt_only.jwt = Jwt();
  const auto jwt_factory = Factory(std::move(jwt_only));
  EXPECT_EQ(jwt_factory->credential_fields(), nullptr);
  auto run = Start(*jwt_factory, WithBearer(Token()));
  EXPECT_EQ(run->action, Action::kContinue);
  EXPECT_EQ(run->ex.credential_fields(), nullptr);

  const auto factory = Factory(ThreeMethods());
  // Set even when the request is refused: the logs still mask a wrong key.
  auto refused = Start(*factory, WithHeader("X-Api-Key", "wrong"));
  EXPECT_EQ(refused->action, Action::kRespond);
  EXPECT_EQ(refused->ex.credential_fields(), factory->credential_fields());
  auto passed = Start(*factory, WithHeader("X-Api-Key", kBillingKey));
  EXPECT_EQ(passed->action, Action::kContinue);
  ASSERT_NE(passed->ex.credential_fields(), nullptr);
  EXPECT_EQ(passed->ex.credential_fields()->headers, std::vector<std::string>{"X-Api-Key"});
  EXPECT_EQ(passed->ex.credential_fields()->query_params, std::vector<std::string>{"api_key"});
}

// ---- satisfy: any ----

TEST_F(AuthStageTest, AnyWithNothingPresentedAsksForEveryMethodInOrder) {
  const auto factory = Factory(ThreeMethods());
  auto run = Start(*factory);
  ASSERT_EQ(run->action, Action::kRespond);
  EXPECT_EQ(ReplyStatus(run->ex), 401);
  EXPECT_EQ(Challenges(run->ex),
            (std::vector<std::string>{kApiKeyChallenge, kBearerChallenge, kBasicChallenge}));
  EXPECT_EQ(run->ex.local_reply()->body, "Authentication required.\n");
  EXPECT_EQ(Header(run->ex.local_reply()->headers, "Content-Type"), kTextType);
  ExpectRefusal(run->ex, 401, "auth:none:missing", "none: no credentials", "");
  EXPECT_EQ(factory->counters().Get(AuthMethod::kNone, AuthResult::kMissing), 1u);
  EXPECT_TRUE(run->ex.user().empty());
  EXPECT_EQ(run->resumes, 0);
}

TEST_F(AuthStageTest, AnyApiKeyDecidesBeforeJwtAndBasic) {
  const auto factory = Factory(ThreeMethods());
  // A good key with a bad token: the key decides.
  auto run = Start(
      *factory, WithHeaders({{"X-Api-Key", kBillingKey}, {"Authorization", "Bearer not-a-token"}}));
  EXPECT_EQ(run->action, Action::kContinue);
  EXPECT_FALSE(run->ex.local_reply().has_value());
  EXPECT_EQ(run->ex.user(), "billing");
  EXPECT_TRUE(run->ex.findings().empty());
  // An unknown key with a good token: still the key decides (no fallback to the next method).
  auto refused =
      Start(*factory,
            WithHeaders({{"X-Api-Key", "unknown-key"}, {"Authorization", "Bearer " + Token()}}));
  ASSERT_EQ(refused->action, Action::kRespond);
  ExpectRefusal(refused->ex, 401, "auth:api_key:invalid", "api_key: unknown API key",
                "REQUEST_HEADERS:X-Api-Key");
  EXPECT_EQ(Challenges(refused->ex),
            (std::vector<std::string>{kApiKeyChallenge, kBearerChallenge, kBasicChallenge}));
  // A key in the query, with basic credentials.
  auto query = Start(*factory, [](Exchange& ex) {
    ex.request().target = "/app?api_key=" + kBillingKey;
    ex.request().headers.Add("Authorization", BasicAuthorization("alice", "wrong"));
  });
  EXPECT_EQ(query->action, Action::kContinue);
  EXPECT_EQ(query->ex.user(), "billing");
  EXPECT_EQ(factory->counters().Get(AuthMethod::kApiKey, AuthResult::kOk), 2u);
  EXPECT_EQ(factory->counters().Get(AuthMethod::kApiKey, AuthResult::kInvalid), 1u);
  EXPECT_EQ(factory->counters().Get(AuthMethod::kJwt, AuthResult::kOk), 0u);
  EXPECT_EQ(factory->counters().Get(AuthMethod::kBasic, AuthResult::kInvalid), 0u);
  EXPECT_EQ(factory->verified()->size(), 0u);
}

TEST_F(AuthStageTest, AnyJwtDecidesBeforeBasic) {
  AuthSettings settings;
  settings.jwt = Jwt("session");
  settings.basic = Basic();
  const auto factory = Factory(std::move(settings));
  // A token in the cookie and wrong basic credentials: the token decides.
  auto run = Start(*factory, WithHeaders({{"Cookie", "session=" + Token()},
                                          {"Authorization", BasicAuthorization("bob", "x")}}));
  EXPECT_EQ(run->action, Action::kContinue);
  EXPECT_EQ(run->ex.user(), "alice");
  // An expired token and the right basic credentials: the token decides.
  auto refused =
      Start(*factory, WithHeaders({{"Cookie", "session=" + ExpiredToken()},
                                   {"Authorization", BasicAuthorization("alice", "s3cret")}}));
  ASSERT_EQ(refused->action, Action::kRespond);
  ExpectRefusal(refused->ex, 401, "auth:jwt:invalid", "jwt: token refused: expired",
                "REQUEST_COOKIES:session");
  EXPECT_EQ(factory->counters().Get(AuthMethod::kBasic, AuthResult::kOk), 0u);
  EXPECT_EQ(factory->counters().Get(AuthMethod::kBasic, AuthResult::kInvalid), 0u);
  EXPECT_EQ(factory->verified()->size(), 0u);
  // Basic credentials alone: basic decides.
  auto basic =
      Start(*factory, WithHeader("Authorization", BasicAuthorization("bob", "pa:ss word")));
  EXPECT_EQ(basic->action, Action::kContinue);
  EXPECT_EQ(basic->ex.user(), "bob");
  EXPECT_EQ(factory->counters().Get(AuthMethod::kBasic, AuthResult::kOk), 1u);
}

TEST_F(AuthStageTest, OneMethodSaysWhatIsMissing) {
  {
    AuthSettings settings;
    settings.jwt = Jwt();
    const auto factory = Factory(std::move(settings));
    auto run = Start(*factory);
    ASSERT_EQ(run->action, Action::kRespond);
    ExpectRefusal(run->ex, 401, "auth:jwt:missing", "jwt: no bearer token",
                  "REQUEST_HEADERS:Authorization");
    EXPECT_EQ(Challenges(run->ex), std::vector<std::string>{kBearerChallenge});  // no error=
    EXPECT_EQ(factory->counters().Get(AuthMethod::kJwt, AuthResult::kMissing), 1u);
    EXPECT_EQ(factory->counters().Get(AuthMethod::kNone, AuthResult::kMissing), 0u);
    // Another scheme is no bearer token.
    auto basic = Start(*factory, WithHeader("Authorization", BasicAuthorization("alice", "x")));
    ExpectRefusal(basic->ex, 401, "auth:jwt:missing", "jwt: no bearer token",
                  "REQUEST_HEADERS:Authorization");
  }
  {
    AuthSettings settings;
    settings.jwt = Jwt("session");
    const auto factory = Factory(std::move(settings));
    auto run = Start(*factory, WithHeader("Cookie", "session=; other=1"));
    ExpectRefusal(run->ex, 401, "auth:jwt:missing", "jwt: no bearer token",
                  "REQUEST_COOKIES:session");
  }
  {
    AuthSettings settings;
    settings.api_key = ApiKey("", "api_key");
    const auto factory = Factory(std::move(settings));
    auto run = Start(*factory, WithTarget("/app?api_key="));
    ExpectRefusal(run->ex, 401, "auth:api_key:missing", "api_key: no API key", "ARGS_GET:api_key");
    EXPECT_EQ(Challenges(run->ex),
              std::vector<std::string>{R"(ApiKey realm="rampart", query="api_key")"});
  }
  {
    AuthSettings settings;
    settings.realm = "internal";
    settings.basic = Basic();
    const auto factory = Factory(std::move(settings));
    auto run = Start(*factory, WithBearer(Token()));
    ExpectRefusal(run->ex, 401, "auth:basic:missing", "basic: no basic credentials",
                  "REQUEST_HEADERS:Authorization");
    EXPECT_EQ(Challenges(run->ex),
              std::vector<std::string>{R"(Basic realm="internal", charset="UTF-8")"});
  }
}

// A header-only source names the header (not an empty query parameter) when the key is missing.
TEST_F(AuthStageTest, HeaderOnlyApiKeyMissingNamesTheHeader) {
  AuthSettings settings;
  settings.api_key = ApiKey("X-Api-Key", "");
  const auto factory = Factory(std::move(settings));
  auto run = Start(*factory);
  ExpectRefusal(run->ex, 401, "auth:api_key:missing", "api_key: no API key",
                "REQUEST_HEADERS:X-Api-Key");
}

// An empty key header is skipped and the key taken from the query (ApiKeySource::Presented):
// the finding names the query parameter.
TEST_F(AuthStageTest, KeyFromQueryBehindAnEmptyHeaderNamesTheQuery) {
  AuthSettings settings;
  settings.api_key = ApiKey();
  const auto factory = Factory(std::move(settings));
  auto run = Start(*factory, [](Exchange& ex) {
    ex.request().target = "/app?api_key=unknown-key";
    ex.request().headers.Add("X-Api-Key", "");
  });
  ExpectRefusal(run->ex, 401, "auth:api_key:invalid", "api_key: unknown API key",
                "ARGS_GET:api_key");
}

TEST_F(AuthStageTest, TwoAuthorizationHeadersAreRefused) {
  AuthSettings settings = ThreeMethods();
  settings.basic->user_header = "X-Remote-User";
  const auto factory = Factory(std::move(settings));
  // Both valid, even: the backend might read the other one.
  auto run =
      Start(*factory, WithHeaders({{"Authorization", "Bearer " + Token()},
                                   {"X-Remote-User", "root"},
                                   {"authorization", BasicAuthorization("alice", "s3cret")}}));
  ASSERT_EQ(run->action, Action::kRespond);
  ExpectRefusal(run->ex, 401, "auth:none:invalid", "none: more than one Authorization header",
                "REQUEST_HEADERS:Authorization");
  EXPECT_EQ(Challenges(run->ex),
            (std::vector<std::string>{kApiKeyChallenge, kBearerChallenge, kBasicChallenge}));
  EXPECT_EQ(Header(run->ex.request().headers, "X-Remote-User"), "<absent>");
  EXPECT_TRUE(run->ex.user().empty());
  ExpectNoSecret(run->ex.findings(), "s3cret");
  EXPECT_EQ(factory->verified()->size(), 0u);
  EXPECT_EQ(factory->counters().Get(AuthMethod::kNone, AuthResult::kInvalid), 1u);
  EXPECT_EQ(factory->counters().Get(AuthMethod::kJwt, AuthResult::kOk), 0u);
  // Even when the route's method does not use the header (an API key).
  auto key = Start(*factory, WithHeaders({{"X-Api-Key", kBillingKey},
                                          {"Authorization", "Bearer a"},
                                          {"Authorization", "Bearer b"}}));
  EXPECT_EQ(key->action, Action::kRespond);
  // One field is fine.
  auto one = Start(*factory, WithHeader("Authorization", "Bearer " + Token()));
  EXPECT_EQ(one->action, Action::kContinue);
}

// ---- satisfy: all ----

TEST_F(AuthStageTest, AllNeedsEveryMethod) {
  AuthSettings settings;
  settings.satisfy_all = true;
  settings.api_key = ApiKey("X-Api-Key", "api_key", "X-Api-Key-Name");
  settings.jwt = Jwt("session");
  settings.basic = Basic("X-Remote-User");
  const auto factory = Factory(std::move(settings));
  const std::vector<std::string> challenges = {kApiKeyChallenge, kBearerChallenge, kBasicChallenge};
  const auto key = WithHeader("X-Api-Key", kBillingKey);
  const auto cookie = WithHeader("Cookie", "session=" + Token());
  const auto basic = WithHeader("Authorization", BasicAuthorization("alice", "s3cret"));
  auto all = [](std::vector<Prepare> parts) {
    return [parts](Exchange& ex) {
      for (const Prepare& part : parts) part(ex);
    };
  };

  auto run = Start(*factory, all({key, cookie, basic}));
  ASSERT_EQ(run->action, Action::kContinue);
  EXPECT_FALSE(run->ex.local_reply().has_value());
  EXPECT_TRUE(run->ex.findings().empty());
  EXPECT_EQ(run->ex.user(), "billing");  // the first method that passed names the user
  EXPECT_EQ(Header(run->ex.request().headers, "X-Api-Key-Name"), "billing");
  EXPECT_EQ(Header(run->ex.request().headers, "X-Remote-User"), "alice");
  for (AuthMethod method : {AuthMethod::kApiKey, AuthMethod::kJwt, AuthMethod::kBasic}) {
    EXPECT_EQ(factory->counters().Get(method, AuthResult::kOk), 1u);
  }

  auto no_basic = Start(*factory, all({key, cookie}));
  ASSERT_EQ(no_basic->action, Action::kRespond);
  ExpectRefusal(no_basic->ex, 401, "auth:basic:missing", "basic: no basic credentials",
                "REQUEST_HEADERS:Authorization");
  EXPECT_EQ(Challenges(no_basic->ex), challenges);

  auto no_key = Start(*factory, all({cookie, basic}));
  ASSERT_EQ(no_key->action, Action::kRespond);
  ExpectRefusal(no_key->ex, 401, "auth:api_key:missing", "api_key: no API key",
                "REQUEST_HEADERS:X-Api-Key");  // where the key is looked for first

  auto bad_token =
      Start(*factory, all({key, basic, WithHeader("Cookie", "session=" + Token().substr(1))}));
  ASSERT_EQ(bad_token->action, Action::kRespond);
  EXPECT_EQ(bad_token->ex.findings().rules().at(0).id, "auth:jwt:invalid");
  EXPECT_EQ(
      Challenges(bad_token->ex),
      (std::vector<std::string>{
          kApiKeyChallenge, R"(Bearer realm="rampart", error="invalid_token")", kBasicChallenge}));

  // Each refusal stopped at its method: later methods were not tried.
  EXPECT_EQ(factory->counters().Get(AuthMethod::kApiKey, AuthResult::kOk), 3u);
  EXPECT_EQ(factory->counters().Get(AuthMethod::kApiKey, AuthResult::kMissing), 1u);
  EXPECT_EQ(factory->counters().Get(AuthMethod::kJwt, AuthResult::kOk), 2u);
  EXPECT_EQ(factory->counters().Get(AuthMethod::kJwt, AuthResult::kInvalid), 1u);
  EXPECT_EQ(factory->counters().Get(AuthMethod::kBasic, AuthResult::kOk), 1u);
  EXPECT_EQ(factory->counters().Get(AuthMethod::kBasic, AuthResult::kMissing), 1u);
}

// ---- JWT ----

TEST_F(AuthStageTest, JwtPassSetsClaimHeadersAndUser) {
  AuthSettings settings;
  settings.jwt = Jwt();
  settings.jwt->claims_to_headers = {{"sub", "X-User"},
                                     {"email", "X-Email"},
                                     {"groups", "X-Groups"},
                                     {"level", "X-Level"},
                                     {"team", "X-Team"}};
  const auto factory = Factory(std::move(settings));
  const std::string token =
      Token({{"email", "alice@example.com"}, {"groups", {"dev", "ops"}}, {"level", 3}});
  auto run = Start(*factory, WithHeaders({{"Authorization", "Bearer " + token},
                                          {"X-User", "mallory"},
                                          {"x-team", "evil"},
                                          {"X-Email", "a@evil"},
                                          {"X-Email", "b@evil"},
                                          {"X-Other", "kept"}}));
  ASSERT_EQ(run->action, Action::kContinue);
  const http::HeaderMap& headers = run->ex.request().headers;
  EXPECT_EQ(Values(headers, "X-User"), std::vector<std::string>{"alice"});
  EXPECT_EQ(Values(headers, "X-Email"), std::vector<std::string>{"alice@example.com"});
  EXPECT_EQ(Header(headers, "X-Groups"), R"(["dev","ops"])");
  EXPECT_EQ(Header(headers, "X-Level"), "3");
  EXPECT_EQ(Header(headers, "X-Team"), "<absent>");  // spoofed, and no such claim
  EXPECT_EQ(Header(headers, "X-Other"), "kept");
  EXPECT_EQ(Header(headers, "Authorization"), "Bearer " + token);  // left for the backend
  EXPECT_EQ(run->ex.user(), "alice");
  EXPECT_TRUE(run->ex.findings().empty());
  EXPECT_EQ(factory->counters().Get(AuthMethod::kJwt, AuthResult::kOk), 1u);
}

TEST_F(AuthStageTest, JwtWithoutSubjectLeavesTheUserEmpty) {
  AuthSettings settings;
  settings.jwt = Jwt();
  const auto factory = Factory(std::move(settings));
  const int64_t now = NowSeconds();
  auto run = Start(*factory, WithBearer(Sign({{"exp", now + 600}, {"scope", "read"}})));
  EXPECT_EQ(run->action, Action::kContinue);
  EXPECT_TRUE(run->ex.user().empty());
}

TEST_F(AuthStageTest, IdentityHeadersAreRemovedEvenWhenRefused) {
  AuthSettings settings = ThreeMethods();
  settings.api_key->name_header = "X-Api-Key-Name";
  settings.jwt->claims_to_headers = {{"sub", "X-User"}};
  settings.basic->user_header = "X-Remote-User";
  settings.forward = ForwardMethod{};  // no loop: the sub-request cannot even start
  settings.forward->response_headers = {"X-Auth-User"};
  const auto factory = Factory(std::move(settings));
  const auto spoofed = WithHeaders({{"X-Api-Key-Name", "billing"},
                                    {"x-user", "admin"},
                                    {"X_User", "admin"},  // HTTP_X_USER to a CGI-style backend
                                    {"x_remote_user", "root"},
                                    {"X-Remote-User", "root"},
                                    {"X-Auth-User", "admin"},
                                    {"X-Other", "kept"}});
  auto check = [](const RequestRun& run) {
    for (const char* name :
         {"X-Api-Key-Name", "X-User", "X-Remote-User", "X-Auth-User", "X_User", "x_remote_user"}) {
      EXPECT_EQ(Header(run.ex.request().headers, name), "<absent>") << name;
    }
    EXPECT_EQ(Header(run.ex.request().headers, "X-Other"), "kept");
  };
  // Refused by the forward method (no event loop), by a bad token, by a wrong password.
  auto none = Start(*factory, spoofed);
  ASSERT_EQ(none->action, Action::kRespond);
  check(*none);
  auto bad_token = Start(*factory, [&](Exchange& ex) {
    spoofed(ex);
    ex.request().headers.Add("Authorization", "Bearer " + ExpiredToken());
  });
  ASSERT_EQ(bad_token->action, Action::kRespond);
  check(*bad_token);
  auto bad_password = Start(*factory, [&](Exchange& ex) {
    spoofed(ex);
    ex.request().headers.Add("Authorization", BasicAuthorization("alice", "wrong"));
  });
  ASSERT_EQ(bad_password->action, Action::kRespond);
  check(*bad_password);
}

TEST_F(AuthStageTest, ExpiredTokenIsAnInvalidToken) {
  const auto factory = Factory(ThreeMethods());
  const std::string token = ExpiredToken();
  auto run = Start(*factory, WithBearer(token));
  ASSERT_EQ(run->action, Action::kRespond);
  ExpectRefusal(run->ex, 401, "auth:jwt:invalid", "jwt: token refused: expired",
                "REQUEST_HEADERS:Authorization");
  // RFC 6750 §3: only the Bearer challenge says why.
  EXPECT_EQ(
      Challenges(run->ex),
      (std::vector<std::string>{
          kApiKeyChallenge, R"(Bearer realm="rampart", error="invalid_token")", kBasicChallenge}));
  EXPECT_EQ(run->ex.local_reply()->body, "Authentication required.\n");
  ExpectNoSecret(run->ex.findings(), token);
  ExpectNoSecret(run->ex.findings(), token.substr(token.rfind('.') + 1));
  EXPECT_TRUE(run->ex.user().empty());
  EXPECT_EQ(factory->counters().Get(AuthMethod::kJwt, AuthResult::kInvalid), 1u);
}

TEST_F(AuthStageTest, BadSignatureAndGarbageAreInvalidTokens) {
  AuthSettings settings;
  settings.jwt = Jwt();
  const auto factory = Factory(std::move(settings));
  auto forged = Start(*factory, WithBearer(Sign({{"sub", "alice"}}, "another secret")));
  ExpectRefusal(forged->ex, 401, "auth:jwt:invalid", "jwt: token refused: bad signature",
                "REQUEST_HEADERS:Authorization");
  EXPECT_EQ(Challenges(forged->ex),
            std::vector<std::string>{R"(Bearer realm="rampart", error="invalid_token")"});
  auto garbage = Start(*factory, WithHeader("Authorization", "bearer   not.a-token"));
  ExpectRefusal(garbage->ex, 401, "auth:jwt:invalid", garbage->ex.findings().rules().at(0).msg,
                "REQUEST_HEADERS:Authorization");
  EXPECT_EQ(garbage->ex.findings().rules().at(0).msg.rfind("jwt: token refused: ", 0), 0u);
  ExpectNoSecret(garbage->ex.findings(), "not.a-token");
  EXPECT_EQ(factory->counters().Get(AuthMethod::kJwt, AuthResult::kInvalid), 2u);
}

TEST_F(AuthStageTest, TokenFromCookieOrEitherCaseOfBearer) {
  AuthSettings settings;
  settings.jwt = Jwt("session");
  const auto factory = Factory(std::move(settings));
  auto cookie = Start(*factory, WithHeader("Cookie", "theme=dark; session=" + Token()));
  EXPECT_EQ(cookie->action, Action::kContinue);
  EXPECT_EQ(cookie->ex.user(), "alice");
  auto lower = Start(*factory, WithHeader("Authorization", "bearer " + Token()));
  EXPECT_EQ(lower->action, Action::kContinue);
  // The Authorization header comes first.
  auto both = Start(*factory, WithHeaders({{"Authorization", "Bearer " + ExpiredToken()},
                                           {"Cookie", "session=" + Token()}}));
  ExpectRefusal(both->ex, 401, "auth:jwt:invalid", "jwt: token refused: expired",
                "REQUEST_HEADERS:Authorization");
}

TEST_F(AuthStageTest, RequiredClaimMissingOrNotAcceptedIsInsufficientScope) {
  AuthSettings settings = ThreeMethods();
  settings.jwt->required_claims = {{"role", {"admin", "owner"}}};
  settings.jwt->claims_to_headers = {{"sub", "X-User"}};
  const auto factory = Factory(std::move(settings));
  const std::string scope_error = R"(Bearer realm="rampart", error="insufficient_scope")";

  auto missing = Start(*factory, WithBearer(Token()));
  ASSERT_EQ(missing->action, Action::kRespond);
  ExpectRefusal(missing->ex, 403, "auth:jwt:forbidden", "jwt: claim role missing",
                "REQUEST_HEADERS:Authorization");
  EXPECT_EQ(Challenges(missing->ex), std::vector<std::string>{scope_error});  // Bearer only
  EXPECT_EQ(missing->ex.local_reply()->body, "Forbidden.\n");
  EXPECT_EQ(Header(missing->ex.local_reply()->headers, "Content-Type"), kTextType);
  EXPECT_EQ(Header(missing->ex.request().headers, "X-User"), "<absent>");
  EXPECT_TRUE(missing->ex.user().empty());

  auto wrong = Start(*factory, WithBearer(Token({{"role", "user"}})));
  ExpectRefusal(wrong->ex, 403, "auth:jwt:forbidden", "jwt: claim role not accepted",
                "REQUEST_HEADERS:Authorization");
  EXPECT_EQ(Challenges(wrong->ex), std::vector<std::string>{scope_error});

  auto ok = Start(*factory, WithBearer(Token({{"role", "owner"}})));
  EXPECT_EQ(ok->action, Action::kContinue);
  EXPECT_EQ(Header(ok->ex.request().headers, "X-User"), "alice");
  EXPECT_EQ(factory->counters().Get(AuthMethod::kJwt, AuthResult::kForbidden), 2u);
  EXPECT_EQ(factory->counters().Get(AuthMethod::kJwt, AuthResult::kOk), 1u);
}

TEST_F(AuthStageTest, RequiredClaimWithoutValuesOnlyHasToBePresent) {
  AuthSettings settings;
  settings.jwt = Jwt();
  settings.jwt->required_claims = {{"tenant", {}}};
  const auto factory = Factory(std::move(settings));
  EXPECT_EQ(Start(*factory, WithBearer(Token({{"tenant", "acme"}})))->action, Action::kContinue);
  EXPECT_EQ(Start(*factory, WithBearer(Token({{"tenant", ""}})))->action, Action::kContinue);
  EXPECT_EQ(Start(*factory, WithBearer(Token({{"tenant", nullptr}})))->action, Action::kContinue);
  auto run = Start(*factory, WithBearer(Token()));
  ExpectRefusal(run->ex, 403, "auth:jwt:forbidden", "jwt: claim tenant missing",
                "REQUEST_HEADERS:Authorization");
}

TEST_F(AuthStageTest, ArrayClaimsAndScopeWords) {
  AuthSettings settings;
  settings.jwt = Jwt();
  settings.jwt->required_claims = {{"groups", {"ops", "admin"}}, {"scope", {"write"}}};
  const auto factory = Factory(std::move(settings));
  auto token = [](json groups, json scope) {
    return Token({{"groups", std::move(groups)}, {"scope", std::move(scope)}});
  };
  EXPECT_EQ(Start(*factory, WithBearer(token({"dev", "ops"}, "read write")))->action,
            Action::kContinue);
  EXPECT_EQ(Start(*factory, WithBearer(token("admin", "write")))->action, Action::kContinue);
  EXPECT_EQ(Start(*factory, WithBearer(token({"admin"}, {"read", "write"})))->action,
            Action::kContinue);

  auto writer = Start(*factory, WithBearer(token({"ops"}, "read writer")));
  ExpectRefusal(writer->ex, 403, "auth:jwt:forbidden", "jwt: claim scope not accepted",
                "REQUEST_HEADERS:Authorization");
  auto dev = Start(*factory, WithBearer(token({"dev"}, "write")));
  ExpectRefusal(dev->ex, 403, "auth:jwt:forbidden", "jwt: claim groups not accepted",
                "REQUEST_HEADERS:Authorization");
  // A space-separated non-scope claim is one value.
  auto spaced = Start(*factory, WithBearer(token("dev ops", "write")));
  ExpectRefusal(spaced->ex, 403, "auth:jwt:forbidden", "jwt: claim groups not accepted",
                "REQUEST_HEADERS:Authorization");
}

TEST_F(AuthStageTest, ClaimValuesThatCannotBeHeadersAreNotCopied) {
  AuthSettings settings;
  settings.jwt = Jwt();
  settings.jwt->claims_to_headers = {{"sub", "X-User"}, {"name", "X-Name"}, {"note", "X-Note"},
                                     {"nul", "X-Nul"},  {"big", "X-Big"},   {"max", "X-Max"},
                                     {"ctl", "X-Ctl"},  {"del", "X-Del"},   {"tab", "X-Tab"}};
  const auto factory = Factory(std::move(settings));
  auto run = Start(*factory, WithBearer(Token({{"name", "Alice\r\nX-Injected: 1"},
                                               {"note", "line\nbreak"},
                                               {"nul", std::string("a\0b", 3)},
                                               {"big", std::string(4097, 'b')},
                                               {"max", std::string(4096, 'm')},
                                               {"ctl", "a\x01b"},
                                               {"del", "a\x7f"},
                                               {"tab", "a\tb"}})));
  ASSERT_EQ(run->action, Action::kContinue);  // the request still passes
  const http::HeaderMap& headers = run->ex.request().headers;
  EXPECT_EQ(Header(headers, "X-User"), "alice");
  EXPECT_EQ(Header(headers, "X-Tab"), "a\tb");  // the one control byte a field value may hold
  for (const char* name : {"X-Name", "X-Injected", "X-Note", "X-Nul", "X-Big", "X-Ctl", "X-Del"}) {
    EXPECT_EQ(Header(headers, name), "<absent>") << name;
  }
  EXPECT_EQ(Header(headers, "X-Max"), std::string(4096, 'm'));
  for (const http::Header& field : headers) {
    EXPECT_EQ(field.value.find_first_of(std::string("\r\n\0", 3)), std::string::npos) << field.name;
  }
}

// ---- API keys ----

TEST_F(AuthStageTest, TwoApiKeyHeadersAreRefused) {
  AuthSettings settings;
  settings.api_key = ApiKey();
  const auto factory = Factory(std::move(settings));
  auto run = Start(*factory, WithHeaders({{"X-Api-Key", kBillingKey}, {"X-Api-Key", "other"}}));
  ExpectRefusal(run->ex, 401, "auth:api_key:invalid", "api_key: more than one X-Api-Key header",
                "REQUEST_HEADERS:X-Api-Key");
}

TEST_F(AuthStageTest, ApiKeyInHeaderSendsItsName) {
  AuthSettings settings;
  settings.api_key = ApiKey("X-Api-Key", "api_key", "X-Api-Key-Name");
  const auto factory = Factory(std::move(settings));
  auto run =
      Start(*factory, WithHeaders({{"x-api-key", kBillingKey}, {"X-Api-Key-Name", "admin"}}));
  ASSERT_EQ(run->action, Action::kContinue);
  EXPECT_EQ(Values(run->ex.request().headers, "X-Api-Key-Name"),
            std::vector<std::string>{"billing"});
  EXPECT_EQ(run->ex.user(), "billing");
  EXPECT_TRUE(run->ex.findings().empty());
  EXPECT_EQ(factory->counters().Get(AuthMethod::kApiKey, AuthResult::kOk), 1u);
}

TEST_F(AuthStageTest, ApiKeyInQueryIsPercentDecoded) {
  AuthSettings settings;
  settings.api_key = ApiKey("X-Api-Key", "api_key", "X-Api-Key-Name");
  const auto factory = Factory(std::move(settings));
  auto run = Start(*factory, WithTarget("/items?x=1&api_key=ci%20key%2F%2B%3D%3F%26&y=2"));
  ASSERT_EQ(run->action, Action::kContinue);
  EXPECT_EQ(Header(run->ex.request().headers, "X-Api-Key-Name"), "ci");
  EXPECT_EQ(run->ex.user(), "ci");
  // Not decoded, it is another key.
  auto raw = Start(*factory, WithTarget("/items?api_key=ci key/+=?&"));
  EXPECT_EQ(raw->action, Action::kRespond);
}

TEST_F(AuthStageTest, UnknownApiKeyIsRefusedWithoutEchoingIt) {
  AuthSettings settings;
  settings.api_key = ApiKey("X-Api-Key", "api_key", "X-Api-Key-Name");
  const auto factory = Factory(std::move(settings));
  auto header = Start(*factory, WithHeader("X-Api-Key", "nope-secret-header-key"));
  ASSERT_EQ(header->action, Action::kRespond);
  ExpectRefusal(header->ex, 401, "auth:api_key:invalid", "api_key: unknown API key",
                "REQUEST_HEADERS:X-Api-Key");
  ExpectNoSecret(header->ex.findings(), "nope-secret-header-key");
  EXPECT_EQ(Header(header->ex.request().headers, "X-Api-Key-Name"), "<absent>");
  EXPECT_TRUE(header->ex.user().empty());

  auto query = Start(*factory, WithTarget("/?api_key=nope-secret-query-key"));
  ExpectRefusal(query->ex, 401, "auth:api_key:invalid", "api_key: unknown API key",
                "ARGS_GET:api_key");
  ExpectNoSecret(query->ex.findings(), "nope-secret-query-key");
  EXPECT_EQ(Challenges(query->ex), std::vector<std::string>{kApiKeyChallenge});
  EXPECT_EQ(factory->counters().Get(AuthMethod::kApiKey, AuthResult::kInvalid), 2u);
}

// ---- Basic ----

TEST_F(AuthStageTest, BasicInlineChecksThePassword) {
  AuthSettings settings;
  settings.basic = Basic("X-Remote-User");
  const auto factory = Factory(std::move(settings));
  auto run = Start(*factory, WithHeaders({{"Authorization", BasicAuthorization("alice", "s3cret")},
                                          {"X-Remote-User", "root"}}));
  EXPECT_FALSE(run->ex.can_offload());
  ASSERT_EQ(run->action, Action::kContinue);
  EXPECT_EQ(run->ex.user(), "alice");
  EXPECT_EQ(Values(run->ex.request().headers, "X-Remote-User"), std::vector<std::string>{"alice"});
  EXPECT_EQ(factory->verified()->size(), 1u);
  EXPECT_EQ(run->resumes, 0);

  auto wrong = Start(*factory, WithHeaders({{"Authorization", BasicAuthorization("alice", "Pw-9")},
                                            {"X-Remote-User", "root"}}));
  ASSERT_EQ(wrong->action, Action::kRespond);
  ExpectRefusal(wrong->ex, 401, "auth:basic:invalid", "basic: wrong user or password for alice",
                "REQUEST_HEADERS:Authorization");
  EXPECT_EQ(Challenges(wrong->ex), std::vector<std::string>{kBasicChallenge});
  EXPECT_EQ(Header(wrong->ex.request().headers, "X-Remote-User"), "<absent>");
  ExpectNoSecret(wrong->ex.findings(), "Pw-9");
  ExpectNoSecret(wrong->ex.findings(), BasicAuthorization("alice", "Pw-9").substr(6));
  EXPECT_TRUE(wrong->ex.user().empty());

  auto unknown = Start(*factory, WithHeader("Authorization", BasicAuthorization("carol", "x")));
  ExpectRefusal(unknown->ex, 401, "auth:basic:invalid", "basic: wrong user or password for carol",
                "REQUEST_HEADERS:Authorization");

  // The password may hold ':' and spaces.
  auto bob = Start(*factory, WithHeader("Authorization", BasicAuthorization("bob", "pa:ss word")));
  EXPECT_EQ(bob->action, Action::kContinue);
  EXPECT_EQ(bob->ex.user(), "bob");

  auto malformed = Start(*factory, WithHeader("Authorization", "Basic !!not-base64!!"));
  ExpectRefusal(malformed->ex, 401, "auth:basic:invalid", "basic: malformed basic credentials",
                "REQUEST_HEADERS:Authorization");
  ExpectNoSecret(malformed->ex.findings(), "not-base64");

  EXPECT_EQ(factory->verified()->size(), 2u);  // alice and bob; never a wrong pair
  EXPECT_EQ(factory->counters().Get(AuthMethod::kBasic, AuthResult::kOk), 2u);
  EXPECT_EQ(factory->counters().Get(AuthMethod::kBasic, AuthResult::kInvalid), 3u);
}

TEST_F(AuthStageTest, BasicRememberedPairIsNotVerifiedAgain) {
  AuthSettings settings;
  settings.basic = Basic("X-Remote-User");
  const auto factory = Factory(std::move(settings));
  auto first = Start(*factory, WithHeader("Authorization", BasicAuthorization("alice", "s3cret")));
  ASSERT_EQ(first->action, Action::kContinue);
  ASSERT_EQ(factory->verified()->size(), 1u);

  // With an offload pool: a remembered pair is decided at once, without the pool.
  FakeOffload offload;
  auto second = Start(*factory, [&](Exchange& ex) {
    ex.set_offload(offload.Bind());
    ex.request().headers.Add("Authorization", BasicAuthorization("alice", "s3cret"));
  });
  EXPECT_EQ(second->action, Action::kContinue);
  EXPECT_EQ(offload.calls, 0);
  EXPECT_EQ(second->ex.user(), "alice");
  EXPECT_EQ(Header(second->ex.request().headers, "X-Remote-User"), "alice");
  EXPECT_EQ(factory->verified()->size(), 1u);

  // Another password for the same user is not taken for the remembered one.
  auto other = Start(*factory, [&](Exchange& ex) {
    ex.set_offload(offload.Bind());
    ex.request().headers.Add("Authorization", BasicAuthorization("alice", "s3cret2"));
  });
  EXPECT_EQ(other->action, Action::kPending);
  EXPECT_EQ(offload.calls, 1);

  // The memory is consulted before the file: a pair it holds passes even inline.
  factory->verified()->Remember("carol", "not-in-the-file", ra::VerifiedCredentials::Clock::now());
  auto carol =
      Start(*factory, WithHeader("Authorization", BasicAuthorization("carol", "not-in-the-file")));
  EXPECT_EQ(carol->action, Action::kContinue);
  EXPECT_EQ(carol->ex.user(), "carol");
}

TEST_F(AuthStageTest, BasicOffloadedAndFinishedAtOnce) {
  AuthSettings settings;
  settings.basic = Basic("X-Remote-User");
  const auto factory = Factory(std::move(settings));
  FakeOffload offload;
  offload.at_once = true;
  auto run = Start(*factory, [&](Exchange& ex) {
    ex.set_offload(offload.Bind());
    ex.request().headers.Add("Authorization", BasicAuthorization("alice", "s3cret"));
  });
  EXPECT_TRUE(run->ex.can_offload());
  EXPECT_EQ(run->action, Action::kPending);
  EXPECT_EQ(offload.calls, 1);
  EXPECT_FALSE(run->ex.local_reply().has_value());
  EXPECT_EQ(run->ex.user(), "alice");
  EXPECT_EQ(Header(run->ex.request().headers, "X-Remote-User"), "alice");
  EXPECT_EQ(run->resumes, 0);  // the offload pool resumes the chain, not the stage
  EXPECT_EQ(factory->verified()->size(), 1u);

  auto wrong = Start(*factory, [&](Exchange& ex) {
    ex.set_offload(offload.Bind());
    ex.request().headers.Add("Authorization", BasicAuthorization("bob", "wrong"));
  });
  EXPECT_EQ(wrong->action, Action::kPending);
  ExpectRefusal(wrong->ex, 401, "auth:basic:invalid", "basic: wrong user or password for bob",
                "REQUEST_HEADERS:Authorization");
  EXPECT_EQ(Challenges(wrong->ex), std::vector<std::string>{kBasicChallenge});
  EXPECT_EQ(wrong->resumes, 0);
  EXPECT_EQ(factory->verified()->size(), 1u);
}

TEST_F(AuthStageTest, BasicOffloadedAndFinishedLater) {
  AuthSettings settings;
  settings.basic = Basic("X-Remote-User");
  const auto factory = Factory(std::move(settings));
  FakeOffload offload;
  auto run = Start(*factory, [&](Exchange& ex) {
    ex.set_offload(offload.Bind());
    ex.request().headers.Add("Authorization", BasicAuthorization("alice", "s3cret"));
    ex.request().headers.Add("X-Remote-User", "root");
  });
  ASSERT_EQ(run->action, Action::kPending);
  // Nothing decided yet; the spoofed header is already gone.
  EXPECT_FALSE(run->ex.local_reply().has_value());
  EXPECT_TRUE(run->ex.user().empty());
  EXPECT_EQ(Header(run->ex.request().headers, "X-Remote-User"), "<absent>");
  EXPECT_EQ(factory->verified()->size(), 0u);
  offload.RunWork();
  EXPECT_EQ(factory->verified()->size(), 1u);  // remembered by the work, off the loop
  offload.RunDone();
  EXPECT_FALSE(run->ex.local_reply().has_value());
  EXPECT_EQ(run->ex.user(), "alice");
  EXPECT_EQ(Header(run->ex.request().headers, "X-Remote-User"), "alice");
  EXPECT_EQ(run->resumes, 0);
  EXPECT_EQ(factory->counters().Get(AuthMethod::kBasic, AuthResult::kOk), 1u);

  auto wrong = Start(*factory, [&](Exchange& ex) {
    ex.set_offload(offload.Bind());
    ex.request().headers.Add("Authorization", BasicAuthorization("alice", "wrong-pw"));
  });
  ASSERT_EQ(wrong->action, Action::kPending);
  EXPECT_FALSE(wrong->ex.local_reply().has_value());
  offload.RunWork();
  offload.RunDone();
  ExpectRefusal(wrong->ex, 401, "auth:basic:invalid", "basic: wrong user or password for alice",
                "REQUEST_HEADERS:Authorization");
  ExpectNoSecret(wrong->ex.findings(), "wrong-pw");
  EXPECT_EQ(wrong->resumes, 0);
  EXPECT_EQ(factory->verified()->size(), 1u);
  EXPECT_EQ(factory->counters().Get(AuthMethod::kBasic, AuthResult::kInvalid), 1u);
}

// A stage after auth that records the user header it sees.
class RecorderFactory final : public pipeline::StageFactory {
 public:
  std::string_view name() const override { return "recorder"; }
  std::unique_ptr<pipeline::Stage> Create() const override {
    return std::make_unique<Recorder>(seen_);
  }
  const std::vector<std::string>& seen() const { return *seen_; }

 private:
  class Recorder final : public pipeline::Stage {
   public:
    explicit Recorder(std::shared_ptr<std::vector<std::string>> seen) : seen_(std::move(seen)) {}
    Action OnRequestHeaders(Exchange& ex) noexcept override {
      seen_->push_back(Header(ex.request().headers, "X-Remote-User"));
      return Action::kContinue;
    }

   private:
    std::shared_ptr<std::vector<std::string>> seen_;
  };
  std::shared_ptr<std::vector<std::string>> seen_ = std::make_shared<std::vector<std::string>>();
};

TEST_F(AuthStageTest, BasicOffloadedThroughTheChain) {
  AuthSettings settings;
  settings.basic = Basic("X-Remote-User");
  auto factory = std::make_shared<AuthStageFactory>(std::move(settings), nullptr);
  auto recorder = std::make_shared<RecorderFactory>();
  const pipeline::Chain chain({factory, recorder});
  for (const bool right : {true, false}) {
    FakeOffload offload;
    Exchange ex = MakeExchange();
    ex.set_offload(offload.Bind());
    ex.request().headers.Add("Authorization",
                             BasicAuthorization("alice", right ? "s3cret" : "guess"));
    pipeline::ChainRun run(chain);
    ASSERT_EQ(run.RunRequestHeaders(ex), ChainResult::kPending);
    EXPECT_EQ(recorder->seen().size(), right ? 0u : 1u);
    offload.RunWork();
    offload.RunDone();
    // What the proxy does after `done`.
    if (right) {
      EXPECT_EQ(run.ResumeRequestHeaders(ex), ChainResult::kContinue);
      EXPECT_EQ(recorder->seen(), std::vector<std::string>{"alice"});
    } else {
      EXPECT_EQ(run.ResumeRequestHeaders(ex), ChainResult::kRespond);
      EXPECT_EQ(ReplyStatus(ex), 401);
      EXPECT_EQ(recorder->seen().size(), 1u);
    }
    run.Complete(ex);
  }
}

// ---- Findings and counters ----

TEST_F(AuthStageTest, FindingsNameTheMethodButNeverTheSecret) {
  AuthSettings settings = ThreeMethods();
  settings.jwt->required_claims = {{"role", {"admin"}}};
  const auto factory = Factory(std::move(settings));
  const std::string expired = ExpiredToken();
  const std::string no_role = Token();
  const std::string basic = BasicAuthorization("alice", "Sup3r-Secret-Pw");
  struct Case {
    Prepare prepare;
    std::string secret;
    std::string id;
    std::string var;
  };
  const std::vector<Case> cases = {
      {WithBearer(expired), expired, "auth:jwt:invalid", "REQUEST_HEADERS:Authorization"},
      {WithBearer(no_role), no_role, "auth:jwt:forbidden", "REQUEST_HEADERS:Authorization"},
      {WithHeader("X-Api-Key", "Secret-Api-Key-42"), "Secret-Api-Key-42", "auth:api_key:invalid",
       "REQUEST_HEADERS:X-Api-Key"},
      {WithTarget("/?api_key=Secret-Query-Key-7"), "Secret-Query-Key-7", "auth:api_key:invalid",
       "ARGS_GET:api_key"},
      {WithHeader("Authorization", basic), "Sup3r-Secret-Pw", "auth:basic:invalid",
       "REQUEST_HEADERS:Authorization"},
  };
  for (const Case& c : cases) {
    auto run = Start(*factory, c.prepare);
    ASSERT_EQ(run->action, Action::kRespond) << c.id;
    ASSERT_EQ(run->ex.findings().rules().size(), 1u) << c.id;
    const pipeline::RuleMatch& rule = run->ex.findings().rules()[0];
    EXPECT_EQ(rule.source, FindingSource::kAuth);
    EXPECT_EQ(rule.id, c.id);
    EXPECT_EQ(rule.var, c.var);
    EXPECT_TRUE(rule.data.empty());
    EXPECT_FALSE(rule.msg.empty());
    ExpectNoSecret(run->ex.findings(), c.secret);
    ExpectNoSecret(run->ex.findings(), basic.substr(6));
    // Nor does the reply echo it.
    EXPECT_EQ(run->ex.local_reply()->body.find(c.secret), std::string::npos);
    for (const http::Header& field : run->ex.local_reply()->headers) {
      EXPECT_EQ(field.value.find(c.secret), std::string::npos) << field.name;
    }
  }
}

TEST_F(AuthStageTest, CountersByMethodAndResultSharedAcrossFactories) {
  auto counters = std::make_shared<AuthCounters>();
  AuthSettings settings = ThreeMethods();
  settings.jwt->required_claims = {{"role", {"admin"}}};
  const auto old_factory = Factory(settings, counters);
  const auto factory = Factory(settings, counters);  // a reload keeps the counters
  EXPECT_EQ(&factory->counters(), counters.get());
  Start(*old_factory, WithBearer(Token({{"role", "admin"}})));
  Start(*factory, WithBearer(Token({{"role", "admin"}})));
  Start(*factory, WithBearer(Token()));
  Start(*factory, WithBearer(ExpiredToken()));
  Start(*factory, WithHeader("X-Api-Key", kCiKey));
  Start(*factory, WithHeader("X-Api-Key", "nope"));
  Start(*factory, WithHeader("Authorization", BasicAuthorization("bob", "pa:ss word")));
  Start(*factory);
  Start(*factory);
  EXPECT_EQ(counters->Get(AuthMethod::kJwt, AuthResult::kOk), 2u);
  EXPECT_EQ(counters->Get(AuthMethod::kJwt, AuthResult::kForbidden), 1u);
  EXPECT_EQ(counters->Get(AuthMethod::kJwt, AuthResult::kInvalid), 1u);
  EXPECT_EQ(counters->Get(AuthMethod::kJwt, AuthResult::kMissing), 0u);
  EXPECT_EQ(counters->Get(AuthMethod::kApiKey, AuthResult::kOk), 1u);
  EXPECT_EQ(counters->Get(AuthMethod::kApiKey, AuthResult::kInvalid), 1u);
  EXPECT_EQ(counters->Get(AuthMethod::kBasic, AuthResult::kOk), 1u);
  EXPECT_EQ(counters->Get(AuthMethod::kNone, AuthResult::kMissing), 2u);
  std::string metrics;
  counters->AppendMetrics(metrics);
  EXPECT_NE(metrics.find("# TYPE rampart_auth_requests_total counter\n"), std::string::npos);
  for (const char* line : {
           "rampart_auth_requests_total{method=\"jwt\",result=\"ok\"} 2\n",
           "rampart_auth_requests_total{method=\"jwt\",result=\"forbidden\"} 1\n",
           "rampart_auth_requests_total{method=\"jwt\",result=\"invalid\"} 1\n",
           "rampart_auth_requests_total{method=\"api_key\",result=\"ok\"} 1\n",
           "rampart_auth_requests_total{method=\"api_key\",result=\"invalid\"} 1\n",
           "rampart_auth_requests_total{method=\"basic\",result=\"ok\"} 1\n",
           "rampart_auth_requests_total{method=\"none\",result=\"missing\"} 2\n",
       }) {
    EXPECT_NE(metrics.find(line), std::string::npos) << line << metrics;
  }
  EXPECT_EQ(metrics.find("result=\"error\""), std::string::npos);
  EXPECT_EQ(metrics.find("method=\"forward\""), std::string::npos);
}

// ---- Forward auth ----

// A URL on 127.0.0.1 where nothing listens (a port bound, then released).
std::string UnusedUrl() {
  return "http://127.0.0.1:" + std::to_string(rampart::test::UnusedLoopbackPort()) + "/verify";
}

class AuthStageForwardTest : public AuthStageTest {
 protected:
  void SetUp() override {
    AuthStageTest::SetUp();
    base_ = event_base_new();
    ASSERT_NE(base_, nullptr);
    service_ = std::make_unique<test::ScriptedAuthService>(base_);
  }
  void TearDown() override {
    runs_.clear();  // stages (and their sub-requests) before the loop
    service_.reset();
    event_base_free(base_);
    AuthStageTest::TearDown();
  }

  ForwardMethod Forward(const std::string& url = "") const {
    ForwardMethod method;
    auto endpoint = ParseForwardAuthUrl(url.empty() ? service_->Url("/verify?rd=1") : url);
    EXPECT_TRUE(endpoint.ok()) << endpoint.error().message;
    if (endpoint.ok()) method.endpoint = endpoint.value();
    method.timeout = milliseconds(10'000);
    return method;
  }

  AuthSettings ForwardOnly(ForwardMethod method) const {
    AuthSettings settings;
    settings.forward = std::move(method);
    return settings;
  }

  // Starts a request on the loop; the run stays alive until the test ends.
  RequestRun& StartOnLoop(const AuthStageFactory& factory, const Prepare& prepare = {},
                          Exchange exchange = MakeExchange()) {
    runs_.push_back(Start(
        factory,
        [&](Exchange& ex) {
          ex.set_loop(base_);
          if (prepare) prepare(ex);
        },
        std::move(exchange)));
    return *runs_.back();
  }

  bool RunUntil(const std::function<bool()>& done, milliseconds limit = milliseconds(10'000)) {
    return test::RunLoopUntil(base_, done, limit);
  }

  // Starts a request, waits for the stage to resume the chain, and for the service's side to
  // close; the stage must have resumed exactly once.
  RequestRun& Complete(const AuthStageFactory& factory, const Prepare& prepare = {},
                       Exchange exchange = MakeExchange()) {
    RequestRun& run = StartOnLoop(factory, prepare, std::move(exchange));
    EXPECT_EQ(run.action, Action::kPending);
    EXPECT_EQ(run.resumes, 0);  // never inside OnRequestHeaders
    EXPECT_TRUE(RunUntil([&] { return run.resumes > 0; }));
    EXPECT_TRUE(RunUntil([&] { return service_->open_connections() == 0; }));
    EXPECT_EQ(run.resumes, 1);
    return run;
  }

  event_base* base_ = nullptr;
  // Set up with Answer(): one whole response, then a close.
  std::unique_ptr<test::ScriptedAuthService> service_;
  std::vector<std::unique_ptr<RequestRun>> runs_;
};

TEST_F(AuthStageForwardTest, OkCopiesChosenResponseHeaders) {
  ForwardMethod method = Forward();
  method.response_headers = {"X-Auth-User", "X-Auth-Groups"};
  const auto factory = Factory(ForwardOnly(std::move(method)));
  service_->Answer(
      "HTTP/1.1 200 OK\r\nX-Auth-User: alice\r\nx-auth-groups: dev\r\nx-auth-groups: ops\r\n"
      "X-Internal: not-copied\r\nContent-Length: 2\r\n\r\nok");
  RequestRun& run =
      Complete(*factory, WithHeaders({{"X-Auth-User", "mallory"}, {"X-Other", "kept"}}));
  EXPECT_FALSE(run.ex.local_reply().has_value());
  const http::HeaderMap& headers = run.ex.request().headers;
  EXPECT_EQ(Values(headers, "X-Auth-User"), std::vector<std::string>{"alice"});
  EXPECT_EQ(Values(headers, "X-Auth-Groups"), (std::vector<std::string>{"dev", "ops"}));
  EXPECT_EQ(Header(headers, "X-Internal"), "<absent>");
  EXPECT_EQ(Header(headers, "X-Other"), "kept");
  EXPECT_TRUE(run.ex.findings().empty());
  EXPECT_EQ(factory->counters().Get(AuthMethod::kForward, AuthResult::kOk), 1u);
  EXPECT_EQ(service_->accepted, 1u);
}

TEST_F(AuthStageForwardTest, SpoofedHeadersAreGoneBeforeTheAnswer) {
  ForwardMethod method = Forward();
  method.response_headers = {"X-Auth-User"};
  const auto factory = Factory(ForwardOnly(std::move(method)));
  service_->Answer("HTTP/1.1 204 No Content\r\n\r\n");  // 2xx without the header
  RequestRun& run = StartOnLoop(*factory, WithHeader("X-Auth-User", "mallory"));
  ASSERT_EQ(run.action, Action::kPending);
  EXPECT_EQ(Header(run.ex.request().headers, "X-Auth-User"), "<absent>");
  ASSERT_TRUE(RunUntil([&] { return run.resumes > 0; }));
  EXPECT_FALSE(run.ex.local_reply().has_value());
  EXPECT_EQ(Header(run.ex.request().headers, "X-Auth-User"), "<absent>");
}

TEST_F(AuthStageForwardTest, UnauthorizedIsRelayedWithItsBodyAndChallenge) {
  const auto factory = Factory(ForwardOnly(Forward()));
  const std::string body = "<a href=\"/login\">log in</a>";
  service_->Answer(
      "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"sso\"\r\n"
      "Set-Cookie: flow=abc; HttpOnly\r\nContent-Type: text/html\r\nX-Reason: expired\r\n"
      "Server: authsvc\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nConnection: close\r\n"
      "Keep-Alive: timeout=5\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body);
  RequestRun& run = Complete(*factory);
  ASSERT_TRUE(run.ex.local_reply().has_value());
  const pipeline::LocalReply& reply = *run.ex.local_reply();
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(reply.body, body);
  EXPECT_EQ(Values(reply.headers, "WWW-Authenticate"),
            std::vector<std::string>{"Basic realm=\"sso\""});
  EXPECT_EQ(Header(reply.headers, "Set-Cookie"), "flow=abc; HttpOnly");
  EXPECT_EQ(Values(reply.headers, "Content-Type"), std::vector<std::string>{"text/html"});
  EXPECT_EQ(Header(reply.headers, "X-Reason"), "expired");
  for (const char* name : {"Server", "Date", "Connection", "Keep-Alive", "Content-Length"}) {
    EXPECT_EQ(Header(reply.headers, name), "<absent>") << name;
  }
  ExpectRefusal(run.ex, 401, "auth:forward:invalid", "forward: auth service answered 401", "");
  EXPECT_EQ(factory->counters().Get(AuthMethod::kForward, AuthResult::kInvalid), 1u);
}

TEST_F(AuthStageForwardTest, ForbiddenIsRelayed) {
  const auto factory = Factory(ForwardOnly(Forward()));
  service_->Answer("HTTP/1.1 403 Forbidden\r\nContent-Length: 7\r\n\r\nno way\n");
  RequestRun& run = Complete(*factory);
  ASSERT_TRUE(run.ex.local_reply().has_value());
  EXPECT_EQ(run.ex.local_reply()->body, "no way\n");
  // A body without a type is sent as text.
  EXPECT_EQ(Header(run.ex.local_reply()->headers, "Content-Type"), kTextType);
  EXPECT_EQ(Header(run.ex.local_reply()->headers, "WWW-Authenticate"), "<absent>");
  ExpectRefusal(run.ex, 403, "auth:forward:forbidden", "forward: auth service answered 403", "");
  EXPECT_EQ(factory->counters().Get(AuthMethod::kForward, AuthResult::kForbidden), 1u);

  service_->Answer("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
  RequestRun& empty = Complete(*factory);
  ASSERT_TRUE(empty.ex.local_reply().has_value());
  EXPECT_EQ(empty.ex.local_reply()->status, 403);
  EXPECT_TRUE(empty.ex.local_reply()->body.empty());
  EXPECT_EQ(Header(empty.ex.local_reply()->headers, "Content-Type"), "<absent>");
}

TEST_F(AuthStageForwardTest, OtherAnswersGiveTheErrorStatus) {
  ForwardMethod method = Forward();
  method.error_status = 502;
  const auto custom = Factory(ForwardOnly(std::move(method)));
  const auto standard = Factory(ForwardOnly(Forward()));
  service_->Answer("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 11\r\n\r\nstack trace");
  RequestRun& run = Complete(*standard);
  ASSERT_TRUE(run.ex.local_reply().has_value());
  EXPECT_EQ(run.ex.local_reply()->body, "Authentication service unavailable.\n");
  EXPECT_EQ(Header(run.ex.local_reply()->headers, "Content-Type"), kTextType);
  ExpectRefusal(run.ex, 503, "auth:forward:error", "forward: auth service answered 500", "");

  RequestRun& other = Complete(*custom);
  ExpectRefusal(other.ex, 502, "auth:forward:error", "forward: auth service answered 500", "");

  // A redirect is not a decision either.
  service_->Answer("HTTP/1.1 302 Found\r\nLocation: /login\r\nContent-Length: 0\r\n\r\n");
  RequestRun& redirect = Complete(*standard);
  ExpectRefusal(redirect.ex, 503, "auth:forward:error", "forward: auth service answered 302", "");
  EXPECT_EQ(Header(redirect.ex.local_reply()->headers, "Location"), "<absent>");
  EXPECT_EQ(standard->counters().Get(AuthMethod::kForward, AuthResult::kError), 2u);
}

TEST_F(AuthStageForwardTest, TimeoutGivesTheErrorStatus) {
  ForwardMethod method = Forward();
  method.timeout = milliseconds(100);
  const auto factory = Factory(ForwardOnly(std::move(method)));
  // No answer: the service only records the request.
  RequestRun& run = StartOnLoop(*factory);
  ASSERT_EQ(run.action, Action::kPending);
  ASSERT_TRUE(RunUntil([&] { return run.resumes > 0; }));
  EXPECT_EQ(run.resumes, 1);
  EXPECT_EQ(service_->requests.size(), 1u);
  ASSERT_TRUE(run.ex.local_reply().has_value());
  EXPECT_EQ(run.ex.local_reply()->status, 503);
  EXPECT_EQ(run.ex.findings().rules().at(0).id, "auth:forward:error");
  EXPECT_EQ(factory->counters().Get(AuthMethod::kForward, AuthResult::kError), 1u);
  EXPECT_TRUE(RunUntil([&] { return service_->open_connections() == 0; }));
  EXPECT_EQ(run.resumes, 1);
}

TEST_F(AuthStageForwardTest, UnreachableServiceGivesTheErrorStatus) {
  const auto factory = Factory(ForwardOnly(Forward(UnusedUrl())));
  RequestRun& run = StartOnLoop(*factory);
  ASSERT_EQ(run.action, Action::kPending);
  ASSERT_TRUE(RunUntil([&] { return run.resumes > 0; }));
  EXPECT_EQ(run.resumes, 1);
  ASSERT_TRUE(run.ex.local_reply().has_value());
  EXPECT_EQ(run.ex.local_reply()->status, 503);
  EXPECT_EQ(run.ex.findings().rules().at(0).id, "auth:forward:error");
}

TEST_F(AuthStageForwardTest, NoEventLoopGivesTheErrorStatusAtOnce) {
  const auto factory = Factory(ForwardOnly(Forward()));
  auto run = Start(*factory);  // no set_loop
  ASSERT_EQ(run->action, Action::kRespond);
  ExpectRefusal(run->ex, 503, "auth:forward:error", "forward: no event loop for the sub-request",
                "");
  EXPECT_EQ(run->resumes, 0);
  EXPECT_EQ(service_->accepted, 0u);
}

TEST_F(AuthStageForwardTest, CompletedBeforeTheAnswerNeverResumes) {
  ForwardMethod method = Forward();
  method.timeout = milliseconds(100);
  const auto factory = Factory(ForwardOnly(std::move(method)));
  RequestRun& run = StartOnLoop(*factory);  // the service never answers
  ASSERT_EQ(run.action, Action::kPending);
  ASSERT_TRUE(RunUntil([&] { return service_->requests.size() == 1; }));
  run.stage->OnComplete(run.ex);  // the client went away
  // The sub-request's connection is closed with it.
  EXPECT_TRUE(RunUntil([&] { return service_->open_connections() == 0; }));
  // Well past the sub-request's deadline: nothing may fire.
  RunUntil([] { return false; }, milliseconds(400));
  EXPECT_EQ(run.resumes, 0);
  EXPECT_FALSE(run.ex.local_reply().has_value());
  EXPECT_EQ(factory->counters().Get(AuthMethod::kForward, AuthResult::kError), 0u);
  run.stage.reset();

  // And when the answer is on its way as the exchange completes.
  service_->Answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  RequestRun& second = StartOnLoop(*factory);
  second.stage->OnComplete(second.ex);
  second.stage.reset();
  RunUntil([] { return false; }, milliseconds(200));
  EXPECT_EQ(second.resumes, 0);
  EXPECT_EQ(factory->counters().Get(AuthMethod::kForward, AuthResult::kOk), 0u);
}

TEST_F(AuthStageForwardTest, SubRequestCarriesTheOriginalRequestAndChosenHeadersOnly) {
  ForwardMethod method = Forward();
  method.request_headers = {"authorization", "Cookie", "X-Absent"};
  const auto factory = Factory(ForwardOnly(std::move(method)));
  service_->Answer("HTTP/1.1 204 No Content\r\n\r\n");
  const std::string host = "Host: 127.0.0.1:" + std::to_string(service_->port()) + "\r\n";

  Exchange get = MakeExchange("GET", "/rewritten?a=1");
  get.original_target = "/admin/x?a=1&b=%20";
  get.request().headers.Add("Authorization", "Bearer abc");
  get.request().headers.Add("X-Other", "not sent");
  get.request().headers.Add("Cookie", "s=1");
  get.request().headers.Add("cookie", "t=2");
  Complete(*factory, {}, std::move(get));
  ASSERT_EQ(service_->requests.size(), 1u);
  EXPECT_EQ(service_->requests[0], "GET /verify?rd=1 HTTP/1.1\r\n" + host +
                                       "X-Forwarded-Method: GET\r\n"
                                       "X-Forwarded-Proto: http\r\n"
                                       "X-Forwarded-Host: app.example\r\n"
                                       "X-Forwarded-Uri: /admin/x?a=1&b=%20\r\n"
                                       "X-Forwarded-For: 192.0.2.10\r\n"
                                       "X-Original-Method: GET\r\n"
                                       "X-Original-URI: /admin/x?a=1&b=%20\r\n"
                                       "X-Request-Id: req-1\r\n"
                                       "Authorization: Bearer abc\r\n"
                                       "Cookie: s=1\r\n"
                                       "cookie: t=2\r\n"
                                       "Connection: close\r\n\r\n");

  // Another method goes as it is, with an empty body; HEAD goes as GET.
  Exchange post = MakeExchange("POST", "/api/items");
  post.request().headers.Add("Content-Length", "42");
  Complete(*factory, {}, std::move(post));
  ASSERT_EQ(service_->requests.size(), 2u);
  EXPECT_EQ(service_->requests[1], "POST /verify?rd=1 HTTP/1.1\r\n" + host +
                                       "X-Forwarded-Method: POST\r\n"
                                       "X-Forwarded-Proto: http\r\n"
                                       "X-Forwarded-Host: app.example\r\n"
                                       "X-Forwarded-Uri: /api/items\r\n"
                                       "X-Forwarded-For: 192.0.2.10\r\n"
                                       "X-Original-Method: POST\r\n"
                                       "X-Original-URI: /api/items\r\n"
                                       "X-Request-Id: req-1\r\n"
                                       "Content-Length: 0\r\n"
                                       "Connection: close\r\n\r\n");

  Exchange head = MakeExchange("HEAD", "/page");
  Complete(*factory, {}, std::move(head));
  ASSERT_EQ(service_->requests.size(), 3u);
  EXPECT_EQ(service_->requests[2].rfind("GET /verify?rd=1 HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(service_->requests[2].find("X-Forwarded-Method: HEAD\r\n"), std::string::npos);
  EXPECT_EQ(service_->requests[2].find("Content-Length"), std::string::npos);
}

TEST_F(AuthStageForwardTest, SubRequestWithoutTheOriginalMethodOverTls) {
  ForwardMethod method = Forward(service_->Url(""));
  method.original_method = false;
  const auto factory = Factory(ForwardOnly(std::move(method)));
  service_->Answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  Exchange ex(pipeline::ClientInfo{"2001:db8::7", 443, true, "10.0.0.1"});
  ex.request().method = "DELETE";
  ex.request().target = "/items/7";
  ex.request().host = "shop.example:8443";
  Complete(*factory, {}, std::move(ex));
  ASSERT_EQ(service_->requests.size(), 1u);
  EXPECT_EQ(service_->requests[0],
            "GET / HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(service_->port()) +
                "\r\n"
                "X-Forwarded-Method: DELETE\r\n"
                "X-Forwarded-Proto: https\r\n"
                "X-Forwarded-Host: shop.example:8443\r\n"
                "X-Forwarded-Uri: /items/7\r\n"
                "X-Forwarded-For: 2001:db8::7\r\n"
                "X-Original-Method: DELETE\r\n"
                "X-Original-URI: /items/7\r\n"
                "Connection: close\r\n\r\n");
}

TEST_F(AuthStageForwardTest, AnyAsksTheServiceOnlyWhenNothingIsPresented) {
  AuthSettings settings;
  settings.jwt = Jwt();
  settings.forward = Forward();
  const auto factory = Factory(std::move(settings));
  service_->Answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  RequestRun& token = StartOnLoop(*factory, WithBearer(Token()));
  EXPECT_EQ(token.action, Action::kContinue);
  RequestRun& expired = StartOnLoop(*factory, WithBearer(ExpiredToken()));
  EXPECT_EQ(expired.action, Action::kRespond);
  // 401 with the Bearer challenge only (the auth service has none of its own here).
  EXPECT_EQ(Challenges(expired.ex),
            std::vector<std::string>{R"(Bearer realm="rampart", error="invalid_token")"});
  EXPECT_EQ(service_->accepted, 0u);
  RequestRun& nothing = Complete(*factory);
  EXPECT_FALSE(nothing.ex.local_reply().has_value());
  EXPECT_EQ(service_->accepted, 1u);
  EXPECT_EQ(factory->counters().Get(AuthMethod::kForward, AuthResult::kOk), 1u);
}

TEST_F(AuthStageForwardTest, AllChecksTheTokenBeforeAskingTheService) {
  AuthSettings settings;
  settings.satisfy_all = true;
  settings.jwt = Jwt();
  settings.forward = Forward();
  settings.basic = Basic("X-Remote-User");
  const auto factory = Factory(std::move(settings));
  service_->Answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  // Order api_key, jwt, forward, basic: a missing token refuses before any sub-request.
  auto jwt_missing = Start(*factory, WithHeader("Authorization", BasicAuthorization("a", "b")));
  EXPECT_EQ(jwt_missing->action, Action::kRespond);
  EXPECT_EQ(jwt_missing->ex.findings().rules().at(0).id, "auth:jwt:missing");
  EXPECT_EQ(service_->accepted, 0u);
}

TEST_F(AuthStageForwardTest, AllAsksTheServiceBeforeBasic) {
  AuthSettings settings;
  settings.satisfy_all = true;
  settings.forward = Forward();
  settings.forward->response_headers = {"X-Auth-User"};
  settings.basic = Basic("X-Remote-User");
  const auto factory = Factory(std::move(settings));
  service_->Answer("HTTP/1.1 200 OK\r\nX-Auth-User: sso-alice\r\nContent-Length: 0\r\n\r\n");

  // Inline basic after the answer: the stage resumes once the whole decision is made.
  RequestRun& ok =
      Complete(*factory, WithHeader("Authorization", BasicAuthorization("alice", "s3cret")));
  EXPECT_FALSE(ok.ex.local_reply().has_value());
  EXPECT_EQ(Header(ok.ex.request().headers, "X-Auth-User"), "sso-alice");
  EXPECT_EQ(Header(ok.ex.request().headers, "X-Remote-User"), "alice");
  EXPECT_EQ(ok.ex.user(), "alice");
  RequestRun& wrong =
      Complete(*factory, WithHeader("Authorization", BasicAuthorization("alice", "x")));
  ExpectRefusal(wrong.ex, 401, "auth:basic:invalid", "basic: wrong user or password for alice",
                "REQUEST_HEADERS:Authorization");
  EXPECT_EQ(Challenges(wrong.ex), std::vector<std::string>{kBasicChallenge});

  // A refusal by the service ends it: basic is not checked.
  service_->Answer("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n");
  RequestRun& refused =
      Complete(*factory, WithHeader("Authorization", BasicAuthorization("bob", "pa:ss word")));
  EXPECT_EQ(ReplyStatus(refused.ex), 401);
  EXPECT_EQ(refused.ex.findings().rules().at(0).id, "auth:forward:invalid");
  EXPECT_EQ(factory->counters().Get(AuthMethod::kBasic, AuthResult::kOk), 1u);
  EXPECT_EQ(factory->counters().Get(AuthMethod::kBasic, AuthResult::kInvalid), 1u);
  EXPECT_EQ(factory->counters().Get(AuthMethod::kForward, AuthResult::kOk), 2u);
  EXPECT_EQ(factory->verified()->size(), 1u);
}

TEST_F(AuthStageForwardTest, AllAsksTheServiceThenOffloadsBasic) {
  AuthSettings settings;
  settings.satisfy_all = true;
  settings.forward = Forward();
  settings.basic = Basic("X-Remote-User");
  const auto factory = Factory(std::move(settings));
  service_->Answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  FakeOffload offload;
  RequestRun& run = StartOnLoop(*factory, [&](Exchange& ex) {
    ex.set_offload(offload.Bind());
    ex.request().headers.Add("Authorization", BasicAuthorization("alice", "s3cret"));
  });
  ASSERT_EQ(run.action, Action::kPending);
  EXPECT_EQ(offload.calls, 0);
  // The answer hands basic to the pool; the pool, not the stage, resumes the chain.
  ASSERT_TRUE(RunUntil([&] { return offload.calls == 1; }));
  EXPECT_TRUE(RunUntil([&] { return service_->open_connections() == 0; }));
  EXPECT_EQ(run.resumes, 0);
  EXPECT_FALSE(run.ex.local_reply().has_value());
  offload.RunWork();
  offload.RunDone();
  EXPECT_EQ(run.resumes, 0);
  EXPECT_FALSE(run.ex.local_reply().has_value());
  EXPECT_EQ(run.ex.user(), "alice");
  EXPECT_EQ(Header(run.ex.request().headers, "X-Remote-User"), "alice");
}

}  // namespace
}  // namespace rampart::stages::auth
