#include "fastpath/plan.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "core/regex.h"
#include "core/strings.h"
#include "fastpath/exact_operators.h"
#include "fastpath/tx_state.h"

namespace rampart::fastpath {
namespace {

enum class Tri : uint8_t { kFalse, kTrue, kUnknown };

// How the fast path sees a rule target.
enum class TargetKind : uint8_t {
  kTx,        // the tx collection: known from the baseline
  kModelled,  // a request variable request_values.h computes
  kEmpty,     // a request variable that has no value without a body
  kUnknown,   // anything else
};

struct Classified {
  TargetKind kind;
  Variable variable = Variable::kCount;
  Variable also = Variable::kCount;  // a second variable the collection takes values from
};

// The body variables of a form (libmodsecurity's URLENCODED processor).
std::optional<Classified> ClassifyFormBody(const std::string& c) {
  static const std::map<std::string, Classified> kForm = {
      {"ARGS", {TargetKind::kModelled, Variable::kArgsGet, Variable::kArgsPost}},
      {"ARGS_NAMES", {TargetKind::kModelled, Variable::kArgsGetNames, Variable::kArgsPostNames}},
      {"ARGS_POST", {TargetKind::kModelled, Variable::kArgsPost}},
      {"ARGS_POST_NAMES", {TargetKind::kModelled, Variable::kArgsPostNames}},
      {"REQUEST_BODY", {TargetKind::kModelled, Variable::kRequestBody}},
      {"REQUEST_BODY_LENGTH", {TargetKind::kModelled, Variable::kRequestBodyLength}},
      {"REQBODY_PROCESSOR", {TargetKind::kModelled, Variable::kReqbodyProcessor}},
      // The URLENCODED processor never sets these.
      {"REQBODY_ERROR", {TargetKind::kModelled, Variable::kEmptyScalar}},
      {"REQBODY_PROCESSOR_ERROR", {TargetKind::kModelled, Variable::kEmptyScalar}},
  };
  auto it = kForm.find(c);
  if (it == kForm.end()) return std::nullopt;
  return it->second;
}

// The body variables of a JSON body (libmodsecurity's JSON processor): its arguments go to ARGS
// alone; ARGS_POST stays empty, and REQBODY_ERROR is "0" (a body with an error is never decided).
std::optional<Classified> ClassifyJsonBody(const std::string& c) {
  static const std::map<std::string, Classified> kJson = {
      {"ARGS", {TargetKind::kModelled, Variable::kArgsGet, Variable::kArgsPost}},
      {"ARGS_NAMES", {TargetKind::kModelled, Variable::kArgsGetNames, Variable::kArgsPostNames}},
      {"REQUEST_BODY", {TargetKind::kModelled, Variable::kRequestBody}},
      {"REQUEST_BODY_LENGTH", {TargetKind::kModelled, Variable::kRequestBodyLength}},
      {"REQBODY_PROCESSOR", {TargetKind::kModelled, Variable::kReqbodyProcessor}},
  };
  auto it = kJson.find(c);
  if (it == kJson.end()) return std::nullopt;
  return it->second;
}

Classified Classify(const std::string& c, BodyKind body) {
  if (body == BodyKind::kForm) {
    if (auto form = ClassifyFormBody(c)) return *form;
  }
  if (body == BodyKind::kJson) {
    if (auto json = ClassifyJsonBody(c)) return *json;
  }
  static const std::map<std::string, Variable> kModelled = {
      {"ARGS", Variable::kArgsGet},
      {"ARGS_GET", Variable::kArgsGet},
      {"ARGS_NAMES", Variable::kArgsGetNames},
      {"ARGS_GET_NAMES", Variable::kArgsGetNames},
      {"REQUEST_HEADERS", Variable::kRequestHeaders},
      {"REQUEST_HEADERS_NAMES", Variable::kRequestHeadersNames},
      {"REQUEST_COOKIES", Variable::kRequestCookies},
      {"REQUEST_COOKIES_NAMES", Variable::kRequestCookiesNames},
      {"REQUEST_URI", Variable::kRequestUri},
      {"REQUEST_URI_RAW", Variable::kRequestUriRaw},
      {"REQUEST_FILENAME", Variable::kRequestFilename},
      {"REQUEST_BASENAME", Variable::kRequestBasename},
      {"PATH_INFO", Variable::kPathInfo},
      {"QUERY_STRING", Variable::kQueryString},
      {"REQUEST_LINE", Variable::kRequestLine},
      {"REQUEST_METHOD", Variable::kRequestMethod},
      {"REQUEST_PROTOCOL", Variable::kRequestProtocol},
      {"ARGS_COMBINED_SIZE", Variable::kArgsCombinedSize},
      {"URLENCODED_ERROR", Variable::kUrlencodedError},
      {"FULL_REQUEST_LENGTH", Variable::kFullRequestLength},
      {"REQBODY_ERROR", Variable::kZeroFlag},
      {"REQBODY_PROCESSOR_ERROR", Variable::kZeroFlag},
      {"INBOUND_DATA_ERROR", Variable::kZeroFlag},
      // Single-valued variables exist even when never set: "" without a body.
      {"REQUEST_BODY", Variable::kEmptyScalar},
      {"REQUEST_BODY_LENGTH", Variable::kEmptyScalar},
      {"REQBODY_PROCESSOR", Variable::kEmptyScalar},
      {"REQBODY_ERROR_MSG", Variable::kEmptyScalar},
      {"REQBODY_PROCESSOR_ERROR_MSG", Variable::kEmptyScalar},
      {"FILES_COMBINED_SIZE", Variable::kEmptyScalar},
      {"MULTIPART_BOUNDARY_QUOTED", Variable::kEmptyScalar},
      {"MULTIPART_BOUNDARY_WHITESPACE", Variable::kEmptyScalar},
      {"MULTIPART_CRLF_LF_LINES", Variable::kEmptyScalar},
      {"MULTIPART_DATA_AFTER", Variable::kEmptyScalar},
      {"MULTIPART_DATA_BEFORE", Variable::kEmptyScalar},
      {"MULTIPART_FILE_LIMIT_EXCEEDED", Variable::kEmptyScalar},
      {"MULTIPART_HEADER_FOLDING", Variable::kEmptyScalar},
      {"MULTIPART_INVALID_HEADER_FOLDING", Variable::kEmptyScalar},
      {"MULTIPART_INVALID_PART", Variable::kEmptyScalar},
      {"MULTIPART_INVALID_QUOTING", Variable::kEmptyScalar},
      {"MULTIPART_LF_LINE", Variable::kEmptyScalar},
      {"MULTIPART_MISSING_SEMICOLON", Variable::kEmptyScalar},
      {"MULTIPART_STRICT_ERROR", Variable::kEmptyScalar},
      {"MULTIPART_UNMATCHED_BOUNDARY", Variable::kEmptyScalar},
  };
  // Collections a request without a body leaves empty.
  static const std::set<std::string> kEmptyWithoutBody = {"ARGS_POST",
                                                          "ARGS_POST_NAMES",
                                                          "FILES",
                                                          "FILES_NAMES",
                                                          "FILES_SIZES",
                                                          "FILES_TMPNAMES",
                                                          "FILES_TMP_CONTENT",
                                                          "MULTIPART_FILENAME",
                                                          "MULTIPART_NAME",
                                                          "MULTIPART_PART_HEADERS",
                                                          "XML"};
  if (c == "TX") return {TargetKind::kTx};
  if (auto it = kModelled.find(c); it != kModelled.end())
    return {TargetKind::kModelled, it->second};
  if (kEmptyWithoutBody.count(c) > 0) return {TargetKind::kEmpty};
  return {TargetKind::kUnknown};
}

// A link whose matches write tx variables named prefix + (transformed) value: the names a
// request makes are known once the request is (CRS 920450 names one per header).
struct NameProducer {
  std::string prefix;
  WatchedLink link;
};

bool Effectful(const Rule& rule) {
  if (rule.logs) return true;
  return !rule.disruptive.empty() && rule.disruptive != "pass";
}

bool ReadsRequest(const Link& link);

// The rules on tx alone (they run in the baseline), by id and tag: removing one of them, or one
// of its targets, at run time would change what the baseline follows.
struct StateRules {
  std::set<int> ids;
  std::vector<std::string> tags;  // lower case

