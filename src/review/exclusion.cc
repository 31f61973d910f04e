#include "review/exclusion.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "core/strings.h"
#include "review/printable.h"

namespace rampart::review {

namespace {

// How the attack log marks a value it cut ("…[N bytes]").
constexpr std::string_view kCutMarker = "\xe2\x80\xa6";

// The comment line that names an exclusion; AppendExclusionFile recognises exclusions already in
// a file by it, so its text must not change.
constexpr std::string_view kMarkerPrefix = "# rampart tune: ";

// What the WAF logs for a variable whose name cannot be told apart from attacker text.
constexpr std::string_view kAmbiguousVariable = "(ambiguous)";

// The chained condition every path-scoped exclusion carries. libmodsecurity's REQUEST_FILENAME is
// the decoded path with its dot segments left in, so "/blog/../admin" begins with "/blog/": the
// exclusion must not apply to a path holding a "." or ".." segment (measured with 3.0.9: the
// chained ctl takes effect on "/blog/post", not on "/blog/./post" or "/blog/x/../post").
constexpr std::string_view kNoDotSegmentCondition =
    "  SecRule REQUEST_FILENAME \"!@rx (?:^|/)\\.\\.?(?:/|$)\" ";

// Request ids listed in an exclusion's comment before "and N more".
constexpr size_t kMaxIdsInComment = 10;

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

bool IsAllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsAsciiDigit);
}

// "ARGS", "REQUEST_HEADERS", "XML": what SecLang accepts before the ':' of a target.
bool IsCollectionName(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return IsAsciiLetter(c) || IsAsciiDigit(c) || c == '_';
  });
}

// Collections: a target naming one without a key takes the rule off every variable in it.
bool IsCollection(std::string_view name) {
  // clang-format off
  static constexpr std::string_view kCollections[] = {
      "ARGS", "ARGS_GET", "ARGS_POST", "ARGS_NAMES", "ARGS_GET_NAMES", "ARGS_POST_NAMES",
      "REQUEST_HEADERS", "REQUEST_HEADERS_NAMES", "REQUEST_COOKIES", "REQUEST_COOKIES_NAMES",
      "RESPONSE_HEADERS", "RESPONSE_HEADERS_NAMES", "FILES", "FILES_NAMES", "FILES_SIZES",
      "FILES_TMPNAMES", "FILES_TMP_CONTENT", "MULTIPART_PART_HEADERS", "MATCHED_VARS",
      "MATCHED_VARS_NAMES", "XML", "GEO", "ENV", "IP", "SESSION", "USER", "GLOBAL", "RESOURCE",
      "RULE"};
  // clang-format on
  return std::any_of(std::begin(kCollections), std::end(kCollections),
                     [&](std::string_view c) { return core::EqualsIgnoreCase(name, c); });
}

// A key goes into `ctl:ruleRemoveTargetById=<id>;<collection>:<key>` inside a double-quoted
// action list: ',' would end the action, ';' split the ctl argument, quotes end the string, and
// spaces or control bytes break the line. '@' is refused too: libmodsecurity 3.0.9 reads it as
// the start of an operator and rejects the whole file ("Expecting an action, got: @b"). Only
// characters measured to load and mean nothing there are allowed.
bool IsSafeKeyChar(char c) {
  return IsAsciiLetter(c) || IsAsciiDigit(c) || c == '_' || c == '.' || c == '-' || c == '[' ||
         c == ']' || c == '/' || c == '$';
}

// Whether `path` has a "." or ".." segment (what kNoDotSegmentCondition refuses).
bool HasDotSegment(std::string_view path) {
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    const std::string_view segment = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment == "." || segment == "..") return true;
    if (slash == std::string_view::npos) return false;
    start = slash + 1;
  }
}

// RFC 3986 pchar without pct-encoded (handled by the caller), plus '/'.
bool IsPathChar(char c) {
  if (IsAsciiLetter(c) || IsAsciiDigit(c)) return true;
  return std::string_view("-._~!$&'()*+,;=:@/").find(c) != std::string_view::npos;
}

// What can be done with a match's variable.
enum class TargetKind : uint8_t {
  kNamed,       // the variable itself is the target
  kWholeRule,   // no target can name it; the whole rule is removed (with a reason)
  kUnnameable,  // it cannot be written safely; no exclusion at all
};

struct TargetDecision {
  TargetKind kind = TargetKind::kNamed;
  std::string why;
};

// The advice that ends the note of a variable no exclusion is proposed for.
constexpr std::string_view kByHand = "; exclude it by hand if it must go";

