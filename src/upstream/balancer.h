#pragma once
// Balancer: picks the server for one attempt of one request. One implementation per file;
// implementations are shared by all workers, so their state is atomic.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace rampart::upstream {

struct Server;

// What a balancer may look at for one pick.
struct PickContext {
  const std::vector<Server>& servers;
  // Servers this request already tried (indexes into servers); never picked again.
  const std::vector<size_t>& excluded;
};

class Balancer {
 public:
  virtual ~Balancer() = default;
  // The index of the server to try, or nullopt when every candidate was excluded.
  virtual std::optional<size_t> Pick(const PickContext& context) const = 0;
};

// True when `index` is in the context's excluded list.
bool IsExcluded(const PickContext& context, size_t index);

}  // namespace rampart::upstream
