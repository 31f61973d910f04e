#include "fastpath/fast_path.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <span>
#include <utility>

#include "core/strings.h"
#include "fastpath/exact_operators.h"
#include "fastpath/json_arguments.h"
#include "fastpath/pattern_set.h"
#include "fastpath/rule_program.h"
#include "fastpath/value_memo.h"
#include "modsec/seclang_reader.h"

namespace rampart::fastpath {
namespace {

std::atomic<uint64_t> next_serial{1};

// The decision runs on the worker's event loop, where slow work stalls every connection: a
// request whose values hold more than kMaxValueBytes in all is sent down the slow path (to
// libmodsecurity on the offload pool) at once, no regex runs here on a value longer than
// kInlineRegexBytes, and at most kInlineRegexBudget bytes go through regexes per request;
// past either limit a regex counts as "may match".
constexpr size_t kMaxValueBytes = 4096;
constexpr size_t kInlineRegexBytes = 4096;
constexpr size_t kInlineRegexBudget = 65536;
thread_local size_t inline_regex_bytes = 0;  // this thread's current decision
// Set when a regex counted as "may match" unrun: read after checking one value alone, which
// resets it first (such an answer is not remembered).
thread_local bool inline_budget_spent = false;

bool OverInlineBudget(const std::string& value) {
  inline_regex_bytes += value.size();
  const bool over = value.size() > kInlineRegexBytes || inline_regex_bytes > kInlineRegexBudget;
  inline_budget_spent = inline_budget_spent || over;
  return over;
}

bool MayMatchInline(const modsec::LibRegex& re, const std::string& value) {
  return OverInlineBudget(value) || re.Matches(value);
}

// Whether an exact operator may match `text`: its answer, or "may" for a regex past the budget
// or an operator it cannot evaluate.
bool ExactMayMatch(const ExactOperator& op, const std::string& text) {
  return (op.is_regex() && OverInlineBudget(text)) || op.Evaluate(text).value_or(true);
}

// At most this many values a request checks alone without finding them in memory
// (value_memo.h); the rest join the other values' scans. A request of hundreds of distinct
// cookies would otherwise cost a scan per node for each, and push every other client's values
// out of the memory.
constexpr size_t kAloneMissesPerRequest = 64;

// Per-thread Hyperscan scratch: one, grown to fit every fast path the thread has used (each
// reload makes new ones; a scratch only grows, so its size stays that of the largest).
class ThreadScratch {
 public:
  ~ThreadScratch() { FreeScratch(scratch_); }
  hs_scratch* For(uint64_t serial, const std::vector<std::shared_ptr<const PatternSet>>& sets) {
    for (uint64_t s : fitted_) {
      if (s == serial) return scratch_;
    }
    for (const auto& set : sets) {
      if (set && !set->FitScratch(&scratch_)) return nullptr;
    }
    if (fitted_.size() >= 64) fitted_.clear();  // old serials: fitting again is harmless
    fitted_.push_back(serial);
    return scratch_;
  }