TargetDecision ClassifyVariable(std::string_view var) {
  if (var.empty()) {
    return {TargetKind::kWholeRule,
            "the log names no variable for this match, so no target can be taken out"};
  }
  const size_t colon = var.find(':');
  const std::string_view collection = var.substr(0, colon);
  const std::string_view key =
      colon == std::string_view::npos ? std::string_view() : var.substr(colon + 1);
  if (var == kAmbiguousVariable || key == kAmbiguousVariable) {
    return {TargetKind::kUnnameable,
            "the variable could not be read unambiguously from the log; exclude by hand after "
            "checking the request"};
  }
  if (core::EqualsIgnoreCase(collection, "TX")) {
    return {TargetKind::kWholeRule,
            "it matched " + std::string(var) +
                ", a value CRS computes itself, which ctl:ruleRemoveTargetById cannot name"};
  }
  if (var.find(kCutMarker) != std::string_view::npos) {
    return {TargetKind::kUnnameable,
            "the variable's name was cut in the log" + std::string(kByHand)};
  }
  if (!IsCollectionName(collection)) {
    return {TargetKind::kUnnameable,
            "it is not a variable a target can name" + std::string(kByHand)};
  }
  if (colon == std::string_view::npos) {
    if (!IsCollection(collection)) return {};
    return {TargetKind::kUnnameable,
            "the log names the whole " + std::string(collection) +
                " collection, and a target without a key would take the rule off all of it" +
                std::string(kByHand)};
  }
  if (key.empty() || !std::all_of(key.begin(), key.end(), IsSafeKeyChar)) {
    return {
        TargetKind::kUnnameable,
        "the variable's name holds characters a ctl target cannot carry" + std::string(kByHand)};
  }
  return {};
}

// Why `path` cannot be written into `@streq` / `@beginsWith`, or nullopt when it can.
std::optional<std::string> PathProblem(std::string_view path) {
  if (path.empty()) return "is empty";
  if (path.find('%') != std::string_view::npos) {
    // ModSecurity compares REQUEST_FILENAME, the percent-decoded path: an encoded path would
    // never match, and its decoded form is rarely safe to write.
    return "is percent-encoded, and ModSecurity matches the decoded path";
  }
  if (!std::all_of(path.begin(), path.end(), IsPathChar)) {
    return "holds characters a rule cannot match safely";
  }
  if (HasDotSegment(path)) {
    return "has a \".\" or \"..\" segment, which the exclusion refuses to apply to";
  }
  return std::nullopt;
}

