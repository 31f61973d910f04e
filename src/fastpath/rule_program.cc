#include "fastpath/rule_program.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include "core/strings.h"

namespace rampart::fastpath {
namespace {

std::optional<long long> ParseLong(std::string_view s) {
  long long n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return n;
}

std::optional<int> ParseInt(std::string_view s) {
  int n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return n;
}

int PhaseOf(std::string_view v) {
  if (v == "request") return 2;
  if (v == "response") return 4;
  if (v == "logging") return 5;
  return ParseInt(v).value_or(2);
}

Operator ParseOperator(std::string_view text) {
  Operator op;
  text = core::TrimOws(text);
  if (!text.empty() && text.front() == '!') {
    op.negated = true;
    text.remove_prefix(1);
  }
  if (!text.empty() && text.front() == '@') {
    const size_t space = text.find_first_of(" \t");
    op.name =
        core::ToLower(text.substr(1, space == std::string_view::npos ? text.npos : space - 1));
    if (space != std::string_view::npos) {
      std::string_view param = text.substr(space + 1);
      while (!param.empty() && (param.front() == ' ' || param.front() == '\t'))
        param.remove_prefix(1);
      op.param = std::string(param);
    }
  } else {
    op.name = "rx";  // an operator without '@' is a regex
    op.param = std::string(text);
  }
  return op;
}

// Applies a link's actions to its flags and transformation list (t:none resets it).
void ApplyLinkActions(Link& link, const std::vector<Action>& actions) {
  for (const Action& a : actions) {
    if (a.name == "t") {
      if (a.value == "none") {
        link.transformations.clear();
      } else {
        link.transformations.push_back(a.value);
      }
    } else if (a.name == "multimatch") {
      link.multi_match = true;
    } else if (a.name == "capture") {
      link.capture = true;
    }
    link.actions.push_back(a);
  }
}

bool IsDisruptive(std::string_view name) {
  return name == "deny" || name == "block" || name == "pass" || name == "allow" || name == "drop" ||
         name == "redirect" || name == "proxy" || name == "pause";
}

class Builder {
 public:
  core::Status Add(const modsec::Directive& d);
  // Removals and target updates apply to every rule, loaded before or after them (libmodsecurity
  // keeps them as exceptions checked at run time).
  void Finish();
  std::vector<Rule> rules;
  std::string unsupported;
  bool engine_off = false;
  size_t arguments_limit = kNoArgumentsLimit;
  bool request_body_access = false;
  size_t body_limit = SIZE_MAX;
  size_t body_no_files_limit = SIZE_MAX;
  size_t json_depth_limit = kDefaultJsonDepthLimit;
  size_t source = 0;          // the rule source (one libmodsecurity load) being read
  std::string body_conflict;  // a body setting two sources give different values

