#pragma once
// Plan: what the fast path must check on each request, worked out once per rule set by
// following the rules as libmodsecurity would run them on a request that matches none of them
// (the "baseline"): the tx settings every request gets, which rules are skipped, and which rules
// read the request. Only the latter are watched; a request takes the fast path when none of
// them can match it.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "fastpath/request_values.h"
#include "fastpath/rule_program.h"

namespace rampart::fastpath {

// How a watched link is decided on a request.
enum class LinkCheck : uint8_t {
  kPrefilter,  // @rx / @pm: the Hyperscan prefilter of its transformation chain
  kExact,      // an operator rampart evaluates exactly (libmodsecurity's own code where it has it)
  kPresence,   // not understood: may match whenever one of its targets has a value
  kAlways,     // may match on every request (unknown variables, captures, ...)
  kTxName,     // a tx name made from a request value (prefix + value) matches op.param's regex
  kCapture,    // a two-link chain passing a capture through tx: see CaptureChain
};

// A chain whose first link captures from request values and sets tx variables from the
// captures, and whose second link reads those variables (CRS 920440, 920450). libmodsecurity
// runs the first link's setvars for every matching value; the chain fires when the second
// link's operator matches one of the variables so made.
struct CaptureChain {
  std::vector<std::pair<std::string, std::string>> setvars;  // name, value; %{tx.N} left in
  std::vector<Target> reads;                                 // the second link's tx targets
  std::vector<std::string> read_transformations;
  Operator read_op;  // parameter expanded
};

// Where a link reads: a modelled variable, optionally one key (compared case-insensitively).
struct Source {
  Variable variable;
  std::string key;  // empty: every value of the variable
  bool count = false;
  // A count of a body's arguments (kArgsGet*: ARGS, kArgsPost*: a form's ARGS_POST): phase 1
  // counts none of the body's, phase 2 all of them; either count may be the one a rule sees.
  bool body_count = false;
};

struct WatchedLink {
  LinkCheck check = LinkCheck::kAlways;
  std::vector<Source> sources;
  std::vector<std::string> transformations;
  bool multi_match = false;
  Operator op;              // macros in the parameter replaced by their baseline values
  std::string name_prefix;  // kTxName: what precedes the value in the variable's name
  CaptureChain capture;     // kCapture
};

struct WatchedRule {
  int id = 0;
  std::string file;
  int line = 0;
  std::vector<WatchedLink> links;  // the chain's request links; all must match for it to fire
};

struct Plan {
  std::vector<WatchedRule> rules;
  // A JSON plan's switches: the phase-1 rules whose only effect is ctl:requestBodyProcessor=JSON
  // (rampart's 200000). The plan holds for a request only when one of them surely fires on it;
  // they are not among `rules`, since firing is what they are expected to do.
  std::vector<WatchedRule> json_switches;
  // Why the rule set cannot take the fast path at all (empty when it can).
  std::string unsupported;
};

// Applies a transformation chain to a value (libmodsecurity's own transformations); nullopt when
// one of them is unknown.
using Transformer = std::function<std::optional<std::string>(const std::vector<std::string>& chain,
                                                             const std::string& value)>;

// Follows phases 1, 2 and 5 of `program` for requests with `body` (with kJson: those on which
// one of the json_switches fires).
Plan MakePlan(const RuleProgram& program, const Transformer& transform,
              BodyKind body = BodyKind::kNone);

}  // namespace rampart::fastpath
