// IP reputation in the real binary: deny lists (inline and FireHOL / Spamhaus DROP style files,
// IPv4 and IPv6), the allow list's precedence over the deny list, bans, signatures and the WAF,
// list files re-read when they change on disk (and a broken one refused, the old lists kept),
// `rampart check` naming a bad list line; dynamic bans after N blocked requests on one route
// holding on every route, and the admin API that lists, adds and removes bans.
// Clients are told apart by X-Forwarded-For from 127.0.0.1, a trusted proxy here.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/acl_helpers.h"
#include "support/attack_records.h"
#include "support/log_file.h"
#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

constexpr char kEvilAgent[] = "evil-scanner/1.0";
constexpr char kSqliTarget[] = "/?id=1%27%20OR%201%3D1--";

// The first rule of an attack-log record: its `field` as a string.
std::optional<std::string> FirstRule(const JsonValue& record, std::string_view field) {
  const JsonValue* rules = record.Find("rules");
  if (rules == nullptr || !rules->is_array() || rules->array.empty()) return std::nullopt;
  return rules->array.front().StringAt(field);
}

// Replaces `path` by renaming a new file over it, as list updaters do.
void ReplaceFile(const std::string& path, const std::string& text) {
  WriteFile(path + ".new", text);
  std::filesystem::rename(path + ".new", path);
}

class IpReputationTest : public ProxyTest {
 protected:
  std::string AttackLogPath() const { return rampart_.dir() + "/attack.log"; }
  std::string TokenPath() const { return rampart_.dir() + "/admin.token"; }
  std::string PackDir() const { return rampart_.dir() + "/packs"; }
  std::string ListPath(const std::string& name) const { return rampart_.dir() + "/" + name; }

  // The config: `reputation` as the ip_reputation section, 127.0.0.1 trusted, list files
  // watched every 200 ms, the admin API with a token, the test signature pack available.
  ConfigOptions Options(const std::string& reputation) {
    std::filesystem::create_directories(PackDir());
    WriteFile(PackDir() + "/test.yaml", kBlockingTestPack);
    ConfigOptions options;
    options.backend_ports = {origin_.port()};
    options.admin_token_file = TokenPath();
    options.extra = "  attack_log: " + AttackLogPath() + "\n" +  // continues logging:
                    "trusted_proxies: [127.0.0.1/32]\n" + "watch_interval: 200ms\n" +
                    "signatures: {dir: " + PackDir() + "}\n";
    if (!reputation.empty()) options.extra += "ip_reputation: " + reputation + "\n";
    return options;
  }

  void Start(const ConfigOptions& options) {
    ASSERT_NO_FATAL_FAILURE(WriteAdminTokenFile(TokenPath()));
    ASSERT_NO_FATAL_FAILURE(StartRampart(options));
  }

  // GET `target` as `client`; the status, or 0 without an answer.
  int StatusAs(const std::string& client, const std::string& target = "/",
               HeaderList headers = {}) {
    auto r = GetAs(port(), client, target, std::move(headers));
    return r ? r->status : 0;
  }

  std::optional<HttpResponse> Api(std::string_view method, std::string_view target,
                                  std::string_view token = kAclAdminToken) {
    return AdminCall(rampart_.admin_port(), method, target, token);
  }

  // The addresses GET /api/bans lists.
  std::set<std::string> BannedIps() {
    std::set<std::string> ips;
    auto r = Api("GET", "/api/bans");
    if (!r || r->status != 200) return {"<GET /api/bans failed>"};
    auto json = ParseJson(r->body);
    const JsonValue* bans = json ? json->Find("bans") : nullptr;
    if (bans == nullptr || !bans->is_array()) return {"<not a ban list: " + r->body + ">"};
    for (const JsonValue& ban : bans->array) ips.insert(ban.StringAt("ip").value_or("?"));
    return ips;
  }

  // The origin's requests, by the X-Real-IP rampart gave them.
  std::multiset<std::string> ClientsAtOrigin() {
    std::multiset<std::string> out;
    for (const RecordedRequest& r : origin_.Requests())
      out.insert(r.Header("X-Real-IP").value_or("?"));
    return out;
  }
};

