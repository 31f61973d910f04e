#include "routing/traffic_split.h"

#include "core/hash.h"
#include "http/cookie.h"
#include "routing/hash_key.h"

namespace rampart::routing {

size_t TrafficSplit::Choose(const http::Request& request, std::string_view path,
                            std::string_view client_ip, uint64_t random) const {
  uint64_t total = 0;
  for (const SplitTarget& t : targets) {
    if (!t.header.empty()) {
      const std::string* v = request.headers.Get(t.header);
      if (v != nullptr && *v == t.value) return t.pool_index;
    } else if (!t.cookie.empty()) {
      const auto v = http::FindCookie(request.headers, t.cookie);
      if (v && *v == t.value) return t.pool_index;
    }
    total += t.weight;
  }
  if (total == 0) return targets.front().pool_index;  // the loader requires a weighted target
  const uint64_t draw =
      sticky ? core::StableHash(HashKeyOf(*sticky, request, path, client_ip)) : random;
  uint64_t point = draw % total;
  for (const SplitTarget& t : targets) {
    if (point < t.weight) return t.pool_index;
    point -= t.weight;
  }
  return targets.front().pool_index;
}

}  // namespace rampart::routing