 private:
  // libmodsecurity merges its loads so that the first load setting a value keeps it, while
  // within one load the last value wins. A value a later source changes is not followed.
  bool Conflicts(const std::string& setting, const std::string& value) {
    auto [it, added] = settings_.try_emplace(setting, source, value);
    if (!added && it->second.first != source && it->second.second != value) return true;
    if (it->second.first == source) it->second.second = value;
    return false;
  }
  std::map<std::string, std::pair<size_t, std::string>> settings_;  // by lower-case name
  core::Status AddRule(const modsec::Directive& d, const std::string& targets,
                       const std::string& op, const std::string& actions);
  bool default_blocks_[kPhases] = {};  // a SecDefaultAction of the phase is disruptive
  std::vector<const modsec::Directive*> exceptions_;  // SecRuleRemove*, SecRuleUpdateTarget*
  bool chain_open_ = false;                           // the last rule's last link asked for a chain
  size_t open_index_ = 0;
};

core::Status Builder::AddRule(const modsec::Directive& d, const std::string& targets,
                              const std::string& op, const std::string& actions) {
  std::vector<Action> parsed = ParseActions(actions);
  Link link;
  if (!targets.empty() || !op.empty()) {
    link.targets = ParseTargets(targets);
    link.op = ParseOperator(op);
  } else {
    link.op.name = "unconditional";  // SecAction
  }
  const bool chained =
      std::any_of(parsed.begin(), parsed.end(), [](const Action& a) { return a.name == "chain"; });
  if (chain_open_) {
    Rule& parent = rules[open_index_];
    ApplyLinkActions(link, parsed);
    parent.links.push_back(std::move(link));
    chain_open_ = chained;
    return {};
  }
  Rule rule;
  rule.file = d.file;
  rule.line = d.line;
  for (const Action& a : parsed) {
    if (a.name == "phase") rule.phase = PhaseOf(a.value);
  }
  if (rule.phase < 1 || rule.phase >= kPhases) {
    return core::MakeError(d.file + ":" + std::to_string(d.line) + ": unknown phase");
  }
  // libmodsecurity writes a rule message unless the rule says nolog (and no log or auditlog
  // after it); counting more rules as logging than it does is the safe side.
  bool log = true;
  for (const Action& a : parsed) {
    if (a.name == "id") rule.id = ParseInt(a.value).value_or(0);
    if (a.name == "tag") rule.tags.push_back(a.value);
    if (a.name == "log" || a.name == "auditlog") log = true;
    if (a.name == "nolog") log = false;
    if (IsDisruptive(a.name)) rule.disruptive = a.name;
  }
  rule.logs = log;
  ApplyLinkActions(link, parsed);
  rule.links.push_back(std::move(link));
  rules.push_back(std::move(rule));
  chain_open_ = chained;
  open_index_ = rules.size() - 1;
  return {};
}

core::Status Builder::Add(const modsec::Directive& d) {
  const std::string where = d.file + ":" + std::to_string(d.line);
  const std::string name = core::ToLower(d.name);
  const auto& a = d.args;
  if (name == "secrule") {
    if (a.size() < 2) return core::MakeError(where + ": SecRule needs targets and an operator");
    return AddRule(d, a[0], a[1], a.size() > 2 ? a[2] : std::string());
  }
  if (name == "secaction") return AddRule(d, "", "", a.empty() ? std::string() : a[0]);
  chain_open_ = false;
  if (name == "secmarker" && !a.empty()) {
    Rule marker;
    marker.is_marker = true;
    marker.marker = std::string(modsec::UnquoteActionValue(a[0]));
    marker.file = d.file;
    marker.line = d.line;
    rules.push_back(std::move(marker));
  } else if (name == "secdefaultaction" && !a.empty()) {
    // libmodsecurity applies a phase's default actions when rules run, to rules loaded before
    // the directive too. Only defaults that change no match are modelled: logging and the
    // disruptive action (taken into account in Finish).
    int phase = 2;
    for (const Action& x : ParseActions(a[0])) {
      const bool harmless = (x.name == "t" && x.value == "none") || x.name == "log" ||
                            x.name == "nolog" || x.name == "auditlog" || x.name == "noauditlog" ||
                            x.name == "status" || x.name == "tag" || x.name == "severity" ||
                            x.name == "msg";
      if (x.name == "phase") {
        phase = PhaseOf(x.value);
      } else if (IsDisruptive(x.name)) {
        if (phase >= 1 && phase < kPhases && x.name != "pass") default_blocks_[phase] = true;
      } else if (!harmless) {
        unsupported = where + ": SecDefaultAction " + x.name + " is not modelled by the fast path";
      }
    }
  } else if (name == "secruleremovebyid" || name == "secruleremovebytag" ||
             name == "secruleupdatetargetbyid" || name == "secruleupdatetargetbytag") {
    exceptions_.push_back(&d);
  } else if (name.rfind("secruleupdate", 0) == 0 || name == "secruleremovebymsg") {
    unsupported = where + ": " + d.name + " is not modelled by the fast path";
  } else if (name == "secargumentseparator" || name == "seccookieformat" ||
             name == "secrequestbodyinmemorylimit" || name == "secremoterules" ||
             name == "secremoterulesfailaction" || name == "secruleperftime") {
    if (!(name == "seccookieformat" && !a.empty() && a[0] == "0") &&
        !(name == "secrequestbodyinmemorylimit")) {
      unsupported = where + ": " + d.name + " is not modelled by the fast path";
    }
  } else if ((name == "secrequestbodyaccess" || name == "secrequestbodylimit" ||
              name == "secrequestbodynofileslimit") &&
             !a.empty() && Conflicts(name, a[0])) {
    body_conflict = where + ": " + d.name + " differs from an earlier rule file's";
  } else if (name == "secrequestbodyjsondepthlimit" && !a.empty() && Conflicts(name, a[0])) {
    body_conflict = where + ": " + d.name + " differs from an earlier rule file's";
  } else if (name == "secrequestbodyjsondepthlimit" && !a.empty()) {
    const std::optional<long long> limit = ParseLong(a[0]);
    // Unreadable: no JSON body is known to fit.
    json_depth_limit = limit && *limit >= 0 ? static_cast<size_t>(*limit) : 0;
  } else if (name == "secrequestbodyaccess" && !a.empty()) {
    request_body_access = core::EqualsIgnoreCase(a[0], "On");
  } else if ((name == "secrequestbodylimit" || name == "secrequestbodynofileslimit") &&
             !a.empty()) {
    const std::optional<long long> limit = ParseLong(a[0]);
    // Unreadable: no body is known to fit.
    (name == "secrequestbodylimit" ? body_limit : body_no_files_limit) =
        limit && *limit >= 0 ? static_cast<size_t>(*limit) : 0;
  } else if (name == "secruleengine" && !a.empty()) {
    engine_off = core::EqualsIgnoreCase(a[0], "Off");
  } else if (name == "secargumentslimit" && !a.empty() && Conflicts(name, a[0])) {
    unsupported = where + ": SecArgumentsLimit differs from an earlier rule file's";
  } else if (name == "secargumentslimit" && !a.empty()) {
    const std::optional<int> limit = ParseInt(a[0]);
    if (limit && *limit >= 0) {
      arguments_limit = static_cast<size_t>(*limit);
    } else {
      unsupported = where + ": SecArgumentsLimit " + a[0] + " is not modelled by the fast path";
    }
  }
  return {};
}

void Builder::Finish() {
  // A rule without its own disruptive action takes its phase's default.
  for (Rule& r : rules) {
    if (!r.is_marker && r.disruptive.empty() && default_blocks_[r.phase]) r.disruptive = "deny";
  }
  // A removed rule stays in place: libmodsecurity still counts it towards skip:N.
  auto remove_if = [&](auto&& pred) {
    for (Rule& r : rules) {
      if (!r.is_marker && pred(r)) r.removed = true;
    }
  };
  for (const modsec::Directive* d : exceptions_) {
    const std::string name = core::ToLower(d->name);
    const auto& a = d->args;
    if (name == "secruleremovebyid") {
      for (const std::string& arg : a) {
        const size_t dash = arg.find('-');
        const auto lo = ParseInt(std::string_view(arg).substr(0, dash));
        const auto hi =
            dash == std::string::npos ? lo : ParseInt(std::string_view(arg).substr(dash + 1));
        if (!lo || !hi) continue;  // removing fewer rules than libmodsecurity is safe
        remove_if([&](const Rule& r) { return r.id >= *lo && r.id <= *hi; });
      }
    } else if (name == "secruleremovebytag" && !a.empty()) {
      remove_if([&](const Rule& r) {
        return std::find(r.tags.begin(), r.tags.end(), a[0]) != r.tags.end();
      });
    } else if (a.size() >= 2) {
      const bool by_id = name == "secruleupdatetargetbyid";
      const std::optional<int> id = by_id ? ParseInt(a[0]) : std::nullopt;
      for (Rule& r : rules) {
        if (r.is_marker) continue;
        const bool hit = by_id ? (id && r.id == *id)
                               : std::find(r.tags.begin(), r.tags.end(), a[0]) != r.tags.end();
        if (!hit) continue;
        if (a.size() > 2) {
          r.opaque = true;  // the replacing form: not modelled
          continue;
        }
        for (Target& t : ParseTargets(a[1])) r.links.front().targets.push_back(std::move(t));
      }
    }
  }
}

}  // namespace

std::vector<Target> ParseTargets(const std::string& list) {
  std::vector<Target> out;
  size_t i = 0;
  while (i <= list.size()) {
    // One target: up to the next '|' outside a /regex/ key.
    size_t end = i;
    bool in_regex = false;
    bool after_colon = false;
    while (end < list.size()) {
      const char c = list[end];
      if (c == '\\' && in_regex) {
        end += 2;
        continue;
      }
      if (c == ':' && !after_colon) {
        after_colon = true;
        // XML's key is an XPath ("XML:/*"), never a /regex/.
        const bool xml = end >= i + 3 && core::ToUpper(list.substr(end - 3, 3)) == "XML" &&
                         (end == i + 3 || list[end - 4] == '!' || list[end - 4] == '&');
        if (!xml && end + 1 < list.size() && list[end + 1] == '/') {
          in_regex = true;
          end += 2;
          continue;
        }
      } else if (c == '/' && in_regex) {
        in_regex = false;
      } else if (c == '|' && !in_regex) {
        break;
      }
      ++end;
    }
    std::string_view item =
        core::TrimOws(std::string_view(list).substr(i, std::min(end, list.size()) - i));
    i = end + 1;
    if (item.empty()) continue;
    Target t;
    if (item.front() == '!') {
      t.excluded = true;
      item.remove_prefix(1);
    } else if (item.front() == '&') {
      t.count = true;
      item.remove_prefix(1);
    }
    const size_t colon = item.find(':');
    t.collection = core::ToUpper(item.substr(0, colon));
    if (colon != std::string_view::npos) {
      std::string_view key = item.substr(colon + 1);
      if (key.size() >= 2 && key.front() == '/' && key.back() == '/') {
        t.key_is_regex = true;
        key = key.substr(1, key.size() - 2);
      } else if (key.size() >= 2 && key.front() == '\'' && key.back() == '\'') {
        key = key.substr(1, key.size() - 2);
      }
      t.key = std::string(key);
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<Action> ParseActions(const std::string& list) {
  std::vector<Action> out;
  for (std::string_view item : modsec::SplitActionList(list)) {
    if (item.empty()) continue;
    Action a;
    const size_t colon = item.find(':');
    a.name = core::ToLower(core::TrimOws(item.substr(0, colon)));
    if (colon != std::string_view::npos) {
      a.value = std::string(modsec::UnquoteActionValue(item.substr(colon + 1)));
    }
    out.push_back(std::move(a));
  }
  return out;
}

core::Result<RuleProgram> RuleProgram::Build(const std::vector<modsec::Directive>& directives,
                                             const std::vector<size_t>& source_starts) {
  Builder b;
  for (size_t i = 0; i < directives.size(); ++i) {
    while (b.source + 1 < source_starts.size() && source_starts[b.source + 1] <= i) ++b.source;
    if (auto added = b.Add(directives[i]); !added) return added.error();
  }
  b.Finish();
  RuleProgram program;
  for (Rule& r : b.rules) {
    if (r.is_marker) {
      // libmodsecurity puts a marker into every phase.
      for (int p = 1; p < kPhases; ++p) program.phases_[p].push_back(r);
    } else {
      program.phases_[r.phase].push_back(std::move(r));
    }
  }
  program.unsupported_ = std::move(b.unsupported);
  program.engine_off_ = b.engine_off;
  program.arguments_limit_ = b.arguments_limit;
  program.request_body_access_ = b.request_body_access;
  program.body_unsupported_ = std::move(b.body_conflict);
  program.request_body_limit_ = std::min(b.body_limit, b.body_no_files_limit);
  program.json_depth_limit_ = b.json_depth_limit;
  return program;
}

}  // namespace rampart::fastpath