// --- Lists --------------------------------------------------------------------------------------

TEST_F(IpReputationTest, DenyListRefusesInlineAndFileEntriesForIpv4AndIpv6) {
  WriteFile(ListPath("deny.netset"),
            "#\n# FireHOL style: a comment block, then one network a line\n#\n"
            "198.51.100.0/25\n"
            "\n"
            "; Spamhaus DROP style, with the SBL reference after a semicolon\n"
            "192.0.2.128/26 ; SBL123456\n"
            "2001:db8:ffff::1\n");
  ASSERT_NO_FATAL_FAILURE(
      Start(Options("{deny: [203.0.113.0/24, \"2001:db8:bad::/48\"], "
                    "deny_files: [" +
                    ListPath("deny.netset") + "]}")));
  const std::vector<std::pair<std::string, int>> cases = {
      {"203.0.113.9", 403},      {"198.51.100.5", 403},     {"198.51.100.200", 200},
      {"192.0.2.130", 403},      {"192.0.2.1", 200},        {"2001:db8:bad::1", 403},
      {"2001:db8:ffff::1", 403}, {"2001:db8:ffff::2", 200}, {"::ffff:203.0.113.9", 403},
  };
  std::multiset<std::string> allowed;
  std::multiset<std::string> blocked;
  for (const auto& [client, status] : cases) {
    EXPECT_EQ(StatusAs(client), status) << client;
    (status == 200 ? allowed : blocked).insert(client);
  }
  EXPECT_EQ(ClientsAtOrigin(), allowed);

  std::multiset<std::string> recorded;
  for (const JsonValue& record : JsonLines(AttackLogPath(), blocked.size(), kDefaultTimeout)) {
    EXPECT_EQ(record.StringAt("source"), "ip_reputation");
    EXPECT_EQ(record.StringAt("action"), "blocked");
    EXPECT_TRUE(RecordHasRule(record, "deny_list"));
    recorded.insert(record.StringAt("client_ip").value_or("?"));
  }
  EXPECT_EQ(recorded, blocked);

  const std::string metrics = Metrics();
  // 203.0.113.0/24, 198.51.100.0/25, 192.0.2.128/26, 2001:db8:bad::/48, 2001:db8:ffff::1.
  EXPECT_EQ(MetricValue(metrics, "rampart_ip_list_ranges", {{"list", "deny"}}), 5);
  EXPECT_EQ(MetricValue(metrics, "rampart_ip_list_ranges", {{"list", "allow"}}), 0);
  EXPECT_EQ(MetricSum(metrics, "rampart_attack_records_total",
                      {{"action", "blocked"}, {"source", "ip_reputation"}}),
            static_cast<double>(blocked.size()));
}

TEST_F(IpReputationTest, AllowListWinsOverTheDenyList) {
  WriteFile(ListPath("allow.txt"), "# partners\n2001:db8:bad::7\n");
  ASSERT_NO_FATAL_FAILURE(
      Start(Options("{allow: [203.0.113.7], allow_files: [" + ListPath("allow.txt") +
                    "], deny: [203.0.113.0/24, \"2001:db8:bad::/48\"]}")));
  EXPECT_EQ(StatusAs("203.0.113.7"), 200);
  EXPECT_EQ(StatusAs("203.0.113.8"), 403);
  EXPECT_EQ(StatusAs("2001:db8:bad::7"), 200);
  EXPECT_EQ(StatusAs("2001:db8:bad::8"), 403);
  EXPECT_EQ(ClientsAtOrigin(), (std::multiset<std::string>{"203.0.113.7", "2001:db8:bad::7"}));
  EXPECT_EQ(MetricValue(Metrics(), "rampart_ip_list_ranges", {{"list", "allow"}}), 2);
}

