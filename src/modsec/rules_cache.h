#pragma once
// RulesCache: compiles Policies into CompiledPolicies for one load or reload. CRS is parsed once
// per crs_dir (about 50 ms and 20 MB) and merged into each policy's own rule set, which shares
// the parsed rules (RulesSet::merge copies shared pointers: ~0.1 ms per extra policy). Policies
// with equal Key() get the same object. Main thread only; every parse runs under one
// process-wide mutex because libmodsecurity's rule parser is not thread-safe
// (owasp-modsecurity/ModSecurity#2536). Drop the cache when the load is done: the compiled
// policies keep what they need, so a reload starts from the files on disk again.

#include <cstddef>
#include <map>
#include <memory>
#include <string>

#include "core/result.h"
#include "modsec/compiled_policy.h"
#include "modsec/policy.h"

namespace rampart::modsec {

class Engine;

class RulesCache {
 public:
  ~RulesCache();
  RulesCache(const RulesCache&) = delete;
  RulesCache& operator=(const RulesCache&) = delete;

  // The compiled form of `policy`. Errors name the field (invalid policy), or the rule file and
  // line (syntax errors, duplicate ids, missing files) as "file:line: message".
  core::Result<std::shared_ptr<const CompiledPolicy>> Get(const Policy& policy);

  // How many times CRS was parsed by this cache (once per distinct crs_dir).
  size_t crs_parses() const { return crs_.size(); }

 private:
  friend class Engine;
  struct Crs;
  explicit RulesCache(std::shared_ptr<Engine> engine);
  core::Result<const Crs*> LoadCrs(const std::string& crs_dir);
  core::Result<std::shared_ptr<const CompiledPolicy>> Compile(const Policy& policy);

  std::shared_ptr<Engine> engine_;
  std::map<std::string, std::unique_ptr<Crs>> crs_;                        // by crs_dir
  std::map<std::string, std::shared_ptr<const CompiledPolicy>> policies_;  // by Policy::Key()
  std::shared_ptr<const RuleIndex> base_index_;  // rules/modsecurity.conf, read once
};

}  // namespace rampart::modsec