  StateRules(std::set<int> rule_ids, std::vector<std::string> rule_tags)
      : ids(std::move(rule_ids)), tags(std::move(rule_tags)) {}
  explicit StateRules(const RuleProgram& program) {
    for (int phase = 1; phase < kPhases; ++phase) {
      for (const Rule& r : program.phase(phase)) {
        if (r.is_marker || std::any_of(r.links.begin(), r.links.end(), ReadsRequest)) continue;
        ids.insert(r.id);
        for (const std::string& t : r.tags) tags.push_back(core::ToLower(t));
      }
    }
  }
  // Whether ctl:ruleRemoveById/ByTag/TargetById/TargetByTag `argument` may touch one of them.
  bool MayBeTouchedBy(const std::string& kind, const std::string& argument) const {
    const std::string what = argument.substr(0, argument.find(';'));
    if (kind == "ruleremovebyid" || kind == "ruleremovetargetbyid") {
      const size_t dash = what.find('-');
      char* end = nullptr;
      const long lo = std::strtol(what.c_str(), &end, 10);
      const long hi =
          dash == std::string::npos ? lo : std::strtol(what.c_str() + dash + 1, &end, 10);
      if (lo <= 0 && hi <= 0) return true;  // not understood
      return ids.lower_bound(static_cast<int>(lo)) != ids.upper_bound(static_cast<int>(hi));
    }
    // By tag: any state rule tag that contains it (libmodsecurity's own comparison is not
    // relied on).
    const std::string tag = core::ToLower(what);
    return std::any_of(tags.begin(), tags.end(), [&](const std::string& t) {
      return t.find(tag) != std::string::npos || tag.find(t) != std::string::npos;
    });
  }
};

// A ctl action's value split at its '=': the kind in lower case ("ruleremovebyid"), the
// argument as written; nullopt without an '='.
struct Ctl {
  std::string kind;
  std::string argument;
};
std::optional<Ctl> SplitCtl(const std::string& value) {
  const size_t eq = value.find('=');
  if (eq == std::string::npos) return std::nullopt;
  return Ctl{core::ToLower(value.substr(0, eq)), value.substr(eq + 1)};
}

// A ctl that changes nothing for a request without a body, or that only removes request rules
// or their targets (which can only take matches away from rules the baseline already counts as
// silent).
bool HarmlessCtl(const std::string& value, const StateRules& state) {
  const std::optional<Ctl> ctl = SplitCtl(value);
  if (!ctl) return false;
  if (ctl->kind == "forcerequestbodyvariable" && core::EqualsIgnoreCase(ctl->argument, "on")) {
    return true;
  }
  if (ctl->kind == "ruleremovebyid" || ctl->kind == "ruleremovebytag" ||
      ctl->kind == "ruleremovetargetbyid" || ctl->kind == "ruleremovetargetbytag") {
    return !state.MayBeTouchedBy(ctl->kind, ctl->argument);
  }
  return false;
}

// Actions after which the rest of the baseline cannot be followed.
bool ChangesFlow(const Action& a, const StateRules& state) {
  return a.name == "skip" || a.name == "skipafter" ||
         (a.name == "ctl" && !HarmlessCtl(a.value, state));
}

bool IsPersistentCollection(const std::string& c) {
  return c == "IP" || c == "GLOBAL" || c == "SESSION" || c == "USER" || c == "RESOURCE";
}

bool WritesPersistentCollection(const Action& a) {
  if (a.name != "setvar" && a.name != "expirevar" && a.name != "deprecatevar") return false;
  std::string name = core::ToLower(a.value);
  if (!name.empty() && name[0] == '!') name.erase(0, 1);
  return !core::StartsWith(name, "tx.");
}

// Evaluates a link whose targets are all tx against the baseline, leaving out the names a
// request may make (their producers go to `guards`).
Tri EvaluateStateLink(const Link& link, const TxState& tx, const Transformer& transform,
                      std::vector<int>& guards) {
  if (link.op.name == "unconditional") return Tri::kTrue;
  std::optional<std::string> param = tx.Expand(link.op.param);
  if (!param) return Tri::kUnknown;
  Operator op = link.op;
  op.param = *param;
  bool unknown = false;
  for (const Target& t : link.targets) {
    if (t.excluded) return Tri::kUnknown;
    std::vector<std::optional<std::string>> values;
    if (!tx.Resolve(t, values, t.count ? nullptr : &guards)) return Tri::kUnknown;
    if (t.count) {
      const std::optional<std::string> n =
          transform(link.transformations, std::to_string(values.size()));
      if (!n) return Tri::kUnknown;
      const std::optional<bool> m = EvaluateExactly(op, *n);
      if (!m) return Tri::kUnknown;
      if (*m) return Tri::kTrue;
      continue;
    }
    for (const std::optional<std::string>& v : values) {
      if (!v) {
        unknown = true;
        continue;
      }
      const std::optional<std::string> tv = transform(link.transformations, *v);
      if (!tv) return Tri::kUnknown;
      const std::optional<bool> m = EvaluateExactly(op, *tv);
      if (!m) return Tri::kUnknown;
      if (*m) return Tri::kTrue;
    }
  }
  return unknown ? Tri::kUnknown : Tri::kFalse;
}

// Names of tx variables read anywhere by `rule` (targets and macros), lower case; "*" for any.
// An initcol key only matters when some rule reads the persistent collections.
void CollectTxReads(const Rule& rule, bool initcol_matters, std::set<std::string>& reads) {
  auto scan_macros = [&](const std::string& text) {
    size_t pos = 0;
    while ((pos = text.find("%{", pos)) != std::string::npos) {
      const size_t close = text.find('}', pos);
      if (close == std::string::npos) break;
      std::string macro = core::ToLower(text.substr(pos + 2, close - pos - 2));
      if (core::StartsWith(macro, "tx.")) reads.insert(macro.substr(3));
      pos = close + 1;
    }
  };
  for (const Link& l : rule.links) {
    for (const Target& t : l.targets) {
      if (t.collection != "TX") continue;
      if (t.key.empty()) {
        reads.insert("*");
      } else {
        reads.insert(t.key_is_regex ? "/" + t.key : core::ToLower(t.key));  // "/": a regex
      }
    }
    scan_macros(l.op.param);
    for (const Action& a : l.actions) {
      if (a.name == "setvar" || a.name == "ctl" || (a.name == "initcol" && initcol_matters) ||
          a.name == "expirevar" || a.name == "skipafter") {
        scan_macros(a.value);
      }
    }
  }
}

// Whether some rule reads the tx variable `name` (lower case, without "tx."), as `live` lists
// the reads: names, "/regex" keys, or "*" for every variable.
bool IsRead(const std::string& name, const std::set<std::string>& live) {
  if (live.count("*") > 0 || live.count(name) > 0 || name.find("%{") != std::string::npos) {
    return true;
  }
  for (const std::string& read : live) {
    if (read.empty() || read[0] != '/') continue;
    auto re = core::Regex::Compile("(?i)" + read.substr(1));
    if (!re || re.value()->Matches(name)) return true;
  }
  return false;
}

// A request rule whose firing changes nothing the verdict depends on: no log, no disruptive
// action, no flow change, only setvars of tx variables nothing reads, and no operator with
// effects of its own.
bool Inert(const Rule& rule, const std::set<std::string>& live, const StateRules& state) {
  if (Effectful(rule) || rule.opaque) return false;
  for (const Link& l : rule.links) {
    // Operators that reach outside the transaction (run a program, ask DNS, fill GEO): what
    // libmodsecurity would do, rampart does, by taking the slow path.
    const std::string op = core::ToLower(l.op.name);
    if (op == "inspectfile" || op == "rbl" || op == "geolookup") return false;
    // capture writes TX:0 .. TX:9.
    if (l.capture) {
      for (char digit = '0'; digit <= '9'; ++digit) {
        if (IsRead(std::string(1, digit), live)) return false;
      }
    }
    for (const Action& a : l.actions) {
      if (ChangesFlow(a, state) || WritesPersistentCollection(a) || a.name == "exec" ||
          a.name == "initcol" || a.name == "setuid" || a.name == "setsid") {
        return false;
      }
      if (a.name == "setvar") {
        std::string name = core::ToLower(a.value.substr(0, a.value.find('=')));
        if (!name.empty() && name[0] == '!') name.erase(0, 1);
        name.erase(0, 3);
        if (IsRead(name, live)) return false;
        // The anomaly scores are read by rampart itself (Inspection::Scores).
        if (name.find("anomaly_score") != std::string::npos) return false;
      }
    }
  }
  return true;
}

// The checks of a request link; nullopt when the link can never match a request with `body`.
std::optional<WatchedLink> WatchLink(const Link& link, const TxState& tx, bool chain_sets_tx,
                                     const std::set<std::string>& unwritten,
                                     const Transformer& transform, BodyKind body) {
  WatchedLink w;
  w.transformations = link.transformations;
  w.multi_match = link.multi_match;
  w.op = link.op;
  bool any_source = false;
  bool always = false;
  for (const Target& t : link.targets) {
    if (t.excluded) continue;  // looking at more values than libmodsecurity only adds matches
    Classified c = Classify(t.collection, body);
    // A persistent variable no rule that can match writes has no value (collections start
    // empty in each process).
    if (unwritten.count(t.collection) > 0 ||
        (!t.key.empty() && !t.key_is_regex &&
         unwritten.count(t.collection + ":" + core::ToUpper(t.key)) > 0)) {
      c.kind = TargetKind::kEmpty;
    }
    switch (c.kind) {
      case TargetKind::kTx: {
        // Earlier links of this chain may have set tx variables: unknown then.
        std::vector<std::optional<std::string>> values;
        if (chain_sets_tx || !tx.Resolve(t, values)) {
          always = true;
        } else if (t.count) {
          const std::optional<std::string> param = tx.Expand(link.op.param);
          const std::optional<std::string> n =
              transform(link.transformations, std::to_string(values.size()));
          Operator op = link.op;
          if (param) op.param = *param;
          const std::optional<bool> m = param && n ? EvaluateExactly(op, *n) : std::nullopt;
          if (!m || *m) always = true;
        } else {
          for (const auto& v : values) {
            if (!v) {
              always = true;
              continue;
            }
            std::optional<std::string> param = tx.Expand(link.op.param);
            if (!param) {
              always = true;
              continue;
            }
            Operator op = link.op;
            op.param = *param;
            const std::optional<std::string> tv = transform(link.transformations, *v);
            const std::optional<bool> m = tv ? EvaluateExactly(op, *tv) : std::nullopt;
            if (!m || *m) always = true;
          }
        }
        break;
      }
      case TargetKind::kModelled: {
        const std::string key = t.key_is_regex ? std::string() : t.key;
        const bool body_args = body != BodyKind::kNone &&
                               (c.also != Variable::kCount || c.variable == Variable::kArgsPost ||
                                c.variable == Variable::kArgsPostNames);
        if (t.count && body_args) {
          w.sources.push_back({c.variable, key, true, true});  // both phases' counts
        } else {
          w.sources.push_back({c.variable, key, t.count});
          if (c.also != Variable::kCount) w.sources.push_back({c.also, key, t.count});
        }
        any_source = true;
        if (t.count && t.key_is_regex) always = true;
        break;
      }
      case TargetKind::kEmpty:
        if (t.count) {
          // A count of nothing is "0": decided now.
          const std::optional<std::string> param = tx.Expand(link.op.param);
          Operator op = link.op;
          if (param) op.param = *param;
          const std::optional<std::string> zero = transform(link.transformations, "0");
          const std::optional<bool> m = param && zero ? EvaluateExactly(op, *zero) : std::nullopt;
          if (!m || *m) always = true;
        }
        break;
      case TargetKind::kUnknown:
        always = true;
        break;
    }
  }
  // An exclusion beside a count changes the count itself, which rampart does not follow.
  const bool counts = std::any_of(link.targets.begin(), link.targets.end(),
                                  [](const Target& t) { return t.count; });
  const bool excludes = std::any_of(link.targets.begin(), link.targets.end(),
                                    [](const Target& t) { return t.excluded; });
  if (always || (counts && excludes)) {
    w.check = LinkCheck::kAlways;
    return w;
  }
  if (!any_source) return std::nullopt;
  const std::optional<std::string> param = tx.Expand(link.op.param);
  if (!param) {
    w.check = LinkCheck::kPresence;
    return w;
  }
  w.op.param = *param;
  const bool has_count =
      std::any_of(w.sources.begin(), w.sources.end(), [](const Source& s) { return s.count; });
  if (!link.op.negated && !has_count &&
      (link.op.name == "rx" || link.op.name == "pm" || link.op.name == "pmf" ||
       link.op.name == "pmfromfile")) {
    w.check = LinkCheck::kPrefilter;
  } else if (IsExactOperator(link.op.name) || link.op.name == "rx") {
    w.check = LinkCheck::kExact;
  } else if (!link.op.negated && (link.op.name == "containsword" || link.op.name == "strmatch")) {
    w.op.name = "contains";  // both imply containing the parameter
    w.check = LinkCheck::kExact;
  } else {
    w.check = has_count ? LinkCheck::kAlways : LinkCheck::kPresence;
  }
  return w;
}

// A rule whose only effect is switching libmodsecurity to its JSON body processor (rampart's
// 200000): one phase-1 @rx link, pass, no log, and nothing but that ctl among its actions.
bool IsJsonSwitch(const Rule& r, int phase) {
  if (phase != 1 || r.opaque || r.links.size() != 1 || Effectful(r)) return false;
  const Link& l = r.links.front();
  if (l.capture || l.multi_match || l.op.name != "rx" || l.op.negated) return false;
  static const std::set<std::string> kInert = {
      "id",  "phase", "t",   "pass",     "nolog",    "noauditlog", "msg",
      "tag", "ver",   "rev", "severity", "maturity", "accuracy",   "logdata"};
  bool switches = false;
  for (const Action& a : l.actions) {
    if (a.name == "ctl" && core::ToLower(a.value) == "requestbodyprocessor=json") {
      switches = true;
    } else if (kInert.count(a.name) == 0) {
      return false;
    }
  }
  return switches;
}

// The variables whose modelled values are exactly the ones a phase-1 rule sees (no second,
// phase-2 value; no body arguments): what a switch must read for "it fires" to be certain.
bool ExactInPhase1(Variable v) {
  switch (v) {
    case Variable::kArgsGet:
    case Variable::kArgsGetNames:
    case Variable::kRequestHeaders:
    case Variable::kRequestHeadersNames:
    case Variable::kRequestCookies:
    case Variable::kRequestCookiesNames:
    case Variable::kRequestUri:
    case Variable::kRequestUriRaw:
    case Variable::kRequestFilename:
    case Variable::kRequestBasename:
    case Variable::kPathInfo:
    case Variable::kQueryString:
    case Variable::kRequestLine:
    case Variable::kRequestMethod:
    case Variable::kRequestProtocol:
      return true;
    default:
      return false;
  }
}

bool ReadsRequest(const Link& link) {
  return std::any_of(link.targets.begin(), link.targets.end(), [](const Target& t) {
    return !t.excluded && Classify(t.collection, BodyKind::kNone).kind != TargetKind::kTx;
  });
}

std::string Place(const Rule& r) {
  return "rule " + std::to_string(r.id) + " (" + r.file + ":" + std::to_string(r.line) + ")";
}

class Planner {
 public:
  Planner(const RuleProgram& program, const Transformer& transform, BodyKind body,
          std::set<std::string> unwritten)
      : program_(program),
        transform_(transform),
        body_(body),
        unwritten_(std::move(unwritten)),
        state_rules_(program) {}

