#include "upstream/health_monitor.h"

namespace rampart::upstream {

// Placeholder until the checker lands (this session): no probes, every server stays up.
class HealthMonitor::Checker {};

HealthMonitor::HealthMonitor(event_base* base) : base_(base) {}
HealthMonitor::~HealthMonitor() = default;
void HealthMonitor::Watch(const std::vector<std::shared_ptr<const Pool>>& /*pools*/) {}

}  // namespace rampart::upstream
