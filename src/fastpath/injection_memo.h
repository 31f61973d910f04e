#pragma once
// libinjection's verdicts (@detectSQLi, @detectXSS) on the values a client resends with every
// request (its headers and cookies: User-Agent, Referer, session cookies), remembered per
// thread. A verdict depends on the value's bytes alone, so a remembered one is exact. These
// checks were the largest single cost of a fast-path decision on browser traffic, and a page
// load repeats the same headers for each of its dozens of requests. Arguments are not
// remembered: they rarely repeat in real traffic, and a benchmark replaying a corpus would make
// their memory look better than it is.

#include <cstdint>
#include <string>

namespace rampart::fastpath {

enum class Injection : uint8_t { kSqli, kXss };

// libinjection's verdict on `value` as libmodsecurity's operator gives it: from this thread's
// memory when it judged the same bytes lately, otherwise judged now and remembered.
bool DetectsInjectionRemembered(Injection kind, const std::string& value);

// Lookups this thread has made since the last call (hits: answered from memory), for the
// request's counters; resets them.
struct InjectionMemoCounts {
  uint32_t hits = 0;
  uint32_t misses = 0;
};
InjectionMemoCounts TakeInjectionMemoCounts();

}  // namespace rampart::fastpath
