#include "proxy/metrics.h"

#include <fmt/format.h>

#include "proxy/cache_stores.h"

namespace rampart::proxy {

namespace {

constexpr std::array<std::string_view, static_cast<size_t>(UpstreamError::kCount)>
    kUpstreamErrorNames = {"connect", "timeout", "reset", "bad_response", "tls"};
constexpr std::array<std::string_view, static_cast<size_t>(ClientTimeout::kCount)> kTimeoutNames = {
    "header", "body", "keepalive", "send"};
constexpr std::array<std::string_view, static_cast<size_t>(ConnectionRejection::kCount)>
    kRejectionNames = {"global_limit", "per_ip_limit", "bad_proxy_header"};

// Label values come from config (route and pool names), never from requests; still escaped.
std::string Label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

Metrics::Metrics(size_t workers) {
  for (size_t i = 0; i < std::max<size_t>(workers, 1); ++i) {
    shards_.push_back(std::make_unique<Shard>());
  }
}

void Metrics::CountRequest(size_t worker, std::string_view route, int status, double seconds) {
  Shard& shard = *shards_[worker % shards_.size()];
  size_t bucket = 0;
  while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
  std::lock_guard<std::mutex> lock(shard.mutex);
  auto it = shard.requests.find(route);
  if (it == shard.requests.end())
    it = shard.requests.emplace(std::string(route), std::map<int, uint64_t>{}).first;
  ++it->second[status];
  ++shard.buckets[bucket];
  shard.sum_seconds += seconds;
  ++shard.count;
}

void Metrics::CountMalformed(http::ParseError reason) {
  const auto index = static_cast<size_t>(reason);
  if (index < malformed_.size()) malformed_[index].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::CountUpstreamError(std::string_view pool, UpstreamError kind) {
  std::lock_guard<std::mutex> lock(upstream_mutex_);
  auto it = upstream_errors_.find(pool);
  if (it == upstream_errors_.end())
    it = upstream_errors_.emplace(std::string(pool), decltype(it->second){}).first;
  ++it->second[static_cast<size_t>(kind)];
}

void Metrics::CountClientTimeout(ClientTimeout kind) {
  timeouts_[static_cast<size_t>(kind)].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::CountTlsHandshake(bool resumed) {
  (resumed ? tls_resumed_ : tls_full_).fetch_add(1, std::memory_order_relaxed);
}

void Metrics::CountTlsHandshakeFailure() { tls_failed_.fetch_add(1, std::memory_order_relaxed); }

void Metrics::CountRejectedConnection(ConnectionRejection kind) {
  rejected_[static_cast<size_t>(kind)].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::CountReload(bool ok) {
  (ok ? reloads_ok_ : reloads_failed_).fetch_add(1, std::memory_order_relaxed);
}

void Metrics::CountAttackRecord(pipeline::Verdict verdict, pipeline::FindingSource source) {
  const size_t index =
      static_cast<size_t>(verdict) * static_cast<size_t>(pipeline::FindingSource::kCount) +
      static_cast<size_t>(source);
  if (index < attack_records_.size()) {
    attack_records_[index].fetch_add(1, std::memory_order_relaxed);
  }
}

void Metrics::CountWafValues(uint32_t remembered, uint32_t checked) {
  if (remembered != 0) waf_values_remembered_.fetch_add(remembered, std::memory_order_relaxed);
  if (checked != 0) waf_values_checked_.fetch_add(checked, std::memory_order_relaxed);
}

void Metrics::CountWafPath(pipeline::WafPath path) {
  if (path == pipeline::WafPath::kFast) waf_fast_.fetch_add(1, std::memory_order_relaxed);
  if (path == pipeline::WafPath::kSlow) waf_slow_.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::AddBytes(uint64_t received, uint64_t sent) {
  bytes_received_.fetch_add(received, std::memory_order_relaxed);
  bytes_sent_.fetch_add(sent, std::memory_order_relaxed);
}

void Metrics::CountCacheResult(std::string_view result) {
  for (size_t i = 0; i < kCacheResults.size(); ++i) {
    if (kCacheResults[i] == result) cache_results_[i].fetch_add(1, std::memory_order_relaxed);
  }
}

void Metrics::AddCompression(std::string_view encoding, uint64_t input, uint64_t output) {
  for (size_t i = 0; i < kEncodings.size(); ++i) {
    if (kEncodings[i] != encoding) continue;
    compression_responses_[i].fetch_add(1, std::memory_order_relaxed);
    compression_input_[i].fetch_add(input, std::memory_order_relaxed);
    compression_output_[i].fetch_add(output, std::memory_order_relaxed);
  }
}

std::string Metrics::RenderPrometheus() const {
  std::string out;
  out.reserve(8192);
  auto load = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };

  // Merge the worker shards.
  std::map<std::string, std::map<int, uint64_t>> requests;
  std::array<uint64_t, kBuckets.size() + 1> buckets{};
  double sum = 0;
  uint64_t count = 0;
  for (const auto& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard->mutex);
    for (const auto& [route, statuses] : shard->requests) {
      for (const auto& [status, n] : statuses) requests[route][status] += n;
    }
    for (size_t i = 0; i < buckets.size(); ++i) buckets[i] += shard->buckets[i];
    sum += shard->sum_seconds;
    count += shard->count;
  }

  out += "# HELP rampart_requests_total Requests answered, by route and status.\n";
  out += "# TYPE rampart_requests_total counter\n";
  for (const auto& [route, statuses] : requests) {
    for (const auto& [status, n] : statuses) {
      out += fmt::format("rampart_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", Label(route),
                         status, n);
    }
  }

  out += "# HELP rampart_request_duration_seconds Time from request head to response end.\n";
  out += "# TYPE rampart_request_duration_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += buckets[i];
    out += fmt::format("rampart_request_duration_seconds_bucket{{le=\"{}\"}} {}\n", kBuckets[i],
                       cumulative);
  }
  cumulative += buckets[kBuckets.size()];
  out += fmt::format("rampart_request_duration_seconds_bucket{{le=\"+Inf\"}} {}\n", cumulative);
  out += fmt::format("rampart_request_duration_seconds_sum {}\n", sum);
  out += fmt::format("rampart_request_duration_seconds_count {}\n", count);

  out += "# HELP rampart_active_connections Client connections open now.\n";
  out += "# TYPE rampart_active_connections gauge\n";
  out += fmt::format("rampart_active_connections {}\n",
                     active_connections.load(std::memory_order_relaxed));
  out += "# HELP rampart_connections_total Client connections accepted.\n";
  out += "# TYPE rampart_connections_total counter\n";
  out += fmt::format("rampart_connections_total {}\n", load(connections_total));
  out +=
      "# HELP rampart_connections_rejected_total Client connections refused by a limit or a bad "
      "PROXY protocol header.\n";
  out += "# TYPE rampart_connections_rejected_total counter\n";
  for (size_t i = 0; i < rejected_.size(); ++i) {
    out += fmt::format("rampart_connections_rejected_total{{reason=\"{}\"}} {}\n",
                       kRejectionNames[i], load(rejected_[i]));
  }

  out += "# HELP rampart_tls_handshakes_total TLS handshakes with clients, by result.\n";
  out += "# TYPE rampart_tls_handshakes_total counter\n";
  out += fmt::format("rampart_tls_handshakes_total{{result=\"full\"}} {}\n", load(tls_full_));
  out += fmt::format("rampart_tls_handshakes_total{{result=\"resumed\"}} {}\n", load(tls_resumed_));
  out += fmt::format("rampart_tls_handshakes_total{{result=\"failed\"}} {}\n", load(tls_failed_));

  out += "# HELP rampart_bytes_received_total Bytes received from clients.\n";
  out += "# TYPE rampart_bytes_received_total counter\n";
  out += fmt::format("rampart_bytes_received_total {}\n", load(bytes_received_));
  out += "# HELP rampart_bytes_sent_total Bytes sent to clients.\n";
  out += "# TYPE rampart_bytes_sent_total counter\n";
  out += fmt::format("rampart_bytes_sent_total {}\n", load(bytes_sent_));

  out += "# HELP rampart_malformed_requests_total Requests refused by the HTTP parser.\n";
  out += "# TYPE rampart_malformed_requests_total counter\n";
  for (size_t i = 1; i < malformed_.size(); ++i) {
    const uint64_t n = load(malformed_[i]);
    if (n == 0) continue;
    out += fmt::format("rampart_malformed_requests_total{{reason=\"{}\"}} {}\n",
                       http::ParseErrorName(static_cast<http::ParseError>(i)), n);
  }

  out += "# HELP rampart_client_timeouts_total Client connections cut off by a timeout.\n";
  out += "# TYPE rampart_client_timeouts_total counter\n";
  for (size_t i = 0; i < timeouts_.size(); ++i) {
    out += fmt::format("rampart_client_timeouts_total{{kind=\"{}\"}} {}\n", kTimeoutNames[i],
                       load(timeouts_[i]));
  }

  out += "# HELP rampart_upstream_errors_total Failed attempts to get a response from a backend.\n";
  out += "# TYPE rampart_upstream_errors_total counter\n";
  {
    std::lock_guard<std::mutex> lock(upstream_mutex_);
    for (const auto& [pool, kinds] : upstream_errors_) {
      for (size_t i = 0; i < kinds.size(); ++i) {
        out += fmt::format("rampart_upstream_errors_total{{pool=\"{}\",kind=\"{}\"}} {}\n",
                           Label(pool), kUpstreamErrorNames[i], kinds[i]);
      }
    }
  }

  out +=
      "# HELP rampart_attack_records_total Requests on which a stage matched a rule or acted, "
      "by decisive action and source.\n";
  out += "# TYPE rampart_attack_records_total counter\n";
  constexpr size_t kSources = static_cast<size_t>(pipeline::FindingSource::kCount);
  for (size_t i = 0; i < attack_records_.size(); ++i) {
    const uint64_t n = load(attack_records_[i]);
    if (n == 0) continue;
    out += fmt::format(
        "rampart_attack_records_total{{action=\"{}\",source=\"{}\"}} {}\n",
        pipeline::VerdictName(static_cast<pipeline::Verdict>(i / kSources)),
        pipeline::FindingSourceName(static_cast<pipeline::FindingSource>(i % kSources)), n);
  }

  out +=
      "# HELP rampart_waf_fast_path_total Requests on routes with a waf fast path, by decision: "
      "fast (no rule could match: libmodsecurity skipped) or slow (libmodsecurity ran).\n";
  out += "# TYPE rampart_waf_fast_path_total counter\n";
  out += fmt::format("rampart_waf_fast_path_total{{decision=\"fast\"}} {}\n", load(waf_fast_));
  out += fmt::format("rampart_waf_fast_path_total{{decision=\"slow\"}} {}\n", load(waf_slow_));
  out +=
      "# HELP rampart_waf_value_memo_total Values that repeat between requests (headers, "
      "cookies and their names, the method, the protocol, variables a request leaves empty) the "
      "waf fast path looked at: remembered (the worker knew from an earlier request which rules "
      "the same value may match) or checked (transformed, scanned and checked).\n";
  out += "# TYPE rampart_waf_value_memo_total counter\n";
  out += fmt::format("rampart_waf_value_memo_total{{result=\"remembered\"}} {}\n",
                     load(waf_values_remembered_));
  out += fmt::format("rampart_waf_value_memo_total{{result=\"checked\"}} {}\n",
                     load(waf_values_checked_));

  out += "# HELP rampart_cache_requests_total Requests on cached routes, by what the cache did.\n";
  out += "# TYPE rampart_cache_requests_total counter\n";
  for (size_t i = 0; i < kCacheResults.size(); ++i) {
    out += fmt::format("rampart_cache_requests_total{{result=\"{}\"}} {}\n", kCacheResults[i],
                       load(cache_results_[i]));
  }
  if (cache_stores_ != nullptr) {
    struct Tier {
      std::string_view name;
      uint64_t bytes, entries, evictions;
    };
    std::vector<Tier> tiers;
    const auto& memory = *cache_stores_->memory;
    tiers.push_back({"memory", memory.bytes(), memory.entries(), memory.evictions()});
    if (cache_stores_->disk != nullptr) {
      const auto& disk = *cache_stores_->disk;
      tiers.push_back({"disk", disk.bytes(), disk.entries(), disk.evictions()});
    }
    out += "# HELP rampart_cache_stored_bytes Bytes the cache holds, by store.\n";
    out += "# TYPE rampart_cache_stored_bytes gauge\n";
    for (const Tier& t : tiers) {
      out += fmt::format("rampart_cache_stored_bytes{{tier=\"{}\"}} {}\n", t.name, t.bytes);
    }
    out += "# HELP rampart_cache_stored_entries Entries the cache holds, by store.\n";
    out += "# TYPE rampart_cache_stored_entries gauge\n";
    for (const Tier& t : tiers) {
      out += fmt::format("rampart_cache_stored_entries{{tier=\"{}\"}} {}\n", t.name, t.entries);
    }
    out += "# HELP rampart_cache_evictions_total Entries evicted to stay within a store's size.\n";
    out += "# TYPE rampart_cache_evictions_total counter\n";
    for (const Tier& t : tiers) {
      out += fmt::format("rampart_cache_evictions_total{{tier=\"{}\"}} {}\n", t.name, t.evictions);
    }
  }
  out += "# HELP rampart_compression_responses_total Responses compressed, by encoding.\n";
  out += "# TYPE rampart_compression_responses_total counter\n";
  for (size_t i = 0; i < kEncodings.size(); ++i) {
    out += fmt::format("rampart_compression_responses_total{{encoding=\"{}\"}} {}\n", kEncodings[i],
                       load(compression_responses_[i]));
  }
  out += "# HELP rampart_compression_input_bytes_total Body bytes given to encoders.\n";
  out += "# TYPE rampart_compression_input_bytes_total counter\n";
  for (size_t i = 0; i < kEncodings.size(); ++i) {
    out += fmt::format("rampart_compression_input_bytes_total{{encoding=\"{}\"}} {}\n",
                       kEncodings[i], load(compression_input_[i]));
  }
  out += "# HELP rampart_compression_output_bytes_total Encoded body bytes sent.\n";
  out += "# TYPE rampart_compression_output_bytes_total counter\n";
  for (size_t i = 0; i < kEncodings.size(); ++i) {
    out += fmt::format("rampart_compression_output_bytes_total{{encoding=\"{}\"}} {}\n",
                       kEncodings[i], load(compression_output_[i]));
  }

  out +=
      "# HELP rampart_compression_ratio Encoded bytes over input bytes since start, by encoding.\n";
  out += "# TYPE rampart_compression_ratio gauge\n";
  for (size_t i = 0; i < kEncodings.size(); ++i) {
    const uint64_t input = load(compression_input_[i]);
    if (input == 0) continue;
    out +=
        fmt::format("rampart_compression_ratio{{encoding=\"{}\"}} {:.4f}\n", kEncodings[i],
                    static_cast<double>(load(compression_output_[i])) / static_cast<double>(input));
  }

  out += "# HELP rampart_config_reloads_total Configuration reloads, by result.\n";
  out += "# TYPE rampart_config_reloads_total counter\n";
  out += fmt::format("rampart_config_reloads_total{{result=\"ok\"}} {}\n", load(reloads_ok_));
  out +=
      fmt::format("rampart_config_reloads_total{{result=\"failed\"}} {}\n", load(reloads_failed_));
  return out;
}

}  // namespace rampart::proxy