TEST_F(IpReputationTest, AllowListWinsOverSignaturesAndBans) {
  ConfigOptions options = Options("{allow: [198.51.100.7]}");
  options.route_lines = {"signatures: {}", "bans: {threshold: 2, window: 1m, duration: 10m}"};
  ASSERT_NO_FATAL_FAILURE(Start(options));

  // The allow-listed client is not inspected: its scanner requests pass, and never ban it.
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(
        StatusAs("198.51.100.7", "/allowed-" + std::to_string(i), {{"User-Agent", kEvilAgent}}),
        200);
  }
  // Another client is blocked by the signature.
  EXPECT_EQ(StatusAs("198.51.100.8", "/other", {{"User-Agent", kEvilAgent}}), 403);
  // A ban by hand does not hold against the allow list either.
  auto put = Api("PUT", "/api/bans/198.51.100.7");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 200) << put->body;
  EXPECT_EQ(StatusAs("198.51.100.7", "/after-ban"), 200);

  EXPECT_EQ(ClientsAtOrigin(),
            (std::multiset<std::string>{"198.51.100.7", "198.51.100.7", "198.51.100.7",
                                        "198.51.100.7", "198.51.100.7"}));
  const std::vector<JsonValue> records = JsonLines(AttackLogPath(), 1, kDefaultTimeout);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].StringAt("client_ip"), "198.51.100.8");
  EXPECT_EQ(records[0].StringAt("source"), "signatures");
  // Only the manual ban is listed: no dynamic one.
  EXPECT_EQ(BannedIps(), (std::set<std::string>{"198.51.100.7"}));
}

TEST_F(IpReputationTest, AllowListWinsOverTheWaf) {
  REQUIRE_CRS();
  ConfigOptions options = Options("{allow: [198.51.100.7]}");
  options.route_lines = {"waf: {mode: block}"};
  ASSERT_NO_FATAL_FAILURE(Start(options));
  EXPECT_EQ(StatusAs("198.51.100.8", kSqliTarget), 403);
  EXPECT_EQ(StatusAs("198.51.100.7", kSqliTarget), 200);
  EXPECT_EQ(ClientsAtOrigin(), (std::multiset<std::string>{"198.51.100.7"}));
  const std::vector<JsonValue> records = JsonLines(AttackLogPath(), 1, kDefaultTimeout);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].StringAt("client_ip"), "198.51.100.8");
  EXPECT_EQ(records[0].StringAt("source"), "waf");
}

TEST_F(IpReputationTest, ListFileChangedOnDiskIsAppliedWithoutASignal) {
  const std::string list = ListPath("deny.txt");
  WriteFile(list, "203.0.113.1\n");
  ASSERT_NO_FATAL_FAILURE(Start(Options("{deny_files: [" + list + "]}")));
  const pid_t pid = rampart_.pid();
  EXPECT_EQ(StatusAs("203.0.113.1"), 403);
  EXPECT_EQ(StatusAs("203.0.113.2"), 200);

  size_t from = rampart_.LineCount();
  ReplaceFile(list, "203.0.113.1\n203.0.113.2\n");
  EXPECT_TRUE(Eventually([&] { return StatusAs("203.0.113.2") == 403; }))
      << "the changed list was not applied\n"
      << rampart_.Log();
  EXPECT_TRUE(rampart_.WaitForLine("reload: " + list + " changed", kDefaultTimeout, from));

  // Rewritten in place (not renamed) works too; the entry is gone again.
  from = rampart_.LineCount();
  WriteFile(list, "203.0.113.1\n");
  EXPECT_TRUE(Eventually([&] { return StatusAs("203.0.113.2") == 200; }))
      << "the rewritten list was not applied\n"
      << rampart_.Log();
  EXPECT_EQ(StatusAs("203.0.113.1"), 403);
  EXPECT_EQ(rampart_.pid(), pid);
  EXPECT_TRUE(rampart_.running());
}

