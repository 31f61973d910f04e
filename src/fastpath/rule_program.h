#pragma once
// RuleProgram: the meaning of a loaded rule set, as the fast path needs it: per phase, the rules
// (each a chain of links: targets, operator, transformations, actions) and markers in the order
// libmodsecurity runs them, after SecDefaultAction, SecRuleRemove* and SecRuleUpdateTarget*.
// Only what decides whether a rule can match is kept; whatever the reader does not understand
// is marked so the fast path treats it as "may match" (never as "cannot match").

#include <string>
#include <vector>

#include "core/result.h"
#include "fastpath/request_values.h"
#include "modsec/seclang_reader.h"

namespace rampart::fastpath {

struct Target {
  std::string collection;  // upper case: "ARGS", "REQUEST_HEADERS", "TX"
  std::string key;         // empty: the whole collection
  bool key_is_regex = false;
  bool count = false;     // &COLLECTION: the number of values
  bool excluded = false;  // !COLLECTION:key (the fast path may ignore it: it only removes values)
};

struct Operator {
  std::string name;   // lower case, without '@': "rx", "pm", "within", ...
  std::string param;  // as written; may hold %{macros}
  bool negated = false;
};

struct Action {
  std::string name;   // lower case: "setvar", "ctl", "skipafter", "t", ...
  std::string value;  // quotes removed
};

struct Link {
  std::vector<Target> targets;
  Operator op;
  std::vector<std::string> transformations;  // in order, after the last t:none
  std::vector<Action> actions;               // every action of this link, in order
  bool multi_match = false;
  bool capture = false;
};

struct Rule {
  int id = 0;  // 0 for rules without id (chain links only have one on the first link)
  int phase = 2;
  bool is_marker = false;
  std::string marker;       // SecMarker name
  std::vector<Link> links;  // empty for markers; one for an unchained rule or SecAction
  std::vector<std::string> tags;
  bool logs = false;       // writes a rule message (log, or the phase default, and no nolog)
  std::string disruptive;  // "deny", "block", "pass", "allow", "drop", "redirect", ...
  bool opaque = false;     // changed by a directive the reader does not model
  bool removed = false;    // SecRuleRemoveById/ByTag: never runs, but skip:N counts it
  std::string file;
  int line = 0;
};

// Phases 1-5 (index 0 unused).
inline constexpr int kPhases = 6;

class RuleProgram {
 public:
  // Builds the program from the directives of the whole rule set, in load order;
  // `source_starts` holds the index where each rule source (one libmodsecurity load) begins
  // (empty: one source). Fails (with file:line) only on directives too broken to model;
  // libmodsecurity has accepted them already.
  static core::Result<RuleProgram> Build(const std::vector<modsec::Directive>& directives,
                                         const std::vector<size_t>& source_starts = {});

  const std::vector<Rule>& phase(int n) const { return phases_[n]; }
  // Directives that change how every request is parsed in ways the fast path does not model
  // (SecArgumentSeparator, SecCookieFormat 1, ...): the reason, or empty.
  const std::string& unsupported() const { return unsupported_; }
  bool engine_off() const { return engine_off_; }
  // SecArgumentsLimit (kNoArgumentsLimit: none set).
  size_t arguments_limit() const { return arguments_limit_; }
  // SecRequestBodyAccess (libmodsecurity's default is Off).
  bool request_body_access() const { return request_body_access_; }
  // The smaller of SecRequestBodyLimit and SecRequestBodyNoFilesLimit, in bytes.
  size_t request_body_limit() const { return request_body_limit_; }
  // SecRequestBodyJsonDepthLimit: the most containers a JSON body may nest.
  size_t json_depth_limit() const { return json_depth_limit_; }
  // Why request bodies cannot be followed (a body setting that rule files disagree on), or empty.
  const std::string& body_unsupported() const { return body_unsupported_; }

 private:
  std::vector<Rule> phases_[kPhases];
  std::string unsupported_;
  bool engine_off_ = false;
  size_t arguments_limit_ = kNoArgumentsLimit;
  bool request_body_access_ = false;
  size_t request_body_limit_ = SIZE_MAX;
  size_t json_depth_limit_ = kDefaultJsonDepthLimit;
  std::string body_unsupported_;
};

// Splits a SecRule variable list ("ARGS|!ARGS:foo|&REQUEST_HEADERS:/^x-/").
std::vector<Target> ParseTargets(const std::string& list);
// Splits an action list ("id:1,phase:2,t:none,msg:'a, b'").
std::vector<Action> ParseActions(const std::string& list);

}  // namespace rampart::fastpath
