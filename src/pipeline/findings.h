#pragma once
// Findings: what the stages found and did about one request, for the attack log and its
// metrics. Any stage may add to it (signatures detect, then the WAF blocks): every matched rule
// is kept with the stage that reported it, and the strongest action taken is the decisive one.
// Part of the Exchange; used on the request's worker thread only.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::pipeline {

// What a stage did about the request, weakest first: a later, stronger action becomes the
// decisive one; an equal one does not replace the first.
enum class Verdict : uint8_t {
  kDetected,     // logged, let through (detect mode)
  kChallenged,   // answered with a challenge page
  kRateLimited,  // answered 429
  kBlocked,      // refused (403 page, dropped connection)
  kCount,
};

// The kind of stage that reported a finding.
enum class FindingSource : uint8_t {
  kWaf,
  kSignatures,
  kIpReputation,
  kGeoip,
  kRateLimit,
  kAuth,
  kBot,
  kCount,
};

// "blocked", "challenged", "rate_limited", "detected".
std::string_view VerdictName(Verdict verdict);
// "waf", "signatures", "ip_reputation", "geoip", "rate_limit", "auth", "bot".
std::string_view FindingSourceName(FindingSource source);

// One matched rule. Strings may hold request bytes (matched data, a variable named after an
// argument): they are kept as they are here and escaped and cut by the attack log.
struct RuleMatch {
  FindingSource source = FindingSource::kWaf;
  std::string id;        // "942100", a signature or list name
  std::string msg;       // what the rule says it found
  std::string severity;  // lower-case syslog name by convention: "critical", "warning", ...
  std::vector<std::string> tags;
  std::string var;   // where it matched: "ARGS:q", "REQUEST_HEADERS:User-Agent"
  std::string data;  // the matched data
};

// Anomaly scores (the WAF's): set once evaluated.
struct AnomalyScores {
  int inbound = 0;
  int outbound = 0;
};

class Findings {
 public:
  // Records a matched rule. Rules alone make a detection.
  void AddRule(RuleMatch rule) { rules_.push_back(std::move(rule)); }
  // Records what `source` did about the request and the status it answered with (0 when it
  // sent none). The strongest action so far is the decisive one; on a tie the first stays.
  void Act(FindingSource source, Verdict verdict, int status = 0);
  // Records the anomaly scores; a later call replaces them (the outbound score comes after
  // the response).
  void SetScores(AnomalyScores scores) { scores_ = scores; }
  void SetScores(int inbound, int outbound) { scores_ = AnomalyScores{inbound, outbound}; }

  // True when no stage matched a rule or acted (scores alone do not count): the request gets
  // no attack-log record.
  bool empty() const { return rules_.empty() && !acted_; }

  // The decisive action: the strongest Act(), or kDetected when only rules were recorded.
  Verdict verdict() const { return acted_ ? verdict_ : Verdict::kDetected; }
  // The stage behind the decisive action; without Act(), the source of the first rule (kWaf
  // when there is none).
  FindingSource source() const;
  // The status the decisive stage answered with; 0 for a detection.
  int status() const { return acted_ ? status_ : 0; }
  const std::vector<RuleMatch>& rules() const { return rules_; }
  const std::optional<AnomalyScores>& scores() const { return scores_; }

 private:
  std::vector<RuleMatch> rules_;
  std::optional<AnomalyScores> scores_;
  bool acted_ = false;
  Verdict verdict_ = Verdict::kDetected;
  FindingSource source_ = FindingSource::kWaf;
  int status_ = 0;
};

}  // namespace rampart::pipeline