// REQUEST_FILENAME as ModSecurity computes it from the logged path: %XX escapes decoded (a '%'
// without two hex digits stays), and cut at a '?' the decoding produced.
std::string RequestFilename(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%' && i + 2 < path.size()) {
      const int hi = core::HexDigitValue(path[i + 1]);
      const int lo = core::HexDigitValue(path[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += path[i];
  }
  const size_t question = out.find('?');
  if (question != std::string::npos) out.resize(question);
  return out;
}

// Rule ids in numeric order when both are numbers, else as text.
bool RuleIdLess(std::string_view a, std::string_view b) {
  if (IsAllDigits(a) && IsAllDigits(b)) {
    std::string_view x = a;
    std::string_view y = b;
    while (x.size() > 1 && x.front() == '0') x.remove_prefix(1);
    while (y.size() > 1 && y.front() == '0') y.remove_prefix(1);
    if (x.size() != y.size()) return x.size() < y.size();
    if (x != y) return x < y;
  }
  return a < b;
}

bool ExclusionLess(const ProposedExclusion& a, const ProposedExclusion& b) {
  if (a.route != b.route) return a.route < b.route;
  if (a.rule_id != b.rule_id) return RuleIdLess(a.rule_id, b.rule_id);
  if (a.target != b.target) return a.target < b.target;
  return a.path < b.path;
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Whether the replay counts a logged variable as taken out by a ctl target: the collection
// compared exactly, the key without regard to case. libmodsecurity 3.0.9 is stricter in places
// (measured: ARGS and cookie names must match exactly; a header logged as "user-agent" is taken
// out by a "User-Agent" target but not the other way round), so the replay may list a record
// that would in fact still be stopped, but never leaves out one the exclusion reaches.
bool SameVariable(std::string_view var, std::string_view target) {
  const size_t a = var.find(':');
  const size_t b = target.find(':');
  if (var.substr(0, a) != target.substr(0, b)) return false;
  if ((a == std::string_view::npos) != (b == std::string_view::npos)) return false;
  if (a == std::string_view::npos) return true;
  return core::EqualsIgnoreCase(var.substr(a + 1), target.substr(b + 1));
}

bool IsWafMatch(const LoggedRule& rule) { return rule.source == "waf"; }

// CRS's outbound rules (RESPONSE-950 to -959) add to the outbound score, not the inbound one.
bool IsOutboundRule(std::string_view id) {
  if (id.size() != 6 || !IsAllDigits(id)) return false;
  return id >= "950000" && id <= "958999";
}

// The anomaly points CRS adds for a rule of this severity (its tx.*_anomaly_score defaults).
int SeverityScore(std::string_view severity) {
  if (core::EqualsIgnoreCase(severity, "critical")) return 5;
  if (core::EqualsIgnoreCase(severity, "error")) return 4;
  if (core::EqualsIgnoreCase(severity, "warning")) return 3;
  if (core::EqualsIgnoreCase(severity, "notice")) return 2;
  return 0;
}

std::string MatchLabel(const LoggedRule& rule) {
  if (rule.var.empty()) return rule.id;
  return rule.id + " on " + rule.var;
}

bool Covers(const ProposedExclusion& e, const AttackRecord& record,
            std::string_view request_filename, const LoggedRule& match) {
  if (e.route != record.route || e.rule_id != match.id || !IsWafMatch(match)) return false;
  if (e.scope != ExclusionScope::kRoute && HasDotSegment(request_filename)) return false;
  switch (e.scope) {
    case ExclusionScope::kPath:
      if (request_filename != e.path) return false;
      break;
    case ExclusionScope::kPrefix:
      if (!core::StartsWith(request_filename, e.path)) return false;
      break;
    case ExclusionScope::kRoute:
      break;
  }
  return e.target.empty() || SameVariable(match.var, e.target);
}

// Replays `record` against the proposal. `*reached` tells whether any match was taken away.
AffectedRecord Replay(const AttackRecord& record, const std::vector<ProposedExclusion>& exclusions,
                      const TuneOptions& options, bool* reached) {
  AffectedRecord out;
  out.request_id = record.request_id;
  out.time = record.time;
  out.route = record.route;
  out.uri = record.uri;
  out.action = record.action;
  const std::string request_filename = RequestFilename(record.path());

  // Per rule id: its severity points, and whether every one of its matches was removed.
  struct RuleState {
    int score = 0;
    bool all_removed = true;
  };
  std::map<std::string, RuleState> inbound_rules;
  bool outbound_left = false;
  *reached = false;
  for (const LoggedRule& match : record.rules) {
    if (!IsWafMatch(match) || IsOutcomeRule(match.id)) continue;
    const bool covered = std::any_of(exclusions.begin(), exclusions.end(), [&](const auto& e) {
      return Covers(e, record, request_filename, match);
    });
    (covered ? out.removed : out.remaining).push_back(MatchLabel(match));
    *reached = *reached || covered;
    if (IsOutboundRule(match.id)) {
      outbound_left = outbound_left || !covered;
      continue;
    }
    RuleState& state = inbound_rules[match.id];
    state.score = std::max(state.score, SeverityScore(match.severity));
    state.all_removed = state.all_removed && covered;
  }

  // CRS adds a rule's severity to the inbound score once per request, however many variables it
  // matched: a rule stops scoring only when all of its matches in the record are removed. The
  // logged score is the truth when there is one; the sum of the rules is the fallback.
  int score = 0;
  if (record.inbound_score) {
    score = *record.inbound_score;
  } else {
    for (const auto& [id, state] : inbound_rules) score += state.score;
  }
  for (const auto& [id, state] : inbound_rules) {
    if (state.all_removed) score -= state.score;
  }
  score = std::max(score, 0);
  const bool waf_decided = record.source == "waf" || record.action == "detected";
  out.would_pass = waf_decided && score < options.inbound_threshold && !outbound_left;
  return out;
}

bool Selected(const AttackRecord& record, const FalsePositiveSelection& selection) {
  if (!selection.request_ids.empty() && !Contains(selection.request_ids, record.request_id)) {
    return false;
  }
  if (!selection.rules.empty() &&
      std::none_of(record.rules.begin(), record.rules.end(),
                   [&](const LoggedRule& r) { return Contains(selection.rules, r.id); })) {
    return false;
  }
  if (!selection.route.empty() && record.route != selection.route) return false;
  if (!selection.uri_prefix.empty() && !core::StartsWith(record.path(), selection.uri_prefix)) {
    return false;
  }
  return true;
}

std::string Joined(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

// Notes in the order first given, each once.
class Notes {
 public:
  void Add(std::string note) {
    if (seen_.insert(note).second) notes_.push_back(std::move(note));
  }
  std::vector<std::string> Take() { return std::move(notes_); }

 private:
  std::set<std::string> seen_;
  std::vector<std::string> notes_;
};

// Collects the exclusions the marked records need, merged by (route, rule, target, path).
class ExclusionSet {
 public:
  explicit ExclusionSet(ExclusionScope scope) : scope_(scope) {}

  void Add(const std::string& route, const std::string& rule_id, const std::string& target,
           const std::string& path, const std::string& request_id, const std::string& reason) {
    ProposedExclusion& e = by_key_[{route, rule_id, target, path}];
    if (e.rule_id.empty()) {
      e.route = route;
      e.rule_id = rule_id;
      e.target = target;
      e.scope = scope_;
      e.path = path;
      e.reason = reason;
    }
    if (!request_id.empty()) e.request_ids.push_back(request_id);
  }

  // The exclusions, ordered. A variable's exclusion is folded into its rule's whole-rule
  // exclusion for the same path, which already covers it.
  std::vector<ProposedExclusion> Take() {
    std::vector<ProposedExclusion> out;
    for (auto& [key, e] : by_key_) {
      if (e.target.empty()) continue;
      auto whole = by_key_.find({e.route, e.rule_id, "", e.path});
      if (whole == by_key_.end()) continue;
      auto& ids = whole->second.request_ids;
      ids.insert(ids.end(), e.request_ids.begin(), e.request_ids.end());
      e.request_ids.clear();
      e.rule_id.clear();  // folded
    }
    for (auto& [key, e] : by_key_) {
      if (e.rule_id.empty()) continue;
      std::sort(e.request_ids.begin(), e.request_ids.end());
      e.request_ids.erase(std::unique(e.request_ids.begin(), e.request_ids.end()),
                          e.request_ids.end());
      out.push_back(std::move(e));
    }
    std::sort(out.begin(), out.end(), ExclusionLess);
    return out;
  }

 private:
  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  ExclusionScope scope_;
  std::map<Key, ProposedExclusion> by_key_;
};

// The path an exclusion for `record` gets under `scope`.
std::string ExclusionPath(const AttackRecord& record, const FalsePositiveSelection& selection,
                          ExclusionScope scope) {
  switch (scope) {
    case ExclusionScope::kPath:
      return std::string(record.path());
    case ExclusionScope::kPrefix:
      return selection.uri_prefix;
    case ExclusionScope::kRoute:
      return {};
  }
  return {};
}

core::Status CheckSelection(const std::vector<AttackRecord>& records,
                            const FalsePositiveSelection& selection, const TuneOptions& options) {
  if (selection.request_ids.empty() && selection.rules.empty() && selection.route.empty() &&
      selection.uri_prefix.empty()) {
    return core::MakeError(
        "nothing says which records are false positives: give request ids, rule ids, a route or "
        "a URI prefix");
  }
  if (options.scope == ExclusionScope::kPrefix && selection.uri_prefix.empty()) {
    return core::MakeError("scope prefix needs a URI prefix (--uri) to exclude under");
  }
  for (const std::string& id : selection.request_ids) {
    const auto found = std::count_if(records.begin(), records.end(),
                                     [&](const AttackRecord& r) { return r.request_id == id; });
    if (found == 0) {
      return core::MakeError("request id " + PrintableText(id) + " is not in the attack log read");
    }
    if (found > 1) {
      // A client (through a trusted proxy) may repeat an X-Request-Id: marking every record
      // that carries it could mark an attack.
      return core::MakeError("request id " + PrintableText(id) + " matches " +
                             std::to_string(found) +
                             " records in the logs read; mark them by --rule/--route/--uri "
                             "instead");
    }
  }
  return {};
}

// The comment line that names `e` (and recognises it in a file).
std::string MarkerLine(const ProposedExclusion& e) {
  std::string line(kMarkerPrefix);
  line += "route=" + PrintableText(e.route);
  line += " rule=" + e.rule_id;
  line += " target=" + (e.target.empty() ? std::string("*") : e.target);
  line += " scope=" + std::string(ExclusionScopeName(e.scope));
  line += " path=" + e.path;
  return line;
}

void AppendJsonString(std::string& out, std::string_view value) {
  out += '"';
  core::AppendJsonEscaped(out, value);
  out += '"';
}

void AppendJsonStrings(std::string& out, const std::vector<std::string>& values) {
  out += '[';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(out, values[i]);
  }
  out += ']';
}

void AppendAffectedJson(std::string& out, const std::vector<AffectedRecord>& records) {
  out += '[';
  for (size_t i = 0; i < records.size(); ++i) {
    const AffectedRecord& r = records[i];
    if (i > 0) out += ',';
    out += "{\"request_id\":";
    AppendJsonString(out, r.request_id);
    out += ",\"time\":";
    AppendJsonString(out, r.time);
    out += ",\"route\":";
    AppendJsonString(out, r.route);
    out += ",\"uri\":";
    AppendJsonString(out, r.uri);
    out += ",\"action\":";
    AppendJsonString(out, r.action);
    out += ",\"removed\":";
    AppendJsonStrings(out, r.removed);
    out += ",\"remaining\":";
    AppendJsonStrings(out, r.remaining);
    out += ",\"would_pass\":";
    out += r.would_pass ? "true" : "false";
    out += '}';
  }
  out += ']';
}

void AppendAffectedText(std::string& out, const std::vector<AffectedRecord>& records) {
  for (const AffectedRecord& r : records) {
    out += "  " + PrintableText(r.request_id) + "  " + PrintableText(r.time) + "  " +
           PrintableText(r.route) + "  " + PrintableText(r.uri) + "  " + PrintableText(r.action) +
           ": " + (r.would_pass ? "would pass" : "still stopped") + "\n";
    out +=
        "    removed: " + (r.removed.empty() ? "-" : PrintableText(Joined(r.removed, ", "))) + "\n";
    out +=
        "    remaining: " + (r.remaining.empty() ? "-" : PrintableText(Joined(r.remaining, ", "))) +
        "\n";
  }
}

// What the plan lets through, after its SecLang.
void AppendReplayText(std::string& out, const TunePlan& plan) {
  const auto passing =
      static_cast<size_t>(std::count_if(plan.marked.begin(), plan.marked.end(),
                                        [](const AffectedRecord& r) { return r.would_pass; }));
  out += "\nmarked as false positives: " + std::to_string(plan.marked.size()) + " (" +
         std::to_string(passing) + " would pass)\n";
  AppendAffectedText(out, plan.marked);
  out += "\nother records it reaches: " + std::to_string(plan.also_affected.size()) + "\n";
  AppendAffectedText(out, plan.also_affected);
  if (!plan.notes.empty()) {
    out += "\nnotes:\n";
    for (const std::string& note : plan.notes) out += "  - " + PrintableText(note) + "\n";
  }
}

// The plan as JSON, each exclusion with its id (null: not written, the file already held it),
// `seclang` as given, and "file" when it was written to one.
std::string PlanJson(const TunePlan& plan, const std::vector<std::optional<uint32_t>>& ids,
                     const std::string& seclang, const std::string* file) {
  std::string out = "{\"exclusions\":[";
  for (size_t i = 0; i < plan.exclusions.size(); ++i) {
    const ProposedExclusion& e = plan.exclusions[i];
    if (i > 0) out += ',';
    out += "{\"id\":";
    out += i < ids.size() && ids[i] ? std::to_string(*ids[i]) : std::string("null");
    out += ",\"route\":";
    AppendJsonString(out, e.route);
    out += ",\"rule\":";
    AppendJsonString(out, e.rule_id);
    out += ",\"target\":";
    AppendJsonString(out, e.target);
    out += ",\"scope\":";
    AppendJsonString(out, ExclusionScopeName(e.scope));
    out += ",\"path\":";
    AppendJsonString(out, e.path);
    out += ",\"request_ids\":";
    AppendJsonStrings(out, e.request_ids);
    out += ",\"reason\":";
    AppendJsonString(out, e.reason);
    out += '}';
  }
  out += "],\"seclang\":";
  AppendJsonString(out, seclang);
  if (file != nullptr) {
    out += ",\"file\":";
    AppendJsonString(out, *file);
  }
  out += ",\"marked\":";
  AppendAffectedJson(out, plan.marked);
  out += ",\"also_affected\":";
  AppendAffectedJson(out, plan.also_affected);
  out += ",\"notes\":";
  AppendJsonStrings(out, plan.notes);
  out += '}';
  return out;
}

// The highest `id:N` in a rule file's text (0 when none). Comment lines are skipped: they hold
// request ids from the log, which a client may have chosen.
uint64_t HighestRuleId(std::string_view text) {
  uint64_t highest = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = core::TrimOws(text.substr(start, end - start));
    start = end + 1;
    if (line.empty() || line.front() == '#') continue;
    for (size_t at = line.find("id:"); at != std::string_view::npos;
         at = line.find("id:", at + 3)) {
      const char before = at > 0 ? line[at - 1] : ' ';
      if (IsAsciiLetter(before) || IsAsciiDigit(before) || before == '_') {
        continue;  // "ruleRemoveById:", "myid:" are not ids
      }
      uint64_t value = 0;
      size_t digits = 0;
      for (size_t i = at + 3; i < line.size() && IsAsciiDigit(line[i]) && digits < 12;
           ++i, ++digits) {
        value = value * 10 + static_cast<uint64_t>(line[i] - '0');
      }
      if (digits > 0) highest = std::max(highest, value);
    }
  }
  return highest;
}

core::Result<std::string> ReadWholeFile(const std::string& path, bool* exists) {
  *exists = false;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::string();
    return core::MakeError(path + ": cannot open: " + std::strerror(errno));
  }
  *exists = true;
  std::string text;
  char buffer[8192];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string error = std::strerror(errno);
      ::close(fd);
      return core::MakeError(path + ": cannot read: " + error);
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

// Replaces `path` with `text` through a temporary file in the same directory and a rename, so a
// reader (or a reload) sees the old file or the new one, never half a rule. The new file keeps
// `original`'s owner, group and mode (nullptr: a new file, mode 0644, owned by us).
core::Status ReplaceFile(const std::string& path, const std::string& text,
                         const struct stat* original) {
  std::string temp = path + ".rampart-tune-XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0)
    return core::MakeError(path +
                           ": cannot create a temporary file beside it: " + std::strerror(errno));
  auto fail = [&](const char* what) {
    const std::string error = std::strerror(errno);
    ::close(fd);
    ::unlink(temp.c_str());
    return core::MakeError(path + ": cannot " + what + ": " + error);
  };
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write");
    }
    written += static_cast<size_t>(n);
  }
  if (original != nullptr && ::fchown(fd, original->st_uid, original->st_gid) != 0) {
    // Without the privilege to give a file away, keep at least its group (allowed when we are
    // in it) and its mode; the file then belongs to whoever ran `rampart tune`.
    if (errno != EPERM) return fail("set the owner of");
    const int kept_group = ::fchown(fd, static_cast<uid_t>(-1), original->st_gid);
    static_cast<void>(kept_group);
  }
  // After fchown, which may clear set-id bits.
  const mode_t mode = original != nullptr ? (original->st_mode & 07777) : 0644;
  if (::fchmod(fd, mode) != 0) return fail("set the mode of");
  if (::fsync(fd) != 0) return fail("sync");
  if (::close(fd) != 0) {
    const std::string error = std::strerror(errno);
    ::unlink(temp.c_str());
    return core::MakeError(path + ": cannot write: " + error);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string error = std::strerror(errno);
    ::unlink(temp.c_str());
    return core::MakeError(path + ": cannot replace: " + error);
  }
  return {};
}

