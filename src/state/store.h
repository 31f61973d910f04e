#pragma once
// Store: the one interface the stages use for rate-limit counters and bans. Process-wide, shared
// by all workers and kept across reloads (it is owned by the server, not by a runtime snapshot).
//
// Without a shared backend everything is in process: sharded, bounded, expiring tables
// (memory_rate_limiter.h, ban_list.h, strike_counter.h). With one (Redis), rate checks, strikes
// and ban changes go to it, and bans are looked up in a local mirror the main thread refreshes
// every `sync_interval` — so a ban made on one node holds on every node within that interval and
// a banned flood is rejected without a network round trip.
//
// When the backend fails a call, `on_error` decides: kOpen answers from the local tables (fail
// open with local limits), kClosed answers with `failed == true` and the stage refuses the
// request.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state/shared_backend.h"
#include "state/types.h"

struct event_base;

namespace rampart::state {

class BanList;
class MemoryRateLimiter;
class StrikeCounter;

enum class OnError : uint8_t { kOpen, kClosed };

struct StoreOptions {
  // Bound on the in-process rate-limit table (keys); the oldest idle keys go first.
  size_t max_rate_keys = 100000;
  // Bound on remembered strike counters (IPs).
  size_t max_strike_keys = 100000;
  // How often the main thread copies the shared ban list into the local mirror.
  std::chrono::milliseconds sync_interval{1000};
};

struct RateOutcome {
  RateDecision decision;
  // The backend failed and on_error is kClosed: refuse the request (decision.allowed is false).
  bool failed = false;
  bool local = false;  // answered from the local table (no backend, or it failed: fail open)
};

// Lifetime: backend callbacks capture the Store, so it must outlive the last iteration of every
// event loop it was attached to (the server destroys it after joining the workers). Destroying it
// stops the sync and destroys the backend first, while the tables its callbacks touch still exist.
class Store {
 public:
  // `backend` may be null: everything stays in process.
  Store(StoreOptions options, std::unique_ptr<SharedBackend> backend);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Each thread that uses the store calls this once with its event loop (a no-op without a
  // backend). The main thread also calls StartSync on its loop.
  void AttachThread(event_base* base);
  void DetachThread();
  // Starts (main thread) the periodic copy of the shared ban list into the local mirror. Each
  // tick also pushes the local ban changes the backend missed while it was failing, and drops
  // expired bans (the only sync there is without a backend).
  void StartSync(event_base* base);
  void StopSync();

  // One request against `key`. `done` runs on this thread — before CheckRate returns when the
  // answer is local.
  void CheckRate(std::string_view key, const RatePolicy& policy, OnError on_error,
                 std::function<void(const RateOutcome&)> done);

  // Ban lookups are always local (no round trip). `now` is the wall clock.
  std::optional<Ban> FindBan(std::string_view ip, std::chrono::system_clock::time_point now) const;
  std::vector<Ban> ListBans(std::chrono::system_clock::time_point now) const;
  // Adds or extends a ban locally and in the backend. `done` (optional) gets false when the
  // backend failed (the local ban holds anyway).
  void AddBan(Ban ban, std::function<void(bool)> done = {});
  // Removes a ban locally and in the backend; `done` gets whether it existed.
  void RemoveBan(std::string_view ip, std::function<void(bool)> done = {});
  // Counts one blocked or challenged request from `ip`; bans it when the policy says so. With a
  // backend the count is shared; if the backend fails, it is counted locally.
  void Strike(std::string_view ip, const StrikePolicy& policy, std::string_view reason);

  // The secret `name` of rotation period `period` (the bot challenge's HMAC key: callers take
  // period = wall-clock time / rotation interval, and also ask for period - 1 while it is still
  // accepted). With a backend every node gets the same one — the first node to ask makes it —
  // kept for `ttl`. Without one, or while it fails, this process's own (random, 32 bytes, kept
  // for the process's life: other nodes then disagree until the backend is back). `done` runs
  // on this thread; `fallback` is true when the backend failed and the secret is this
  // process's own (a caller holding the shared one should keep it).
  void SharedSecret(std::string_view name, uint64_t period, std::chrono::milliseconds ttl,
                    std::function<void(const std::string& secret, bool fallback)> done);

  bool has_backend() const { return backend_ != nullptr; }
  BackendStatus backend_status() const;
  // Entries and approximate bytes of the local tables, for /metrics and the memory tests.
  size_t rate_keys() const;
  size_t rate_table_bytes() const;
  size_t ban_count() const;

 private:
  StoreOptions options_;
  std::unique_ptr<SharedBackend> backend_;
  std::unique_ptr<MemoryRateLimiter> rates_;
  std::unique_ptr<StrikeCounter> strikes_;
  std::unique_ptr<BanList> bans_;
  struct Sync;
  std::unique_ptr<Sync> sync_;
  // This process's secrets by "name:period" (no backend, or it failed).
  std::mutex secrets_mu_;
  std::map<std::string, std::string> local_secrets_;
  const std::string& LocalSecret(const std::string& key);

  // Counts a strike in process and bans when the policy says so (no backend, or it failed).
  void LocalStrike(const std::string& ip, const StrikePolicy& policy, const std::string& reason);
  // Sends a local ban to the backend; it stays pending in the mirror until the backend takes it.
  void PushBan(const Ban& ban, std::function<void(bool)> done);
  // One sync period (main thread, from Sync's timer).
  void SyncTick() noexcept;
};

}  // namespace rampart::state
