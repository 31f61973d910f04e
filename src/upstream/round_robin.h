#pragma once
// Round robin: each candidate in turn.

#include <atomic>

#include "upstream/balancer.h"

namespace rampart::upstream {

class RoundRobin final : public Balancer {
 public:
  size_t Pick(const PickContext& context) const override;

 private:
  mutable std::atomic<uint64_t> next_{0};
};

}  // namespace rampart::upstream
