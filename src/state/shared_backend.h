#pragma once
// SharedBackend: the state several rampart nodes share (Redis today). The Store keeps the
// process-local copy and falls back on it; a backend only talks to the shared service.
//
// Threads: every thread that calls a backend first calls AttachThread with its event loop (the
// workers and the main thread). Calls never block: each one's callback runs later on the calling
// thread's loop — with the answer, or with a StateError when the service is unreachable, slow
// (past the command timeout) or answers an error. A backend reconnects by itself.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "state/types.h"

struct event_base;

namespace rampart::state {

// Counters of the shared service's health, for /metrics.
struct BackendStatus {
  bool up = false;          // every attached thread's connection is established
  uint64_t errors = 0;      // failed calls (each one answered with a StateError)
  uint64_t reconnects = 0;  // connections re-established after a loss
};

class SharedBackend {
 public:
  template <typename T>
  using Callback = std::function<void(std::variant<T, StateError>)>;

  virtual ~SharedBackend() = default;

  // Opens this thread's connection on `base` (and keeps it open, reconnecting after a loss).
  virtual void AttachThread(event_base* base) = 0;
  // Closes this thread's connection; pending callbacks get a StateError first.
  virtual void DetachThread() = 0;

  // One GCRA step for `key` (the same arithmetic as state/gcra.h, run atomically by the service
  // on its own clock).
  virtual void CheckRate(std::string_view key, const RatePolicy& policy,
                         Callback<RateDecision> done) = 0;
  // Counts one blocked or challenged request from `ip`; when `policy.threshold` of them fall
  // within `policy.window`, bans the IP for `policy.ban_for` and answers the new ban.
  virtual void Strike(std::string_view ip, const StrikePolicy& policy, std::string_view reason,
                      Callback<std::optional<Ban>> done) = 0;
  virtual void AddBan(const Ban& ban, Callback<bool> done) = 0;
  virtual void RemoveBan(std::string_view ip, Callback<bool> done) = 0;  // true: it existed
  // Every ban in force.
  virtual void ListBans(Callback<std::vector<Ban>> done) = 0;
  // The secret stored under `name` (the bot challenge's HMAC key for one rotation period): the
  // first node to ask stores its `candidate` for `ttl`; every node then gets that one.
  virtual void SharedSecret(std::string_view name, std::string_view candidate,
                            std::chrono::milliseconds ttl, Callback<std::string> done) {
    (void)name;
    (void)candidate;
    (void)ttl;
    done(StateError{"shared secrets are not supported by this backend"});
  }

  virtual BackendStatus status() const = 0;
};

}  // namespace rampart::state