  // The persistent variables ("IP:REPUT_BLOCK_FLAG") some rule that can match writes, or the
  // whole collection ("IP") when a name is made by a macro (after Run).
  std::set<std::string> Written() const {
    std::set<std::string> out;
    for (const Rule* r : may_fire_) {
      for (const Link& l : r->links) {
        for (const Action& a : l.actions) {
          if (!WritesPersistentCollection(a)) continue;
          std::string name = a.value.substr(0, a.value.find('='));
          if (!name.empty() && name[0] == '!') name.erase(0, 1);
          const std::string upper = core::ToUpper(name);
          const size_t dot = upper.find('.');
          const std::string collection = upper.substr(0, dot);
          // "IP" alone: some name of IP is written that a macro makes.
          if (dot == std::string::npos || upper.find("%{") != std::string::npos) {
            out.insert(collection);
          } else {
            out.insert(collection + ":" + upper.substr(dot + 1));
          }
        }
      }
    }
    return out;
  }

  Plan Run() {
    for (int phase : {1, 2, 5}) {
      if (!RunPhase(phase)) break;
    }
    if (!plan_.unsupported.empty()) return std::move(plan_);
    // What the rules that run read decides which request rules matter when they fire.
    bool initcol_matters = false;
    for (const Rule* r : may_fire_) {
      for (const Link& l : r->links) {
        for (const Target& t : l.targets) initcol_matters |= IsPersistentCollection(t.collection);
      }
    }
    if (body_ == BodyKind::kJson && !JsonSwitchesStay()) return std::move(plan_);
    std::set<std::string> live;
    for (const Rule* r : reached_) CollectTxReads(*r, initcol_matters, live);
    for (auto& [rule, watched] : candidates_) {
      if (rule != nullptr && Inert(*rule, live, state_rules_)) continue;
      plan_.rules.push_back(std::move(watched));
    }
    return std::move(plan_);
  }

