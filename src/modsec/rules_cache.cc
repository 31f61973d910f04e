#include "modsec/rules_cache.h"

#include <modsecurity/rules_set.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "modsec/engine.h"
#include "modsec/policy_rules.h"
#include "modsec/rule_files_fingerprint.h"

namespace rampart::modsec {
namespace {

// libmodsecurity's parser keeps global state: one parse at a time in the whole process.
std::mutex& ParserMutex() {
  static std::mutex mutex;
  return mutex;
}

void DeleteRulesSet(modsecurity::RulesSet* rules) { delete rules; }

std::string_view TrimEnd(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) {
    s.remove_suffix(1);
  }
  return s;
}

// "Rules error. File: a.conf. Line: 4. Column: 42. Expecting an action, got: ..." becomes
// "a.conf:4:42: Expecting an action, got: ..."; other messages pass unchanged.
std::string FormatParserError(std::string_view raw) {
  raw = TrimEnd(raw);
  constexpr std::string_view kFile = "File: ";
  constexpr std::string_view kLine = ". Line: ";
  constexpr std::string_view kColumn = ". Column: ";
  size_t f = raw.find(kFile);
  size_t l = f == raw.npos ? raw.npos : raw.find(kLine, f);
  size_t c = l == raw.npos ? raw.npos : raw.find(kColumn, l);
  if (c == raw.npos) return std::string(raw);
  size_t rest = raw.find(". ", c + kColumn.size());
  std::string file(raw.substr(f + kFile.size(), l - f - kFile.size()));
  std::string line(raw.substr(l + kLine.size(), c - l - kLine.size()));
  std::string column(
      raw.substr(c + kColumn.size(), rest == raw.npos ? raw.npos : rest - c - kColumn.size()));
  std::string message = rest == raw.npos ? "syntax error" : std::string(raw.substr(rest + 2));
  return file + ":" + line + ":" + column + ": " + message;
}

std::string Absolute(const std::string& path) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(path, ec);
  return ec ? path : p.lexically_normal().string();
}

// Loads SecLang text into `rules`; `ref` names it in errors and resolves relative Includes.
core::Result<int> LoadText(modsecurity::RulesSet& rules, const std::string& text,
                           const std::string& ref) {
  int n = rules.load(text.c_str(), ref);
  if (n < 0) return core::MakeError(FormatParserError(rules.getParserError()));
  return n;
}

// The CRS rule files of `crs_dir`, in load order. REQUEST-900 / RESPONSE-999 are the user's
// exclusion files in CRS's convention; rampart takes those as before_crs / after_crs instead.
core::Result<std::vector<std::string>> CrsRuleFiles(const std::string& crs_dir) {
  const std::string dir = crs_dir + "/rules";
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".conf") continue;
    if (name.rfind("REQUEST-900-", 0) == 0 || name.rfind("RESPONSE-999-", 0) == 0) continue;
    if (name.rfind("REQUEST-", 0) != 0 && name.rfind("RESPONSE-", 0) != 0) continue;
    files.push_back(entry.path().string());
  }
  if (ec) return core::MakeError("crs_dir: cannot list " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  if (files.empty() ||
      files.front().find("/REQUEST-901-INITIALIZATION.conf") == std::string::npos) {
    return core::MakeError("crs_dir: " + dir +
                           " has no REQUEST-901-INITIALIZATION.conf (is CRS 3.x installed?)");
  }
  return files;
}

}  // namespace

// One CRS directory, parsed: the rule set merged into policies, and its rule index.
struct ParsedCrs {
  std::shared_ptr<modsecurity::RulesSet> rules;
  std::shared_ptr<const RuleIndex> index;
  RuleSource source;  // what was loaded, for the fast path's reading of the rules
};

RulesCache::RulesCache(std::shared_ptr<Engine> engine)
    : engine_(std::move(engine)), previous_(engine_->last_generation_) {}

RulesCache::~RulesCache() {
  // Freeing rule sets does not touch the parser, but keep it simple: no parse runs concurrently
  // with this cache's teardown either.
  std::lock_guard<std::mutex> lock(ParserMutex());
  policies_.clear();
  current_ = {};
  previous_.reset();
}

void RulesCache::KeepForNextLoad() {
  engine_->last_generation_ = std::make_shared<const RulesGeneration>(current_);
}

const std::string& RulesCache::CrsFingerprint(const std::string& crs_dir) {
  auto it = crs_fingerprints_.find(crs_dir);
  if (it == crs_fingerprints_.end()) {
    // Every file in rules/ (*.conf and *.data) and crs-setup.conf, which the CRS parse includes.
    it = crs_fingerprints_
             .emplace(crs_dir,
                      RuleFilesFingerprint({crs_dir + "/rules/REQUEST-901-INITIALIZATION.conf",
                                            engine_->crs_setup()}))
             .first;
  }
  return it->second;
}

