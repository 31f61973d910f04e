#include "signatures/compiled_memo.h"

#include <list>
#include <mutex>
#include <utility>

namespace rampart::signatures {
namespace {

// Enough for a reload that switches between a few pack choices; each entry is the size of the
// compiled set (the shipped packs: about 1 MB).
constexpr size_t kRememberedSets = 4;

struct Memo {
  std::mutex mutex;
  std::list<std::pair<std::string, std::vector<CachedPart>>> sets;  // most recent first
};

Memo& TheMemo() {
  static Memo* memo = new Memo();  // never destroyed: reloads may run while the process exits
  return *memo;
}

}  // namespace

std::optional<std::vector<CachedPart>> RecallCompiled(const std::string& fingerprint) {
  Memo& memo = TheMemo();
  std::lock_guard<std::mutex> lock(memo.mutex);
  for (auto it = memo.sets.begin(); it != memo.sets.end(); ++it) {
    if (it->first != fingerprint) continue;
    memo.sets.splice(memo.sets.begin(), memo.sets, it);
    return memo.sets.front().second;
  }
  return std::nullopt;
}

void RememberCompiled(const std::string& fingerprint, std::vector<CachedPart> parts) {
  Memo& memo = TheMemo();
  std::lock_guard<std::mutex> lock(memo.mutex);
  for (auto it = memo.sets.begin(); it != memo.sets.end(); ++it) {
    if (it->first == fingerprint) {
      memo.sets.erase(it);
      break;
    }
  }
  memo.sets.emplace_front(fingerprint, std::move(parts));
  while (memo.sets.size() > kRememberedSets) memo.sets.pop_back();
}

}  // namespace rampart::signatures
