#include "config/loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <variant>
#include <vector>

#include "load_helpers.h"

namespace rampart::config {
namespace {

using test_util::Errors;
using test_util::Load;
using ::testing::ElementsAre;

// A valid head (listen, pool "app") that error tests append one broken route or section to;
// its last line is line 5, so the first appended line is line 6.
constexpr char kHead[] =
    "listen: [{address: 127.0.0.1:8080}]\n"  // 1
    "pools:\n"                               // 2
    "  app:\n"                               // 3
    "    servers:\n"                         // 4
    "      - address: 127.0.0.1:9000\n";     // 5

// kHead plus a valid catch-all route: lines 6-8.
std::string WithRoute(const std::string& tail = "") {
  return std::string(kHead) +
         "routes:\n"                      // 6
         "  - match: {path_prefix: /}\n"  // 7
         "    pool: app\n" +              // 8
         tail;
}

// WithRoute() without its first line (the listen key), for tests about listeners, which put
// their own listen lines in front of it.
std::string RestAfterListen() {
  const std::string all = WithRoute();
  return all.substr(all.find('\n') + 1);
}

// kHead plus `route` as the only route's body, starting at line 7 ("  - ...").
std::string WithOneRoute(const std::string& route) {
  return std::string(kHead) + "routes:\n" + route;
}

constexpr char kFull[] = R"(workers: 4
listen:
  - address: 0.0.0.0:8080
  - address: "[::1]:8443"
admin: {address: localhost:9901}
trusted_proxies: [10.0.0.0/8, "fd00::/8", 192.168.1.7]
pools:
  app:
    balance: round_robin
    servers:
      - address: 127.0.0.1:9000
      - {address: backend.internal:9001, backup: true}
    connect_timeout: 2s
    read_timeout: 30s
    write_timeout: 1m
    keepalive: {idle: 8, timeout: 90s}
    retries: 2
  static:
    servers: [{address: "[2001:db8::1]:80"}]
routes:
  - name: api
    match:
      host: API.Example.com
      path_prefix: /api/
      methods: [GET, POST]
      headers: {X-Tenant: blue}
    pool: app
    strip_prefix: true
    set_request_headers:
      X-Zeta: "1"
      X-Alpha: "2"
      X-Remove-Me:
    set_response_headers: {Server: ""}
    preserve_host: false
    max_body_size: 10MiB
  - match: {host: "*.example.com", path_regex: "^/v([0-9]+)/(.*)$"}
    pool: static
    rewrite: {regex: "^/v([0-9]+)/(.*)$", replacement: "/version/$1/${2}"}
  - name: old
    match: {path: /old}
    redirect: {to: "https://example.com$request_uri", status: 308}
limits:
  max_connections: 500
  max_connections_per_ip: 20
  max_request_line: 4KiB
  max_header_bytes: 16KiB
  max_header_count: 50
  max_body_size: 1MiB
  max_requests_per_connection: 1000
timeouts: {client_header: 5s, client_body: 20s, keepalive: 0s, send: 15s, drain: 10s}
logging:
  access_log: logs/access.log
  access_log_format: combined
  attack_log: logs/attack.jsonl
  level: debug
  error_log: logs/error.log
)";

TEST(LoaderTest, FullConfigRoundTrips) {
  const Config c = Load(kFull);
  EXPECT_EQ(c.source_file, "t.yaml");
  EXPECT_EQ(c.workers, 4u);
  ASSERT_EQ(c.listen.size(), 2u);
  EXPECT_EQ(c.listen[0].address, "0.0.0.0:8080");
  EXPECT_EQ(c.listen[0].mark.file, "t.yaml");
  EXPECT_EQ(c.listen[0].mark.line, 3);
  EXPECT_EQ(c.listen[1].address, "[::1]:8443");
  EXPECT_EQ(c.listen[1].mark.line, 4);
  EXPECT_EQ(c.admin.address, "localhost:9901");
  EXPECT_THAT(c.trusted_proxies, ElementsAre("10.0.0.0/8", "fd00::/8", "192.168.1.7"));

  ASSERT_EQ(c.pools.size(), 2u);
  const PoolConfig& app = c.pools.at("app");
  EXPECT_EQ(app.name, "app");
  EXPECT_EQ(app.mark.file, "t.yaml");
  EXPECT_EQ(app.mark.line, 8);
  EXPECT_EQ(app.balance, "round_robin");
  ASSERT_EQ(app.servers.size(), 2u);
  EXPECT_EQ(app.servers[0].address, "127.0.0.1:9000");
  EXPECT_EQ(app.servers[0].weight, 1u);
  EXPECT_FALSE(app.servers[0].backup);
  EXPECT_EQ(app.servers[0].max_connections, 0u);
  EXPECT_EQ(app.servers[0].mark.line, 11);
  EXPECT_EQ(app.servers[1].address, "backend.internal:9001");
  EXPECT_EQ(app.servers[1].weight, 1u);
  EXPECT_TRUE(app.servers[1].backup);
  EXPECT_EQ(app.servers[1].max_connections, 0u);
  EXPECT_EQ(app.servers[1].mark.file, "t.yaml");
  EXPECT_EQ(app.servers[1].mark.line, 12);
  EXPECT_EQ(app.connect_timeout_ms, 2'000u);
  EXPECT_EQ(app.read_timeout_ms, 30'000u);
  EXPECT_EQ(app.write_timeout_ms, 60'000u);
  EXPECT_EQ(app.keepalive_idle, 8u);
  EXPECT_EQ(app.keepalive_timeout_ms, 90'000u);
  EXPECT_EQ(app.retries, 2u);
  const PoolConfig& stat = c.pools.at("static");
  EXPECT_EQ(stat.servers.at(0).address, "[2001:db8::1]:80");
  EXPECT_EQ(stat.connect_timeout_ms, 5'000u);  // defaults
  EXPECT_EQ(stat.retries, 1u);
  EXPECT_EQ(stat.keepalive_idle, 32u);

  ASSERT_EQ(c.routes.size(), 3u);
  const RouteConfig& api = c.routes[0];
  EXPECT_EQ(api.name, "api");
  EXPECT_EQ(api.mark.file, "t.yaml");
  EXPECT_EQ(api.mark.line, 21);
  EXPECT_EQ(api.match.host, "api.example.com");  // host names compare case-insensitively
  EXPECT_EQ(api.match.path_prefix, "/api/");
  EXPECT_THAT(api.match.methods, ElementsAre("GET", "POST"));
  EXPECT_EQ(api.match.headers.at("X-Tenant"), "blue");
  EXPECT_EQ(api.pool, "app");
  EXPECT_TRUE(api.strip_prefix);
  EXPECT_FALSE(api.rewrite.has_value());
  EXPECT_FALSE(api.redirect.has_value());
  using Edits = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(api.set_request_headers,
            (Edits{{"X-Zeta", "1"}, {"X-Alpha", "2"}, {"X-Remove-Me", ""}}));
  EXPECT_EQ(api.set_response_headers, (Edits{{"Server", ""}}));
  EXPECT_FALSE(api.preserve_host);
  EXPECT_EQ(api.max_body_size, 10u * 1024 * 1024);

  const RouteConfig& versioned = c.routes[1];
  EXPECT_EQ(versioned.name, "route1");
  EXPECT_EQ(versioned.mark.line, 36);
  EXPECT_EQ(versioned.match.host, "*.example.com");
  EXPECT_EQ(versioned.match.path_regex, "^/v([0-9]+)/(.*)$");
  ASSERT_TRUE(versioned.rewrite.has_value());
  EXPECT_EQ(versioned.rewrite->regex, "^/v([0-9]+)/(.*)$");
  EXPECT_EQ(versioned.rewrite->replacement, "/version/$1/${2}");
  EXPECT_TRUE(versioned.preserve_host);
  EXPECT_FALSE(versioned.max_body_size.has_value());

  const RouteConfig& old = c.routes[2];
  EXPECT_EQ(old.match.path, "/old");
  EXPECT_TRUE(old.pool.empty());
  ASSERT_TRUE(old.redirect.has_value());
  EXPECT_EQ(old.redirect->to, "https://example.com$request_uri");
  EXPECT_EQ(old.redirect->status, 308);

  EXPECT_EQ(c.limits.max_connections, 500u);
  EXPECT_EQ(c.limits.max_connections_per_ip, 20u);
  EXPECT_EQ(c.limits.max_request_line, 4096u);
  EXPECT_EQ(c.limits.max_header_bytes, 16384u);
  EXPECT_EQ(c.limits.max_header_count, 50u);
  EXPECT_EQ(c.limits.max_body_size, 1024u * 1024);
  EXPECT_EQ(c.limits.max_requests_per_connection, 1000u);
  EXPECT_EQ(c.timeouts.client_header_ms, 5'000u);
  EXPECT_EQ(c.timeouts.client_body_ms, 20'000u);
  EXPECT_EQ(c.timeouts.keepalive_ms, 0u);
  EXPECT_EQ(c.timeouts.send_ms, 15'000u);
  EXPECT_EQ(c.timeouts.drain_ms, 10'000u);
  EXPECT_EQ(c.logging.access_log, "logs/access.log");  // relative paths stay as written
  EXPECT_EQ(c.logging.access_log_format, "combined");
  EXPECT_EQ(c.logging.attack_log, "logs/attack.jsonl");
  EXPECT_EQ(c.logging.level, "debug");
  EXPECT_EQ(c.logging.error_log, "logs/error.log");
}

TEST(LoaderTest, MinimalConfigGetsDefaults) {
  const Config c = Load(WithRoute());
  const Config defaults;
  EXPECT_EQ(c.workers, 0u);
  EXPECT_TRUE(c.admin.address.empty());
  EXPECT_TRUE(c.trusted_proxies.empty());
  const RouteConfig& route = c.routes.at(0);
  EXPECT_EQ(route.name, "route0");
  EXPECT_EQ(route.mark.line, 7);
  EXPECT_TRUE(route.preserve_host);
  EXPECT_FALSE(route.strip_prefix);
  EXPECT_TRUE(route.match.host.empty());
  EXPECT_TRUE(route.match.methods.empty());
  EXPECT_EQ(c.limits.max_connections, defaults.limits.max_connections);
  EXPECT_EQ(c.limits.max_body_size, 1ULL << 30);
  EXPECT_EQ(c.limits.max_header_bytes, 32u * 1024);
  EXPECT_EQ(c.timeouts.client_header_ms, 10'000u);
  EXPECT_EQ(c.timeouts.drain_ms, 30'000u);
  EXPECT_TRUE(c.logging.access_log.empty());
  EXPECT_EQ(c.logging.access_log_format, "json");
  EXPECT_EQ(c.logging.level, "info");
  const PoolConfig& app = c.pools.at("app");
  EXPECT_EQ(app.balance, "round_robin");
  EXPECT_EQ(app.read_timeout_ms, 60'000u);
  EXPECT_EQ(app.keepalive_timeout_ms, 60'000u);
}

TEST(LoaderTest, AdminTokenFile) {
  const Config c = Load("admin: {address: 127.0.0.1:9901, token_file: /etc/rampart/admin.token}\n" +
                        WithRoute());
  EXPECT_EQ(c.admin.address, "127.0.0.1:9901");
  EXPECT_EQ(c.admin.token_file, "/etc/rampart/admin.token");
  // Without an admin address the token file is still read (and checked at build time).
  EXPECT_EQ(Load("admin: {token_file: admin.token}\n" + WithRoute()).admin.token_file,
            "admin.token");
  EXPECT_TRUE(Load(WithRoute()).admin.token_file.empty());
}

TEST(LoaderTest, WorkersAuto) { EXPECT_EQ(Load("workers: auto\n" + WithRoute()).workers, 0u); }

TEST(LoaderTest, RedirectStatusDefaultsTo302) {
  const Config c = Load(WithOneRoute("  - redirect: {to: /new}\n"));
  ASSERT_TRUE(c.routes.at(0).redirect.has_value());
  EXPECT_EQ(c.routes[0].redirect->status, 302);
  EXPECT_EQ(c.routes[0].redirect->to, "/new");
}

TEST(LoaderTest, UnreferencedPoolIsFine) {
  const Config c = Load(WithOneRoute("  - redirect: {to: /}\n"));
  EXPECT_EQ(c.pools.count("app"), 1u);
}

TEST(LoaderTest, NullSectionsKeepDefaults) {
  const Config c = Load(WithRoute("limits:\ntimeouts:\nlogging:\n  attack_log:\n"));
  EXPECT_EQ(c.limits.max_header_count, 100u);
  EXPECT_TRUE(c.logging.attack_log.empty());
}

TEST(LoaderTest, EmbeddedDefaultLoads) {
  LoadResult result = LoadString(EmbeddedDefaultYaml(), "<embedded>");
  if (const auto* errors = std::get_if<LoadErrors>(&result)) {
    FAIL() << "embedded default has errors, first: " << errors->errors.at(0);
  }
  const Config& c = std::get<Config>(result);
  EXPECT_EQ(c.source_file, "<embedded>");
  ASSERT_EQ(c.listen.size(), 1u);
  EXPECT_EQ(c.listen[0].address, "127.0.0.1:8080");
  EXPECT_EQ(c.listen[0].mark.file, "<embedded>");
  EXPECT_EQ(c.admin.address, "127.0.0.1:9901");
  ASSERT_EQ(c.pools.count("demo"), 1u);
  EXPECT_EQ(c.pools.at("demo").servers.at(0).address, "127.0.0.1:8081");
  ASSERT_EQ(c.routes.size(), 3u);
  EXPECT_EQ(c.routes[0].match.path, "/old");
  ASSERT_TRUE(c.routes[0].redirect.has_value());
  EXPECT_EQ(c.routes[0].redirect->to, "/");
  EXPECT_EQ(c.routes[0].redirect->status, 301);
  // The cached, compressed demo route, with the WAF before its cache.
  EXPECT_EQ(c.routes[1].match.path_prefix, "/cached/");
  ASSERT_TRUE(c.routes[1].cache.has_value());
  EXPECT_EQ(c.routes[1].cache->ttl_s, 30u);
  EXPECT_TRUE(c.routes[1].cache->cache_status);
  ASSERT_TRUE(c.routes[1].compression.has_value());
  ASSERT_TRUE(c.routes[1].waf.has_value());
  EXPECT_EQ(c.routes[2].match.path_prefix, "/");
  EXPECT_EQ(c.routes[2].pool, "demo");
  using Edits = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(c.routes[2].set_response_headers, (Edits{{"X-Served-By", "rampart"}}));
  ASSERT_TRUE(c.routes[2].waf.has_value());
  EXPECT_EQ(c.routes[2].waf->mode, WafConfig::Mode::kBlock);
  EXPECT_EQ(c.routes[2].waf->profile, WafConfig::Profile::kBalanced);
  EXPECT_EQ(c.routes[2].waf->paranoia, 3u);  // the profile's, trimmed to its precise rules
  EXPECT_TRUE(c.routes[2].waf->paranoia_from_profile);
  ASSERT_TRUE(c.routes[2].signatures.has_value());
  EXPECT_TRUE(c.routes[2].signatures->enabled);
  EXPECT_EQ(c.logging.access_log, "-");
  EXPECT_EQ(c.logging.access_log_format, "json");
  EXPECT_EQ(c.logging.attack_log, "-");
}

TEST(LoaderTest, LoadFileReadsAFile) {
  const std::string path = ::testing::TempDir() + "rampart_loader_test.yaml";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  const std::string yaml = WithRoute("workers: [1]\n");
  std::fwrite(yaml.data(), 1, yaml.size(), f);
  std::fclose(f);
  LoadResult result = LoadFile(path);
  std::remove(path.c_str());
  ASSERT_TRUE(std::holds_alternative<LoadErrors>(result));
  EXPECT_THAT(std::get<LoadErrors>(result).errors,
              ElementsAre(path + ":9: workers: expected auto or a positive integer"));
}

// ---- Errors: one test per message. ----

TEST(LoaderErrorTest, MissingFile) {
  LoadResult result = LoadFile("/nonexistent/rampart.yaml");
  ASSERT_TRUE(std::holds_alternative<LoadErrors>(result));
  EXPECT_THAT(std::get<LoadErrors>(result).errors,
              ElementsAre("/nonexistent/rampart.yaml:0: (file): cannot read: "
                          "No such file or directory"));
}

TEST(LoaderErrorTest, DirectoryIsNotAFile) {
  LoadResult result = LoadFile("/");
  ASSERT_TRUE(std::holds_alternative<LoadErrors>(result));
  EXPECT_THAT(std::get<LoadErrors>(result).errors,
              ElementsAre("/:0: (file): cannot read: Is a directory"));
}

TEST(LoaderErrorTest, YamlSyntaxError) {
  EXPECT_THAT(Errors("listen:\n  - address: 127.0.0.1:80\nroutes: [a, b\n"),
              ElementsAre("t.yaml:4: (yaml): end of sequence flow not found"));
  EXPECT_THAT(Errors("a: 1\n  b: 2\n"), ElementsAre("t.yaml:2: (yaml): illegal map value"));
}

// yaml-cpp 0.7 loops forever, allocating, on a document that starts with a stray ','
// (jbeder/yaml-cpp#1040); the loader must report it instead.
TEST(LoaderErrorTest, StrayCommaIsASyntaxErrorNotAHang) {
  EXPECT_THAT(Errors(",workers: 4\n"), ElementsAre("t.yaml:1: (yaml): unexpected ','"));
  EXPECT_THAT(Errors(",\n"), ElementsAre("t.yaml:1: (yaml): unexpected ','"));
}

TEST(LoaderErrorTest, DeepNestingIsASyntaxError) {
  const std::string deep = "listen: " + std::string(5000, '[') + std::string(5000, ']') + "\n";
  EXPECT_THAT(Errors(deep), ElementsAre("t.yaml:1: (yaml): nested too deeply"));
}

TEST(LoaderErrorTest, MoreThanOneDocument) {
  EXPECT_THAT(Errors(WithRoute("---\nworkers: 2\n")),
              ElementsAre("t.yaml:9: (yaml): expected a single document"));
}

TEST(LoaderErrorTest, RootMustBeAMap) {
  EXPECT_THAT(Errors("- a\n- b\n"), ElementsAre("t.yaml:1: (root): expected a map"));
}

TEST(LoaderErrorTest, EmptyDocumentNeedsListenersAndRoutes) {
  EXPECT_THAT(Errors(""), ElementsAre("t.yaml:1: listen: at least one listener is required",
                                      "t.yaml:1: routes: at least one route is required"));
}

TEST(LoaderErrorTest, UnknownKey) {
  EXPECT_THAT(Errors(WithRoute("    strip_prefx: true\n")),
              ElementsAre("t.yaml:9: routes[0].strip_prefx: unknown key"));
  EXPECT_THAT(Errors("colour: blue\n" + WithRoute()), ElementsAre("t.yaml:1: colour: unknown key"));
}

TEST(LoaderErrorTest, DuplicateKey) {
  EXPECT_THAT(Errors(WithRoute("    pool: other\n")),
              ElementsAre("t.yaml:9: routes[0].pool: duplicate key"));
}

TEST(LoaderErrorTest, ExpectedAMap) {
  EXPECT_THAT(Errors(WithRoute("limits: [1]\n")), ElementsAre("t.yaml:9: limits: expected a map"));
  EXPECT_THAT(Errors(WithOneRoute("  - pool: app\n    match: /api\n")),
              ElementsAre("t.yaml:8: routes[0].match: expected a map"));
}

TEST(LoaderErrorTest, ExpectedAList) {
  EXPECT_THAT(Errors(WithRoute("trusted_proxies: 10.0.0.0/8\n")),
              ElementsAre("t.yaml:9: trusted_proxies: expected a list"));
  EXPECT_THAT(Errors(WithOneRoute("  - pool: app\n    match: {methods: GET}\n")),
              ElementsAre("t.yaml:8: routes[0].match.methods: expected a list"));
}

TEST(LoaderErrorTest, ExpectedAString) {
  EXPECT_THAT(Errors(WithOneRoute("  - pool: [app]\n")),
              ElementsAre("t.yaml:7: routes[0].pool: expected a string"));
  EXPECT_THAT(Errors(WithRoute("    name:\n")),
              ElementsAre("t.yaml:9: routes[0].name: expected a string"));
}

TEST(LoaderErrorTest, ExpectedAnInteger) {
  EXPECT_THAT(Errors(WithRoute("limits: {max_header_count: lots}\n")),
              ElementsAre("t.yaml:9: limits.max_header_count: expected an integer"));
  // Quoting makes a YAML string, not a number.
  EXPECT_THAT(Errors(WithRoute("limits: {max_header_count: \"50\"}\n")),
              ElementsAre("t.yaml:9: limits.max_header_count: expected an integer"));
  EXPECT_THAT(Errors(WithRoute("limits: {max_header_count: 1.5}\n")),
              ElementsAre("t.yaml:9: limits.max_header_count: expected an integer"));
}

// A weight the balancer would silently ignore is refused; max_connections works with any.
TEST(LoaderErrorTest, WeightNeedsAWeightedBalancer) {
  EXPECT_THAT(Errors(std::string(kHead) + "        weight: 2\n        max_connections: 10\n" +
                     "routes: [{pool: app}]\n"),
              ElementsAre("t.yaml:6: pools.app.servers[0].weight: round_robin ignores weights; "
                          "use weighted_round_robin"));
}

TEST(LoaderErrorTest, IntegerOutOfRange) {
  EXPECT_THAT(Errors(std::string(kHead) + "        weight: 0\n    retries: 11\n" +
                     "routes: [{pool: app}]\nlimits: {max_connections: 99999999999999999999}\n"),
              ElementsAre("t.yaml:6: pools.app.servers[0].weight: must be between 1 and 1000",
                          "t.yaml:7: pools.app.retries: must be between 0 and 10",
                          "t.yaml:9: limits.max_connections: must be between 1 and 4294967295"));
  EXPECT_THAT(Errors("workers: 0\n" + WithRoute()),
              ElementsAre("t.yaml:1: workers: must be between 1 and 1024"));
}

TEST(LoaderErrorTest, ExpectedTrueOrFalse) {
  EXPECT_THAT(Errors(WithRoute("    preserve_host: yes\n")),
              ElementsAre("t.yaml:9: routes[0].preserve_host: expected true or false"));
  EXPECT_THAT(Errors(WithRoute("    preserve_host: \"false\"\n")),
              ElementsAre("t.yaml:9: routes[0].preserve_host: expected true or false"));
}

TEST(LoaderErrorTest, BadDuration) {
  EXPECT_THAT(Errors(WithRoute("timeouts: {send: 5}\n")),
              ElementsAre("t.yaml:9: timeouts.send: expected a duration such as 500ms, 5s, 10m"));
  EXPECT_THAT(Errors(WithRoute("timeouts: {send: 5 s}\n")),
              ElementsAre("t.yaml:9: timeouts.send: expected a duration such as 500ms, 5s, 10m"));
  EXPECT_THAT(Errors(WithRoute("timeouts: {client_header: 0s}\n")),
              ElementsAre("t.yaml:9: timeouts.client_header: must be at least 1ms"));
}

TEST(LoaderErrorTest, BadSize) {
  EXPECT_THAT(Errors(WithRoute("    max_body_size: 10 megabytes\n")),
              ElementsAre("t.yaml:9: routes[0].max_body_size: expected a size such as 512, "
                          "64KiB, 1MiB"));
  EXPECT_THAT(Errors(WithRoute("limits: {max_header_bytes: 99999999999GiB}\n")),
              ElementsAre("t.yaml:9: limits.max_header_bytes: expected a size such as 512, "
                          "64KiB, 1MiB"));
}

TEST(LoaderErrorTest, WorkersNotAutoOrNumber) {
  EXPECT_THAT(Errors("workers: many\n" + WithRoute()),
              ElementsAre("t.yaml:1: workers: expected auto or a positive integer"));
}

TEST(LoaderErrorTest, AddressNeedsHostAndPort) {
  EXPECT_THAT(Errors("listen: [{address: \"127.0.0.1\"}]\n" + RestAfterListen()),
              ElementsAre("t.yaml:1: listen[0].address: expected host:port"));
  EXPECT_THAT(Errors(std::string(kHead) + "      - address: app\n" + "routes: [{pool: app}]\n"),
              ElementsAre("t.yaml:6: pools.app.servers[1].address: expected host:port"));
}

TEST(LoaderErrorTest, AddressProblems) {
  const std::string tail = "routes: [{pool: app}]\n";
  auto server = [&](const std::string& address) {
    return Errors(std::string(kHead) + "      - address: \"" + address + "\"\n" + tail);
  };
  const std::string at = "t.yaml:6: pools.app.servers[1].address: ";
  EXPECT_THAT(server("127.0.0.1:0"), ElementsAre(at + "port must be between 1 and 65535"));
  EXPECT_THAT(server("127.0.0.1:65536"), ElementsAre(at + "port must be between 1 and 65535"));
  EXPECT_THAT(server("127.0.0.1:http"), ElementsAre(at + "port must be between 1 and 65535"));
  EXPECT_THAT(server("127.0.0.1:"), ElementsAre(at + "expected host:port"));
  EXPECT_THAT(server(":80"), ElementsAre(at + "expected host:port"));
  EXPECT_THAT(server("300.1.1.1:80"), ElementsAre(at + "invalid IPv4 address"));
  EXPECT_THAT(server("::1:80"),
              ElementsAre(at + "an IPv6 address needs brackets, e.g. [::1]:8080"));
  EXPECT_THAT(server("[::g]:80"), ElementsAre(at + "invalid IPv6 address"));
  EXPECT_THAT(server("[::1]80"), ElementsAre(at + "expected host:port"));
  EXPECT_THAT(server("bad_host-.example:80"), ElementsAre(at + "invalid host name"));
  EXPECT_THAT(server("127.0.0.1:9000"),
              ElementsAre(at + "duplicate server address 127.0.0.1:9000 (also at line 5)"));
}

TEST(LoaderErrorTest, ListenAndAdminConflicts) {
  EXPECT_THAT(Errors("listen: [{address: 127.0.0.1:80}, {address: 127.0.0.1:80}]\n"
                     "admin: {address: 127.0.0.1:80}\n" +
                     RestAfterListen()),
              ElementsAre("t.yaml:1: listen[1].address: already used by listen[0]",
                          "t.yaml:2: admin.address: already used by listen[0]"));
}

TEST(LoaderErrorTest, AdminTokenFileProblems) {
  EXPECT_THAT(Errors("admin: {token_file: \"\"}\n" + WithRoute()),
              ElementsAre("t.yaml:1: admin.token_file: must not be empty"));
  EXPECT_THAT(Errors("admin: {token_file: [a]}\n" + WithRoute()),
              ElementsAre("t.yaml:1: admin.token_file: expected a string"));
  EXPECT_THAT(Errors("admin: {token_file: \"a\\nb\"}\n" + WithRoute()),
              ElementsAre("t.yaml:1: admin.token_file: must not contain CR, LF or NUL"));
  EXPECT_THAT(Errors("admin: {token: abc}\n" + WithRoute()),
              ElementsAre("t.yaml:1: admin.token: unknown key"));
}

TEST(LoaderErrorTest, ListenRequired) {
  EXPECT_THAT(Errors(RestAfterListen()),
              ElementsAre("t.yaml:1: listen: at least one listener is required"));
  EXPECT_THAT(Errors("listen: []\n" + RestAfterListen()),
              ElementsAre("t.yaml:1: listen: at least one listener is required"));
  EXPECT_THAT(Errors("listen: [{}]\n" + RestAfterListen()),
              ElementsAre("t.yaml:1: listen[0].address: required"));
}

TEST(LoaderErrorTest, TrustedProxyNotACidr) {
  EXPECT_THAT(Errors(WithRoute("trusted_proxies: [10.0.0.0/33, ::1/129, 10.0.0.0/8, lan]\n")),
              ElementsAre("t.yaml:9: trusted_proxies[0]: expected an IP address or CIDR such as "
                          "10.0.0.0/8",
                          "t.yaml:9: trusted_proxies[1]: expected an IP address or CIDR such as "
                          "10.0.0.0/8",
                          "t.yaml:9: trusted_proxies[3]: expected an IP address or CIDR such as "
                          "10.0.0.0/8"));
}

TEST(LoaderErrorTest, UnknownBalancer) {
  EXPECT_THAT(Errors(std::string(kHead) + "    balance: random\nroutes: [{pool: app}]\n"),
              ElementsAre("t.yaml:6: pools.app.balance: expected one of: round_robin, "
                          "weighted_round_robin, least_conn, ip_hash, consistent_hash, p2c"));
}

TEST(LoaderErrorTest, PoolNeedsServers) {
  EXPECT_THAT(Errors("listen: [{address: 127.0.0.1:80}]\npools:\n  app: {}\n  web:\n"
                     "    servers: []\nroutes: [{pool: app}]\n"),
              ElementsAre("t.yaml:3: pools.app.servers: at least one server is required",
                          "t.yaml:5: pools.web.servers: at least one server is required"));
}

TEST(LoaderErrorTest, RoutesRequired) {
  EXPECT_THAT(Errors(kHead), ElementsAre("t.yaml:1: routes: at least one route is required"));
  EXPECT_THAT(Errors(std::string(kHead) + "routes: []\n"),
              ElementsAre("t.yaml:6: routes: at least one route is required"));
}

TEST(LoaderErrorTest, InvalidRegex) {
  EXPECT_THAT(Errors(WithOneRoute("  - pool: app\n    match: {path_regex: \"^/(api\"}\n")),
              ElementsAre("t.yaml:8: routes[0].match.path_regex: invalid regex: missing closing "
                          "parenthesis at offset 6"));
  EXPECT_THAT(
      Errors(WithOneRoute("  - pool: app\n    rewrite: {regex: \"[a-\", replacement: /}\n")),
      ElementsAre("t.yaml:8: routes[0].rewrite.regex: invalid regex: missing terminating "
                  "] for character class at offset 3"));
}

TEST(LoaderErrorTest, RewriteReplacementNamesAMissingGroup) {
  EXPECT_THAT(
      Errors(WithOneRoute("  - pool: app\n    rewrite: {regex: \"^/(a)\", replacement: /$2}\n")),
      ElementsAre("t.yaml:8: routes[0].rewrite.replacement: replacement refers to $2 but the "
                  "regex has 1 capture group"));
  EXPECT_THAT(Errors(WithOneRoute("  - pool: app\n    rewrite: {regex: \"^/a\"}\n")),
              ElementsAre("t.yaml:8: routes[0].rewrite.replacement: required"));
}

TEST(LoaderErrorTest, UnknownPool) {
  EXPECT_THAT(Errors(WithOneRoute("  - match: {path: /x}\n    pool: ap\n")),
              ElementsAre("t.yaml:8: routes[0].pool: unknown pool 'ap'"));
}

TEST(LoaderErrorTest, RouteNeedsExactlyOneOfPoolSplitOrRedirect) {
  EXPECT_THAT(
      Errors(WithOneRoute("  - match: {path: /x}\n")),
      ElementsAre("t.yaml:7: routes[0]: needs exactly one of pool, split, redirect or static"));
  EXPECT_THAT(Errors(WithOneRoute("  - pool: app\n    redirect: {to: /}\n")),
              ElementsAre("t.yaml:7: routes[0]: has both pool and redirect; a route needs "
                          "exactly one of pool, split, redirect or static"));
}

TEST(LoaderErrorTest, PathsMustStartWithSlash) {
  EXPECT_THAT(Errors(WithOneRoute("  - pool: app\n    match: {path_prefix: api/, path: x}\n")),
              ElementsAre("t.yaml:8: routes[0].match.path_prefix: must start with '/'",
                          "t.yaml:8: routes[0].match.path: must start with '/'"));
  EXPECT_THAT(Errors(WithOneRoute("  - pool: app\n    match: {path: \"/a b\"}\n")),
              ElementsAre("t.yaml:8: routes[0].match.path: must not contain spaces or control "
                          "characters"));
}

TEST(LoaderErrorTest, BadHostPattern) {
  for (const char* host : {"ex ample.com", "*example.com", "a.*.com", "-a.com", "1.2.3.999"}) {
    EXPECT_THAT(
        Errors(WithOneRoute(std::string("  - pool: app\n    match: {host: \"") + host + "\"}\n")),
        ElementsAre("t.yaml:8: routes[0].match.host: expected a host name such as "
                    "example.com or *.example.com"))
        << host;
  }
}

TEST(LoaderErrorTest, MethodsMustBeUpperCaseTokens) {
  EXPECT_THAT(Errors(WithOneRoute("  - pool: app\n    match: {methods: [GET, post, \"GE T\"]}\n")),
              ElementsAre("t.yaml:8: routes[0].match.methods[1]: expected an upper-case method "
                          "such as GET",
                          "t.yaml:8: routes[0].match.methods[2]: expected an upper-case method "
                          "such as GET"));
  EXPECT_THAT(Errors(WithOneRoute("  - pool: app\n    match: {methods: []}\n")),
              ElementsAre("t.yaml:8: routes[0].match.methods: expected at least one method"));
}

TEST(LoaderErrorTest, HeaderNamesAndValues) {
  EXPECT_THAT(
      Errors(WithRoute("    set_request_headers:\n"
                       "      \"Bad Name\": x\n"
                       "      X-A: \"a\\r\\nInjected: 1\"\n"
                       "      x-b: \"1\"\n"
                       "      X-B: \"2\"\n"
                       "      Transfer-Encoding: chunked\n"
                       "      X-C: [1]\n")),
      ElementsAre("t.yaml:10: routes[0].set_request_headers.Bad Name: invalid header name",
                  "t.yaml:11: routes[0].set_request_headers.X-A: must not contain CR, LF or NUL",
                  "t.yaml:13: routes[0].set_request_headers.X-B: duplicate header",
                  "t.yaml:14: routes[0].set_request_headers.Transfer-Encoding: a hop-by-hop or "
                  "framing header cannot be set",
                  "t.yaml:15: routes[0].set_request_headers.X-C: expected a string"));
  EXPECT_THAT(Errors(WithRoute("    set_response_headers: [X-A]\n")),
              ElementsAre("t.yaml:9: routes[0].set_response_headers: expected a map"));
  EXPECT_THAT(Errors(WithOneRoute("  - pool: app\n    match: {headers: {X-A: \"\\0\"}}\n")),
              ElementsAre("t.yaml:8: routes[0].match.headers.X-A: must not contain CR, LF or NUL"));
}

TEST(LoaderErrorTest, StripPrefixNeedsPathPrefix) {
  EXPECT_THAT(Errors(WithOneRoute("  - pool: app\n    strip_prefix: true\n")),
              ElementsAre("t.yaml:8: routes[0].strip_prefix: requires match.path_prefix"));
  EXPECT_THAT(
      Errors(WithRoute("    strip_prefix: true\n    rewrite: {regex: a, replacement: /}\n")),
      ElementsAre("t.yaml:10: routes[0].rewrite: cannot be combined with strip_prefix"));
}

TEST(LoaderErrorTest, RedirectProblems) {
  EXPECT_THAT(Errors(WithOneRoute("  - redirect: {to: /, status: 200}\n")),
              ElementsAre("t.yaml:7: routes[0].redirect.status: expected one of 301, 302, 303, "
                          "307, 308"));
  EXPECT_THAT(Errors(WithOneRoute("  - redirect: {to: /, status: \"301\"}\n")),
              ElementsAre("t.yaml:7: routes[0].redirect.status: expected one of 301, 302, 303, "
                          "307, 308"));
  EXPECT_THAT(Errors(WithOneRoute("  - redirect: {status: 301}\n")),
              ElementsAre("t.yaml:7: routes[0].redirect.to: required"));
  EXPECT_THAT(Errors(WithOneRoute("  - redirect: {to: \"/a\\r\\nSet-Cookie: x\"}\n")),
              ElementsAre("t.yaml:7: routes[0].redirect.to: must not contain spaces or control "
                          "characters"));
}

TEST(LoaderErrorTest, RouteNamesAreUnique) {
  EXPECT_THAT(Errors(WithRoute("  - name: route0\n    pool: app\n")),
              ElementsAre("t.yaml:9: routes[1]: duplicate route name 'route0' (also at line 7)"));
  EXPECT_THAT(Errors(WithOneRoute("  - {name: \"\", pool: app}\n")),
              ElementsAre("t.yaml:7: routes[0].name: must not be empty"));
}

TEST(LoaderErrorTest, LoggingChoices) {
  EXPECT_THAT(Errors(WithRoute("logging: {access_log_format: xml, level: verbose}\n")),
              ElementsAre("t.yaml:9: logging.access_log_format: expected one of: json, combined",
                          "t.yaml:9: logging.level: expected one of: trace, debug, info, warn, "
                          "error, critical, off"));
}

TEST(LoaderErrorTest, EveryErrorIsReportedInFileOrder) {
  // Pools are read before routes (routes name pools), so here the pool errors are found before
  // the route errors above them; the report is still in line order.
  const std::string yaml =
      "workers: none\n"                         // 1
      "listen:\n"                               // 2
      "  - address: 127.0.0.1\n"                // 3
      "routes:\n"                               // 4
      "  - match: {path_regex: \"(\"}\n"        // 5
      "    pool: missing\n"                     // 6
      "    rate_limit: {rate: 10}\n"            // 7
      "pools:\n"                                // 8
      "  app:\n"                                // 9
      "    servers: [{address: x:99999}]\n"     // 10
      "    connect_timeout: soon\n"             // 11
      "limits: {max_body_size: huge}\n"         // 12
      "logging: {level: loud, colour: red}\n";  // 13
  EXPECT_THAT(
      Errors(yaml),
      ElementsAre(
          "t.yaml:1: workers: expected auto or a positive integer",
          "t.yaml:3: listen[0].address: expected host:port",
          "t.yaml:5: routes[0].match.path_regex: invalid regex: missing closing "
          "parenthesis at offset 1",
          "t.yaml:6: routes[0].pool: unknown pool 'missing'",
          "t.yaml:7: routes[0].rate_limit.rate: expected a rate such as 100/s, 600/m, 10/h or "
          "5/10s",
          "t.yaml:10: pools.app.servers[0].address: port must be between 1 and 65535",
          "t.yaml:11: pools.app.connect_timeout: expected a duration such as 500ms, 5s, "
          "10m",
          "t.yaml:12: limits.max_body_size: expected a size such as 512, 64KiB, 1MiB",
          "t.yaml:13: logging.colour: unknown key",
          "t.yaml:13: logging.level: expected one of: trace, debug, info, warn, error, "
          "critical, off"));
}

}  // namespace
}  // namespace rampart::config
