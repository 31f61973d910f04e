#include "pipeline/findings.h"

namespace rampart::pipeline {

namespace {

constexpr std::array<std::string_view, static_cast<size_t>(Verdict::kCount)> kVerdictNames = {
    "detected", "challenged", "rate_limited", "blocked"};
constexpr std::array<std::string_view, static_cast<size_t>(FindingSource::kCount)> kSourceNames = {
    "waf", "signatures", "ip_reputation", "geoip", "rate_limit", "auth", "bot"};

}  // namespace

std::string_view VerdictName(Verdict verdict) {
  const auto index = static_cast<size_t>(verdict);
  return index < kVerdictNames.size() ? kVerdictNames[index] : "unknown";
}

std::string_view FindingSourceName(FindingSource source) {
  const auto index = static_cast<size_t>(source);
  return index < kSourceNames.size() ? kSourceNames[index] : "unknown";
}

void Findings::Act(FindingSource source, Verdict verdict, int status) {
  if (acted_ && verdict <= verdict_) return;
  acted_ = true;
  verdict_ = verdict;
  source_ = source;
  status_ = status;
}

FindingSource Findings::source() const {
  if (acted_) return source_;
  return rules_.empty() ? FindingSource::kWaf : rules_.front().source;
}

}  // namespace rampart::pipeline
