// The admin API (/api/upstreams...) and the per-server metrics, against the real binary: the
// bearer token from admin.token_file (and the checks on that file), listing pools and servers,
// drain and enable moving real traffic between two origins, a drain kept across a SIGHUP
// reload, the error answers (401, 403, 404, 405) and the rampart_upstream_* metrics.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

constexpr std::string_view kToken = "s3cret-admin-token-0123456789";

// Writes `text` to `path` with exactly `mode` (not narrowed by the umask).
void WriteFileWithMode(const std::string& path, const std::string& text, mode_t mode) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(fchmod(fd, mode), 0);
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fd);
}

std::string Bearer(std::string_view token) { return "Bearer " + std::string(token); }

// Percent-encodes ':' (enough for "127.0.0.1:port").
std::string EncodeColons(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == ':') {
      out += "%3A";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

class AdminApiTest : public ProxyTest {
 protected:
  // Pool "app" with origin_ and origin2_, unnamed (so named by their addresses).
  std::string PoolsYaml() const {
    return "pools:\n  app:\n    servers:\n      - address: " + origin_.address() +
           "\n      - address: " + origin2_.address() + "\n";
  }

  // The config text: admin on 127.0.0.1:0 with `token_file` (none when empty).
  std::string Yaml(const std::string& token_file, const std::string& pools_yaml = "") const {
    ConfigOptions options;
    options.pools_yaml = pools_yaml.empty() ? PoolsYaml() : pools_yaml;
    options.admin = false;  // written here, with the token file
    options.extra = "admin:\n  address: 127.0.0.1:0\n";
    if (!token_file.empty()) options.extra += "  token_file: " + token_file + "\n";
    return MakeConfig(rampart_.dir(), options);
  }

  std::string TokenPath() const { return rampart_.dir() + "/admin.token"; }

  // Starts rampart with a good token file.
  void StartWithToken(const std::string& pools_yaml = "") {
    ASSERT_NO_FATAL_FAILURE(WriteFileWithMode(TokenPath(), std::string(kToken) + "\n", 0600));
    ASSERT_NO_FATAL_FAILURE(StartRampartYaml(Yaml(TokenPath(), pools_yaml)));
    ASSERT_NE(rampart_.admin_port(), 0) << rampart_.Log();
  }

  // One request to the admin listener on a fresh connection.
  std::optional<HttpResponse> Admin(std::string_view method, std::string_view target,
                                    HeaderList headers) {
    Client client;
    if (!client.Connect(rampart_.admin_port())) {
      ADD_FAILURE() << "cannot connect to the admin port: " << client.error();
      return std::nullopt;
    }
    headers.emplace_back("Connection", "close");
    if (method == "POST") headers.emplace_back("Content-Length", "0");
    auto r = client.Request(method, target, headers, {});
    if (!r) ADD_FAILURE() << method << " " << target << ": " << client.error();
    return r;
  }
  // With the right token.
  std::optional<HttpResponse> Api(std::string_view method, std::string_view target) {
    return Admin(method, target, {{"Authorization", Bearer(kToken)}});
  }

  // `n` requests through the proxy, each on its own connection; all must be 200.
  void SendRequests(int n, const std::string& prefix) {
    for (int i = 0; i < n; ++i) {
      auto r = Get(prefix + std::to_string(i));
      ASSERT_TRUE(r) << "request " << i;
      ASSERT_EQ(r->status, 200) << "request " << i << ": " << r->body;
    }
  }

  Origin origin2_;
};

// --- Authentication -------------------------------------------------------------------------

TEST_F(AdminApiTest, RefusesRequestsWithoutTheToken) {
  ASSERT_NO_FATAL_FAILURE(StartWithToken());

  auto none = Admin("GET", "/api/upstreams", {});
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  auto challenge = none->Header("WWW-Authenticate");
  ASSERT_TRUE(challenge);
  EXPECT_EQ(challenge->rfind("Bearer", 0), 0u) << *challenge;
  EXPECT_EQ(none->Header("Content-Type"), "application/json");
  EXPECT_NE(none->body.find("\"error\":"), std::string::npos) << none->body;
  EXPECT_EQ(none->body.find("pools"), std::string::npos) << "401 leaked the state: " << none->body;

  // Same length, one byte off; a prefix; another scheme; an empty token.
  std::string wrong(kToken);
  wrong.back() = wrong.back() == 'x' ? 'y' : 'x';
  for (const std::string& value :
       {Bearer(wrong), Bearer(kToken.substr(0, kToken.size() - 1)),
        Bearer(std::string(kToken) + "x"), "Basic " + std::string(kToken), std::string("Bearer "),
        std::string(kToken)}) {
    auto r = Admin("GET", "/api/upstreams", {{"Authorization", value}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401) << "Authorization: " << value;
    EXPECT_TRUE(r->Header("WWW-Authenticate")) << value;
  }

  // A refused drain changes nothing.
  auto drain = Admin("POST", "/api/upstreams/app/" + origin_.address() + "/drain",
                     {{"Authorization", Bearer(wrong)}});
  ASSERT_TRUE(drain);
  EXPECT_EQ(drain->status, 401);
  auto server = Api("GET", "/api/upstreams/app/" + origin_.address());
  ASSERT_TRUE(server);
  EXPECT_NE(server->body.find("\"drained\":false"), std::string::npos) << server->body;
  EXPECT_TRUE(rampart_.WaitForLine("admin: refused")) << rampart_.Log();

  // The right token; the scheme is case-insensitive.
  for (const char* scheme : {"Bearer ", "bearer ", "BEARER "}) {
    auto r = Admin("GET", "/api/upstreams", {{"Authorization", scheme + std::string(kToken)}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << scheme << r->body;
  }
}

TEST_F(AdminApiTest, HealthzAndMetricsNeedNoToken) {
  ASSERT_NO_FATAL_FAILURE(StartWithToken());
  auto health = HttpGet(rampart_.admin_port(), "/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto metrics = HttpGet(rampart_.admin_port(), "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_TRUE(HasMetric(metrics->body, "rampart_upstream_server_up")) << metrics->body;
}

TEST_F(AdminApiTest, DisabledWithoutTokenFile) {
  ASSERT_NO_FATAL_FAILURE(StartRampartYaml(Yaml("")));
  for (const HeaderList& headers : {HeaderList{}, HeaderList{{"Authorization", Bearer(kToken)}}}) {
    auto r = Admin("GET", "/api/upstreams", headers);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403);
    EXPECT_EQ(r->Header("Content-Type"), "application/json");
    EXPECT_EQ(r->body, "{\"error\":\"the admin API is disabled: set admin.token_file\"}");
  }
  auto drain = Admin("POST", "/api/upstreams/app/" + origin_.address() + "/drain", {});
  ASSERT_TRUE(drain);
  EXPECT_EQ(drain->status, 403);
  // Traffic still reaches both origins: nothing was drained.
  ASSERT_NO_FATAL_FAILURE(SendRequests(10, "/disabled-"));
  EXPECT_GT(origin_.RequestCount(), 0u);
  EXPECT_GT(origin2_.RequestCount(), 0u);

  auto metrics = HttpGet(rampart_.admin_port(), "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
}

// --- The token file is checked at startup and by `rampart check` -----------------------------

TEST_F(AdminApiTest, CheckAndRunRefuseAGroupReadableTokenFile) {
  ASSERT_NO_FATAL_FAILURE(WriteFileWithMode(TokenPath(), std::string(kToken) + "\n", 0640));
  rampart_.WriteConfig(Yaml(TokenPath()));
  CommandResult check = RampartProcess::RunCheck(rampart_.config_path());
  EXPECT_EQ(check.exit_code, 1) << check.out << check.err;
  const std::string all = check.out + check.err;
  EXPECT_NE(all.find("admin.token_file"), std::string::npos) << all;
  EXPECT_NE(all.find("must not be readable by group or others"), std::string::npos) << all;

  EXPECT_FALSE(rampart_.Start(Yaml(TokenPath()))) << "rampart started with a readable token";
  EXPECT_NE(rampart_.Log().find("must not be readable by group or others"), std::string::npos)
      << rampart_.Log();
}

TEST_F(AdminApiTest, CheckAndRunRefuseAShortToken) {
  ASSERT_NO_FATAL_FAILURE(WriteFileWithMode(TokenPath(), "short-token\n", 0600));
  rampart_.WriteConfig(Yaml(TokenPath()));
  CommandResult check = RampartProcess::RunCheck(rampart_.config_path());
  EXPECT_EQ(check.exit_code, 1) << check.out << check.err;
  const std::string all = check.out + check.err;
  EXPECT_NE(all.find("the token must be at least 16 characters"), std::string::npos) << all;

  EXPECT_FALSE(rampart_.Start(Yaml(TokenPath()))) << "rampart started with a short token";
  EXPECT_NE(rampart_.Log().find("at least 16 characters"), std::string::npos) << rampart_.Log();
}

TEST_F(AdminApiTest, TokenFileWrittenWithCrlfWorks) {
  ASSERT_NO_FATAL_FAILURE(WriteFileWithMode(TokenPath(), std::string(kToken) + "\r\n", 0600));
  ASSERT_NO_FATAL_FAILURE(StartRampartYaml(Yaml(TokenPath())));
  auto r = Api("GET", "/api/upstreams");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
}

TEST_F(AdminApiTest, CheckRefusesATokenWithControlCharacters) {
  ASSERT_NO_FATAL_FAILURE(WriteFileWithMode(TokenPath(), "abcdefgh\x01ijklmnopqrstuvwxyz\n", 0600));
  rampart_.WriteConfig(Yaml(TokenPath()));
  CommandResult check = RampartProcess::RunCheck(rampart_.config_path());
  EXPECT_EQ(check.exit_code, 1) << check.out << check.err;
  EXPECT_NE((check.out + check.err).find("must not contain spaces or control characters"),
            std::string::npos)
      << check.out << check.err;
}

TEST_F(AdminApiTest, CheckRefusesAMissingTokenFile) {
  rampart_.WriteConfig(Yaml(rampart_.dir() + "/no-such.token"));
  CommandResult check = RampartProcess::RunCheck(rampart_.config_path());
  EXPECT_EQ(check.exit_code, 1) << check.out << check.err;
  EXPECT_NE((check.out + check.err).find("no-such.token"), std::string::npos)
      << check.out << check.err;
}

TEST_F(AdminApiTest, CheckAcceptsAGoodTokenFile) {
  ASSERT_NO_FATAL_FAILURE(WriteFileWithMode(TokenPath(), std::string(kToken) + "\n", 0600));
  rampart_.WriteConfig(Yaml(TokenPath()));
  CommandResult check = RampartProcess::RunCheck(rampart_.config_path());
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

// --- Reading the state ----------------------------------------------------------------------

TEST_F(AdminApiTest, ListsPoolsAndServers) {
  ASSERT_NO_FATAL_FAILURE(StartWithToken());
  auto r = Api("GET", "/api/upstreams");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->Header("Content-Type"), "application/json");
  const std::string& body = r->body;
  EXPECT_EQ(body.rfind("{\"pools\":[{\"name\":\"app\",\"balance\":\"round_robin\",", 0), 0u)
      << body;
  for (const Origin* o : {&origin_, &origin2_}) {
    const std::string server =
        "{\"name\":\"" + o->address() + "\",\"address\":\"" + o->address() +
        "\",\"weight\":1,\"backup\":false,\"state\":\"up\",\"healthy\":true,\"drained\":false,"
        "\"ejected_for_ms\":0,\"slow_start_factor\":1,";
    EXPECT_NE(body.find(server), std::string::npos) << body;
  }
  EXPECT_NE(body.find("\"overflow\":{\"pending\":0,\"retries\":0}"), std::string::npos) << body;
  EXPECT_EQ(body.back(), '}');

  // One pool.
  auto pool = Api("GET", "/api/upstreams/app");
  ASSERT_TRUE(pool);
  EXPECT_EQ(pool->status, 200);
  EXPECT_EQ(pool->body.rfind("{\"name\":\"app\",", 0), 0u) << pool->body;
  EXPECT_NE(pool->body.find(origin2_.address()), std::string::npos) << pool->body;
  auto slash = Api("GET", "/api/upstreams/app/");
  ASSERT_TRUE(slash);
  EXPECT_EQ(slash->status, 200);
  EXPECT_EQ(slash->body, pool->body);

  // One server, by its address literally and percent-encoded.
  for (const std::string& target : {"/api/upstreams/app/" + origin_.address(),
                                    "/api/upstreams/app/" + EncodeColons(origin_.address())}) {
    auto server = Api("GET", target);
    ASSERT_TRUE(server);
    EXPECT_EQ(server->status, 200) << target;
    EXPECT_EQ(server->body.rfind("{\"name\":\"" + origin_.address() + "\",", 0), 0u)
        << target << ": " << server->body;
    EXPECT_EQ(server->body.find(origin2_.address()), std::string::npos) << server->body;
  }

  // HEAD answers like GET without a body.
  auto head = Api("HEAD", "/api/upstreams");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
}

TEST_F(AdminApiTest, NamedServers) {
  ASSERT_NO_FATAL_FAILURE(StartWithToken(
      "pools:\n  app:\n    servers:\n      - address: " + origin_.address() +
      "\n        name: alpha\n      - address: " + origin2_.address() + "\n        name: beta\n"));
  auto r = Api("GET", "/api/upstreams/app/alpha");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body.rfind("{\"name\":\"alpha\",\"address\":\"" + origin_.address() + "\",", 0), 0u)
      << r->body;
  // The address still finds it.
  auto by_address = Api("GET", "/api/upstreams/app/" + origin2_.address());
  ASSERT_TRUE(by_address);
  EXPECT_EQ(by_address->body.rfind("{\"name\":\"beta\",", 0), 0u) << by_address->body;

  auto drain = Api("POST", "/api/upstreams/app/beta/drain");
  ASSERT_TRUE(drain);
  EXPECT_EQ(drain->status, 200);
  EXPECT_TRUE(rampart_.WaitForLine("admin: drained pool app server beta")) << rampart_.Log();
  const std::string metrics = Metrics();
  EXPECT_EQ(MetricValue(metrics, "rampart_upstream_server_drained",
                        {{"pool", "app"}, {"server", "beta"}}),
            1)
      << metrics;
  EXPECT_EQ(
      MetricValue(metrics, "rampart_upstream_server_up", {{"pool", "app"}, {"server", "alpha"}}),
      1);
}

// --- Drain and enable -----------------------------------------------------------------------

TEST_F(AdminApiTest, DrainMovesTrafficAndEnableBringsItBack) {
  ASSERT_NO_FATAL_FAILURE(StartWithToken());
  ASSERT_NO_FATAL_FAILURE(SendRequests(10, "/before-"));
  EXPECT_GT(origin_.RequestCount(), 0u);
  EXPECT_GT(origin2_.RequestCount(), 0u);

  const std::string server = "/api/upstreams/app/" + origin_.address();
  auto drain = Api("POST", server + "/drain");
  ASSERT_TRUE(drain);
  ASSERT_EQ(drain->status, 200) << drain->body;
  EXPECT_EQ(drain->Header("Content-Type"), "application/json");
  EXPECT_NE(drain->body.find("\"state\":\"drained\",\"healthy\":true,\"drained\":true"),
            std::string::npos)
      << drain->body;
  EXPECT_TRUE(rampart_.WaitForLine("admin: drained pool app server " + origin_.address()))
      << rampart_.Log();

  // Every request now goes to the other origin.
  const size_t drained_before = origin_.RequestCount();
  const size_t other_before = origin2_.RequestCount();
  ASSERT_NO_FATAL_FAILURE(SendRequests(12, "/drained-"));
  EXPECT_EQ(origin_.RequestCount(), drained_before) << "a drained server got requests";
  EXPECT_EQ(origin2_.RequestCount(), other_before + 12);

  // Draining again is harmless.
  auto again = Api("POST", server + "/drain");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);

  auto enable = Api("POST", EncodeColons(server) + "/enable");
  ASSERT_TRUE(enable);
  ASSERT_EQ(enable->status, 200) << enable->body;
  EXPECT_NE(enable->body.find("\"state\":\"up\",\"healthy\":true,\"drained\":false"),
            std::string::npos)
      << enable->body;
  EXPECT_TRUE(rampart_.WaitForLine("admin: enabled pool app server " + origin_.address()))
      << rampart_.Log();

  ASSERT_NO_FATAL_FAILURE(SendRequests(20, "/enabled-"));
  EXPECT_GT(origin_.RequestCount(), drained_before) << "traffic did not come back";
}

TEST_F(AdminApiTest, DrainSurvivesReload) {
  ASSERT_NO_FATAL_FAILURE(StartWithToken());
  auto drain = Api("POST", "/api/upstreams/app/" + origin_.address() + "/drain");
  ASSERT_TRUE(drain);
  ASSERT_EQ(drain->status, 200) << drain->body;

  const size_t from = rampart_.LineCount();
  ASSERT_TRUE(rampart_.Signal(SIGHUP));
  ASSERT_TRUE(rampart_.WaitForLine("reload: applied", kDefaultTimeout, from)) << rampart_.Log();

  auto server = Api("GET", "/api/upstreams/app/" + origin_.address());
  ASSERT_TRUE(server);
  EXPECT_NE(server->body.find("\"state\":\"drained\""), std::string::npos) << server->body;

  const size_t drained_before = origin_.RequestCount();
  ASSERT_NO_FATAL_FAILURE(SendRequests(10, "/after-reload-"));
  EXPECT_EQ(origin_.RequestCount(), drained_before) << "the reload forgot the drain";

  auto enable = Api("POST", "/api/upstreams/app/" + origin_.address() + "/enable");
  ASSERT_TRUE(enable);
  EXPECT_EQ(enable->status, 200);
  ASSERT_NO_FATAL_FAILURE(SendRequests(20, "/enabled-"));
  EXPECT_GT(origin_.RequestCount(), drained_before);
}

// --- Errors ---------------------------------------------------------------------------------

TEST_F(AdminApiTest, UnknownPoolServerOrPathIs404) {
  ASSERT_NO_FATAL_FAILURE(StartWithToken());
  const std::string a = "/api/upstreams/app/" + origin_.address();
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/api/upstreams/nope"},
           {"GET", "/api/upstreams/app/127.0.0.1:1"},
           {"GET", "/api/upstreams/app/nope"},
           {"POST", "/api/upstreams/nope/" + origin_.address() + "/drain"},
           {"POST", "/api/upstreams/app/nope/drain"},
           {"POST", a + "/reboot"},
           {"GET", a + "/drain/more"},
           {"GET", "/api/"},
           {"GET", "/api"},
           {"GET", "/api/pools"},
       }) {
    auto r = Api(method, target);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404) << method << " " << target << ": " << r->body;
    EXPECT_EQ(r->Header("Content-Type"), "application/json") << target;
    EXPECT_EQ(r->body.rfind("{\"error\":\"", 0), 0u) << target << ": " << r->body;
  }
  // The unknown pool is named back (JSON-escaped).
  auto r = Api("GET", "/api/upstreams/nope");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "{\"error\":\"no pool \\\"nope\\\"\"}");
  // Outside /api/ a 404 needs no token.
  auto other = HttpGet(rampart_.admin_port(), "/no-such-admin-page");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404);
}