 private:
  // False when the plan is settled (unsupported, or the engine switched itself off).
  bool RunPhase(int phase) {
    std::string skip_to;  // a skipAfter marker being skipped to
    int skip_count = 0;
    // libmodsecurity skips to the end of the phase when the marker is missing; rampart would
    // rather not follow that.
    auto missing_marker = [&] {
      plan_.unsupported = "skipAfter:" + skip_to + " in phase " + std::to_string(phase) +
                          " names no SecMarker after it";
      return false;
    };
    for (const Rule& r : program_.phase(phase)) {
      if (r.is_marker) {
        if (!skip_to.empty() && r.marker == skip_to) skip_to.clear();
        continue;
      }
      if (!skip_to.empty()) continue;
      if (skip_count > 0) {
        --skip_count;
        continue;
      }
      if (r.removed) continue;
      reached_.push_back(&r);
      const bool reads_request = std::any_of(r.links.begin(), r.links.end(), ReadsRequest);
      if (reads_request) {
        WatchRequestRule(r, phase);
        continue;
      }
      // A rule on tx settings alone: follow it as libmodsecurity would.
      Tri fires = Tri::kTrue;
      std::vector<int> guards;
      for (const Link& l : r.links) {
        const Tri t = EvaluateStateLink(l, tx_, transform_, guards);
        if (t == Tri::kFalse) {
          fires = Tri::kFalse;
          break;
        }
        if (t == Tri::kUnknown) fires = Tri::kUnknown;
      }
      if (fires == Tri::kFalse && !guards.empty()) {
        // It may still fire on a request that makes a name it reads: watch those names.
        for (int g : guards) {
          WatchedRule w{r.id, r.file, r.line, {producers_[g].link}};
          w.links.front().check = LinkCheck::kTxName;
          w.links.front().name_prefix = producers_[g].prefix;
          w.links.front().op = {"rx", TxRegexOf(r), false};
          candidates_.emplace_back(nullptr, std::move(w));
        }
        // Its last link's setvars only run when it fires (the slow path); earlier ones may.
        for (size_t i = 0; i + 1 < r.links.size(); ++i) {
          for (const Action& a : r.links[i].actions) {
            if (a.name == "setvar") tx_.Taint(a.value);
          }
        }
        continue;
      }
      if (fires == Tri::kFalse) continue;
      if (!guards.empty()) {
        plan_.unsupported = Place(r) + " reads tx names a request makes";
        return false;
      }
      const bool flow = std::any_of(r.links.begin(), r.links.end(), [this](const Link& l) {
        return std::any_of(l.actions.begin(), l.actions.end(),
                           [this](const Action& a) { return ChangesFlow(a, state_rules_); });
      });
      if (fires == Tri::kUnknown) {
        if (Effectful(r) || flow || r.opaque) {
          plan_.unsupported = Place(r) + " depends on settings the fast path cannot follow";
          return false;
        }
        for (const Link& l : r.links) {
          for (const Action& a : l.actions) {
            if (a.name == "setvar") tx_.Taint(a.value);
          }
        }
        continue;
      }
      if (phase != 5 && (Effectful(r) || r.opaque)) {
        plan_.unsupported = Place(r) + " acts on every request";
        return false;
      }
      for (const Link& l : r.links) {
        for (const Action& a : l.actions) {
          if (WritesPersistentCollection(a)) {
            plan_.unsupported = Place(r) + " writes a persistent collection on every request";
            return false;
          }
          if (a.name == "setvar" && !tx_.Set(a.value)) tx_.Taint(a.value);
          if (a.name == "skipafter") skip_to = a.value;
          if (a.name == "skip") skip_count = std::atoi(a.value.c_str());
          if (a.name == "ctl") {
            if (!HarmlessCtl(a.value, state_rules_)) {
              plan_.unsupported =
                  Place(r) + " changes the engine (" + a.value + ") on every request";
              return false;
            }
          }
        }
      }
    }
    if (!skip_to.empty()) return missing_marker();
    return true;
  }

