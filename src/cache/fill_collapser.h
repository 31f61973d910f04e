#pragma once
// FillCollapser: request collapsing across worker threads. When many requests miss on the same
// key at once, one (the leader) goes to the backend and the others (followers) wait for its
// fill to end, then look the key up again. One per process; thread-safe.

#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace rampart::cache {

class FillCollapser {
 public:
  // The first caller for `key` becomes the leader (true; `wake` is not kept) and must call
  // Finish(key) exactly once when its fill ends, stored or not (also on error or timeout). Later
  // callers until then are followers (false): their `wake` is called once, from Finish, on the
  // thread that calls it. `wake` must be cheap, thread-safe and must not call back into the
  // collapser (the proxy activates a libevent event with it). A follower that gives up before
  // the wake keeps whatever `wake` captured alive: making a late wake harmless (e.g. a shared
  // flag, or an event owned by the worker rather than the request) is the caller's concern.
  bool Join(const std::string& key, std::function<void()> wake);

  // Ends `key`'s fill: calls every follower's wake (outside the lock) and forgets the key, so
  // the next Join becomes a leader again. Nothing happens when no fill of `key` is in flight.
  void Finish(const std::string& key);

  // Fills in flight (leaders that have not finished).
  size_t in_flight() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::vector<std::function<void()>>> waiters_;
};

}  // namespace rampart::cache
