#pragma once
// Reads Prometheus text exposition (what rampart's admin /metrics serves) for assertions.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rampart::test {

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Sample {
  std::string name;
  Labels labels;
  double value = 0;
};

// Every sample line of `text` (comments skipped). Malformed lines are skipped too; the tests
// assert on the samples they expect, so a skipped line shows up as a missing sample.
std::vector<Sample> ParseMetrics(std::string_view text);

// The value of the first sample called `name` whose labels include every pair of `labels`
// (other labels may be present); nullopt when there is none.
std::optional<double> MetricValue(std::string_view text, std::string_view name,
                                  const Labels& labels = {});
// The sum over every sample called `name` that matches `labels` as above; 0 when none.
double MetricSum(std::string_view text, std::string_view name, const Labels& labels = {});
// True when some sample is called `name`.
bool HasMetric(std::string_view text, std::string_view name);

}  // namespace rampart::test