TEST_F(IpReputationTest, BrokenListFileKeepsTheOldListsUntilItIsFixed) {
  const std::string list = ListPath("deny.txt");
  WriteFile(list, "203.0.113.1\n");
  ASSERT_NO_FATAL_FAILURE(Start(Options("{deny_files: [" + list + "]}")));
  EXPECT_EQ(StatusAs("203.0.113.1"), 403);

  size_t from = rampart_.LineCount();
  ReplaceFile(list, "# line 1\n203.0.113.2\n203.0.113.300\n");
  auto refused = rampart_.WaitForLine("reload: refused", kDefaultTimeout, from);
  ASSERT_TRUE(refused) << rampart_.Log();
  EXPECT_TRUE(rampart_.WaitForLine(list + ":3:", Timeout(1'000), from)) << rampart_.Log();
  // The old list holds; nothing of the broken one was applied.
  EXPECT_EQ(StatusAs("203.0.113.1"), 403);
  EXPECT_EQ(StatusAs("203.0.113.2"), 200);
  // A refused file is not retried on every tick: one refusal until it changes again. (Several
  // watch intervals pass here; a wait, not a measurement.)
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  size_t refusals = 0;
  for (const std::string& line : rampart_.Lines()) {
    if (line.find("reload: refused") != std::string::npos) ++refusals;
  }
  EXPECT_EQ(refusals, 1u) << rampart_.Log();

  from = rampart_.LineCount();
  ReplaceFile(list, "# line 1\n203.0.113.2\n");
  EXPECT_TRUE(rampart_.WaitForLine("reload: applied", kDefaultTimeout, from)) << rampart_.Log();
  EXPECT_EQ(StatusAs("203.0.113.2"), 403);
  EXPECT_EQ(StatusAs("203.0.113.1"), 200);
}

TEST_F(IpReputationTest, CheckNamesTheFileAndLineOfABadListEntry) {
  const std::string list = ListPath("deny.txt");
  WriteFile(list, "# comment\n203.0.113.0/24\n198.51.100.0/33\n");
  rampart_.WriteConfig(MakeConfig(rampart_.dir(), Options("{deny_files: [" + list + "]}")));
  CommandResult r = RampartProcess::RunCheck(rampart_.config_path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find(list + ":3:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("198.51.100.0/33"), std::string::npos) << r.err;

  // An inline entry is named by the config file's line.
  const std::string yaml =
      MakeConfig(rampart_.dir(), Options("{deny: [203.0.113.0/24, 2001:db8::/129]}"));
  rampart_.WriteConfig(yaml);
  r = RampartProcess::RunCheck(rampart_.config_path());
  EXPECT_NE(r.exit_code, 0);
  const std::string where =
      rampart_.config_path() + ":" + std::to_string(LineOf(yaml, "ip_reputation:")) + ":";
  EXPECT_NE(r.err.find(where), std::string::npos) << r.err;

  // A missing list file.
  rampart_.WriteConfig(
      MakeConfig(rampart_.dir(), Options("{deny_files: [" + ListPath("missing.txt") + "]}")));
  r = RampartProcess::RunCheck(rampart_.config_path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find(ListPath("missing.txt")), std::string::npos) << r.err;
}

// --- Dynamic bans
// ---------------------------------------------------------------------------------

constexpr char kBanRoutes[] = R"(routes:
  - name: shop
    match:
      path_prefix: /shop
    pool: app
    signatures: {}
    bans: {threshold: 3, window: 1m, duration: 10m}
  - name: main
    match:
      path_prefix: /
    pool: app
)";

TEST_F(IpReputationTest, RepeatedBlocksBanTheClientOnEveryRouteUntilTheBanIsDeleted) {
  ConfigOptions options = Options("");
  options.routes_yaml = kBanRoutes;
  ASSERT_NO_FATAL_FAILURE(Start(options));
  const std::string client = "198.51.100.7";
  const HeaderList evil = {{"User-Agent", kEvilAgent}};

  EXPECT_EQ(StatusAs(client, "/shop/1", evil), 403);
  EXPECT_EQ(StatusAs(client, "/shop/2", evil), 403);
  // Two blocks: below the threshold, the client still gets through.
  EXPECT_EQ(StatusAs(client, "/before-ban"), 200);
  EXPECT_EQ(BannedIps(), std::set<std::string>{});
  EXPECT_EQ(StatusAs(client, "/shop/3", evil), 403);
  ASSERT_TRUE(Eventually([&] { return BannedIps() == std::set<std::string>{client}; }))
      << "no ban after 3 blocks\n"
      << rampart_.Log();

  // Banned everywhere: on the other route, and for clean requests.
  EXPECT_EQ(StatusAs(client, "/after-ban"), 403);
  EXPECT_EQ(StatusAs(client, "/shop/clean"), 403);
  // Other clients are not affected.
  EXPECT_EQ(StatusAs("198.51.100.8", "/bystander"), 200);

  auto list = Api("GET", "/api/bans");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->Header("Content-Type"), "application/json");
  auto json = ParseJson(list->body);
  ASSERT_TRUE(json) << list->body;
  const JsonValue* bans = json->Find("bans");
  ASSERT_TRUE(bans != nullptr && bans->is_array() && bans->array.size() == 1) << list->body;
  const JsonValue& ban = bans->array[0];
  EXPECT_EQ(ban.StringAt("ip"), client);
  EXPECT_NE(ban.StringAt("reason").value_or("").find("3 blocked or challenged requests"),
            std::string::npos)
      << list->body;
  EXPECT_NE(ban.StringAt("reason").value_or("").find("shop"), std::string::npos) << list->body;
  const double expires_in = ban.NumberAt("expires_in").value_or(-1);
  EXPECT_GT(expires_in, 500) << list->body;
  EXPECT_LE(expires_in, 600) << list->body;
  EXPECT_EQ(MetricValue(Metrics(), "rampart_bans"), 1);

  // The ban's refusals are in the attack log with rule "ban".
  size_t ban_records = 0;
  for (const JsonValue& record : JsonLines(AttackLogPath(), 5, kDefaultTimeout)) {
    if (!RecordHasRule(record, "ban")) continue;
    ++ban_records;
    EXPECT_EQ(record.StringAt("client_ip"), client);
    EXPECT_EQ(record.StringAt("source"), "ip_reputation");
    EXPECT_EQ(record.StringAt("action"), "blocked");
  }
  EXPECT_EQ(ban_records, 2u);

  auto removed = Api("DELETE", "/api/bans/" + client);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->status, 200) << removed->body;
  EXPECT_NE(removed->body.find("\"was_banned_here\":true"), std::string::npos) << removed->body;
  EXPECT_EQ(StatusAs(client, "/after-delete"), 200);
  EXPECT_EQ(BannedIps(), std::set<std::string>{});
  EXPECT_EQ(MetricValue(Metrics(), "rampart_bans"), 0);
  // Deleting again is harmless (with shared state a ban may exist elsewhere): 200, and it says
  // this node knew of none.
  auto again = Api("DELETE", "/api/bans/" + client);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200) << again->body;
  EXPECT_NE(again->body.find("\"was_banned_here\":false"), std::string::npos) << again->body;

  // What reached the origin: the clean requests outside the ban.
  std::set<std::string> targets;
  for (const RecordedRequest& r : origin_.Requests()) targets.insert(r.target);
  EXPECT_EQ(targets, (std::set<std::string>{"/before-ban", "/bystander", "/after-delete"}));
}

TEST_F(IpReputationTest, RateLimitedRequestsDoNotCountTowardsABan) {
  ConfigOptions options = Options("");
  options.route_lines = {"rate_limit: {rate: 1/h, burst: 1}",
                         "bans: {threshold: 2, window: 1m, duration: 10m}"};
  ASSERT_NO_FATAL_FAILURE(Start(options));
  EXPECT_EQ(StatusAs("198.51.100.7"), 200);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(StatusAs("198.51.100.7"), 429) << i;
  // Still limited, not banned.
  EXPECT_EQ(StatusAs("198.51.100.7"), 429);
  EXPECT_EQ(BannedIps(), std::set<std::string>{});
  for (const JsonValue& record : JsonLines(AttackLogPath(), 6, kDefaultTimeout)) {
    EXPECT_EQ(record.StringAt("action"), "rate_limited");
    EXPECT_EQ(record.StringAt("source"), "rate_limit");
  }
}

TEST_F(IpReputationTest, AdminApiAddsListsAndRemovesBans) {
  ASSERT_NO_FATAL_FAILURE(Start(Options("")));

  // Without parameters: an hour, reason "admin".
  auto put = Api("PUT", "/api/bans/203.0.113.50");
  ASSERT_TRUE(put);
  ASSERT_EQ(put->status, 200) << put->body;
  auto json = ParseJson(put->body);
  ASSERT_TRUE(json) << put->body;
  EXPECT_EQ(json->StringAt("ip"), "203.0.113.50");
  EXPECT_EQ(json->StringAt("reason"), "admin");
  EXPECT_GT(json->NumberAt("expires_in").value_or(-1), 3590) << put->body;
  EXPECT_LE(json->NumberAt("expires_in").value_or(-1), 3600) << put->body;

  EXPECT_EQ(StatusAs("203.0.113.50", "/banned"), 403);
  EXPECT_EQ(StatusAs("203.0.113.51", "/neighbour"), 200);
  auto records = JsonLines(AttackLogPath(), 1, kDefaultTimeout);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(RecordHasRule(records[0], "ban"));
  EXPECT_EQ(records[0].StringAt("client_ip"), "203.0.113.50");
  EXPECT_EQ(FirstRule(records[0], "msg"), "admin");
  // The same address as IPv4-mapped IPv6 is the same client.
  EXPECT_EQ(StatusAs("::ffff:203.0.113.50", "/banned-mapped"), 403);

  // IPv6, written any way: the ban holds for the canonical address.
  auto put6 = Api("PUT", "/api/bans/2001:DB8:0::50");
  ASSERT_TRUE(put6);
  ASSERT_EQ(put6->status, 200) << put6->body;
  EXPECT_EQ(ParseJson(put6->body).value_or(JsonValue{}).StringAt("ip"), "2001:db8::50");
  EXPECT_EQ(StatusAs("2001:db8::50", "/banned6"), 403);
  EXPECT_EQ(BannedIps(), (std::set<std::string>{"203.0.113.50", "2001:db8::50"}));
  EXPECT_EQ(MetricValue(Metrics(), "rampart_bans"), 2);

  // Not an address: 400 (a CIDR has one segment too many: no such endpoint).
  for (const char* target : {"/api/bans/not-an-ip", "/api/bans/203.0.113.256"}) {
    auto r = Api("PUT", target);
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 400) << target;
    EXPECT_NE(r->body.find("\"error\""), std::string::npos) << target << ": " << r->body;
  }
  auto cidr = Api("PUT", "/api/bans/203.0.113.0/24");
  ASSERT_TRUE(cidr);
  EXPECT_EQ(cidr->status, 404);

  // Without the token, or with a wrong one: refused, and nothing changes.
  for (const auto& [method, target] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/api/bans"},
                                                        {"PUT", "/api/bans/203.0.113.60"},
                                                        {"DELETE", "/api/bans/203.0.113.50"}}) {
    auto r = Api(method, target, "");
    ASSERT_TRUE(r) << method << " " << target;
    EXPECT_EQ(r->status, 401) << method << " " << target;
    EXPECT_EQ(r->body.find("203.0.113.50"), std::string::npos) << r->body;
    auto wrong = Api(method, target, "wrong-token");
    ASSERT_TRUE(wrong) << method << " " << target;
    EXPECT_EQ(wrong->status, 401) << method << " " << target;
  }
  EXPECT_EQ(BannedIps(), (std::set<std::string>{"203.0.113.50", "2001:db8::50"}));
  EXPECT_EQ(StatusAs("203.0.113.60", "/never-banned"), 200);
  EXPECT_EQ(StatusAs("203.0.113.50", "/still-banned"), 403);

  auto del = Api("DELETE", "/api/bans/203.0.113.50");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 200) << del->body;
  EXPECT_EQ(StatusAs("203.0.113.50", "/unbanned"), 200);
  EXPECT_EQ(BannedIps(), (std::set<std::string>{"2001:db8::50"}));
  auto del_again = Api("DELETE", "/api/bans/203.0.113.50");
  ASSERT_TRUE(del_again);
  EXPECT_EQ(del_again->status, 200);
  EXPECT_NE(del_again->body.find("\"was_banned_here\":false"), std::string::npos)
      << del_again->body;

  std::set<std::string> targets;
  for (const RecordedRequest& r : origin_.Requests()) targets.insert(r.target);
  EXPECT_EQ(targets, (std::set<std::string>{"/neighbour", "/never-banned", "/unbanned"}));
}

