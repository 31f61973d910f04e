#pragma once
// Round robin over the primary servers; backup servers only when every primary was tried.

#include <atomic>

#include "upstream/balancer.h"

namespace rampart::upstream {

class RoundRobin final : public Balancer {
 public:
  std::optional<size_t> Pick(const PickContext& context) const override;

 private:
  mutable std::atomic<uint64_t> next_{0};
};

}  // namespace rampart::upstream