  // The capture chain check of `r`, when it has that shape and rampart can follow it.
  std::optional<WatchedLink> CaptureChainOf(const Rule& r) const {
    if (r.links.size() != 2) return std::nullopt;
    const Link& first = r.links[0];
    const Link& second = r.links[1];
    if (!first.capture || first.multi_match || first.op.name != "rx" || first.op.negated) {
      return std::nullopt;
    }
    if (!ReadsRequest(first) || ReadsRequest(second) || second.multi_match) return std::nullopt;
    if (!IsExactOperator(second.op.name) && second.op.name != "rx") return std::nullopt;
    std::optional<WatchedLink> w = WatchLink(first, tx_, false, unwritten_, transform_, body_);
    if (!w || w->check == LinkCheck::kAlways || w->check == LinkCheck::kTxName) return std::nullopt;
    for (const Source& s : w->sources) {
      if (s.count) return std::nullopt;
    }
    for (const Action& a : first.actions) {
      if (a.name != "setvar") continue;
      const size_t eq = a.value.find('=');
      if (eq == std::string::npos || a.value[0] == '!') return std::nullopt;
      const std::optional<std::string> name = tx_.Expand(a.value.substr(0, eq), true);
      const std::optional<std::string> value = tx_.Expand(a.value.substr(eq + 1), true);
      if (!name || !value || !core::StartsWith(core::ToLower(*name), "tx.")) return std::nullopt;
      if (!value->empty() && ((*value)[0] == '+' || (*value)[0] == '-')) return std::nullopt;
      w->capture.setvars.emplace_back(name->substr(3), *value);
    }
    const std::optional<std::string> param = tx_.Expand(second.op.param);
    if (!param) return std::nullopt;
    for (const Target& t : second.targets) {
      if (t.excluded || t.count || t.key.empty()) return std::nullopt;
      if (!t.key_is_regex && IsCaptureKey(t.key)) {
        // TX:1 read straight from the first link's capture (CRS 920480): the group itself.
        w->capture.setvars.emplace_back(t.key, "%{tx." + t.key + "}");
        w->capture.reads.push_back(t);
        continue;
      }
      // What the baseline already holds under these names must not match on its own.
      std::vector<std::optional<std::string>> values;
      if (!tx_.Resolve(t, values)) return std::nullopt;
      Operator op = second.op;
      op.param = *param;
      for (const auto& v : values) {
        const std::optional<std::string> tv =
            v ? transform_(second.transformations, *v) : std::nullopt;
        const std::optional<bool> m = tv ? EvaluateExactly(op, *tv) : std::nullopt;
        if (!m || *m) return std::nullopt;
      }
      w->capture.reads.push_back(t);
    }
    w->check = LinkCheck::kCapture;
    w->capture.read_transformations = second.transformations;
    w->capture.read_op = second.op;
    w->capture.read_op.param = *param;
    return w;
  }

