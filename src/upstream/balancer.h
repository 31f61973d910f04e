#pragma once
// Balancer: picks the server for one attempt of one request among the candidates the pool
// offers (available, not yet tried; see Pool::Pick). One implementation per file; one instance
// per pool, shared by all workers, so any state it keeps is atomic or locked.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace rampart::upstream {

struct Server;

struct PickContext {
  const std::vector<Server>& servers;  // the whole pool, primaries and backups
  // Indexes into `servers`, ascending, never empty: the servers this attempt may use.
  std::span<const size_t> candidates;
  // ip_hash: the client address; consistent_hash: the pool's hash key (the client address
  // when the request lacks the header or cookie).
  std::string_view key;
  uint64_t random = 0;  // a fresh random number, for balancers that sample
};

class Balancer {
 public:
  virtual ~Balancer() = default;
  // One element of context.candidates.
  virtual size_t Pick(const PickContext& context) const = 0;
};

// True when `index` is one of the candidates.
bool IsCandidate(const PickContext& context, size_t index);

}  // namespace rampart::upstream
