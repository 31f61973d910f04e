#pragma once
// Power of two choices: the less loaded of two candidates drawn at random. Nearly as good as
// least_conn, without the herd that sends every worker to the same idle server at once.

#include "upstream/balancer.h"

namespace rampart::upstream {

// Stateless; shared by all workers.
class P2c final : public Balancer {
 public:
  size_t Pick(const PickContext& context) const override;
};

}  // namespace rampart::upstream
