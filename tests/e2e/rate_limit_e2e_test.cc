// Rate limiting in the real binary (in-process state): the burst, then 429 with Retry-After and
// the RateLimit headers; the configured rate under steady sending (counts with a tolerance,
// never a speed); Retry-After honoured; the keys — client IP, IP prefix (/24, /64), header,
// cookie (masked in the log), combinations, a list of limits; allow-listed clients never
// limited; the challenge action; bad limits refused by `rampart check`.
// Clients are told apart by X-Forwarded-For from 127.0.0.1, a trusted proxy here.

#include <gtest/gtest.h>
#include <signal.h>

#include <charconv>
#include <chrono>
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

// The header's value as a number; nullopt when absent or not a plain non-negative integer.
std::optional<long> NumericHeader(const HttpResponse& r, std::string_view name) {
  std::optional<std::string> text = r.Header(name);
  if (!text || text->empty()) return std::nullopt;
  long value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < 0) return std::nullopt;
  return value;
}

std::optional<std::string> FirstRule(const JsonValue& record, std::string_view field) {
  const JsonValue* rules = record.Find("rules");
  if (rules == nullptr || !rules->is_array() || rules->array.empty()) return std::nullopt;
  return rules->array.front().StringAt(field);
}

class RateLimitTest : public ProxyTest {
 protected:
  std::string AttackLogPath() const { return rampart_.dir() + "/attack.log"; }

  // `limit`: the catch-all route's rate_limit value; `more`: further top-level YAML.
  void Start(const std::string& limit, const std::string& more = "") {
    ConfigOptions options;
    options.backend_ports = {origin_.port()};
    options.route_lines = {"rate_limit: " + limit};
    options.extra = "  attack_log: " + AttackLogPath() + "\n" +  // continues logging:
                    "trusted_proxies: [127.0.0.1/32]\n" + more;
    ASSERT_NO_FATAL_FAILURE(StartRampart(options));
  }

  std::optional<HttpResponse> As(const std::string& client, const std::string& target = "/",
                                 HeaderList headers = {}) {
    auto r = GetAs(port(), client, target, std::move(headers));
    EXPECT_TRUE(r) << "no answer for " << client << " " << target;
    return r;
  }
  int StatusAs(const std::string& client, HeaderList headers = {}) {
    auto r = As(client, "/", std::move(headers));
    return r ? r->status : 0;
  }
};

TEST_F(RateLimitTest, BeyondTheBurstAnswers429WithRetryAfterAndRateLimitHeaders) {
  ASSERT_NO_FATAL_FAILURE(Start("{rate: 1/m, burst: 5}"));
  long last_reset = 0;
  for (long i = 0; i < 5; ++i) {
    auto r = As("198.51.100.7", "/ok-" + std::to_string(i));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << "request " << i;
    EXPECT_EQ(NumericHeader(*r, "RateLimit-Limit"), 5) << i;
    EXPECT_EQ(NumericHeader(*r, "RateLimit-Remaining"), 4 - i) << i;
    // Seconds until the budget is whole again: one more interval (60 s) per request.
    const long reset = NumericHeader(*r, "RateLimit-Reset").value_or(-1);
    EXPECT_GT(reset, last_reset) << i;
    EXPECT_LE(reset, 60 * (i + 1)) << i;
    last_reset = reset;
    EXPECT_FALSE(r->Header("Retry-After")) << i;
  }

  auto refused = As("198.51.100.7", "/refused");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 429);
  const long retry = NumericHeader(*refused, "Retry-After").value_or(-1);
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 60);
  EXPECT_EQ(NumericHeader(*refused, "RateLimit-Limit"), 5);
  EXPECT_EQ(NumericHeader(*refused, "RateLimit-Remaining"), 0);
  const long reset = NumericHeader(*refused, "RateLimit-Reset").value_or(-1);
  EXPECT_GE(reset, 1);
  EXPECT_LE(reset, 300);
  EXPECT_EQ(refused->Header("RateLimit-Policy"), "1;w=60;burst=5");
  EXPECT_NE(refused->body.find("Too many requests"), std::string::npos) << refused->body;

  // Another client has its own budget.
  auto other = As("198.51.100.8", "/other");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
  EXPECT_EQ(NumericHeader(*other, "RateLimit-Remaining"), 4);

  EXPECT_EQ(origin_.RequestCount(), 6u);
  EXPECT_FALSE(origin_.WaitForTarget("/refused", Timeout(0)));

  const std::vector<JsonValue> records = JsonLines(AttackLogPath(), 1, kDefaultTimeout);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].StringAt("action"), "rate_limited");
  EXPECT_EQ(records[0].StringAt("source"), "rate_limit");
  EXPECT_EQ(records[0].StringAt("client_ip"), "198.51.100.7");
  EXPECT_EQ(FirstRule(records[0], "id"), "rate_limit:0");
  EXPECT_EQ(FirstRule(records[0], "data"), "client_ip=198.51.100.7");
  EXPECT_NE(FirstRule(records[0], "msg").value_or("").find("1/m burst 5 by client_ip"),
            std::string::npos);

  const std::string metrics = Metrics();
  EXPECT_EQ(MetricValue(metrics, "rampart_rate_limit_keys"), 2);
  EXPECT_EQ(MetricSum(metrics, "rampart_attack_records_total",
                      {{"action", "rate_limited"}, {"source", "rate_limit"}}),
            1);
}

