#include "fastpath/value_memo.h"

#include <array>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "core/strings.h"

namespace rampart::fastpath {
namespace {

// Per thread at most kSlots values of at most kLongest bytes (a few MiB at most); a longer value
// (a rare huge cookie) is checked every time. A value may sit in either of two slots picked by
// its hash, so two values of one client that share a slot do not push each other out on every
// request; a new value takes the one of the two used least lately.
constexpr size_t kSlots = 1024;
constexpr size_t kLongest = 2048;
constexpr size_t kLongestKey = 256;

struct Slot {
  uint64_t serial = 0;  // 0: empty (serials start at 1)
  Variable variable = Variable::kCount;
  std::string key;
  std::string value;
  std::vector<uint32_t> links;
  uint64_t last_used = 0;
};

struct Memo {
  std::array<Slot, kSlots> slots;
  uint64_t clock = 0;
  ValueMemo::Counts counts;
};

Memo& ThisThreadsMemo() {
  thread_local Memo memo;
  return memo;
}

size_t HashOf(uint64_t serial, const Value& v) {
  size_t h = std::hash<std::string_view>{}(v.value);
  h ^= serial * 0x9e3779b97f4a7c15ULL + static_cast<size_t>(v.variable);
  for (char c : v.key) h = h * 31 + static_cast<unsigned char>(core::AsciiLower(c));
  return h;
}

bool Holds(const Slot& slot, uint64_t serial, const Value& v) {
  return slot.serial == serial && slot.variable == v.variable && slot.value == v.value &&
         core::EqualsIgnoreCase(slot.key, v.key);
}

// The two slots `v` may sit in.
std::pair<Slot*, Slot*> SlotsOf(Memo& memo, uint64_t serial, const Value& v) {
  const size_t hash = HashOf(serial, v);
  return {&memo.slots[hash % kSlots], &memo.slots[(hash / kSlots) % kSlots]};
}

}  // namespace

bool ValueMemo::Remembers(const Value& value) {
  switch (value.variable) {
    // What a client sends again with each request.
    case Variable::kRequestHeaders:
    case Variable::kRequestHeadersNames:
    case Variable::kRequestCookies:
    case Variable::kRequestCookiesNames:
    // What hardly varies between any requests: the method, the protocol, variables the request
    // leaves "" or "0".
    case Variable::kRequestMethod:
    case Variable::kRequestProtocol:
    case Variable::kEmptyScalar:
    case Variable::kZeroFlag:
      return value.value.size() <= kLongest && value.key.size() <= kLongestKey;
    default:
      return false;
  }
}

const std::vector<uint32_t>* ValueMemo::Find(uint64_t serial, const Value& value) {
  Memo& memo = ThisThreadsMemo();
  auto [first, second] = SlotsOf(memo, serial, value);
  for (Slot* slot : {first, second}) {
    if (!Holds(*slot, serial, value)) continue;
    slot->last_used = ++memo.clock;
    ++memo.counts.hits;
    return &slot->links;
  }
  ++memo.counts.misses;
  return nullptr;
}

void ValueMemo::Remember(uint64_t serial, const Value& value, const std::vector<uint32_t>& links) {
  if (!Remembers(value)) return;
  Memo& memo = ThisThreadsMemo();
  auto [first, second] = SlotsOf(memo, serial, value);
  Slot& slot = second->last_used < first->last_used ? *second : *first;
  slot.serial = serial;
  slot.variable = value.variable;
  slot.key = value.key;
  slot.value = value.value;
  slot.links = links;
  slot.last_used = ++memo.clock;
}

ValueMemo::Counts ValueMemo::Take() {
  Memo& memo = ThisThreadsMemo();
  const Counts counts = memo.counts;
  memo.counts = {};
  return counts;
}

}  // namespace rampart::fastpath