TEST_F(AdminApiTest, WrongMethodIs405WithAllow) {
  ASSERT_NO_FATAL_FAILURE(StartWithToken());
  const std::string a = "/api/upstreams/app/" + origin_.address();
  for (const auto& [method, target, allow] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"POST", "/api/upstreams", "GET, HEAD"},
           {"DELETE", "/api/upstreams/app", "GET, HEAD"},
           {"PUT", a, "GET, HEAD"},
           {"GET", a + "/drain", "POST"},
           {"DELETE", a + "/enable", "POST"},
       }) {
    auto r = Api(method, target);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 405) << method << " " << target;
    EXPECT_EQ(r->Header("Allow"), allow) << method << " " << target;
  }
  // GET on drain did not drain.
  auto server = Api("GET", a);
  ASSERT_TRUE(server);
  EXPECT_NE(server->body.find("\"drained\":false"), std::string::npos) << server->body;

  auto post_health = Admin("POST", "/healthz", {});
  ASSERT_TRUE(post_health);
  EXPECT_EQ(post_health->status, 405);
  EXPECT_EQ(post_health->Header("Allow"), "GET, HEAD");
}

// --- Metrics --------------------------------------------------------------------------------

TEST_F(AdminApiTest, MetricsCarryPerServerLines) {
  ASSERT_NO_FATAL_FAILURE(StartWithToken());
  std::string text = Metrics();
  for (const Origin* o : {&origin_, &origin2_}) {
    const Labels labels = {{"pool", "app"}, {"server", o->address()}};
    EXPECT_EQ(MetricValue(text, "rampart_upstream_server_up", labels), 1) << text;
    EXPECT_EQ(MetricValue(text, "rampart_upstream_server_healthy", labels), 1);
    EXPECT_EQ(MetricValue(text, "rampart_upstream_server_drained", labels), 0);
    EXPECT_EQ(MetricValue(text, "rampart_upstream_server_ejected", labels), 0);
    for (const char* name :
         {"rampart_upstream_server_active_requests", "rampart_upstream_server_open_connections",
          "rampart_upstream_server_requests_total", "rampart_upstream_server_failures_total",
          "rampart_upstream_server_ejections_total",
          "rampart_upstream_health_check_failures_total"}) {
      EXPECT_TRUE(MetricValue(text, name, labels)) << name << "\n" << text;
    }
  }
  EXPECT_EQ(MetricValue(text, "rampart_upstream_pool_pending_requests", {{"pool", "app"}}), 0);
  EXPECT_EQ(MetricValue(text, "rampart_upstream_pool_retries_in_flight", {{"pool", "app"}}), 0);
  EXPECT_TRUE(MetricValue(text, "rampart_upstream_retries_total", {{"pool", "app"}})) << text;
  EXPECT_TRUE(MetricValue(text, "rampart_upstream_overflow_total",
                          {{"pool", "app"}, {"reason", "pending"}}));
  EXPECT_TRUE(MetricValue(text, "rampart_upstream_overflow_total",
                          {{"pool", "app"}, {"reason", "retries"}}));
  EXPECT_NE(text.find("# TYPE rampart_upstream_server_requests_total counter\n"),
            std::string::npos);
  // The process metrics are still there.
  EXPECT_TRUE(HasMetric(text, "rampart_connections_total")) << text;

  ASSERT_TRUE(Api("POST", "/api/upstreams/app/" + origin_.address() + "/drain"));
  text = Metrics();
  const Labels drained = {{"pool", "app"}, {"server", origin_.address()}};
  EXPECT_EQ(MetricValue(text, "rampart_upstream_server_up", drained), 0) << text;
  EXPECT_EQ(MetricValue(text, "rampart_upstream_server_drained", drained), 1);
  EXPECT_EQ(MetricValue(text, "rampart_upstream_server_up",
                        {{"pool", "app"}, {"server", origin2_.address()}}),
            1);
}