TEST_F(RateLimitTest, SteadySendingIsAllowedAtTheConfiguredRate) {
  constexpr double kRate = 5;  // per second
  constexpr long kBurst = 5;
  ASSERT_NO_FATAL_FAILURE(Start("{rate: 5/s, burst: 5}"));
  const auto start = Clock::now();
  long allowed = 0;
  long refused = 0;
  // The burst: whatever the timing, the first five pass.
  for (long i = 0; i < kBurst; ++i) {
    auto r = As("198.51.100.7");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << i;
    ++allowed;
  }
  // Then about two seconds of back-to-back requests.
  const auto stop = start + std::chrono::seconds(2);
  while (Clock::now() < stop) {
    auto r = As("198.51.100.7");
    ASSERT_TRUE(r);
    if (r->status == 200) {
      ++allowed;
    } else {
      ASSERT_EQ(r->status, 429);
      ++refused;
      // The interval is 200 ms: never more than a second to wait.
      EXPECT_EQ(r->Header("Retry-After"), "1");
      EXPECT_EQ(r->Header("RateLimit-Policy"), "5;w=1;burst=5");
    }
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const double expected = kBurst + kRate * elapsed;
  // GCRA lets through at most burst + rate * t in any t: the hard bound (one for rounding).
  EXPECT_LE(allowed, static_cast<long>(expected) + 1)
      << "elapsed " << elapsed << " s, refused " << refused;
  // And not much less, as long as the requests came faster than the rate (they were sent back
  // to back; a starved test machine could make them slower, hence the generous margin).
  EXPECT_GE(allowed, static_cast<long>(0.7 * expected) - 1)
      << "elapsed " << elapsed << " s, refused " << refused;
  EXPECT_GT(refused, 0);
  EXPECT_EQ(origin_.RequestCount(), static_cast<size_t>(allowed));
}

TEST_F(RateLimitTest, WaitingForRetryAfterIsEnough) {
  ASSERT_NO_FATAL_FAILURE(Start("{rate: 1/2s, burst: 1}"));
  EXPECT_EQ(StatusAs("198.51.100.7"), 200);
  auto refused = As("198.51.100.7");
  ASSERT_TRUE(refused);
  if (refused->status == 200) GTEST_SKIP() << "more than 2 s between two requests: too slow here";
  ASSERT_EQ(refused->status, 429);
  const long retry = NumericHeader(*refused, "Retry-After").value_or(-1);
  ASSERT_GE(retry, 1);
  ASSERT_LE(retry, 2);
  std::this_thread::sleep_for(std::chrono::seconds(retry));
  EXPECT_EQ(StatusAs("198.51.100.7"), 200);
}

TEST_F(RateLimitTest, IpPrefixKeyGroupsAddressesBySlash24AndSlash64) {
  ASSERT_NO_FATAL_FAILURE(Start("{key: ip_prefix, rate: 1/h, burst: 2}"));
  EXPECT_EQ(StatusAs("198.51.100.1"), 200);
  EXPECT_EQ(StatusAs("198.51.100.2"), 200);
  EXPECT_EQ(StatusAs("198.51.100.250"), 429);  // the same /24
  EXPECT_EQ(StatusAs("198.51.101.1"), 200);    // the next /24
  EXPECT_EQ(StatusAs("203.0.113.1"), 200);

  EXPECT_EQ(StatusAs("2001:db8:1:1::1"), 200);
  EXPECT_EQ(StatusAs("2001:db8:1:1::2"), 200);
  EXPECT_EQ(StatusAs("2001:db8:1:1:ffff::3"), 429);  // the same /64
  EXPECT_EQ(StatusAs("2001:db8:1:2::1"), 200);       // the next /64

  std::set<std::string> data;
  for (const JsonValue& record : JsonLines(AttackLogPath(), 2, kDefaultTimeout)) {
    data.insert(FirstRule(record, "data").value_or("?"));
  }
  EXPECT_EQ(data,
            (std::set<std::string>{"ip_prefix=198.51.100.0/24", "ip_prefix=2001:db8:1:1::/64"}));
}

TEST_F(RateLimitTest, HeaderKeyLimitsEachValueAndSkipsRequestsWithoutIt) {
  ASSERT_NO_FATAL_FAILURE(Start("{key: \"header:X-Api-Key\", rate: 1/h, burst: 2}"));
  // One key from several addresses shares one budget.
  EXPECT_EQ(StatusAs("198.51.100.1", {{"X-Api-Key", "key-a"}}), 200);
  EXPECT_EQ(StatusAs("198.51.100.2", {{"X-Api-Key", "key-a"}}), 200);
  EXPECT_EQ(StatusAs("198.51.100.3", {{"X-Api-Key", "key-a"}}), 429);
  EXPECT_EQ(StatusAs("198.51.100.3", {{"X-Api-Key", "key-b"}}), 200);
  // No key: this limit does not apply.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(StatusAs("198.51.100.3"), 200) << i;
  const std::vector<JsonValue> records = JsonLines(AttackLogPath(), 1, kDefaultTimeout);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(FirstRule(records[0], "data"), "header:X-Api-Key=key-a");
  EXPECT_EQ(origin_.RequestCount(), 8u);
}

TEST_F(RateLimitTest, CookieKeyLimitsEachSessionAndKeepsItsValueOutOfTheLog) {
  ASSERT_NO_FATAL_FAILURE(Start("{key: \"cookie:session\", rate: 1/h, burst: 2}"));
  const HeaderList s1 = {{"Cookie", "theme=dark; session=secret-s1"}};
  EXPECT_EQ(StatusAs("198.51.100.1", s1), 200);
  EXPECT_EQ(StatusAs("198.51.100.2", s1), 200);
  EXPECT_EQ(StatusAs("198.51.100.3", s1), 429);
  EXPECT_EQ(StatusAs("198.51.100.3", {{"Cookie", "session=secret-s2"}}), 200);
  EXPECT_EQ(StatusAs("198.51.100.3", {{"Cookie", "theme=dark"}}), 200);  // no session cookie
  const std::vector<std::string> lines = WaitForFileLines(AttackLogPath(), 1);
  ASSERT_EQ(lines.size(), 1u);
  auto record = ParseJson(lines[0]);
  ASSERT_TRUE(record) << lines[0];
  EXPECT_EQ(FirstRule(*record, "data"), "cookie:session=***");
  EXPECT_EQ(lines[0].find("secret-s1"), std::string::npos) << lines[0];
}

TEST_F(RateLimitTest, CombinedKeyCountsEachCombination) {
  ASSERT_NO_FATAL_FAILURE(Start("{key: [client_ip, \"header:X-Api-Key\"], rate: 1/h, burst: 1}"));
  EXPECT_EQ(StatusAs("198.51.100.1", {{"X-Api-Key", "a"}}), 200);
  EXPECT_EQ(StatusAs("198.51.100.1", {{"X-Api-Key", "a"}}), 429);
  EXPECT_EQ(StatusAs("198.51.100.1", {{"X-Api-Key", "b"}}), 200);  // same client, other key
  EXPECT_EQ(StatusAs("198.51.100.2", {{"X-Api-Key", "a"}}), 200);  // same key, other client
  EXPECT_EQ(StatusAs("198.51.100.2", {{"X-Api-Key", "a"}}), 429);
  // Without the header the combination is incomplete: not limited.
  EXPECT_EQ(StatusAs("198.51.100.1"), 200);
  EXPECT_EQ(StatusAs("198.51.100.1"), 200);
  const std::vector<JsonValue> records = JsonLines(AttackLogPath(), 2, kDefaultTimeout);
  ASSERT_EQ(records.size(), 2u);
  std::set<std::string> data;
  for (const JsonValue& record : records) data.insert(FirstRule(record, "data").value_or("?"));
  EXPECT_EQ(data, (std::set<std::string>{"client_ip=198.51.100.1 header:X-Api-Key=a",
                                         "client_ip=198.51.100.2 header:X-Api-Key=a"}));
}

TEST_F(RateLimitTest, WithSeveralLimitsTheFirstRefusalDecidesAndLaterOnesAreNotCharged) {
  ASSERT_NO_FATAL_FAILURE(
      Start("[{key: client_ip, rate: 1/h, burst: 3}, "
            "{key: route, rate: 1/h, burst: 5}]"));
  // The headers describe the tightest limit: the client's (3) before the route's (5).
  for (long i = 0; i < 3; ++i) {
    auto r = As("198.51.100.1");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(NumericHeader(*r, "RateLimit-Limit"), 3) << i;
    EXPECT_EQ(NumericHeader(*r, "RateLimit-Remaining"), 2 - i) << i;
  }
  // Refused by the client limit, which does not use up the route's budget...
  for (int i = 0; i < 3; ++i) EXPECT_EQ(StatusAs("198.51.100.1"), 429) << i;
  // ...so two more requests fit in the route's five.
  auto fourth = As("198.51.100.2");
  ASSERT_TRUE(fourth);
  EXPECT_EQ(fourth->status, 200);
  EXPECT_EQ(NumericHeader(*fourth, "RateLimit-Remaining"), 1);  // the route's: 1 left
  EXPECT_EQ(NumericHeader(*fourth, "RateLimit-Limit"), 5);
  EXPECT_EQ(StatusAs("198.51.100.3"), 200);
  auto route_full = As("198.51.100.4");
  ASSERT_TRUE(route_full);
  EXPECT_EQ(route_full->status, 429);
  EXPECT_EQ(route_full->Header("RateLimit-Policy"), "1;w=3600;burst=5");
  EXPECT_EQ(origin_.RequestCount(), 5u);

  std::multiset<std::string> rules;
  for (const JsonValue& record : JsonLines(AttackLogPath(), 4, kDefaultTimeout)) {
    rules.insert(FirstRule(record, "id").value_or("?"));
  }
  EXPECT_EQ(rules, (std::multiset<std::string>{"rate_limit:0", "rate_limit:0", "rate_limit:0",
                                               "rate_limit:1"}));
}

TEST_F(RateLimitTest, AllowListedClientIsNeverLimited) {
  ASSERT_NO_FATAL_FAILURE(
      Start("{rate: 1/h, burst: 1}", "ip_reputation: {allow: [198.51.100.7]}\n"));
  for (int i = 0; i < 10; ++i) {
    auto r = As("198.51.100.7");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << i;
    EXPECT_FALSE(r->Header("RateLimit-Limit")) << "an allow-listed client is not counted";
  }
  EXPECT_EQ(StatusAs("198.51.100.8"), 200);
  EXPECT_EQ(StatusAs("198.51.100.8"), 429);
  EXPECT_EQ(origin_.RequestCount(), 11u);
  EXPECT_EQ(MetricValue(Metrics(), "rampart_rate_limit_keys"), 1);
}

TEST_F(RateLimitTest, ChallengeActionAnswers429AndIsRecordedAsAChallenge) {
  ASSERT_NO_FATAL_FAILURE(Start("{rate: 1/h, burst: 1, action: challenge}"));
  EXPECT_EQ(StatusAs("198.51.100.7"), 200);
  auto r = As("198.51.100.7");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);  // until the bot challenge stage exists
  EXPECT_TRUE(r->Header("Retry-After"));
  const std::vector<JsonValue> records = JsonLines(AttackLogPath(), 1, kDefaultTimeout);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].StringAt("action"), "challenged");
  EXPECT_EQ(records[0].StringAt("source"), "rate_limit");
}

