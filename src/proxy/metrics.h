#pragma once
// Metrics: the process's counters, rendered as Prometheus text by the admin listener.
// Per-request counters live in one shard per worker (no cross-core cache-line traffic on the
// hot path); rare events (malformed requests, upstream errors) use shared atomics.

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "http/parse_error.h"
#include "pipeline/exchange.h"
#include "pipeline/findings.h"

namespace rampart::proxy {

struct CacheStores;

enum class UpstreamError : uint8_t {
  kConnect,      // connection refused or failed
  kTimeout,      // connect, read or write timeout
  kReset,        // closed or reset before the response was complete
  kBadResponse,  // the response did not parse
  kTls,          // the TLS handshake failed (the backend's certificate did not verify...)
  kCount,
};

enum class ClientTimeout : uint8_t {
  kHeader,     // request head not complete within timeouts.client_header
  kBody,       // no body bytes for timeouts.client_body
  kKeepalive,  // idle between requests
  kSend,       // client did not read the response
  kCount,
};

enum class ConnectionRejection : uint8_t {
  kGlobalLimit,     // limits.max_connections reached
  kPerClientLimit,  // limits.max_connections_per_ip reached
  kBadProxyHeader,  // a proxy_protocol listener got no valid PROXY header
  kCount,
};

class Metrics {
 public:
  // Latency histogram bucket upper bounds in seconds (Prometheus "le").
  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};

  explicit Metrics(size_t workers);

  void CountRequest(size_t worker, std::string_view route, int status, double seconds);
  void CountMalformed(http::ParseError reason);
  void CountUpstreamError(std::string_view pool, UpstreamError kind);
  void CountClientTimeout(ClientTimeout kind);
  void CountRejectedConnection(ConnectionRejection kind);
  void CountReload(bool ok);
  // TLS handshakes on client connections: completed (full or resumed) and failed (a bad or
  // unsupported ClientHello, no shared cipher, a refused client certificate, a timeout).
  void CountTlsHandshake(bool resumed);
  void CountTlsHandshakeFailure();
  // An exchange with findings (one attack-log record), by its decisive action and source.
  void CountAttackRecord(pipeline::Verdict verdict, pipeline::FindingSource source);
  // A waf fast path decision (pipeline::WafPath::kNone counts nothing).
  void CountWafPath(pipeline::WafPath path);
  // Values the fast path checked alone, or remembered from an earlier request (value_memo.h).
  void CountWafValues(uint32_t remembered, uint32_t checked);
  void AddBytes(uint64_t received, uint64_t sent);
  // The routes' caches: what each request's lookup came to (hit, miss, stale, revalidated,
  // bypass), and the stores' sizes, read at scrape time.
  void CountCacheResult(std::string_view result);
  void SetCacheStores(const CacheStores* stores) { cache_stores_ = stores; }
  // Bytes into and out of a response encoder (gzip, br, zstd), per response.
  void AddCompression(std::string_view encoding, uint64_t input, uint64_t output);

  std::atomic<int64_t> active_connections{0};
  std::atomic<uint64_t> connections_total{0};

  // Prometheus text exposition format 0.0.4.
  std::string RenderPrometheus() const;

 private:
  struct Shard {
    mutable std::mutex mutex;  // uncontended: only its worker and a scrape take it
    std::map<std::string, std::map<int, uint64_t>, std::less<>> requests;  // route -> status
    std::array<uint64_t, kBuckets.size() + 1> buckets{};                   // last: +Inf
    double sum_seconds = 0;
    uint64_t count = 0;
  };
  std::vector<std::unique_ptr<Shard>> shards_;

  std::array<std::atomic<uint64_t>, 64> malformed_{};
  std::array<std::atomic<uint64_t>, static_cast<size_t>(ClientTimeout::kCount)> timeouts_{};
  std::array<std::atomic<uint64_t>, static_cast<size_t>(ConnectionRejection::kCount)> rejected_{};
  static constexpr size_t kAttackKinds = static_cast<size_t>(pipeline::Verdict::kCount) *
                                         static_cast<size_t>(pipeline::FindingSource::kCount);
  std::array<std::atomic<uint64_t>, kAttackKinds> attack_records_{};
  std::atomic<uint64_t> waf_fast_{0};
  std::atomic<uint64_t> waf_slow_{0};
  std::atomic<uint64_t> waf_values_remembered_{0};
  std::atomic<uint64_t> waf_values_checked_{0};
  std::atomic<uint64_t> tls_full_{0};
  std::atomic<uint64_t> tls_resumed_{0};
  std::atomic<uint64_t> tls_failed_{0};
  std::atomic<uint64_t> reloads_ok_{0};
  std::atomic<uint64_t> reloads_failed_{0};
  std::atomic<uint64_t> bytes_received_{0};
  std::atomic<uint64_t> bytes_sent_{0};
  static constexpr std::array<std::string_view, 5> kCacheResults = {"hit", "miss", "stale",
                                                                    "revalidated", "bypass"};
  std::array<std::atomic<uint64_t>, kCacheResults.size()> cache_results_{};
  const CacheStores* cache_stores_ = nullptr;
  static constexpr std::array<std::string_view, 3> kEncodings = {"gzip", "br", "zstd"};
  std::array<std::atomic<uint64_t>, kEncodings.size()> compression_input_{};
  std::array<std::atomic<uint64_t>, kEncodings.size()> compression_output_{};
  std::array<std::atomic<uint64_t>, kEncodings.size()> compression_responses_{};
  mutable std::mutex upstream_mutex_;
  std::map<std::string, std::array<uint64_t, static_cast<size_t>(UpstreamError::kCount)>,
           std::less<>>
      upstream_errors_;
};

}  // namespace rampart::proxy