TEST_F(IpReputationTest, BansSurviveAConfigurationReload) {
  ConfigOptions options = Options("{deny: [203.0.113.0/24]}");
  options.routes_yaml = kBanRoutes;
  ASSERT_NO_FATAL_FAILURE(Start(options));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(StatusAs("198.51.100.7", "/shop/" + std::to_string(i), {{"User-Agent", kEvilAgent}}),
              403);
  }
  ASSERT_TRUE(Eventually([&] { return BannedIps() == std::set<std::string>{"198.51.100.7"}; }))
      << rampart_.Log();
  auto put = Api("PUT", "/api/bans/198.51.100.8");
  ASSERT_TRUE(put);
  ASSERT_EQ(put->status, 200) << put->body;

  // A changed configuration (the deny list moves) is applied; the bans stay.
  ConfigOptions changed = Options("{deny: [192.0.2.0/24]}");
  changed.routes_yaml = kBanRoutes;
  rampart_.WriteConfig(MakeConfig(rampart_.dir(), changed));
  const size_t from = rampart_.LineCount();
  ASSERT_TRUE(rampart_.Signal(SIGHUP));
  ASSERT_TRUE(rampart_.WaitForLine("reload: applied", kDefaultTimeout, from)) << rampart_.Log();
  EXPECT_EQ(StatusAs("203.0.113.1", "/was-denied"), 200);
  EXPECT_EQ(StatusAs("192.0.2.1", "/now-denied"), 403);
  EXPECT_EQ(StatusAs("198.51.100.7", "/still-banned"), 403);
  EXPECT_EQ(StatusAs("198.51.100.8", "/still-banned-by-hand"), 403);
  EXPECT_EQ(BannedIps(), (std::set<std::string>{"198.51.100.7", "198.51.100.8"}));
}

