#include "crs/ftw_expectation.h"

#include <algorithm>
#include <cctype>

#include "core/regex.h"

namespace rampart::crs {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Quote(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string JoinIds(const std::vector<int>& ids) {
  std::string out;
  for (int id : ids) {
    if (!out.empty()) out += ",";
    out += std::to_string(id);
  }
  return out;
}

bool HasId(const Observation& o, int id) {
  return std::any_of(o.rules.begin(), o.rules.end(),
                     [&](const MatchedRule& r) { return r.id == id; });
}

std::vector<int> ObservedIds(const Observation& o) {
  std::vector<int> ids;
  for (const auto& r : o.rules) {
    if (r.id != 999999) ids.push_back(r.id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// The result of matching one pattern against the observation: found or not, or an error.
struct PatternResult {
  bool found = false;
  bool synthetic = false;
  std::string error;
};

PatternResult MatchPattern(const std::string& pattern, const Observation& o) {
  PatternResult result;
  if (auto ids = IdsOfPattern(pattern)) {
    result.found = std::any_of(ids->begin(), ids->end(), [&](int id) { return HasId(o, id); });
    return result;
  }
  result.synthetic = true;
  auto re = core::Regex::Compile(pattern);
  if (!re) {
    result.error = "pattern does not compile: " + re.error().message;
    return result;
  }
  for (const auto& rule : o.rules) {
    if ((*re)->Matches(SyntheticLogLine(rule))) {
      result.found = true;
      break;
    }
  }
  return result;
}

}  // namespace

std::optional<std::vector<int>> IdsOfPattern(std::string_view pattern) {
  std::vector<int> ids;
  std::string_view rest = Trim(pattern);
  if (rest.empty()) return std::nullopt;
  while (true) {
    const size_t bar = rest.find('|');
    const std::string_view alt = rest.substr(0, bar);
    // Exactly: id "DIGITS"
    constexpr std::string_view kPrefix = "id \"";
    if (!alt.starts_with(kPrefix) || alt.size() < kPrefix.size() + 2 || alt.back() != '"') {
      return std::nullopt;
    }
    const std::string_view digits = alt.substr(kPrefix.size(), alt.size() - kPrefix.size() - 1);
    if (digits.empty() || digits.size() > 9 ||
        !std::all_of(digits.begin(), digits.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      return std::nullopt;
    }
    ids.push_back(std::stoi(std::string(digits)));
    if (bar == std::string_view::npos) break;
    rest = rest.substr(bar + 1);
  }
  return ids;
}

std::string SyntheticLogLine(const MatchedRule& rule) {
  std::string line = "ModSecurity: Warning. [id \"" + std::to_string(rule.id) + "\"] [msg \"" +
                     Quote(rule.msg) + "\"] [data \"" + Quote(rule.data) + "\"]";
  if (rule.severity >= 0) line += " [severity \"" + std::to_string(rule.severity) + "\"]";
  for (const auto& tag : rule.tags) line += " [tag \"" + Quote(tag) + "\"]";
  return line;
}

Judgement Judge(const FtwOutput& expected, const Observation& observed) {
  Judgement j;
  // expect_error (go-ftw): true → the test passes exactly when sending or reading failed,
  // and nothing else is checked.
  if (expected.expect_error.value_or(false)) {
    j.pass = observed.transport_error;
    j.reason = observed.transport_error
                   ? "expected error: " + observed.transport_error_text
                   : "expected a connection error, got status " +
                         (observed.status ? std::to_string(*observed.status) : "none");
    return j;
  }
  if (observed.transport_error) {
    j.reason = "transport error: " + observed.transport_error_text;
    return j;
  }
  std::vector<std::string> notes;
  auto fail = [&](std::string why) {
    j.pass = false;
    j.reason = std::move(why);
    if (j.synthetic_log) j.reason += " (regex on synthetic log)";
    return j;
  };

  if (!expected.status.empty()) {
    if (!observed.status || std::find(expected.status.begin(), expected.status.end(),
                                      *observed.status) == expected.status.end()) {
      std::string want;
      for (int s : expected.status) want += (want.empty() ? "" : "|") + std::to_string(s);
      return fail("status " + (observed.status ? std::to_string(*observed.status) : "none") +
                  ", expected " + want);
    }
  }
  if (expected.response_contains) {
    auto re = core::Regex::Compile(*expected.response_contains);
    if (!re) return fail("response_contains does not compile: " + re.error().message);
    if (!(*re)->Matches(observed.response_body)) {
      return fail("response does not contain /" + *expected.response_contains + "/");
    }
  }

  const bool has_log_checks =
      expected.log_contains || expected.no_log_contains || expected.log.has_value();
  if (has_log_checks && !observed.rules_known) {
    j.pass = true;
    j.incomplete = true;
    j.reason = "status ok; log checks not evaluated (matched rules unknown)";
    return j;
  }
  const std::string seen = "matched [" + JoinIds(ObservedIds(observed)) + "]";
  if (expected.log_contains) {
    const PatternResult r = MatchPattern(*expected.log_contains, observed);
    j.synthetic_log |= r.synthetic;
    if (!r.error.empty()) return fail("log_contains " + r.error);
    if (!r.found) return fail("log_contains '" + *expected.log_contains + "' not found; " + seen);
    notes.push_back("found '" + *expected.log_contains + "'");
  }
  if (expected.no_log_contains) {
    const PatternResult r = MatchPattern(*expected.no_log_contains, observed);
    j.synthetic_log |= r.synthetic;
    if (!r.error.empty()) return fail("no_log_contains " + r.error);
    if (r.found) return fail("no_log_contains '" + *expected.no_log_contains + "' found; " + seen);
    notes.push_back("absent '" + *expected.no_log_contains + "'");
  }
  if (expected.log) {
    for (int id : expected.log->expect_ids) {
      if (!HasId(observed, id)) return fail("expected id " + std::to_string(id) + "; " + seen);
    }
    for (int id : expected.log->no_expect_ids) {
      if (HasId(observed, id)) return fail("unexpected id " + std::to_string(id) + "; " + seen);
    }
    if (expected.log->match_regex) {
      const PatternResult r = MatchPattern(*expected.log->match_regex, observed);
      j.synthetic_log |= r.synthetic;
      if (!r.error.empty() || !r.found) return fail("log.match_regex not found; " + seen);
    }
    if (expected.log->no_match_regex) {
      const PatternResult r = MatchPattern(*expected.log->no_match_regex, observed);
      j.synthetic_log |= r.synthetic;
      if (!r.error.empty() || r.found) return fail("log.no_match_regex found; " + seen);
    }
  }
  j.pass = true;
  std::string reason = "ok";
  if (observed.status) reason += ": status " + std::to_string(*observed.status);
  for (const auto& n : notes) reason += "; " + n;
  if (j.synthetic_log) reason += " (regex on synthetic log)";
  j.reason = std::move(reason);
  return j;
}

}  // namespace rampart::crs