 private:
  hs_scratch* scratch_ = nullptr;
  std::vector<uint64_t> fitted_;
};

// Whether a regex may behave differently in a scan of newline-joined values than on each value
// alone: anchors to the subject's ends (\A \z \Z \G), a flag group turning an option off
// ((?-m), (?i-m)), a leading (*VERB), negative lookarounds (a neighbour's newline).
bool NeedsWholeValue(const std::string& pattern) {
  for (const char* token : {"\\A", "\\z", "\\Z", "\\G", "(*", "(?!", "(?<!"}) {
    if (pattern.find(token) != std::string::npos) return true;
  }
  for (size_t at = pattern.find("(?"); at != std::string::npos; at = pattern.find("(?", at + 2)) {
    size_t i = at + 2;
    while (i < pattern.size() && std::isalpha(static_cast<unsigned char>(pattern[i]))) ++i;
    if (i < pattern.size() && pattern[i] == '-') return true;
  }
  return false;
}

bool IsSingleValued(Variable v) {
  return v != Variable::kArgsGet && v != Variable::kArgsGetNames && v != Variable::kArgsPost &&
         v != Variable::kArgsPostNames && v != Variable::kRequestHeaders &&
         v != Variable::kRequestHeadersNames && v != Variable::kRequestCookies &&
         v != Variable::kRequestCookiesNames;
}

bool Reads(const Source& s, const Value& v) {
  return s.variable == v.variable && (s.key.empty() || core::EqualsIgnoreCase(s.key, v.key));
}

// Whether `link` reads `v` itself, as the checks of a request read it: prefilter and exact links
// through their value sources (a count is the request's, checked with the request), capture
// and tx-name links through every source, as their checks do.
bool LinkReads(const WatchedLink& link, const Value& v) {
  const bool counts_too = link.check == LinkCheck::kCapture || link.check == LinkCheck::kTxName;
  for (const Source& s : link.sources) {
    if ((counts_too || !s.count) && Reads(s, v)) return true;
  }
  return false;
}

// A request's values grouped by variable (their indices), so that a source only looks at the
// values of its own variable.
class ValuesByVariable {
 public:
  explicit ValuesByVariable(const std::vector<Value>& values) : values_(values) {
    constexpr auto kVariables = static_cast<size_t>(Variable::kCount);
    for (const Value& v : values) ++begin_[static_cast<size_t>(v.variable) + 1];
    for (size_t i = 1; i <= kVariables; ++i) begin_[i] += begin_[i - 1];
    std::array<uint32_t, kVariables + 1> next = begin_;
    order_.resize(values.size());
    for (size_t i = 0; i < values.size(); ++i) {
      order_[next[static_cast<size_t>(values[i].variable)]++] = static_cast<uint32_t>(i);
    }
  }
  // The indices of the values of `variable`.
  std::span<const uint32_t> Of(Variable variable) const {
    const auto v = static_cast<size_t>(variable);
    return {order_.data() + begin_[v], begin_[v + 1] - begin_[v]};
  }
  // How many values `s` reads.
  size_t Count(const Source& s) const {
    size_t n = 0;
    for (uint32_t v : Of(s.variable)) n += Reads(s, values_[v]) ? 1 : 0;
    return n;
  }