TEST_F(RateLimitTest, CountersSurviveAConfigurationReload) {
  ASSERT_NO_FATAL_FAILURE(Start("{rate: 1/h, burst: 2}"));
  EXPECT_EQ(StatusAs("198.51.100.7"), 200);
  EXPECT_EQ(StatusAs("198.51.100.7"), 200);
  EXPECT_EQ(StatusAs("198.51.100.7"), 429);
  // Reloaded with another change: the spent budget is not handed back.
  ConfigOptions options;
  options.backend_ports = {origin_.port()};
  options.route_lines = {"rate_limit: {rate: 1/h, burst: 2}",
                         "set_response_headers: {X-Config: v2}"};
  options.extra = "  attack_log: " + AttackLogPath() + "\n" + "trusted_proxies: [127.0.0.1/32]\n";
  rampart_.WriteConfig(MakeConfig(rampart_.dir(), options));
  const size_t from = rampart_.LineCount();
  ASSERT_TRUE(rampart_.Signal(SIGHUP));
  ASSERT_TRUE(rampart_.WaitForLine("reload: applied", kDefaultTimeout, from)) << rampart_.Log();
  auto other = As("198.51.100.8");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
  EXPECT_EQ(other->Header("X-Config"), "v2");
  EXPECT_EQ(StatusAs("198.51.100.7"), 429);
}

