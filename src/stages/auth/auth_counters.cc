#include "stages/auth/auth_counters.h"

namespace rampart::stages::auth {

std::string_view AuthMethodName(AuthMethod method) {
  static constexpr std::string_view kNames[] = {"jwt", "api_key", "basic", "forward", "none"};
  return kNames[static_cast<size_t>(method)];
}

std::string_view AuthResultName(AuthResult result) {
  static constexpr std::string_view kNames[] = {"ok", "missing", "invalid", "forbidden", "error"};
  return kNames[static_cast<size_t>(result)];
}

void AuthCounters::AppendMetrics(std::string& out) const {
  out +=
      "# HELP rampart_auth_requests_total Requests checked by the auth stage, by method and "
      "result.\n";
  out += "# TYPE rampart_auth_requests_total counter\n";
  for (size_t m = 0; m < static_cast<size_t>(AuthMethod::kCount); ++m) {
    for (size_t r = 0; r < static_cast<size_t>(AuthResult::kCount); ++r) {
      const auto method = static_cast<AuthMethod>(m);
      const auto result = static_cast<AuthResult>(r);
      const uint64_t n = Get(method, result);
      if (n == 0) continue;
      out += "rampart_auth_requests_total{method=\"";
      out += AuthMethodName(method);
      out += "\",result=\"";
      out += AuthResultName(result);
      out += "\"} ";
      out += std::to_string(n);
      out += '\n';
    }
  }
}

}  // namespace rampart::stages::auth
