#pragma once
// Judging one stage's `output` block against what rampart did with the request. go-ftw reads
// the WAF's log between two marker requests and matches log_contains / no_log_contains as
// regexes on it; rampart's attack log gives the matched rules of each request directly (a JSON
// line per request with request_id and rules[].id), so:
//   - a pattern of the CRS v3 form `id "942100"` (or alternatives `id "1"|id "2"`) names rule
//     ids and is decided on the set of matched ids;
//   - any other pattern ("930120", "id:921140", `id "942480` ...) is matched as a regex against
//     synthetic ModSecurity-style log lines built from the matched rules
//     (`[id "N"] [msg "..."] [data "..."] [severity "N"] [tag "..."]`), and the judgement says so.
// Every check present must hold (go-ftw v1); an expected error short-circuits the rest.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crs/ftw_test.h"

namespace rampart::crs {

struct MatchedRule {
  int id = 0;
  std::string msg;
  std::string data;
  int severity = -1;  // -1: unknown (left out of the synthetic line)
  std::vector<std::string> tags;
};

struct Observation {
  // The request could not be sent or no valid status line came back (reset, timeout, garbage).
  bool transport_error = false;
  std::string transport_error_text;
  std::optional<int> status;
  std::string response_body;
  // The rules that matched this request (the marker rule 999999 may be included). When
  // rules_known is false (no attack log wired yet), log checks are not evaluated and the
  // judgement is marked incomplete.
  bool rules_known = true;
  std::vector<MatchedRule> rules;
};

struct Judgement {
  bool pass = false;
  bool incomplete = false;     // some check could not be evaluated (rules unknown)
  bool synthetic_log = false;  // a non-id pattern was matched against synthetic log lines
  std::string reason;          // one line
};

// The rule ids a pattern names when it is of the form `id "N"` or `id "N"|id "M"|...`
// (surrounding whitespace ignored); nullopt for any other regex.
std::optional<std::vector<int>> IdsOfPattern(std::string_view pattern);

// One ModSecurity-style line per matched rule, as used for non-id patterns.
std::string SyntheticLogLine(const MatchedRule& rule);

Judgement Judge(const FtwOutput& expected, const Observation& observed);

}  // namespace rampart::crs