  // A JSON plan's switch: its link, to be evaluated exactly on each request (nullopt when `r`
  // is no switch, or one whose firing rampart cannot be sure of).
  std::optional<WatchedRule> JsonSwitchOf(const Rule& r, int phase) const {
    if (body_ != BodyKind::kJson || !IsJsonSwitch(r, phase)) return std::nullopt;
    const Link& l = r.links.front();
    // Every target a plain request variable: an exclusion or a regex key would make rampart
    // look at more values than libmodsecurity does, which is the wrong way round here.
    for (const Target& t : l.targets) {
      if (t.excluded || t.count || t.key_is_regex) return std::nullopt;
      const Classified c = Classify(t.collection, body_);
      if (c.kind != TargetKind::kModelled || c.also != Variable::kCount ||
          !ExactInPhase1(c.variable)) {
        return std::nullopt;
      }
    }
    std::optional<WatchedLink> w = WatchLink(l, tx_, false, unwritten_, transform_, body_);
    if (!w || w->check != LinkCheck::kPrefilter) return std::nullopt;
    w->check = LinkCheck::kExact;
    return WatchedRule{r.id, r.file, r.line, {std::move(*w)}};
  }

  void WatchRequestRule(const Rule& r, int phase) {
    if (std::optional<WatchedRule> json_switch = JsonSwitchOf(r, phase)) {
      // Expected to fire: Decide holds the plan only for requests on which one surely does.
      may_fire_.push_back(&r);
      plan_.json_switches.push_back(std::move(*json_switch));
      return;
    }
    // Decided on the tx the chain starts from, before its own setvars make names unknown.
    std::optional<WatchedLink> chain = r.opaque ? std::nullopt : CaptureChainOf(r);
    // Links after the first may see what earlier ones set; and what a link before the last
    // sets may be set even when the chain does not fire in the end (libmodsecurity runs each
    // link's actions as it matches): those variables are unknown from here on. The last link's
    // actions run only when the rule fires, which sends the request down the slow path.
    bool sets_tx = false;
    WatchedRule w;
    w.id = r.id;
    w.file = r.file;
    w.line = r.line;
    bool never = false;
    size_t may_run = 0;  // links whose actions may run
    for (const Link& l : r.links) {
      std::optional<WatchedLink> link = WatchLink(l, tx_, sets_tx, unwritten_, transform_, body_);
      if (!link) {
        never = true;
        break;
      }
      ++may_run;
      if (ReadsRequest(l)) w.links.push_back(std::move(*link));
      for (const Action& a : l.actions) {
        if (a.name == "setvar" || a.name == "capture") sets_tx = true;
      }
      if (l.capture) sets_tx = true;
    }
    for (size_t i = 0; i < may_run && i + 1 < r.links.size(); ++i) {
      const Link& l = r.links[i];
      // A producer: @rx ^.*$ with capture on request values, so %{tx.0} is the whole value.
      int producer = -1;
      if (l.capture && l.op.name == "rx" && !l.op.negated && l.op.param == "^.*$" &&
          ReadsRequest(l)) {
        std::optional<WatchedLink> watched =
            WatchLink(l, tx_, false, unwritten_, transform_, body_);
        if (watched && watched->check != LinkCheck::kAlways) {
          producers_.push_back({{}, std::move(*watched)});
          producer = static_cast<int>(producers_.size() - 1);
        }
      }
      for (const Action& a : l.actions) {
        if (a.name != "setvar") continue;
        if (producer >= 0) {
          std::string name = core::ToLower(a.value.substr(0, a.value.find('=')));
          producers_[producer].prefix = name.substr(3, name.find("%{") - 3);
        }
        tx_.Taint(a.value, producer);
      }
    }
    if (never) return;
    may_fire_.push_back(&r);
    if (phase == 5) {
      // Logging-phase rules cannot change the verdict, but what they store outlives the request.
      for (const Link& l : r.links) {
        if (std::any_of(l.actions.begin(), l.actions.end(), WritesPersistentCollection)) {
          plan_.unsupported = Place(r) + " writes a persistent collection after the request";
        }
      }
      return;
    }
    if (r.opaque) {
      for (WatchedLink& l : w.links) l.check = LinkCheck::kAlways;
    } else if (chain) {
      w.links = {std::move(*chain)};
    }
    candidates_.emplace_back(&r, std::move(w));
  }