std::string FileHeader(const std::vector<ProposedExclusion>& exclusions) {
  const std::string route = exclusions.empty() ? "" : PrintableText(exclusions.front().route);
  std::string out;
  out += "# CRS exclusions written by `rampart tune` from attack-log records marked as false\n";
  out += "# positives. Include this file in route " + route +
         "'s waf.before_crs (it must load before\n";
  out += "# CRS) and reload. Review every exclusion before relying on it: each one stops a CRS\n";
  out += "# rule from inspecting part of the requests it names. `rampart tune --out` recognises\n";
  out +=
      "# the exclusions already here by their \"# rampart tune:\" line and adds only new ones.\n";
  return out;
}

}  // namespace

std::string_view ExclusionScopeName(ExclusionScope scope) {
  switch (scope) {
    case ExclusionScope::kPath:
      return "path";
    case ExclusionScope::kPrefix:
      return "prefix";
    case ExclusionScope::kRoute:
      return "route";
  }
  return "path";
}

std::optional<ExclusionScope> ParseExclusionScope(std::string_view name) {
  if (name == "path") return ExclusionScope::kPath;
  if (name == "prefix") return ExclusionScope::kPrefix;
  if (name == "route") return ExclusionScope::kRoute;
  return std::nullopt;
}

core::Result<TunePlan> PlanExclusions(const std::vector<AttackRecord>& records,
                                      const FalsePositiveSelection& selection,
                                      const TuneOptions& options) {
  if (auto checked = CheckSelection(records, selection, options); !checked.ok()) {
    return checked.error();
  }
  std::vector<size_t> marked;
  std::set<std::string> routes;
  for (size_t i = 0; i < records.size(); ++i) {
    if (!Selected(records[i], selection)) continue;
    marked.push_back(i);
    routes.insert(records[i].route);
  }
  if (marked.empty()) return core::MakeError("no record in the attack log matches the selection");
  if (routes.size() > 1) {
    std::vector<std::string> names;
    names.reserve(routes.size());
    for (const std::string& route : routes) names.push_back(PrintableText(route));
    return core::MakeError("the marked records are on routes " + Joined(names, ", ") +
                           ": a proposal is for one route; add --route");
  }

  TunePlan plan;
  Notes notes;
  ExclusionSet exclusions(options.scope);
  std::set<std::string, decltype(&RuleIdLess)> outcome_rules(&RuleIdLess);
  std::set<std::string> rules_seen;
  // A prefix that cannot be written stops every exclusion at once, with one note.
  std::optional<std::string> prefix_problem;
  if (options.scope == ExclusionScope::kPrefix) {
    prefix_problem = PathProblem(selection.uri_prefix);
    if (prefix_problem) {
      notes.Add("no exclusion under the prefix " + PrintableText(selection.uri_prefix) + ": it " +
                *prefix_problem);
    }
  }

  for (size_t index : marked) {
    const AttackRecord& record = records[index];
    for (const LoggedRule& match : record.rules) {
      rules_seen.insert(match.id);
      if (!selection.rules.empty() && !Contains(selection.rules, match.id)) continue;
      const std::string label = PrintableText(MatchLabel(match));
      if (!IsWafMatch(match)) {
        notes.Add("left alone: " + PrintableText(match.source) + " rule " + label +
                  ": not a CRS rule; only WAF matches are excluded here");
        continue;
      }
      if (IsOutcomeRule(match.id)) {
        outcome_rules.insert(match.id);
        continue;
      }
      if (!IsAllDigits(match.id)) {
        notes.Add("left alone: rule " + label + ": its id is not a rule number");
        continue;
      }
      const std::string path = ExclusionPath(record, selection, options.scope);
      if (prefix_problem) continue;
      if (options.scope == ExclusionScope::kPath) {
        if (const auto problem = PathProblem(path)) {
          notes.Add("left alone: rule " + label + " at " + PrintableText(path) + ": the path " +
                    *problem + "; use --scope prefix with a plain --uri prefix, or --scope route");
          continue;
        }
      }
      const TargetDecision target = ClassifyVariable(match.var);
      switch (target.kind) {
        case TargetKind::kNamed:
          exclusions.Add(record.route, match.id, match.var, path, record.request_id, "");
          break;
        case TargetKind::kWholeRule:
          exclusions.Add(record.route, match.id, "", path, record.request_id,
                         "the whole rule: " + target.why);
          break;
        case TargetKind::kUnnameable:
          // Removing the whole rule instead would be broader than asked: say so and stop.
          notes.Add("left alone: rule " + label + ": " + target.why);
          break;
      }
    }
  }
  if (!outcome_rules.empty()) {
    notes.Add("left alone: outcome rules " +
              Joined(std::vector<std::string>(outcome_rules.begin(), outcome_rules.end()), ", ") +
              " (they match because others did; excluding them would hide every attack)");
  }
  for (const std::string& id : selection.rules) {
    if (rules_seen.count(id) == 0) {
      notes.Add("rule " + PrintableText(id) + ": no marked record matched it");
    }
  }
  plan.exclusions = exclusions.Take();

  for (size_t i = 0, next_marked = 0; i < records.size(); ++i) {
    const bool is_marked = next_marked < marked.size() && marked[next_marked] == i;
    if (is_marked) ++next_marked;
    bool reached = false;
    AffectedRecord replayed = Replay(records[i], plan.exclusions, options, &reached);
    if (is_marked) {
      plan.marked.push_back(std::move(replayed));
    } else if (reached) {
      plan.also_affected.push_back(std::move(replayed));
    }
  }
  plan.notes = notes.Take();
  return plan;
}

