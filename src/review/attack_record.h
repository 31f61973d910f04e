#pragma once
// AttackRecord: one attack-log line read back (design.md's format; docs/operations.md
// "Attack log"), for the review tools — `rampart logs`, `rampart tune` and the dashboard. The
// reader is lenient about fields it does not know and strict about the ones it needs, so a
// record from an older or newer rampart still reads.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace rampart::review {

// One entry of the record's "rules".
struct LoggedRule {
  std::string source;  // "waf", "signatures", ...
  std::string id;
  std::string msg;
  std::string severity;  // "critical", "error", "warning", "notice", or empty
  std::vector<std::string> tags;
  std::string var;   // "ARGS:comment", "REQUEST_HEADERS:User-Agent"; may be empty
  std::string data;  // matched data, already cut and masked by the writer
};

struct AttackRecord {
  std::string time;     // as logged: RFC 3339 UTC, "2026-11-23T21:07:51.123Z"
  int64_t time_ms = 0;  // the same instant in milliseconds since the epoch
  std::string request_id;
  std::string client_ip;
  std::string country;  // empty when the log has null
  uint32_t asn = 0;     // 0 when the log has null
  std::string method;
  std::string host;
  std::string uri;  // the request target as logged (query included, secrets masked)
  std::string route;
  std::string action;  // "blocked", "challenged", "rate_limited", "detected"
  int status = 0;
  std::string source;  // the decisive stage: "waf", "signatures", "geoip", ...
  std::vector<LoggedRule> rules;
  std::optional<int> inbound_score;  // unset when the log has "scores": null
  std::optional<int> outbound_score;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string line;  // the record exactly as logged, without the newline

  // The uri's path: everything before the first '?'.
  std::string_view path() const;
};

// Outcome rules — CRS's 949xxx and 959xxx (the anomaly score over the threshold) and 980xxx
// (correlation) — match because other rules did. They are left out of the top lists, and
// excluding them would hide every attack, so `rampart tune` never proposes them.
bool IsOutcomeRule(std::string_view id);

// Reads one line of the attack log. An error names what is wrong ("not JSON: ...", "field
// 'time': expected a string") so a caller can say which line of which file it was.
core::Result<AttackRecord> ParseAttackRecord(std::string_view line);

// "2026-11-23T21:07:51.123Z" (fraction and 'Z' optional, or a "+hh:mm" offset) → milliseconds
// since the epoch; nullopt when it is not such a time.
std::optional<int64_t> ParseRfc3339Ms(std::string_view text);

// Milliseconds since the epoch → "2026-11-23T21:07:51.123Z".
std::string FormatRfc3339Ms(int64_t ms);

}  // namespace rampart::review
