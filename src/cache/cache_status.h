#pragma once
// The Cache-Status response field (RFC 9211): one list member describing what this cache did.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rampart::cache {

struct CacheStatusInfo {
  std::string cache_name = "rampart";  // a token, else sent as a quoted string
  bool hit = false;                    // served from the cache without going forward
  // Why the request went forward: "uri-miss", "vary-miss", "miss", "stale", "request",
  // "method", "bypass"; empty when it did not (or nothing is known).
  std::string_view fwd;
  std::optional<int> fwd_status;  // the status the backend answered the forwarded request with
  bool stored = false;            // the response was stored
  bool collapsed = false;         // the request waited on another request's fill
  std::optional<int64_t> ttl;     // seconds of freshness left (negative when stale)
  std::string_view detail;        // free text: a token, else sent as a quoted string
};

// e.g. `rampart; hit; ttl=30`, `rampart; fwd=uri-miss; fwd-status=200; stored`,
// `rampart; fwd=stale; fwd-status=304; ttl=60`, `rampart; hit; detail=stale-while-revalidate`.
// Parameters come in the order of the struct; `hit` wins over `fwd` (RFC 9211 §2: a hit is not
// forwarded); characters a quoted string cannot carry become '?'.
std::string FormatCacheStatus(const CacheStatusInfo& info);

}  // namespace rampart::cache
