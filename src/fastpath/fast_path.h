#pragma once
// FastPath: decides, for a request without a body or with a form or JSON body, whether any rule of
// a compiled policy could match it; when none can, the request skips libmodsecurity altogether,
// because libmodsecurity would have let it through with no finding. The decision only ever errs
// towards the slow path: transformations are libmodsecurity's own, regexes are over-approximated
// with Hyperscan prefilters, and whatever rampart cannot decide counts as "may match". Compiled on
// the loading thread per policy; Decide is thread-safe.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/regex.h"
#include "core/result.h"
#include "fastpath/exact_operators.h"
#include "fastpath/plan.h"
#include "fastpath/request_values.h"
#include "modsec/compiled_policy.h"
#include "modsec/lib_regex.h"
#include "modsec/transformations.h"

namespace rampart::fastpath {

class PatternSet;

struct Decision {
  bool fast = false;
  std::string reason;  // why the slow path: "rule 942100 (file:line) may match", "request body"
};

class FastPath {
 public:
  // The fast path of `policy`, or an error saying why its rules cannot take one (the route
  // then always takes the slow path).
  static core::Result<std::shared_ptr<const FastPath>> Compile(
      const std::shared_ptr<const modsec::CompiledPolicy>& policy);
  ~FastPath();
  FastPath(const FastPath&) = delete;
  FastPath& operator=(const FastPath&) = delete;

  // `head.body` is the whole request body (empty without one); `head.body_kind` and
  // `head.json` are set here.
  Decision Decide(const RequestHead& head) const;
  // Whether a body of `length` bytes with `content_type` may take the fast path: only then is
  // it worth holding libmodsecurity back until the whole body is here.
  bool MayTakeBody(std::string_view content_type, size_t length) const;

  // How many rules are watched.
  size_t watched_rules() const { return plan_.rules.size(); }

 private:
  // A transformation chain, shared as a trie: node 0 is the raw value.
  struct Node {
    int parent = -1;
    int transformation = -1;  // index in transformations_
    std::vector<int> steps;   // the whole chain from the raw value, in order
  };
  struct LinkRef {
    size_t rule;
    size_t link;
  };
  FastPath() = default;
  static core::Result<std::shared_ptr<FastPath>> CompileFor(
      const std::shared_ptr<const modsec::CompiledPolicy>& policy, const RuleProgram& program,
      BodyKind body);
  Decision DecideFor(const RequestHead& head) const;
  int NodeFor(const std::vector<std::string>& chain, std::string* error);

  std::shared_ptr<const modsec::CompiledPolicy> policy_;
  std::unique_ptr<modsec::Transformations> transformations_;
  Plan plan_;
  // Per rule: the index of its first link among all links (per-link tables are flat).
  std::vector<size_t> first_link_;
  size_t link_count_ = 0;
  size_t LinkIndex(size_t rule, size_t link) const { return first_link_[rule] + link; }
  std::vector<Node> nodes_;
  // Per rule, per link: the nodes it reads (several with multiMatch).
  std::vector<std::vector<std::vector<int>>> link_nodes_;
  std::vector<std::shared_ptr<const PatternSet>> sets_;  // per node (null: no prefilter there)
  // What a node's prefiltered links read, quick to ask of each value.
  struct NodeReads {
    uint32_t whole = 0;  // variables read whole, one bit each
    std::vector<std::pair<Variable, std::string>> keyed;
    void Add(const Source& s) {
      if (s.count) return;
      if (s.key.empty()) {
        whole |= 1u << static_cast<unsigned>(s.variable);
      } else {
        keyed.emplace_back(s.variable, s.key);
      }
    }
    bool Reads(const Value& v) const;
  };
  std::vector<NodeReads> set_reads_;    // per node
  std::vector<LinkRef> pattern_links_;  // pattern id -> link
  // kTxName links: the name regex, as written and caseless (libmodsecurity's case handling of
  // tx names is not relied on: either matching counts).
  std::map<std::pair<size_t, size_t>,
           std::pair<std::shared_ptr<const core::Regex>, std::shared_ptr<const core::Regex>>>
      name_regexes_;
  // kCapture links: the first link's regex as libmodsecurity runs it, the same for its groups
  // (PCRE2 with libmodsecurity's flags), and the second link's regex keys (caseless).
  struct CaptureRegexes {
    std::shared_ptr<const modsec::LibRegex> match;
    std::shared_ptr<const core::Regex> groups;
    std::vector<std::shared_ptr<const core::Regex>> keys;  // per read target; null: literal key
    std::optional<ExactOperator> read;                     // the second link's operator
    std::vector<int> read_steps;                           // the second link's transformations
  };
  std::map<std::pair<size_t, size_t>, CaptureRegexes> capture_regexes_;
  bool CaptureChainFires(const WatchedLink& link, const CaptureRegexes& re,
                         const std::string& value) const;
  // Per link (LinkIndex): for kExact links the operator, read once; for kPrefilter @rx links
  // the regex that confirms a prefilter hit (libmodsecurity's own).
  std::vector<std::optional<ExactOperator>> exact_ops_;
  std::vector<std::shared_ptr<const modsec::LibRegex>> confirm_regexes_;
  // The plans for form and JSON bodies (null: such bodies take the slow path, for the reason
  // beside).
  std::shared_ptr<const FastPath> form_;
  std::string form_unsupported_;
  std::shared_ptr<const FastPath> json_;
  std::string json_unsupported_;
  size_t body_limit_ = 0;
  size_t json_depth_limit_ = kDefaultJsonDepthLimit;
  // A JSON plan's switches (plan_.json_switches): their nodes and regexes.
  struct JsonSwitch {
    std::vector<int> steps;  // transformations, in order
    std::shared_ptr<const modsec::LibRegex> regex;
  };
  std::vector<JsonSwitch> json_switches_;
  // Whether one of the switches surely fires on a request with these values.
  bool JsonSwitchFires(const std::vector<Value>& values) const;
  uint64_t serial_ = 0;
  size_t arguments_limit_ = kNoArgumentsLimit;
};

}  // namespace rampart::fastpath
