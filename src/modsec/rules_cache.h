#pragma once
// RulesCache: compiles Policies into CompiledPolicies for one load or reload. CRS is parsed once
// per crs_dir (about 50 ms and 20 MB) and merged into each policy's own rule set, which shares
// the parsed rules (RulesSet::merge copies shared pointers: ~0.1 ms per extra policy). Policies
// with equal Key() get the same object. Main thread only; every parse runs under one
// process-wide mutex because libmodsecurity's rule parser is not thread-safe
// (owasp-modsecurity/ModSecurity#2536). Drop the cache when the load is done: the compiled
// policies keep what they need.
//
// Reloads: after a successful load, KeepForNextLoad() leaves this load's CRS parses with the
// Engine, and the next cache reuses one when the fingerprint of the CRS files and crs-setup.conf
// (RuleFilesFingerprint) is unchanged. Policies themselves are compiled anew on every load
// (their head, a merge and their own files: about a millisecond), so a change in any file a
// policy reads, however it is included, takes effect. Memory stays flat over any number of
// reloads: the big parse is made once, and each generation's own part is freed as it drains.

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "modsec/compiled_policy.h"
#include "modsec/policy.h"

namespace rampart::modsec {

class Engine;
struct ParsedCrs;

// The CRS parses one successful load used, by crs_dir and the fingerprint of their files.
struct RulesGeneration {
  std::map<std::string, std::shared_ptr<const ParsedCrs>> crs;
};

class RulesCache {
 public:
  ~RulesCache();
  RulesCache(const RulesCache&) = delete;
  RulesCache& operator=(const RulesCache&) = delete;

  // The compiled form of `policy`. Errors name the field (invalid policy), or the rule file and
  // line (syntax errors, duplicate ids, missing files) as "file:line: message".
  core::Result<std::shared_ptr<const CompiledPolicy>> Get(const Policy& policy);

  // Call once the load this cache served succeeded: the next load may reuse its rule sets.
  void KeepForNextLoad();

  // How many times this cache parsed CRS (at most once per distinct crs_dir; 0 when reused).
  size_t crs_parses() const { return crs_parses_; }
  // How many policies this cache compiled (one per distinct Policy::Key()).
  size_t policies_compiled() const { return policies_compiled_; }

 private:
  friend class Engine;
  explicit RulesCache(std::shared_ptr<Engine> engine);
  core::Result<std::shared_ptr<const ParsedCrs>> LoadCrs(const std::string& crs_dir);
  core::Result<std::shared_ptr<const CompiledPolicy>> Compile(Policy policy);
  const std::string& CrsFingerprint(const std::string& crs_dir);

  std::shared_ptr<Engine> engine_;
  std::shared_ptr<const RulesGeneration> previous_;  // the last successful load's
  RulesGeneration current_;
  std::map<std::string, std::shared_ptr<const CompiledPolicy>> policies_;  // by Policy::Key()
  std::map<std::string, std::string> crs_fingerprints_;                    // by crs_dir
  std::shared_ptr<const RuleIndex> base_index_;  // rules/modsecurity.conf, read once
  size_t crs_parses_ = 0;
  size_t policies_compiled_ = 0;
};

}  // namespace rampart::modsec
