#include "proxy/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "proxy/cache_stores.h"

namespace rampart::proxy {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The value of the sample whose name-and-labels part is exactly `series`
// ("rampart_requests_total{route=\"a\",status=\"200\"}"), or nullopt when absent. Fails the test
// when the series appears twice.
std::optional<double> Sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  std::optional<double> found;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    if (space == std::string::npos || line.substr(0, space) != series) continue;
    EXPECT_FALSE(found.has_value()) << "series twice: " << series;
    found = std::strtod(line.c_str() + space + 1, nullptr);
  }
  return found;
}

std::string Bucket(const std::string& le) {
  return "rampart_request_duration_seconds_bucket{le=\"" + le + "\"}";
}

TEST(MetricsTest, RequestsFromEveryShardAreMerged) {
  Metrics m(3);
  m.CountRequest(0, "api", 200, 0.001);
  m.CountRequest(1, "api", 200, 0.001);
  m.CountRequest(2, "api", 200, 0.001);
  m.CountRequest(1, "api", 502, 0.001);
  m.CountRequest(2, "web", 200, 0.001);
  m.CountRequest(5, "web", 200, 0.001);  // worker index wraps onto a shard; still counted
  const std::string text = m.RenderPrometheus();
  EXPECT_EQ(Sample(text, R"(rampart_requests_total{route="api",status="200"})"), 3);
  EXPECT_EQ(Sample(text, R"(rampart_requests_total{route="api",status="502"})"), 1);
  EXPECT_EQ(Sample(text, R"(rampart_requests_total{route="web",status="200"})"), 2);
  EXPECT_EQ(Sample(text, R"(rampart_requests_total{route="web",status="502"})"), std::nullopt);
  EXPECT_EQ(Sample(text, "rampart_request_duration_seconds_count"), 6);
  EXPECT_THAT(text, HasSubstr("# TYPE rampart_requests_total counter\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE rampart_request_duration_seconds histogram\n"));
}

TEST(MetricsTest, ZeroWorkersStillHasAShard) {
  Metrics m(0);
  m.CountRequest(0, "r", 200, 0.1);
  m.CountRequest(7, "r", 200, 0.1);
  EXPECT_EQ(Sample(m.RenderPrometheus(), R"(rampart_requests_total{route="r",status="200"})"), 2);
}

TEST(MetricsTest, HistogramBucketsAreCumulativeAndInfIsTheCount) {
  Metrics m(2);
  m.CountRequest(0, "r", 200, 0.0001);  // le 0.0005
  m.CountRequest(1, "r", 200, 0.0005);  // le 0.0005: bounds are inclusive
  m.CountRequest(0, "r", 200, 0.003);   // le 0.005
  m.CountRequest(1, "r", 200, 0.3);     // le 0.5
  m.CountRequest(0, "r", 200, 10.0);    // le 10
  m.CountRequest(1, "r", 200, 42.0);    // only +Inf
  const std::string text = m.RenderPrometheus();
  EXPECT_EQ(Sample(text, Bucket("0.0005")), 2);
  EXPECT_EQ(Sample(text, Bucket("0.001")), 2);
  EXPECT_EQ(Sample(text, Bucket("0.0025")), 2);
  EXPECT_EQ(Sample(text, Bucket("0.005")), 3);
  EXPECT_EQ(Sample(text, Bucket("0.25")), 3);
  EXPECT_EQ(Sample(text, Bucket("0.5")), 4);
  EXPECT_EQ(Sample(text, Bucket("5")), 4);
  EXPECT_EQ(Sample(text, Bucket("10")), 5);
  EXPECT_EQ(Sample(text, Bucket("+Inf")), 6);
  EXPECT_EQ(Sample(text, "rampart_request_duration_seconds_count"), 6);
  EXPECT_NEAR(*Sample(text, "rampart_request_duration_seconds_sum"),
              0.0001 + 0.0005 + 0.003 + 0.3 + 10.0 + 42.0, 1e-6);
}