std::string RenderExclusions(const std::vector<ProposedExclusion>& exclusions, uint32_t first_id) {
  std::string out;
  uint64_t id = first_id;
  for (const ProposedExclusion& e : exclusions) {
    if (!out.empty()) out += '\n';
    out += MarkerLine(e) + "\n";
    std::vector<std::string> ids;
    for (size_t i = 0; i < e.request_ids.size() && i < kMaxIdsInComment; ++i) {
      ids.push_back(PrintableText(e.request_ids[i]));
    }
    out += "# false positives: " + Joined(ids, ", ");
    if (e.request_ids.size() > kMaxIdsInComment) {
      out += " and " + std::to_string(e.request_ids.size() - kMaxIdsInComment) + " more";
    }
    out += '\n';
    if (e.target.empty() && !e.reason.empty()) out += "# " + PrintableText(e.reason) + "\n";
    const std::string actions = "id:" + std::to_string(id++) + ",phase:1,pass,nolog,";
    switch (e.scope) {
      case ExclusionScope::kPath:
        out += "SecRule REQUEST_FILENAME \"@streq " + e.path + "\" \"" + actions + "chain\"\n";
        out += kNoDotSegmentCondition;
        out += '"';
        break;
      case ExclusionScope::kPrefix:
        out += "SecRule REQUEST_FILENAME \"@beginsWith " + e.path + "\" \"" + actions + "chain\"\n";
        out += kNoDotSegmentCondition;
        out += '"';
        break;
      case ExclusionScope::kRoute:
        out += "SecAction \"" + actions;
        break;
    }
    if (e.target.empty()) {
      out += "ctl:ruleRemoveById=" + e.rule_id;
    } else {
      out += "ctl:ruleRemoveTargetById=" + e.rule_id + ";" + e.target;
    }
    out += "\"\n";
  }
  return out;
}