 private:
  const std::vector<Value>& values_;
  std::array<uint32_t, static_cast<size_t>(Variable::kCount) + 1> begin_{};
  std::vector<uint32_t> order_;
};

// The counts a rule may see for a count source: one, or a form's phase-1 and phase-2 counts.
std::vector<size_t> Counts(const Source& s, const ValuesByVariable& values) {
  // A single-valued variable always counts 1 (two values stand for its phase 1 and phase 2
  // forms, and "" is a value).
  if (IsSingleValued(s.variable)) return {1};
  const size_t n = values.Count(s);
  if (!s.body_count) return {n};
  if (s.variable == Variable::kArgsPost || s.variable == Variable::kArgsPostNames) return {0, n};
  // ARGS, ARGS_NAMES: the query's, then the query's and the body's.
  Source post = s;
  post.variable = s.variable == Variable::kArgsGet ? Variable::kArgsPost : Variable::kArgsPostNames;
  return {n, n + values.Count(post)};
}

std::vector<std::string> SplitWords(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
    size_t end = pos;
    while (end < text.size() && text[end] != ' ' && text[end] != '\t') ++end;
    if (end > pos) out.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

// The phrases of a @pmFromFile parameter (files relative to the rule's file); nullopt when one
// cannot be read.
std::optional<std::vector<std::string>> PhrasesFromFiles(const std::string& param,
                                                         const std::string& rule_file) {
  std::vector<std::string> phrases;
  const std::filesystem::path dir = std::filesystem::path(rule_file).parent_path();
  for (const std::string& name : SplitWords(param)) {
    if (name.find("://") != std::string::npos) return std::nullopt;
    const std::filesystem::path path =
        name.front() == '/' ? std::filesystem::path(name) : dir / name;
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::string line;
    while (std::getline(in, line)) {
      // Shorter phrases only match more: trimming keeps the prefilter an over-approximation.
      std::string_view p = core::TrimOws(line);
      while (!p.empty() && (p.back() == '\r' || p.back() == ' ')) p.remove_suffix(1);
      if (p.empty() || p.front() == '#') continue;
      phrases.emplace_back(p);
    }
  }
  return phrases;
}

}  // namespace

FastPath::~FastPath() = default;

bool FastPath::NodeReads::Reads(const Value& v) const {
  if ((whole & (1u << static_cast<unsigned>(v.variable))) != 0) return true;
  for (const auto& [variable, key] : keyed) {
    if (variable == v.variable && core::EqualsIgnoreCase(key, v.key)) return true;
  }
  return false;
}

int FastPath::NodeFor(const std::vector<std::string>& chain, std::string* error) {
  int node = 0;
  for (const std::string& name : chain) {
    auto index = transformations_->Find(name);
    if (!index) {
      *error = index.error().message;
      return -1;
    }
    int found = -1;
    for (size_t i = 1; i < nodes_.size(); ++i) {
      if (nodes_[i].parent == node && nodes_[i].transformation == index.value()) {
        found = static_cast<int>(i);
        break;
      }
    }
    if (found < 0) {
      std::vector<int> steps = nodes_[node].steps;
      steps.push_back(index.value());
      nodes_.push_back({node, index.value(), std::move(steps)});
      found = static_cast<int>(nodes_.size() - 1);
    }
    node = found;
  }
  return node;
}

core::Result<std::shared_ptr<const FastPath>> FastPath::Compile(
    const std::shared_ptr<const modsec::CompiledPolicy>& policy) {
  std::vector<modsec::Directive> directives;
  std::vector<size_t> source_starts;
  for (const modsec::RuleSource& source : policy->sources()) {
    source_starts.push_back(directives.size());
    if (auto read = modsec::ReadSecLang(source.text, "policy", source.base_dir, directives);
        !read) {
      return read.error();
    }
  }
  auto program = RuleProgram::Build(directives, source_starts);
  if (!program) return program.error();
  auto fp = CompileFor(policy, program.value(), BodyKind::kNone);
  if (!fp) return fp.error();
  // Forms have their own plan: the body's arguments and variables are more request values.
  if (!program.value().body_unsupported().empty()) {
    fp.value()->form_unsupported_ = program.value().body_unsupported();
  } else if (!program.value().request_body_access()) {
    fp.value()->form_unsupported_ = "SecRequestBodyAccess is not On";
  } else {
    // rampart's own limit answers 413 or cuts the body before libmodsecurity sees it.
    fp.value()->body_limit_ =
        std::min(program.value().request_body_limit(), policy->policy().request_body_limit);
    auto form = CompileFor(policy, program.value(), BodyKind::kForm);
    if (form) {
      fp.value()->form_ = std::move(form).value();
    } else {
      fp.value()->form_unsupported_ = form.error().message;
    }
    auto json = CompileFor(policy, program.value(), BodyKind::kJson);
    if (json) {
      fp.value()->json_ = std::move(json).value();
      fp.value()->json_depth_limit_ = program.value().json_depth_limit();
    } else {
      fp.value()->json_unsupported_ = json.error().message;
    }
  }
  if (fp.value()->json_ == nullptr && fp.value()->json_unsupported_.empty()) {
    fp.value()->json_unsupported_ = fp.value()->form_unsupported_;
  }
  return std::shared_ptr<const FastPath>(std::move(fp).value());
}

core::Result<std::shared_ptr<FastPath>> FastPath::CompileFor(
    const std::shared_ptr<const modsec::CompiledPolicy>& policy, const RuleProgram& program,
    BodyKind body) {
  std::shared_ptr<FastPath> fp(new FastPath());
  auto transformations = modsec::Transformations::Make(policy);
  if (!transformations) return transformations.error();
  fp->transformations_ = std::move(transformations).value();
  modsec::Transformations& t = *fp->transformations_;
  const Transformer transform = [&t](const std::vector<std::string>& chain,
                                     const std::string& value) -> std::optional<std::string> {
    auto steps = t.FindChain(chain);
    if (!steps) return std::nullopt;
    return t.ApplyChain(steps.value(), value);
  };
  fp->plan_ = MakePlan(program, transform, body);
  fp->arguments_limit_ = program.arguments_limit();
  if (!fp->plan_.unsupported.empty()) return core::MakeError(fp->plan_.unsupported);
  fp->policy_ = policy;
  fp->serial_ = next_serial.fetch_add(1);
  fp->nodes_.push_back({});  // the raw value

  for (const WatchedRule& rule : fp->plan_.json_switches) {
    const WatchedLink& link = rule.links.front();
    JsonSwitch sw;
    auto steps = t.FindChain(link.transformations);
    if (!steps) {
      return core::MakeError("rule " + std::to_string(rule.id) + ": " + steps.error().message);
    }
    sw.steps = std::move(steps).value();
    auto regex = modsec::LibRegex::Shared(link.op.param);
    if (!regex) return regex.error();
    sw.regex = regex.value();
    fp->json_switches_.push_back(std::move(sw));
  }
  std::map<int, std::vector<PatternSet::Pattern>> patterns;  // by node
  std::map<int, std::vector<Source>> read_at;                // by node
  for (const WatchedRule& rule : fp->plan_.rules) {
    fp->first_link_.push_back(fp->link_count_);
    fp->link_count_ += rule.links.size();
  }
  fp->exact_ops_.resize(fp->link_count_);
  fp->confirm_regexes_.resize(fp->link_count_);
  for (size_t r = 0; r < fp->plan_.rules.size(); ++r) {
    WatchedRule& rule = fp->plan_.rules[r];
    fp->link_nodes_.emplace_back();
    for (size_t l = 0; l < rule.links.size(); ++l) {
      WatchedLink& link = rule.links[l];
      std::vector<int> nodes;
      std::string error;
      // With multiMatch the operator also sees the value after each transformation.
      const size_t first = link.multi_match ? 0 : link.transformations.size();
      for (size_t n = first; n <= link.transformations.size(); ++n) {
        std::vector<std::string> prefix(link.transformations.begin(),
                                        link.transformations.begin() + static_cast<long>(n));
        const int node = fp->NodeFor(prefix, &error);
        if (node < 0) break;
        nodes.push_back(node);
      }
      if (!error.empty()) link.check = LinkCheck::kAlways;  // a transformation rampart lacks
      fp->link_nodes_.back().push_back(nodes);
      if (link.check == LinkCheck::kTxName) {
        auto exact = core::Regex::Compile(link.op.param);
        auto caseless = core::Regex::Compile("(?i)" + link.op.param);
        if (!exact || !caseless) {
          link.check = LinkCheck::kAlways;
        } else {
          fp->name_regexes_[{r, l}] = {exact.value(), caseless.value()};
        }
        continue;
      }
      if (link.check == LinkCheck::kCapture) {
        CaptureRegexes re;
        auto match = modsec::LibRegex::Shared(link.op.param);
        auto groups = core::Regex::Compile("(?sm)" + link.op.param);  // libmodsecurity's flags
        bool ok = match && groups;
        if (ok) {
          re.match = match.value();
          re.groups = groups.value();
        }
        for (const Target& read : link.capture.reads) {
          if (!read.key_is_regex) {
            re.keys.push_back(nullptr);
            continue;
          }
          auto key = core::Regex::Compile("(?i)" + read.key);
          ok = ok && key;
          re.keys.push_back(key ? key.value() : nullptr);
        }
        // The second link's transformations, found now: Decide must not add to the table.
        auto read_steps = t.FindChain(link.capture.read_transformations);
        ok = ok && read_steps;
        if (read_steps) re.read_steps = std::move(read_steps).value();
        re.read.emplace(link.capture.read_op);
        if (ok) {
          fp->capture_regexes_[{r, l}] = std::move(re);
        } else {
          link.check = LinkCheck::kAlways;
        }
        continue;
      }
      if (link.check == LinkCheck::kExact) {
        fp->exact_ops_[fp->LinkIndex(r, l)].emplace(link.op);
        continue;
      }
      if (link.check != LinkCheck::kPrefilter) continue;
      std::vector<PatternSet::Pattern> mine;
      const auto id = static_cast<uint32_t>(fp->pattern_links_.size());
      fp->pattern_links_.push_back({r, l});
      // Anchored to the whole value, or a negative lookaround: the joined scan could miss it;
      // or it matches the newline between values: the joined scan would always hit it. Either
      // way it is evaluated on each value instead.
      auto whole = link.op.name == "rx" ? modsec::LibRegex::Shared(link.op.param)
                                        : core::Result<std::shared_ptr<const modsec::LibRegex>>(
                                              core::MakeError("not a regex"));
      if (link.op.name == "rx" &&
          (NeedsWholeValue(link.op.param) || (whole && whole.value()->Matches("\n")))) {
        fp->pattern_links_.pop_back();
        if (whole) {
          fp->exact_ops_[fp->LinkIndex(r, l)].emplace(link.op);
          link.check = LinkCheck::kExact;
        } else {
          link.check = LinkCheck::kAlways;
        }
        continue;
      }
      if (link.op.name == "rx") {
        mine.push_back({link.op.param, id, false});
        // A prefilter hit is confirmed with the regex libmodsecurity runs.
        if (whole) fp->confirm_regexes_[fp->LinkIndex(r, l)] = whole.value();
      } else {
        std::optional<std::vector<std::string>> phrases =
            link.op.name == "pm" ? std::optional(SplitWords(link.op.param))
                                 : PhrasesFromFiles(link.op.param, rule.file);
        if (!phrases) {
          link.check = LinkCheck::kAlways;
          continue;
        }
        for (std::string& p : *phrases) mine.push_back({std::move(p), id, true});
      }
      for (int node : nodes) {
        auto& at = patterns[node];
        at.insert(at.end(), mine.begin(), mine.end());
        auto& sources = read_at[node];
        sources.insert(sources.end(), link.sources.begin(), link.sources.end());
      }
    }
  }
  fp->sets_.resize(fp->nodes_.size());
  fp->set_reads_.resize(fp->nodes_.size());
  for (auto& [node, sources] : read_at) {
    for (const Source& source : sources) fp->set_reads_[node].Add(source);
  }
  for (auto& [node, list] : patterns) {
    std::vector<uint32_t> refused;
    auto set = PatternSet::Compile(list, refused);
    if (!set) return set.error();
    fp->sets_[node] = std::move(set).value();
    for (uint32_t id : refused) {
      const LinkRef ref = fp->pattern_links_[id];
      fp->plan_.rules[ref.rule].links[ref.link].check = LinkCheck::kAlways;
    }
  }
  return fp;
}

// Whether the tx variables the first link makes from `value` (already transformed) can make
// the second link match.
bool FastPath::CaptureChainFires(const WatchedLink& link, const CaptureRegexes& re,
                                 const std::string& value) const {
  if (OverInlineBudget(value)) return true;
  if (!re.match->Matches(value)) return false;
  std::vector<std::optional<std::string>> groups;
  if (!re.groups->Captures(value, &groups)) return true;  // the two regex runs disagree
  // %{tx.N} with the value's groups; a group that did not take part keeps an older tx value,
  // which rampart does not know.
  auto expand = [&](const std::string& text, std::string* out) {
    out->clear();
    size_t pos = 0;
    while (true) {
      const size_t open = text.find("%{tx.", pos);
      if (open == std::string::npos) break;
      out->append(text, pos, open - pos);
      const auto n = static_cast<size_t>(text[open + 5] - '0');
      if (n >= groups.size() || !groups[n]) return false;
      *out += *groups[n];
      pos = open + 7;
    }
    out->append(text, pos, std::string::npos);
    return true;
  };
  const CaptureChain& chain = link.capture;
  std::string name;
  std::string made;
  for (const auto& [name_template, value_template] : chain.setvars) {
    if (!expand(name_template, &name) || !expand(value_template, &made)) return true;
    for (size_t i = 0; i < chain.reads.size(); ++i) {
      const Target& t = chain.reads[i];
      const bool read =
          re.keys[i] != nullptr ? re.keys[i]->Matches(name) : core::EqualsIgnoreCase(t.key, name);
      if (!read) continue;
      const std::string tv = transformations_->ApplyChain(re.read_steps, made);
      if (ExactMayMatch(*re.read, tv)) return true;
    }
  }
  return false;
}

namespace {

// libmodsecurity picks its URLENCODED processor for a Content-Type that starts so, in any case.
bool IsFormContentType(std::string_view value) {
  constexpr std::string_view kForm = "application/x-www-form-urlencoded";
  return value.size() >= kForm.size() &&
         core::EqualsIgnoreCase(value.substr(0, kForm.size()), kForm);
}

// A Content-Type for which libmodsecurity picks a body processor itself, before any rule runs
// (URLENCODED, MULTIPART): never decided with the JSON plan.
bool PicksProcessor(std::string_view value) {
  const std::string lower = core::ToLower(value);
  return lower.find("x-www-form-urlencoded") != std::string::npos ||
         lower.find("multipart/form-data") != std::string::npos;
}

}  // namespace

bool FastPath::MayTakeBody(std::string_view content_type, size_t length) const {
  if (length > body_limit_ || length > kMaxValueBytes) return false;
  if (IsFormContentType(content_type)) return form_ != nullptr;
  return json_ != nullptr && !PicksProcessor(content_type);
}

bool FastPath::JsonSwitchFires(const std::vector<Value>& values) const {
  for (size_t i = 0; i < json_switches_.size(); ++i) {
    const JsonSwitch& sw = json_switches_[i];
    for (const Source& s : plan_.json_switches[i].links.front().sources) {
      for (const Value& v : values) {
        if (!Reads(s, v)) continue;
        if (sw.regex->Matches(transformations_->ApplyChain(sw.steps, v.value))) return true;
      }
    }
  }
  return false;
}

Decision FastPath::Decide(const RequestHead& head) const {
  // A Content-Type picks a body processor, which sets variables even without a body (an empty
  // XML body is a parse error). Only URLENCODED is modelled: libmodsecurity picks it when the
  // value starts with the form type in any case.
  const std::string_view* content_type = nullptr;
  for (const auto& [name, value] : head.headers) {
    if (!core::EqualsIgnoreCase(name, "Content-Type")) continue;
    if (content_type != nullptr) return {false, "more than one Content-Type"};
    content_type = &value;
  }
  if (content_type == nullptr) {
    if (!head.body.empty()) return {false, "request body without a Content-Type"};
    return DecideFor(head);
  }
  if (head.body.size() > body_limit_) return {false, "request body over SecRequestBodyLimit"};
  if (IsFormContentType(*content_type)) {
    if (!form_) return {false, "form: " + form_unsupported_};
    RequestHead form = head;
    form.body_kind = BodyKind::kForm;
    return form_->DecideFor(form);
  }
  // Any other type is decided as JSON when a rule switches to the JSON processor on it (the
  // JSON plan checks that one surely does); otherwise it takes the slow path.
  const std::string type = "Content-Type " + std::string(content_type->substr(0, 64));
  if (PicksProcessor(*content_type)) return {false, type};
  if (!json_) return {false, type + ": " + json_unsupported_};
  auto arguments = ParseJsonArguments(head.body, json_depth_limit_, arguments_limit_);
  if (!arguments) return {false, type + ": " + arguments.error().message};
  RequestHead json = head;
  json.body_kind = BodyKind::kJson;
  json.json = &arguments.value();
  return json_->DecideFor(json);
}

Decision FastPath::DecideFor(const RequestHead& head) const {
  static thread_local ThreadScratch scratches;
  const std::vector<Value> values = ExtractValues(head, arguments_limit_);
  size_t value_bytes = 0;
  for (const Value& v : values) value_bytes += v.value.size();
  if (value_bytes > kMaxValueBytes) return {false, "request values over 4 KiB"};
  if (head.body_kind == BodyKind::kJson) {
    if (!JsonSwitchFires(values)) return {false, "no rule switches this body to JSON"};
    // A JSON argument past SecArgumentsLimit is a parse error in libmodsecurity.
    size_t body_arguments = 0;
    for (const Value& v : values) body_arguments += v.variable == Variable::kArgsPost ? 1 : 0;
    if (body_arguments != head.json->size()) return {false, "json: over SecArgumentsLimit"};
  }
  inline_regex_bytes = 0;
  // transformed[node * values + value], made on first use: the parent's string itself when the
  // transformation leaves it alone, else a new one kept in `arena`; with the byte classes of
  // the string (Transformations::ByteClasses), which tell whether the next one leaves it alone.
  struct Transformed {
    const std::string* value = nullptr;
    uint32_t classes = 0;
  };
  const size_t value_count = values.size();
  std::vector<Transformed> transformed(nodes_.size() * value_count);
  std::deque<std::string> arena;
  auto transformed_at = [&](auto&& self, int node, size_t v) -> const Transformed& {
    Transformed& slot = transformed[static_cast<size_t>(node) * value_count + v];
    if (slot.value != nullptr) return slot;
    if (node == 0) {
      slot = {&values[v].value, modsec::Transformations::ByteClasses(values[v].value)};
      return slot;
    }
    const Transformed& input = self(self, nodes_[node].parent, v);
    const int step = nodes_[node].transformation;
    if (transformations_->Unchanged(step, input.classes)) {
      slot = input;
    } else {
      const std::string& made = arena.emplace_back(transformations_->Transform(step, *input.value));
      slot = {&made, modsec::Transformations::ByteClasses(made)};
    }
    return slot;
  };
  auto value_at = [&](int node, size_t v) -> const std::string& {
    if (node == 0) return values[v].value;
    return *transformed_at(transformed_at, node, v).value;
  };

  const ValuesByVariable by_variable(values);

  // Prefilter hits, by link (LinkIndex).
  std::vector<uint8_t> hit(link_count_, 0);
  hs_scratch* scratch = scratches.For(serial_, sets_);
  if (scratch == nullptr && !pattern_links_.empty()) return {false, "no scan memory"};
  std::vector<uint32_t> ids;
  // The links a value that repeats between requests (ValueMemo::Remembers: headers, cookies,
  // the method, ...) may fire on its own, by link (LinkIndex): remembered from an earlier
  // request of this thread (value_memo.h), or found now by scanning and checking the value
  // alone. An answer made while a regex went unrun for the inline budget says "may match"
  // more often than it must, so it is not remembered.
  std::vector<uint8_t> checked_alone(values.size(), 0);
  std::vector<uint8_t> value_fires(link_count_, 0);
  std::vector<uint32_t> found;
  // Whether value v may make link (r, l) match, at any of its nodes: a kExact, kCapture or
  // kTxName link, evaluated exactly (a regex past the inline budget may match).
  auto value_fires_link = [&](size_t r, size_t l, size_t v) {
    const WatchedLink& link = plan_.rules[r].links[l];
    for (int node : link_nodes_[r][l]) {
      const std::string& t = value_at(node, v);
      switch (link.check) {
        case LinkCheck::kExact:
          if (ExactMayMatch(*exact_ops_[LinkIndex(r, l)], t)) return true;
          break;
        case LinkCheck::kCapture:
          if (CaptureChainFires(link, capture_regexes_.at({r, l}), t)) return true;
          break;
        case LinkCheck::kTxName: {
          const auto& [exact, caseless] = name_regexes_.at({r, l});
          const std::string name = link.name_prefix + t;
          if (OverInlineBudget(name) || exact->Matches(name) || caseless->Matches(name)) {
            return true;
          }
          break;
        }
        default:
          return true;
      }
    }
    return false;
  };
  // Whether libmodsecurity's regex of prefiltered link `ref` may match value v at one of the
  // link's nodes.
  auto regex_may_match = [&](const modsec::LibRegex& re, LinkRef ref, size_t v) {
    for (int n : link_nodes_[ref.rule][ref.link]) {
      if (MayMatchInline(re, value_at(n, v))) return true;
    }
    return false;
  };
  // Fills `found` for value v alone; false when a scan failed.
  auto links_of = [&](size_t v) {
    const Value& value = values[v];
    for (size_t node = 0; node < sets_.size(); ++node) {
      if (!sets_[node] || !set_reads_[node].Reads(value)) continue;
      ids.clear();
      if (!sets_[node]->Scan(value_at(static_cast<int>(node), v), scratch, ids)) return false;
      for (uint32_t id : ids) {
        const LinkRef ref = pattern_links_[id];
        const size_t index = LinkIndex(ref.rule, ref.link);
        if (std::find(found.begin(), found.end(), index) != found.end()) continue;
        if (!LinkReads(plan_.rules[ref.rule].links[ref.link], value)) continue;
        const modsec::LibRegex* confirm = confirm_regexes_[index].get();
        // @pm (no regex): the prefilter's answer stands.
        if (confirm == nullptr || regex_may_match(*confirm, ref, v)) {
          found.push_back(static_cast<uint32_t>(index));
        }
      }
    }
    for (size_t r = 0; r < plan_.rules.size(); ++r) {
      for (size_t l = 0; l < plan_.rules[r].links.size(); ++l) {
        const WatchedLink& link = plan_.rules[r].links[l];
        const bool checked_per_value = link.check == LinkCheck::kExact ||
                                       link.check == LinkCheck::kCapture ||
                                       link.check == LinkCheck::kTxName;
        if (checked_per_value && LinkReads(link, value) && value_fires_link(r, l, v)) {
          found.push_back(static_cast<uint32_t>(LinkIndex(r, l)));
        }
      }
    }
    return true;
  };
  size_t misses = 0;
  for (size_t v = 0; v < values.size(); ++v) {
    if (!ValueMemo::Remembers(values[v])) continue;
    if (const std::vector<uint32_t>* links = ValueMemo::Find(serial_, values[v])) {
      checked_alone[v] = 1;
      for (uint32_t index : *links) value_fires[index] = 1;
      continue;
    }
    if (++misses > kAloneMissesPerRequest) continue;
    checked_alone[v] = 1;
    found.clear();
    inline_budget_spent = false;
    if (!links_of(v)) return {false, "prefilter scan failed"};
    if (!inline_budget_spent) ValueMemo::Remember(serial_, values[v], found);
    for (uint32_t index : found) value_fires[index] = 1;
  }

  // The other values: one scan per chain node over every value read there, joined by newlines
  // (the patterns are multi-line, so ^ and $ still see each value's ends; a match across two
  // values is only a spurious hit). A hit is then checked value by value with the regex
  // libmodsecurity runs.
  std::vector<LinkRef> candidates;
  std::string joined;
  for (size_t node = 0; node < sets_.size(); ++node) {
    if (!sets_[node]) continue;
    joined.clear();
    ids.clear();
    const NodeReads& reads = set_reads_[node];
    for (size_t v = 0; v < values.size(); ++v) {
      if (checked_alone[v] || !reads.Reads(values[v])) continue;
      const std::string& t = value_at(static_cast<int>(node), v);
      if (t.empty() && !sets_[node]->Scan(t, scratch, ids)) return {false, "prefilter scan failed"};
      joined += t;
      joined += '\n';
    }
    if (joined.empty()) continue;
    if (!sets_[node]->Scan(joined, scratch, ids)) return {false, "prefilter scan failed"};
    for (uint32_t id : ids) {
      const LinkRef ref = pattern_links_[id];
      uint8_t& h = hit[LinkIndex(ref.rule, ref.link)];
      if (h == 0) candidates.push_back(ref);
      h = 1;  // confirmed (or not) below
    }
  }
  for (const LinkRef& ref : candidates) {
    const modsec::LibRegex* confirm = confirm_regexes_[LinkIndex(ref.rule, ref.link)].get();
    if (confirm == nullptr) continue;  // @pm: the prefilter's answer stands
    bool matched = false;
    const WatchedLink& link = plan_.rules[ref.rule].links[ref.link];
    for (size_t v = 0; v < values.size() && !matched; ++v) {
      if (checked_alone[v] || !LinkReads(link, values[v])) continue;
      matched = regex_may_match(*confirm, ref, v);
    }
    hit[LinkIndex(ref.rule, ref.link)] = matched ? 1 : 0;
  }

  for (size_t r = 0; r < plan_.rules.size(); ++r) {
    const WatchedRule& rule = plan_.rules[r];
    bool fires = true;
    for (size_t l = 0; l < rule.links.size() && fires; ++l) {
      const WatchedLink& link = rule.links[l];
      switch (link.check) {
        case LinkCheck::kAlways:
          break;
        case LinkCheck::kPrefilter:
          fires = hit[LinkIndex(r, l)] != 0 || value_fires[LinkIndex(r, l)] != 0;
          break;
        case LinkCheck::kPresence: {
          bool present = false;
          for (const Source& s : link.sources) {
            present = present || s.count || by_variable.Count(s) > 0;
          }
          fires = present;
          break;
        }
        case LinkCheck::kCapture:
        case LinkCheck::kTxName: {
          bool made = value_fires[LinkIndex(r, l)] != 0;
          for (const Source& s : link.sources) {
            for (uint32_t v : by_variable.Of(s.variable)) {
              if (made) break;
              if (checked_alone[v] || !Reads(s, values[v])) continue;
              made = value_fires_link(r, l, v);
            }
          }
          fires = made;
          break;
        }
        case LinkCheck::kExact: {
          const ExactOperator& op = *exact_ops_[LinkIndex(r, l)];
          bool matched = value_fires[LinkIndex(r, l)] != 0;
          for (const Source& s : link.sources) {
            if (s.count) {
              for (size_t n : Counts(s, by_variable)) {
                const std::string text = std::to_string(n);
                for (int node : link_nodes_[r][l]) {
                  // Counts go through the same chain.
                  matched = matched || ExactMayMatch(op, transformations_->ApplyChain(
                                                             nodes_[node].steps, text));
                }
              }
              continue;
            }
            for (uint32_t v : by_variable.Of(s.variable)) {
              if (matched) break;
              if (checked_alone[v] || !Reads(s, values[v])) continue;
              matched = value_fires_link(r, l, v);
            }
          }
          fires = matched;
          break;
        }
      }
    }
    if (fires) {
      return {false, "rule " + std::to_string(rule.id) + " (" + rule.file + ":" +
                         std::to_string(rule.line) + ") may match"};
    }
  }
  return {true, {}};
}

}  // namespace rampart::fastpath