TEST(MetricsTest, EveryBucketLineIsPresentAndNonDecreasing) {
  Metrics m(1);
  for (int i = 0; i < 100; ++i) m.CountRequest(0, "r", 200, i * 0.07);
  const std::string text = m.RenderPrometheus();
  std::istringstream in(text);
  std::string line;
  double previous = -1;
  int buckets = 0;
  while (std::getline(in, line)) {
    if (line.rfind("rampart_request_duration_seconds_bucket{", 0) != 0) continue;
    const double v = std::strtod(line.c_str() + line.rfind(' ') + 1, nullptr);
    EXPECT_GE(v, previous) << line;
    previous = v;
    ++buckets;
  }
  EXPECT_EQ(buckets, static_cast<int>(Metrics::kBuckets.size()) + 1);
  EXPECT_EQ(previous, 100);  // the last line is +Inf
}

TEST(MetricsTest, EmptyHistogramRendersZeros) {
  Metrics m(1);
  const std::string text = m.RenderPrometheus();
  EXPECT_EQ(Sample(text, Bucket("+Inf")), 0);
  EXPECT_EQ(Sample(text, Bucket("0.0005")), 0);
  EXPECT_EQ(Sample(text, "rampart_request_duration_seconds_count"), 0);
  EXPECT_EQ(Sample(text, "rampart_request_duration_seconds_sum"), 0);
  EXPECT_THAT(text, Not(HasSubstr("rampart_requests_total{")));
}

TEST(MetricsTest, MalformedCountersUseParseErrorNames) {
  Metrics m(1);
  m.CountMalformed(http::ParseError::kObsFold);
  m.CountMalformed(http::ParseError::kObsFold);
  m.CountMalformed(http::ParseError::kBadStatusLine);
  m.CountMalformed(http::ParseError::kNone);  // not a real reason: never rendered
  const std::string text = m.RenderPrometheus();
  EXPECT_EQ(Sample(text, R"(rampart_malformed_requests_total{reason="obs_fold"})"), 2);
  EXPECT_EQ(Sample(text, R"(rampart_malformed_requests_total{reason="bad_status_line"})"), 1);
  // Reasons that never happened are left out.
  EXPECT_EQ(Sample(text, R"(rampart_malformed_requests_total{reason="bad_method"})"), std::nullopt);
  EXPECT_EQ(Sample(text, R"(rampart_malformed_requests_total{reason="none"})"), std::nullopt);
}