core::Result<AppendedExclusions> AppendExclusionFile(
    const std::string& path, const std::vector<ProposedExclusion>& exclusions, uint32_t first_id) {
  // Write through a symlink to the file it names, as an editor would.
  std::string target = path;
  std::error_code ec;
  if (std::filesystem::is_symlink(path, ec)) {
    const auto resolved = std::filesystem::canonical(path, ec);
    if (ec) return core::MakeError(path + ": cannot resolve the link: " + ec.message());
    target = resolved.string();
  }
  bool exists = false;
  auto existing = ReadWholeFile(target, &exists);
  if (!existing.ok()) return existing.error();
  const std::string& text = existing.value();

  std::set<std::string> present;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (core::StartsWith(line, kMarkerPrefix)) present.emplace(line);
    start = end + 1;
  }
  AppendedExclusions appended;
  appended.ids.resize(exclusions.size());
  std::vector<ProposedExclusion> fresh;
  std::vector<size_t> fresh_index;  // where each of `fresh` is in `exclusions`
  for (size_t i = 0; i < exclusions.size(); ++i) {
    if (!present.insert(MarkerLine(exclusions[i])).second) continue;
    fresh.push_back(exclusions[i]);
    fresh_index.push_back(i);
  }
  if (fresh.empty()) return appended;

  const uint64_t next = std::max<uint64_t>(first_id, HighestRuleId(text) + 1);
  if (next + fresh.size() - 1 > UINT32_MAX) {
    return core::MakeError(path + ": its rule ids leave no room for " +
                           std::to_string(fresh.size()) + " more");
  }
  // RenderExclusions numbers `fresh` in order from `next`.
  for (size_t k = 0; k < fresh_index.size(); ++k) {
    appended.ids[fresh_index[k]] = static_cast<uint32_t>(next + k);
  }
  appended.seclang = RenderExclusions(fresh, static_cast<uint32_t>(next));
  std::string updated = text;
  if (!exists || updated.empty()) {
    updated = FileHeader(fresh);
  } else if (updated.back() != '\n') {
    updated += '\n';
  }
  updated += '\n';
  updated += appended.seclang;

  struct stat st {};
  const bool keep = exists && ::stat(target.c_str(), &st) == 0;
  if (auto replaced = ReplaceFile(target, updated, keep ? &st : nullptr); !replaced.ok()) {
    return replaced.error();
  }
  appended.added = fresh.size();
  return appended;
}