TEST_F(IpReputationTest, AdminApiBanTakesADurationAndAReason) {
  ASSERT_NO_FATAL_FAILURE(Start(Options("")));

  auto put = Api("PUT", "/api/bans/203.0.113.50?duration=10m&reason=abuse");
  ASSERT_TRUE(put);
  ASSERT_EQ(put->status, 200) << put->body;
  auto json = ParseJson(put->body);
  ASSERT_TRUE(json) << put->body;
  EXPECT_EQ(json->StringAt("ip"), "203.0.113.50");
  EXPECT_EQ(json->StringAt("reason"), "admin: abuse");
  EXPECT_GT(json->NumberAt("expires_in").value_or(-1), 590) << put->body;
  EXPECT_LE(json->NumberAt("expires_in").value_or(-1), 600) << put->body;
  EXPECT_EQ(StatusAs("203.0.113.50", "/banned"), 403);
  auto records = JsonLines(AttackLogPath(), 1, kDefaultTimeout);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(FirstRule(records[0], "msg"), "admin: abuse");

  // Bad parameters: 400, and no ban.
  for (const char* target :
       {"/api/bans/203.0.113.60?duration=forever", "/api/bans/203.0.113.60?duration=0s",
        "/api/bans/203.0.113.60?until=tomorrow"}) {
    auto r = Api("PUT", target);
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 400) << target;
    EXPECT_NE(r->body.find("\"error\""), std::string::npos) << target << ": " << r->body;
  }
  EXPECT_EQ(StatusAs("203.0.113.60", "/not-banned"), 200);

  // A short ban ends by itself.
  auto brief = Api("PUT", "/api/bans/203.0.113.70?duration=1s");
  ASSERT_TRUE(brief);
  ASSERT_EQ(brief->status, 200) << brief->body;
  EXPECT_EQ(StatusAs("203.0.113.70", "/brief"), 403);
  EXPECT_TRUE(Eventually([&] { return StatusAs("203.0.113.70", "/brief-over") == 200; }))
      << "a 1s ban did not end";
  EXPECT_EQ(BannedIps(), (std::set<std::string>{"203.0.113.50"}));
}

}  // namespace
}  // namespace rampart::test
