#include "upstream/least_conn.h"

#include <algorithm>

#include "upstream/pool.h"

namespace rampart::upstream {

namespace {

int64_t Active(const Server& server) {
  return std::max<int64_t>(server.state->active_requests.load(std::memory_order_relaxed), 0);
}

int64_t Weight(const Server& server) { return std::max<uint32_t>(server.weight, 1); }

}  // namespace

bool LessLoaded(const Server& a, const Server& b) {
  return Active(a) * Weight(b) < Active(b) * Weight(a);
}

size_t LeastConn::Pick(const PickContext& context) const {
  const auto& servers = context.servers;
  size_t least = context.candidates.front();
  size_t ties = 0;
  for (size_t i : context.candidates) {
    if (LessLoaded(servers[i], servers[least])) {
      least = i;
      ties = 1;
    } else if (!LessLoaded(servers[least], servers[i])) {
      ++ties;
    }
  }
  if (ties <= 1) return least;
  // The loads may change under us (other workers); then a tie may have disappeared, and the
  // fallback is the least loaded one seen first.
  size_t skip = next_.fetch_add(1, std::memory_order_relaxed) % ties;
  for (size_t i : context.candidates) {
    if (!LessLoaded(servers[least], servers[i]) && !LessLoaded(servers[i], servers[least])) {
      if (skip == 0) return i;
      --skip;
    }
  }
  return least;
}

}  // namespace rampart::upstream