TEST_F(RateLimitTest, KeyTableStaysBoundedUnderAFloodOfAddresses) {
  ASSERT_NO_FATAL_FAILURE(Start("{rate: 1/h, burst: 1}", "state: {max_keys: 1000}\n"));
  // Keep-alive, a new client address (10.x.y.z as X-Forwarded-For) on every request.
  Client c;
  ASSERT_TRUE(c.Connect(port())) << c.error();
  auto flood = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      const std::string ip = "10." + std::to_string(i / 65536 % 256) + "." +
                             std::to_string(i / 256 % 256) + "." + std::to_string(i % 256);
      if (!c.connected()) {
        ASSERT_TRUE(c.Connect(port())) << c.error();
      }
      auto r = c.Get("/flood", {{"X-Forwarded-For", ip}});
      ASSERT_TRUE(r) << i << ": " << c.error();
      // Every address is new: its first request passes.
      ASSERT_EQ(r->status, 200) << ip;
      if (HeaderHasToken(r->headers, "Connection", "close")) c.Close();
    }
  };
  ASSERT_NO_FATAL_FAILURE(flood(0, 1500));
  std::string metrics = Metrics();
  const double keys_half = MetricValue(metrics, "rampart_rate_limit_keys").value_or(-1);
  const double bytes_half = MetricValue(metrics, "rampart_rate_limit_table_bytes").value_or(-1);
  ASSERT_NO_FATAL_FAILURE(flood(1500, 3000));
  metrics = Metrics();
  const double keys = MetricValue(metrics, "rampart_rate_limit_keys").value_or(-1);
  const double bytes = MetricValue(metrics, "rampart_rate_limit_table_bytes").value_or(-1);
  EXPECT_GT(keys_half, 0);
  EXPECT_LE(keys_half, 1000);
  EXPECT_GT(keys, 0);
  EXPECT_LE(keys, 1000);
  // Twice the addresses, about the same memory.
  EXPECT_GT(bytes_half, 0);
  EXPECT_LE(bytes, bytes_half * 1.1) << "the table grew from " << bytes_half << " to " << bytes;
}

TEST_F(RateLimitTest, CheckRefusesABadLimitNamingTheLine) {
  ConfigOptions options;
  options.backend_ports = {origin_.port()};
  options.route_lines = {"rate_limit: {key: \"header:\", rate: fast, burst: 0}"};
  const std::string yaml = MakeConfig(rampart_.dir(), options);
  rampart_.WriteConfig(yaml);
  const CommandResult r = RampartProcess::RunCheck(rampart_.config_path());
  EXPECT_NE(r.exit_code, 0);
  const std::string where =
      rampart_.config_path() + ":" + std::to_string(LineOf(yaml, "rate_limit:")) + ":";
  EXPECT_NE(r.err.find(where), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("expected a rate such as 100/s"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("expected client_ip, ip_prefix"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace rampart::test
