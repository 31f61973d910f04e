#pragma once
// AuthCounters: how the auth stage answered, by method and result, for /metrics
// (rampart_auth_requests_total). One per process, kept across reloads; written by every
// worker (relaxed atomics).

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace rampart::stages::auth {

enum class AuthMethod : uint8_t { kJwt, kApiKey, kBasic, kForward, kNone, kCount };
enum class AuthResult : uint8_t {
  kOk,         // let through
  kMissing,    // no credentials: 401
  kInvalid,    // wrong, expired, unknown or malformed credentials: 401
  kForbidden,  // authenticated but not allowed: 403
  kError,      // the auth service failed or timed out: 503 by default
  kCount,
};

std::string_view AuthMethodName(AuthMethod method);  // "jwt", "api_key", "basic", "forward", "none"
std::string_view AuthResultName(AuthResult result);  // "ok", "missing", "invalid", ...

class AuthCounters {
 public:
  void Count(AuthMethod method, AuthResult result) {
    counts_[Index(method, result)].fetch_add(1, std::memory_order_relaxed);
  }
  uint64_t Get(AuthMethod method, AuthResult result) const {
    return counts_[Index(method, result)].load(std::memory_order_relaxed);
  }
  // Prometheus text: every method/result pair seen at least once.
  void AppendMetrics(std::string& out) const;

 private:
  static size_t Index(AuthMethod method, AuthResult result) {
    return static_cast<size_t>(method) * static_cast<size_t>(AuthResult::kCount) +
           static_cast<size_t>(result);
  }
  std::array<std::atomic<uint64_t>,
             static_cast<size_t>(AuthMethod::kCount) * static_cast<size_t>(AuthResult::kCount)>
      counts_{};
};

}  // namespace rampart::stages::auth
