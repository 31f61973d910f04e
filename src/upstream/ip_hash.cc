#include "upstream/ip_hash.h"

#include <algorithm>
#include <string>

#include "core/hash.h"
#include "upstream/pool.h"

namespace rampart::upstream {

namespace {

constexpr int kRehashes = 20;

}  // namespace

IpHash::IpHash(const std::vector<Server>& servers) {
  for (size_t i = 0; i < servers.size(); ++i) {
    Tier& tier = servers[i].backup ? backups_ : primaries_;
    tier.total += std::max<uint32_t>(servers[i].weight, 1);
    tier.index.push_back(i);
    tier.cumulative.push_back(tier.total);
  }
}

size_t IpHash::Tier::Lookup(uint64_t hash) const {
  const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), hash % total);
  return index[static_cast<size_t>(it - cumulative.begin())];
}

size_t IpHash::Pick(const PickContext& context) const {
  // The whole address, unlike nginx's first three IPv4 octets: a /24 behind one carrier-grade
  // NAT or one office can be thousands of clients that would all land on one server, and IPv6
  // clients of one /64 vary only in the bits nginx's rule would drop anyway.
  const uint64_t hash = core::StableHash(context.key);
  // The map covers the whole tier, not only the candidates, so a server going down moves only
  // its own clients. The candidates are all primaries or all backups.
  const Tier& tier = context.servers[context.candidates.front()].backup ? backups_ : primaries_;
  if (tier.total > 0) {
    uint64_t h = hash;
    for (int attempt = 1; attempt <= kRehashes + 1; ++attempt) {
      const size_t server = tier.Lookup(h);
      if (IsCandidate(context, server)) return server;
      h = core::StableHash(std::string(context.key) + '#' + std::to_string(attempt));
    }
  }
  return context.candidates[hash % context.candidates.size()];
}

}  // namespace rampart::upstream
