#pragma once
// Summary: what a set of attack-log records adds up to — counts by action and source, the top
// rules, URIs (paths), parameters (matched variables), client addresses and countries, and how
// many records fell in each interval of time (in total and for each of the top rules). One
// pass over the records; `rampart logs --summary` prints it and the dashboard charts it.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "review/attack_record.h"

namespace rampart::review {

struct CountedKey {
  std::string key;    // "942100", "/blog/post", "ARGS:comment", "203.0.113.7", "DE"
  std::string label;  // for rules: the msg of its first record; empty otherwise
  uint64_t count = 0;
};

struct TimeBucket {
  int64_t start_ms = 0;
  uint64_t count = 0;    // every record in the interval
  uint64_t blocked = 0;  // those with action "blocked"
};

struct RuleSeries {
  std::string rule;              // one of the top rules
  std::vector<uint64_t> counts;  // per bucket, same length and order as Summary::buckets
};

struct Summary {
  uint64_t total = 0;
  std::vector<CountedKey> by_action;  // every action seen, most first
  std::vector<CountedKey> by_source;  // every decisive source seen, most first
  // The top N of each, most first; ties by key, ascending. A record counts once per distinct
  // key it has (a record matching 942100 on two variables counts once for 942100).
  std::vector<CountedKey> top_rules;
  std::vector<CountedKey> top_uris;
  std::vector<CountedKey> top_params;  // the rules' "var" values, non-empty ones
  std::vector<CountedKey> top_ips;
  std::vector<CountedKey> top_countries;  // records without a country are left out
  int64_t bucket_ms = 0;                  // the width of each bucket
  std::vector<TimeBucket> buckets;        // contiguous, oldest first; empty when total == 0
  std::vector<RuleSeries> rule_series;    // one per entry of top_rules (at most 5)
};

struct SummaryOptions {
  size_t top = 10;
  // The interval; 0: chosen from the records' time span so there are at most about 60 buckets,
  // rounded up to one of 1m, 5m, 15m, 1h, 6h, 1d.
  int64_t bucket_ms = 0;
};

Summary Summarize(const std::vector<AttackRecord>& records, const SummaryOptions& options = {});

// The summary as one JSON object (the dashboard's /api/attacks/summary answer; `rampart logs
// --summary --json`). Times as RFC 3339 strings.
std::string SummaryJson(const Summary& summary);

// The summary as aligned plain text for a terminal.
std::string SummaryText(const Summary& summary);

}  // namespace rampart::review
