#pragma once
// Transformations: libmodsecurity's own transformation objects (t:urlDecodeUni, t:cmdLine, ...),
// so that the fast path transforms values byte for byte as libmodsecurity does; it never
// re-implements one. Made on the loading thread for one compiled policy (its unicode map
// decides %u decoding), then used read-only by any worker.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "modsec/compiled_policy.h"

namespace modsecurity {
class Transaction;
namespace actions {
class Action;
}
}  // namespace modsecurity

namespace rampart::modsec {

class Transformations {
 public:
  static core::Result<std::unique_ptr<Transformations>> Make(
      std::shared_ptr<const CompiledPolicy> policy);
  ~Transformations();
  Transformations(const Transformations&) = delete;
  Transformations& operator=(const Transformations&) = delete;

  // The index of transformation `name` as rules write it ("urlDecodeUni", "cmdLine"), loading
  // it on first use; an error for a name libmodsecurity does not know.
  core::Result<int> Find(const std::string& name);
  // The indexes of a chain of transformations, in order (Find for each); the first error.
  core::Result<std::vector<int>> FindChain(const std::vector<std::string>& names);
  // `value` through the chain `steps` (from FindChain), in order.
  std::string ApplyChain(const std::vector<int>& steps, std::string value) const;
  // `value` through transformation `index` (from Find). Thread-safe. Values a look at their
  // bytes shows the transformation leaves alone skip libmodsecurity's call (same result, no
  // copies); t:lowercase and t:cmdLine are rampart's own loops (held to libmodsecurity's).
  std::string Apply(int index, const std::string& value) const;
  // Apply for a value Unchanged says no to: no second look at its bytes.
  std::string Transform(int index, const std::string& value) const;
  // Which classes of bytes the shortcuts look for `value` holds: computed once, they answer
  // Unchanged for every transformation (and stay the same while the value does).
  static uint32_t ByteClasses(const std::string& value);
  // True when transformation `index` is known to leave a value of these byte classes as it is.
  bool Unchanged(int index, uint32_t classes) const {
    return shortcuts_[index] != 0 && (classes & shortcuts_[index]) == 0;
  }
  bool Unchanged(int index, const std::string& value) const {
    return shortcuts_[index] != 0 && Unchanged(index, ByteClasses(value));
  }
  // Always libmodsecurity's own call (what the shortcuts are tested against).
  std::string ApplyWithLibmodsecurity(int index, const std::string& value) const;
  const std::string& name(int index) const { return names_[index]; }

 private:
  Transformations() = default;
  std::shared_ptr<const CompiledPolicy> policy_;
  // Only read: transformations consult the rule set (the unicode map) through it.
  std::unique_ptr<modsecurity::Transaction, void (*)(modsecurity::Transaction*)> context_{nullptr,
                                                                                          nullptr};
  std::vector<std::string> names_;
  std::vector<modsecurity::actions::Action*> objects_;
  std::vector<uint32_t> shortcuts_;  // per transformation: the byte classes it acts on, or 0
  enum class Own : uint8_t { kNone, kLowercase, kCmdLine };
  std::vector<Own> own_;  // per transformation: rampart's own code for it
};

}  // namespace rampart::modsec
