#include "http/query.h"

#include "core/strings.h"

namespace rampart::http {
std::optional<std::string> FindQueryParam(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    return eq == std::string_view::npos ? std::string()
                                        : core::PercentDecode(pair.substr(eq + 1), true);
  }
  return std::nullopt;
}

}  // namespace rampart::http