core::Result<std::shared_ptr<const CompiledPolicy>> RulesCache::Get(const Policy& input) {
  if (core::Status valid = input.Validate(); !valid) return valid.error();
  std::string key = input.Key();
  if (auto it = policies_.find(key); it != policies_.end()) return it->second;

  Policy policy = input;
  policy.crs_dir = Absolute(policy.crs_dir);
  for (auto* files : {&policy.before_crs, &policy.after_crs}) {
    for (std::string& f : *files) f = Absolute(f);
  }
  auto compiled = Compile(std::move(policy));
  if (!compiled) return compiled.error();
  ++policies_compiled_;
  policies_.emplace(std::move(key), compiled.value());
  return compiled;
}

core::Result<std::shared_ptr<const ParsedCrs>> RulesCache::LoadCrs(const std::string& crs_dir) {
  const std::string key = crs_dir + '\n' + CrsFingerprint(crs_dir);
  if (auto it = current_.crs.find(key); it != current_.crs.end()) return it->second;
  if (previous_) {
    if (auto it = previous_->crs.find(key); it != previous_->crs.end()) {
      current_.crs.emplace(key, it->second);
      return it->second;
    }
  }
  auto files = CrsRuleFiles(crs_dir);
  if (!files) return files.error();
  auto index = std::make_shared<RuleIndex>();
  if (core::Status s = index->AddFile(engine_->crs_setup()); !s) return s.error();
  for (const std::string& f : files.value()) {
    if (core::Status s = index->AddFile(f); !s) return s.error();
  }
  auto crs = std::make_shared<ParsedCrs>();
  crs->rules.reset(new modsecurity::RulesSet(), &DeleteRulesSet);
  crs->index = std::move(index);
  crs->source = {RenderCrsTop(engine_->crs_setup(), files.value()), crs_dir + "/rules"};
  auto loaded = LoadText(*crs->rules, crs->source.text, crs_dir + "/rules");
  if (!loaded) return loaded.error();
  ++crs_parses_;
  current_.crs.emplace(key, crs);
  return std::shared_ptr<const ParsedCrs>(std::move(crs));
}

core::Result<std::shared_ptr<const CompiledPolicy>> RulesCache::Compile(Policy policy) {
  std::lock_guard<std::mutex> lock(ParserMutex());
  try {
    if (!base_index_) {
      auto base = std::make_shared<RuleIndex>();
      if (core::Status s = base->AddFile(engine_->base_conf()); !s) return s.error();
      base_index_ = std::move(base);
    }
    auto crs = LoadCrs(policy.crs_dir);
    if (!crs) return crs.error();

    // The policy's own files: read them first, so a missing file or a duplicate id is reported
    // with file:line before libmodsecurity reports it without.
    RuleIndex own = *base_index_;
    for (const auto* files : {&policy.before_crs, &policy.after_crs}) {
      for (const std::string& f : *files) {
        if (core::Status s = own.AddFile(f); !s) return s.error();
      }
    }
    if (core::Status s = own.CheckDisjoint(*crs.value()->index); !s) return s.error();

    std::shared_ptr<modsecurity::RulesSet> rules(new modsecurity::RulesSet(), &DeleteRulesSet);
    const std::string ref = engine_->base_conf();
    const std::string ref_dir = std::filesystem::path(ref).parent_path().string();
    std::vector<RuleSource> sources;
    sources.push_back(
        {RenderPolicyHead(policy, {engine_->base_conf(), engine_->unicode_map()}), ref_dir});
    auto head = LoadText(*rules, sources.back().text, ref);
    if (!head) return head.error();
    sources.push_back(crs.value()->source);
    int merged = rules->merge(crs.value()->rules.get());
    if (merged < 0) return core::MakeError(FormatParserError(rules->getParserError()));
    int tail_count = 0;
    if (std::string tail = RenderPolicyTail(policy); !tail.empty()) {
      auto loaded = LoadText(*rules, tail, ref);
      if (!loaded) return loaded.error();
      tail_count = loaded.value();
      sources.push_back({std::move(tail), ref_dir});
    }
    size_t count = static_cast<size_t>(head.value()) + static_cast<size_t>(merged) +
                   static_cast<size_t>(tail_count);
    return std::make_shared<const CompiledPolicy>(std::move(policy), engine_, std::move(rules),
                                                  crs.value()->index, std::move(own), count,
                                                  std::move(sources));
  } catch (const std::exception& e) {
    return core::MakeError(std::string("libmodsecurity: ") + e.what());
  } catch (...) {
    return core::MakeError("libmodsecurity: unknown exception while loading rules");
  }
}

}  // namespace rampart::modsec