// Needs the proxy's per-server accounting (src/proxy/session.cc).
TEST_F(AdminApiTest, RequestsTotalCountsProxiedRequests) {
  ASSERT_NO_FATAL_FAILURE(StartWithToken());
  ASSERT_NO_FATAL_FAILURE(SendRequests(6, "/count-"));
  const std::string text = Metrics();
  const Labels a = {{"pool", "app"}, {"server", origin_.address()}};
  const Labels b = {{"pool", "app"}, {"server", origin2_.address()}};
  EXPECT_EQ(MetricSum(text, "rampart_upstream_server_requests_total", {{"pool", "app"}}), 6)
      << text;
  EXPECT_EQ(MetricValue(text, "rampart_upstream_server_requests_total", a),
            static_cast<double>(origin_.RequestCount()));
  EXPECT_EQ(MetricValue(text, "rampart_upstream_server_requests_total", b),
            static_cast<double>(origin2_.RequestCount()));
  // Every request has finished; the proxy may count the end just after the client saw it, so
  // re-read a bounded number of times (each a real request to the admin listener).
  std::string later = text;
  for (int i = 0; i < 200; ++i) {
    if (MetricSum(later, "rampart_upstream_server_active_requests", {{"pool", "app"}}) == 0 &&
        MetricSum(later, "rampart_upstream_pool_pending_requests", {{"pool", "app"}}) == 0) {
      break;
    }
    later = Metrics();
  }
  EXPECT_EQ(MetricSum(later, "rampart_upstream_server_active_requests", {{"pool", "app"}}), 0)
      << later;
  EXPECT_EQ(MetricSum(later, "rampart_upstream_pool_pending_requests", {{"pool", "app"}}), 0);

  auto server = Api("GET", "/api/upstreams/app/" + origin_.address());
  ASSERT_TRUE(server);
  EXPECT_NE(server->body.find("\"requests_total\":" + std::to_string(origin_.RequestCount()) + ","),
            std::string::npos)
      << server->body;
}

}  // namespace
}  // namespace rampart::test
