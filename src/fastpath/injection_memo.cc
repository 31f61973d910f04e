#include "fastpath/injection_memo.h"

#include <array>
#include <functional>
#include <string_view>

#include "modsec/libinjection.h"

namespace rampart::fastpath {
namespace {

// Per thread at most kSlots values of at most kLongest bytes (1 MiB); a longer value (a rare
// huge cookie) is judged every time. A value may sit in either of two slots picked by its hash,
// so two values of one client that share a slot do not push each other out on every request;
// a new value takes the one of the two used least lately.
constexpr size_t kSlots = 512;
constexpr size_t kLongest = 2048;

struct Slot {
  std::string value;
  // Per Injection kind: whether the verdict is known, and the verdict.
  std::array<bool, 2> known{};
  std::array<bool, 2> verdict{};
  uint64_t last_used = 0;
};

struct Memo {
  std::array<Slot, kSlots> slots;
  uint64_t clock = 0;
  InjectionMemoCounts counts;
};

Memo& ThisThreadsMemo() {
  thread_local Memo memo;
  return memo;
}

bool Judge(Injection kind, const std::string& value) {
  return kind == Injection::kSqli ? modsec::DetectsSqli(value) : modsec::DetectsXss(value);
}

}  // namespace

bool DetectsInjectionRemembered(Injection kind, const std::string& value) {
  Memo& memo = ThisThreadsMemo();
  if (value.size() > kLongest) {
    ++memo.counts.misses;
    return Judge(kind, value);
  }
  const size_t hash = std::hash<std::string_view>{}(value);
  Slot& first = memo.slots[hash % kSlots];
  Slot& second = memo.slots[(hash / kSlots) % kSlots];
  Slot* slot = &first;
  if (first.value != value) {
    if (second.value == value) {
      slot = &second;
    } else {
      slot = second.last_used < first.last_used ? &second : &first;
      slot->value = value;
      slot->known = {};
    }
  }
  slot->last_used = ++memo.clock;
  const auto k = static_cast<size_t>(kind);
  if (slot->known[k]) {
    ++memo.counts.hits;
    return slot->verdict[k];
  }
  ++memo.counts.misses;
  slot->verdict[k] = Judge(kind, value);
  slot->known[k] = true;
  return slot->verdict[k];
}

InjectionMemoCounts TakeInjectionMemoCounts() {
  Memo& memo = ThisThreadsMemo();
  const InjectionMemoCounts counts = memo.counts;
  memo.counts = {};
  return counts;
}

}  // namespace rampart::fastpath
