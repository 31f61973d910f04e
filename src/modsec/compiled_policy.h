#pragma once
// CompiledPolicy: one policy's libmodsecurity rule set (base config + policy head + the shared
// CRS rules + tail), with the rule index its findings use. Made by RulesCache on the main thread,
// then immutable: held as std::shared_ptr<const CompiledPolicy> by the configuration snapshot and
// by every Inspection in flight, on any worker thread. Keeps its Engine alive.

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "modsec/policy.h"
#include "modsec/rule_index.h"

namespace modsecurity {
class RulesSet;
}

namespace rampart::modsec {

class Engine;

// One piece of SecLang text a policy's rule set was loaded from, in load order; relative
// Includes in it resolve against `base_dir`.
struct RuleSource {
  std::string text;
  std::string base_dir;
};

class CompiledPolicy {
 public:
  CompiledPolicy(Policy policy, std::shared_ptr<Engine> engine,
                 std::shared_ptr<modsecurity::RulesSet> rules,
                 std::shared_ptr<const RuleIndex> shared_index, RuleIndex own_index,
                 size_t rule_count, std::vector<RuleSource> sources = {})
      : policy_(std::move(policy)),
        engine_(std::move(engine)),
        rules_(std::move(rules)),
        shared_index_(std::move(shared_index)),
        own_index_(std::move(own_index)),
        rule_count_(rule_count),
        sources_(std::move(sources)) {}
  CompiledPolicy(const CompiledPolicy&) = delete;
  CompiledPolicy& operator=(const CompiledPolicy&) = delete;

  const Policy& policy() const { return policy_; }
  // Rules libmodsecurity reported loading (all phases, base + CRS + the policy's files).
  size_t rule_count() const { return rule_count_; }
  // The rule text, in the order libmodsecurity loaded it (the fast path reads the rules again).
  const std::vector<RuleSource>& sources() const { return sources_; }

  // Adapter-internal.
  Engine& engine() const { return *engine_; }
  modsecurity::RulesSet* rules() const { return rules_.get(); }
  const RuleIndex& shared_index() const { return *shared_index_; }
  const RuleIndex& own_index() const { return own_index_; }

 private:
  Policy policy_;
  std::shared_ptr<Engine> engine_;
  std::shared_ptr<modsecurity::RulesSet> rules_;
  std::shared_ptr<const RuleIndex> shared_index_;  // CRS files, shared by the cache's policies
  RuleIndex own_index_;                            // base config and the policy's own files
  size_t rule_count_;
  std::vector<RuleSource> sources_;
};

}  // namespace rampart::modsec
