#pragma once
// The exclusion generator behind `rampart tune` and the dashboard's "false positive" action.
// From attack-log records an operator marked as false positives it proposes the narrowest CRS
// exclusions that would have let them through: one per (route, rule, variable, path) — "rule
// 942100 not on ARGS:comment for /blog/post" — rendered as ModSecurity `ctl:` rules in a file the
// route's `waf.before_crs` includes. It never proposes more than it was asked for: only the
// marked records' own WAF matches, only the rules asked for, only their paths (or the URI prefix
// or route asked for). It then replays every logged record against the proposal to show what
// else it would have let through, and which marked records would still be blocked.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "review/attack_record.h"

namespace rampart::review {

// Which records are false positives. Set criteria must all hold (AND); request_ids holds for
// any of its ids. At least one criterion is required.
struct FalsePositiveSelection {
  std::vector<std::string> request_ids;
  std::vector<std::string> rules;  // only these rule ids are excluded; empty: every WAF rule
                                   // the marked records matched (but see IsOutcomeRule)
  std::string route;
  std::string uri_prefix;  // the record's path starts with this
};

// How far an exclusion reaches within its route.
enum class ExclusionScope : uint8_t {
  kPath,    // requests whose path is exactly one of the marked records' paths (the default)
  kPrefix,  // requests whose path starts with the selection's uri_prefix (requires it)
  kRoute,   // every request of the route (asked for explicitly)
};

// "path", "prefix", "route"; parsing returns nullopt for anything else.
std::string_view ExclusionScopeName(ExclusionScope scope);
std::optional<ExclusionScope> ParseExclusionScope(std::string_view name);

struct TuneOptions {
  ExclusionScope scope = ExclusionScope::kPath;
  // The route's inbound anomaly threshold, for telling whether a record would have passed.
  int inbound_threshold = 5;
};

struct ProposedExclusion {
  std::string route;
  std::string rule_id;
  // The variable taken out of the rule, as logged ("ARGS:comment"); empty: the whole rule is
  // removed, because the match was on a variable a target cannot name (e.g. TX:...); `reason`
  // says so.
  std::string target;
  ExclusionScope scope = ExclusionScope::kPath;
  std::string path;  // kPath: the exact path; kPrefix: the prefix; kRoute: empty
  std::vector<std::string> request_ids;  // the marked records it is for
  std::string reason;                    // why the whole rule, when target is empty
};

// A logged record the proposal reaches.
struct AffectedRecord {
  std::string request_id;
  std::string time;
  std::string route;
  std::string uri;
  std::string action;
  std::vector<std::string> removed;    // "942100 on ARGS:comment", one per match taken away
  std::vector<std::string> remaining;  // WAF matches left, same form
  // The record would not have been stopped: its decisive stage was the WAF (or it was only
  // detected) and the inbound score left is below the threshold.
  bool would_pass = false;
};

struct TunePlan {
  std::vector<ProposedExclusion> exclusions;  // ordered by route, rule id, target, path
  std::vector<AffectedRecord> marked;         // every marked record, replayed
  std::vector<AffectedRecord> also_affected;  // other records the proposal reaches
  // Things left alone, in words: matches from other sources (signatures, geoip, ...),
  // outcome rules, variables that cannot be written as a target.
  std::vector<std::string> notes;
};

// Builds the plan from every record read (`records`), marking those `selection` picks. Errors:
// an empty selection, a request id not in the records or in more than one (ids can repeat when a
// trusted proxy passes a client's X-Request-Id on), no record selected, kPrefix without a
// uri_prefix, the marked records spanning several routes (a proposal goes in one route's file).
// A path with a "." or ".." segment gets no kPath exclusion, nor a prefix kPrefix, only a note.
core::Result<TunePlan> PlanExclusions(const std::vector<AttackRecord>& records,
                                      const FalsePositiveSelection& selection,
                                      const TuneOptions& options);

// The SecLang of `exclusions`: for each, a comment that names it (and the marked request ids),
// then `SecRule REQUEST_FILENAME "@streq <path>"` (kPath) or `"@beginsWith <prefix>"` (kPrefix)
// with "id:N,phase:1,pass,nolog,chain" and a chained `SecRule REQUEST_FILENAME` that refuses
// paths with "." or ".." segments (ModSecurity does not resolve them, so "/pub/../admin" begins
// with "/pub/"), or `SecAction "id:N,phase:1,pass,nolog,` (kRoute); the last rule's actions
// are `ctl:ruleRemoveTargetById=<rule>;<target>` (or ctl:ruleRemoveById=<rule> for a whole
// rule). Ids are `first_id`, `first_id + 1`, ...
std::string RenderExclusions(const std::vector<ProposedExclusion>& exclusions, uint32_t first_id);

// What AppendExclusionFile wrote, so that what is shown is exactly what was written.
struct AppendedExclusions {
  // Per exclusion given, in the same order: the id it was written with, or nullopt when the
  // file already held it.
  std::vector<std::optional<uint32_t>> ids;
  size_t added = 0;     // how many were written
  std::string seclang;  // the SecLang appended, byte for byte ("" when none)
};

// Adds the plan's exclusions to `path` (creating it with a header comment): exclusions the file
// already holds (same route, rule, target, scope and path, recognised by their comment) are left
// out, and new ids start after the highest id in the file (or at `first_id`). The file is
// replaced through a rename; an existing file keeps its mode, owner and group (the owner only
// when we may give files away, i.e. as root). Returns what was written.
core::Result<AppendedExclusions> AppendExclusionFile(
    const std::string& path, const std::vector<ProposedExclusion>& exclusions, uint32_t first_id);

// The plan as JSON: {"exclusions":[...],"seclang":"...","marked":[...],"also_affected":[...],
// "notes":[...]} (the dashboard's POST /api/tune answer).
std::string TunePlanJson(const TunePlan& plan, uint32_t first_id);
// The plan as AppendExclusionFile wrote it to `file`: ids as written (null for one the file
// already held), "seclang" the text appended, and a "file" key after "seclang".
std::string TunePlanJson(const TunePlan& plan, const AppendedExclusions& written,
                         const std::string& file);

// The plan for a terminal: the exclusions' SecLang, then what it lets through.
std::string TunePlanText(const TunePlan& plan, uint32_t first_id);
// The same after AppendExclusionFile wrote to `file`: the SecLang appended, then the "# rampart
// tune:" lines of the exclusions `file` already held, under "# not added again, already in FILE:"
// (or "# nothing added: the proposal is already in FILE:" when none was new).
std::string TunePlanText(const TunePlan& plan, const AppendedExclusions& written,
                         const std::string& file);

}  // namespace rampart::review