TEST(MetricsTest, UpstreamErrorsByPoolAndKind) {
  Metrics m(1);
  m.CountUpstreamError("app", UpstreamError::kConnect);
  m.CountUpstreamError("app", UpstreamError::kConnect);
  m.CountUpstreamError("app", UpstreamError::kTimeout);
  m.CountUpstreamError("db", UpstreamError::kBadResponse);
  const std::string text = m.RenderPrometheus();
  EXPECT_EQ(Sample(text, R"(rampart_upstream_errors_total{pool="app",kind="connect"})"), 2);
  EXPECT_EQ(Sample(text, R"(rampart_upstream_errors_total{pool="app",kind="timeout"})"), 1);
  EXPECT_EQ(Sample(text, R"(rampart_upstream_errors_total{pool="app",kind="reset"})"), 0);
  EXPECT_EQ(Sample(text, R"(rampart_upstream_errors_total{pool="app",kind="bad_response"})"), 0);
  EXPECT_EQ(Sample(text, R"(rampart_upstream_errors_total{pool="db",kind="bad_response"})"), 1);
  EXPECT_EQ(Sample(text, R"(rampart_upstream_errors_total{pool="db",kind="connect"})"), 0);
  EXPECT_EQ(Sample(text, R"(rampart_upstream_errors_total{pool="web",kind="connect"})"),
            std::nullopt);
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  Metrics m(1);
  m.CountRequest(0, "a\"b\\c\nd", 200, 0.1);
  m.CountUpstreamError("p\"q", UpstreamError::kReset);
  const std::string text = m.RenderPrometheus();
  EXPECT_THAT(text, HasSubstr(R"(rampart_requests_total{route="a\"b\\c\nd",status="200"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(rampart_upstream_errors_total{pool="p\"q",kind="reset"} 1)"));
}

TEST(MetricsTest, OtherCounters) {
  Metrics m(1);
  m.CountClientTimeout(ClientTimeout::kHeader);
  m.CountClientTimeout(ClientTimeout::kSend);
  m.CountClientTimeout(ClientTimeout::kSend);
  m.CountRejectedConnection(ConnectionRejection::kPerClientLimit);
  m.CountReload(true);
  m.CountReload(false);
  m.CountReload(false);
  m.AddBytes(100, 2000);
  m.AddBytes(1, 2);
  m.active_connections = 3;
  m.connections_total = 17;
  const std::string text = m.RenderPrometheus();
  EXPECT_EQ(Sample(text, R"(rampart_client_timeouts_total{kind="header"})"), 1);
  EXPECT_EQ(Sample(text, R"(rampart_client_timeouts_total{kind="body"})"), 0);
  EXPECT_EQ(Sample(text, R"(rampart_client_timeouts_total{kind="keepalive"})"), 0);
  EXPECT_EQ(Sample(text, R"(rampart_client_timeouts_total{kind="send"})"), 2);
  EXPECT_EQ(Sample(text, R"(rampart_connections_rejected_total{reason="global_limit"})"), 0);
  EXPECT_EQ(Sample(text, R"(rampart_connections_rejected_total{reason="per_ip_limit"})"), 1);
  EXPECT_EQ(Sample(text, R"(rampart_config_reloads_total{result="ok"})"), 1);
  EXPECT_EQ(Sample(text, R"(rampart_config_reloads_total{result="failed"})"), 2);
  EXPECT_EQ(Sample(text, "rampart_bytes_received_total"), 101);
  EXPECT_EQ(Sample(text, "rampart_bytes_sent_total"), 2002);
  EXPECT_EQ(Sample(text, "rampart_active_connections"), 3);
  EXPECT_EQ(Sample(text, "rampart_connections_total"), 17);
}

TEST(MetricsTest, AttackRecordsByActionAndSource) {
  Metrics m(1);
  m.CountAttackRecord(pipeline::Verdict::kBlocked, pipeline::FindingSource::kWaf);
  m.CountAttackRecord(pipeline::Verdict::kBlocked, pipeline::FindingSource::kWaf);
  m.CountAttackRecord(pipeline::Verdict::kDetected, pipeline::FindingSource::kSignatures);
  m.CountAttackRecord(pipeline::Verdict::kRateLimited, pipeline::FindingSource::kRateLimit);
  m.CountAttackRecord(pipeline::Verdict::kChallenged, pipeline::FindingSource::kBot);
  const std::string text = m.RenderPrometheus();
  EXPECT_THAT(text, HasSubstr("# TYPE rampart_attack_records_total counter\n"));
  EXPECT_EQ(Sample(text, R"(rampart_attack_records_total{action="blocked",source="waf"})"), 2);
  EXPECT_EQ(Sample(text, R"(rampart_attack_records_total{action="detected",source="signatures"})"),
            1);
  EXPECT_EQ(
      Sample(text, R"(rampart_attack_records_total{action="rate_limited",source="rate_limit"})"),
      1);
  EXPECT_EQ(Sample(text, R"(rampart_attack_records_total{action="challenged",source="bot"})"), 1);
  // Combinations that never happened are left out.
  EXPECT_EQ(Sample(text, R"(rampart_attack_records_total{action="detected",source="waf"})"),
            std::nullopt);
  EXPECT_EQ(Sample(text, R"(rampart_attack_records_total{action="blocked",source="geoip"})"),
            std::nullopt);
}

TEST(MetricsTest, EveryFamilyHasHelpAndType) {
  Metrics m(1);
  m.CountRequest(0, "r", 200, 0.1);
  m.CountMalformed(http::ParseError::kBadHost);
  m.CountUpstreamError("p", UpstreamError::kConnect);
  m.CountAttackRecord(pipeline::Verdict::kBlocked, pipeline::FindingSource::kIpReputation);
  const std::string text = m.RenderPrometheus();
  std::istringstream in(text);
  std::string line;
  std::string last_type_family;
  while (std::getline(in, line)) {
    ASSERT_FALSE(line.empty());
    if (line.rfind("# HELP ", 0) == 0) continue;
    if (line.rfind("# TYPE ", 0) == 0) {
      last_type_family = line.substr(7, line.find(' ', 7) - 7);
      continue;
    }
    // A sample belongs to the family of the last TYPE line.
    const std::string name = line.substr(0, line.find_first_of("{ "));
    EXPECT_EQ(name.rfind(last_type_family, 0), 0u) << line;
  }
  EXPECT_EQ(text.back(), '\n');
}

TEST(MetricsTest, ConcurrentCountsFromWorkersAreExact) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;
  Metrics m(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&m, t] {
      for (int i = 0; i < kPerThread; ++i) {
        m.CountRequest(static_cast<size_t>(t), "r", 200, 0.001);
        m.CountUpstreamError("p", UpstreamError::kReset);
        m.CountMalformed(http::ParseError::kBadTarget);
      }
    });
  }
  // Scrapes while workers count must not tear (run under TSan/ASan builds too).
  for (int i = 0; i < 20; ++i) (void)m.RenderPrometheus();
  for (auto& th : threads) th.join();
  const std::string text = m.RenderPrometheus();
  EXPECT_EQ(Sample(text, R"(rampart_requests_total{route="r",status="200"})"),
            kThreads * kPerThread);
  EXPECT_EQ(Sample(text, R"(rampart_upstream_errors_total{pool="p",kind="reset"})"),
            kThreads * kPerThread);
  EXPECT_EQ(Sample(text, R"(rampart_malformed_requests_total{reason="bad_target"})"),
            kThreads * kPerThread);
}