  // Whether the JSON plan has a switch that no rule can remove at run time (a removed switch
  // would not fire: the plan would not hold); sets plan_.unsupported when not.
  bool JsonSwitchesStay() {
    if (plan_.json_switches.empty()) {
      plan_.unsupported = "no rule switches to the JSON body processor on its own";
      return false;
    }
    std::set<int> ids;
    std::vector<std::string> tags;
    for (int phase = 1; phase < kPhases; ++phase) {
      for (const Rule& r : program_.phase(phase)) {
        for (const WatchedRule& w : plan_.json_switches) {
          if (r.id != w.id) continue;
          ids.insert(r.id);
          for (const std::string& t : r.tags) tags.push_back(core::ToLower(t));
        }
      }
    }
    const StateRules switches(std::move(ids), std::move(tags));
    for (int phase = 1; phase < kPhases; ++phase) {
      for (const Rule& r : program_.phase(phase)) {
        for (const Link& l : r.links) {
          for (const Action& a : l.actions) {
            if (a.name != "ctl") continue;
            const std::optional<Ctl> ctl = SplitCtl(a.value);
            if (ctl && ctl->kind.rfind("ruleremove", 0) == 0 &&
                (ctl->kind == "ruleremovebymsg" ||
                 switches.MayBeTouchedBy(ctl->kind, ctl->argument))) {
              plan_.unsupported = Place(r) + " may remove the JSON switch at run time";
              return false;
            }
          }
        }
      }
    }
    return true;
  }