std::string TunePlanJson(const TunePlan& plan, uint32_t first_id) {
  std::vector<std::optional<uint32_t>> ids;
  for (size_t i = 0; i < plan.exclusions.size(); ++i) {
    ids.emplace_back(static_cast<uint32_t>(first_id + i));
  }
  return PlanJson(plan, ids, RenderExclusions(plan.exclusions, first_id), nullptr);
}

std::string TunePlanJson(const TunePlan& plan, const AppendedExclusions& written,
                         const std::string& file) {
  return PlanJson(plan, written.ids, written.seclang, &file);
}

std::string TunePlanText(const TunePlan& plan, uint32_t first_id) {
  std::string out;
  if (plan.exclusions.empty()) {
    out += "# no exclusion to propose: the marked records have no WAF match that can be excluded\n";
  } else {
    out += RenderExclusions(plan.exclusions, first_id);
  }
  AppendReplayText(out, plan);
  return out;
}

std::string TunePlanText(const TunePlan& plan, const AppendedExclusions& written,
                         const std::string& file) {
  std::string out = written.seclang;
  std::vector<std::string> already;
  for (size_t i = 0; i < plan.exclusions.size() && i < written.ids.size(); ++i) {
    if (!written.ids[i]) already.push_back(MarkerLine(plan.exclusions[i]));
  }
  if (!already.empty()) {
    if (!out.empty()) out += '\n';
    out += written.added == 0 ? "# nothing added: the proposal is already in "
                              : "# not added again, already in ";
    out += PrintableText(file) + ":\n";
    for (const std::string& line : already) out += line + "\n";
  }
  AppendReplayText(out, plan);
  return out;
}

}  // namespace rampart::review
