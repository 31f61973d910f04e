#pragma once
// What a value that repeats between requests may make match, remembered per thread: the links
// (checks of watched rules) that value alone may fire. A client resends the same headers and
// cookies with every request (User-Agent, Referer, session cookies), and the method, the protocol
// and the variables a request without a body leaves "" or "0" hardly vary at all. The answer
// depends only on the fast path (its serial), the variable, the key (in any case) and the bytes, so
// a remembered answer is exact. The URI and arguments are not remembered: they vary far more in
// real traffic, and a benchmark replaying a corpus would flatter their memory.

#include <cstdint>
#include <vector>

#include "fastpath/request_values.h"

namespace rampart::fastpath {

class ValueMemo {
 public:
  // Whether `value` is one to remember: a header or cookie (or their names), the method, the
  // protocol, an empty or zero variable; not too long.
  static bool Remembers(const Value& value);
  // The links remembered for `value` under the fast path `serial` (valid until the next
  // Remember on this thread); null when none are. Counts a hit or a miss.
  static const std::vector<uint32_t>* Find(uint64_t serial, const Value& value);
  static void Remember(uint64_t serial, const Value& value, const std::vector<uint32_t>& links);

  // Finds this thread has made since the last call (hits: answered from memory); resets them.
  struct Counts {
    uint32_t hits = 0;
    uint32_t misses = 0;
  };
  static Counts Take();
};

}  // namespace rampart::fastpath
