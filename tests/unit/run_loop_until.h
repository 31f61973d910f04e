#pragma once
// Runs a libevent loop until a condition holds, for unit tests that drive real sockets on their
// own event_base. The limit is a guard against hanging, not a measurement.

#include <event2/event.h>

#include <chrono>
#include <functional>

namespace rampart::test {

// Runs `base` one event at a time until `done()` holds or `limit` passes. Returns done().
inline bool RunLoopUntil(event_base* base, const std::function<bool()>& done,
                         std::chrono::milliseconds limit) {
  bool timed_out = false;
  event* guard = evtimer_new(
      base, [](evutil_socket_t, short, void* arg) { *static_cast<bool*>(arg) = true; }, &timed_out);
  const timeval tv{static_cast<time_t>(limit.count() / 1000),
                   static_cast<suseconds_t>((limit.count() % 1000) * 1000)};
  evtimer_add(guard, &tv);
  while (!done() && !timed_out) event_base_loop(base, EVLOOP_ONCE);
  event_free(guard);
  return done();
}

}  // namespace rampart::test