  // The one tx regex a guarded rule reads.
  static std::string TxRegexOf(const Rule& r) {
    for (const Link& l : r.links) {
      for (const Target& t : l.targets) {
        if (t.collection == "TX" && t.key_is_regex) return t.key;
      }
    }
    return {};
  }

  const RuleProgram& program_;
  const Transformer& transform_;
  const BodyKind body_;
  const std::set<std::string> unwritten_;
  const StateRules state_rules_;
  std::vector<NameProducer> producers_;
  TxState tx_;
  std::vector<const Rule*> reached_;   // every rule the baseline runs or watches
  std::vector<const Rule*> may_fire_;  // the request rules among them that can match
  // Request rules to watch (the rule is null for a guarded tx-name check), before the inert
  // ones are left out.
  std::vector<std::pair<const Rule*, WatchedRule>> candidates_;
  Plan plan_;
};

}  // namespace

Plan MakePlan(const RuleProgram& program, const Transformer& transform, BodyKind body) {
  if (!program.unsupported().empty()) return Plan{{}, {}, program.unsupported()};
  // First every persistent collection may have values; then those no rule that can match
  // writes to are known empty (fewer rules can match then, so no more writers appear).
  Planner first(program, transform, body, {});
  Plan plan = first.Run();
  if (!plan.unsupported.empty()) return plan;
  const std::set<std::string> written = first.Written();
  std::set<std::string> unwritten;
  // Every name of the collections the rules read, except those written.
  for (int phase = 1; phase < kPhases; ++phase) {
    for (const Rule& r : program.phase(phase)) {
      for (const Link& l : r.links) {
        for (const Target& t : l.targets) {
          if (!IsPersistentCollection(t.collection) || t.key.empty() || t.key_is_regex) continue;
          const std::string name = t.collection + ":" + core::ToUpper(t.key);
          if (written.count(t.collection) == 0 && written.count(name) == 0) unwritten.insert(name);
        }
      }
    }
  }
  for (const char* c : {"IP", "GLOBAL", "SESSION", "USER", "RESOURCE"}) {
    bool any = false;
    for (const std::string& w : written) any = any || core::StartsWith(w, std::string(c) + ":");
    if (written.count(c) == 0 && !any) unwritten.insert(c);
  }
  return Planner(program, transform, body, std::move(unwritten)).Run();
}

}  // namespace rampart::fastpath