TEST(MetricsTest, CacheResultsAndStoresAreRendered) {
  Metrics metrics(1);
  metrics.CountCacheResult("hit");
  metrics.CountCacheResult("hit");
  metrics.CountCacheResult("miss");
  metrics.CountCacheResult("revalidated");
  metrics.CountCacheResult("no-such-result");  // ignored, not a new label value
  // Without stores (no cache made yet) only the counters appear.
  std::string text = metrics.RenderPrometheus();
  EXPECT_EQ(Sample(text, "rampart_cache_requests_total{result=\"hit\"}"), 2);
  EXPECT_EQ(Sample(text, "rampart_cache_requests_total{result=\"miss\"}"), 1);
  EXPECT_EQ(Sample(text, "rampart_cache_requests_total{result=\"stale\"}"), 0);
  EXPECT_EQ(Sample(text, "rampart_cache_requests_total{result=\"revalidated\"}"), 1);
  EXPECT_THAT(text, Not(HasSubstr("no-such-result")));
  EXPECT_THAT(text, Not(HasSubstr("rampart_cache_stored_bytes")));

  CacheStores stores;
  stores.memory = std::make_unique<cache::MemoryStore>(1 << 20);
  auto response = std::make_shared<cache::StoredResponse>();
  response->body = std::string(1000, 'x');
  ASSERT_TRUE(stores.memory->Put("http://a/x", response));
  metrics.SetCacheStores(&stores);
  text = metrics.RenderPrometheus();
  EXPECT_EQ(Sample(text, "rampart_cache_stored_entries{tier=\"memory\"}"), 1);
  EXPECT_GE(Sample(text, "rampart_cache_stored_bytes{tier=\"memory\"}").value_or(0), 1000);
  EXPECT_EQ(Sample(text, "rampart_cache_evictions_total{tier=\"memory\"}"), 0);
  EXPECT_FALSE(Sample(text, "rampart_cache_stored_bytes{tier=\"disk\"}").has_value());
}

TEST(MetricsTest, CompressionBytesAndRatioPerEncoding) {
  Metrics metrics(1);
  std::string text = metrics.RenderPrometheus();
  EXPECT_FALSE(Sample(text, "rampart_compression_ratio{encoding=\"gzip\"}").has_value());
  metrics.AddCompression("gzip", 1000, 250);
  metrics.AddCompression("gzip", 3000, 750);
  metrics.AddCompression("br", 100, 20);
  text = metrics.RenderPrometheus();
  EXPECT_EQ(Sample(text, "rampart_compression_responses_total{encoding=\"gzip\"}"), 2);
  EXPECT_EQ(Sample(text, "rampart_compression_input_bytes_total{encoding=\"gzip\"}"), 4000);
  EXPECT_EQ(Sample(text, "rampart_compression_output_bytes_total{encoding=\"gzip\"}"), 1000);
  EXPECT_EQ(Sample(text, "rampart_compression_ratio{encoding=\"gzip\"}"), 0.25);
  EXPECT_EQ(Sample(text, "rampart_compression_ratio{encoding=\"br\"}"), 0.2);
  EXPECT_EQ(Sample(text, "rampart_compression_responses_total{encoding=\"zstd\"}"), 0);
  EXPECT_FALSE(Sample(text, "rampart_compression_ratio{encoding=\"zstd\"}").has_value());
}

}  // namespace
}  // namespace rampart::proxy
