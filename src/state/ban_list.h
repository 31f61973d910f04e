#pragma once
// BanList: the IPs refused outright, process-wide. Owned by the Store; every worker looks up
// each request's IP in it (Find), so reads take only a shard's shared lock — and no lock at all
// while the list is empty, the common case.
//
// Standalone (no shared backend), it is the list itself. As the local mirror of a backend's list
// (constructed with a grace period), the Store's sync replaces its contents with the backend's
// list every sync interval (ReplaceShared), with two exceptions that keep local changes from
// being undone by a sync that raced them:
//   - a ban added or removed here within the last `grace` (2 * sync interval) keeps its local
//     state: the backend's answer may predate it;
//   - a ban or removal the backend has not confirmed yet (it was down) stays "pending": it holds
//     here until the Store has pushed it (PendingAdds / PendingRemovals, ConfirmAdd /
//     ConfirmRemove), then for `grace` more — so a ban made during an outage is not lost when
//     the backend comes back.
//
// Expiry is on the wall clock (bans are shared between nodes). An expired ban is never found; it
// is dropped lazily (by Find, by later Adds to its shard, by DropExpired and by syncs).

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "state/types.h"

namespace rampart::state {

class BanList {
 public:
  using Clock = std::chrono::system_clock;
  using TimePoint = Clock::time_point;

  // Who made a ban: here (it must reach the backend), or the backend (it already has it).
  enum class Origin : uint8_t {
    kLocal,    // an admin call or a local strike: pending until ConfirmAdd when mirroring
    kBackend,  // answered by the backend (a shared strike): never pending
  };

  // A standalone list: no sync, nothing pending.
  BanList();
  // The mirror of a backend's list; `grace` is how long a local change outlives syncs that do not
  // show it yet (2 * sync interval).
  explicit BanList(std::chrono::nanoseconds grace);
  ~BanList();
  BanList(const BanList&) = delete;
  BanList& operator=(const BanList&) = delete;

  // Adds `ban`, or extends an existing ban of its IP to the later expiry (the later ban's reason
  // is kept). A ban already expired at `now` is ignored. Clears a local removal of the same IP.
  void Add(const Ban& ban, TimePoint now = Clock::now(), Origin origin = Origin::kLocal);
  // Lifts the ban on `ip`; returns whether one was in force. When mirroring, remembers the
  // removal so that a sync does not bring the ban back.
  bool Remove(std::string_view ip, TimePoint now = Clock::now());
  // The ban in force on `ip` at `now`, if any.
  std::optional<Ban> Find(std::string_view ip, TimePoint now) const;
  // Every ban in force at `now`, sorted by IP.
  std::vector<Ban> List(TimePoint now) const;
  // Entries held, including expired ones not dropped yet.
  size_t size() const { return count_.load(std::memory_order_relaxed); }

  // The sync: the backend's list becomes the local one, except for the recent and pending local
  // changes described above.
  void ReplaceShared(std::vector<Ban> from_backend, TimePoint now);
  // Local bans (in force) and removals the backend has not confirmed, for the sync to push.
  std::vector<Ban> PendingAdds(TimePoint now) const;
  std::vector<std::string> PendingRemovals() const;
  // The backend took the ban or removal of `ip`: it is no longer pending (and keeps its local
  // state for `grace` from `now`, as the next sync's answer may still predate it).
  void ConfirmAdd(std::string_view ip, TimePoint now);
  void ConfirmRemove(std::string_view ip, TimePoint now);
  // Drops expired bans and removals older than `grace` that are not pending; returns the number
  // of bans dropped.
  size_t DropExpired(TimePoint now);

 private:
  struct Entry {
    Ban ban;
    TimePoint changed{};   // last local Add (epoch: came from the backend)
    bool pending = false;  // not confirmed by the backend yet
  };
  struct Removal {
    TimePoint at{};
    bool pending = true;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const noexcept {
      return std::hash<std::string_view>{}(text);
    }
  };
  template <typename V>
  using Map = std::unordered_map<std::string, V, Hash, std::equal_to<>>;
  struct Shard;

  Shard& ShardFor(std::string_view ip) const;
  bool Recent(TimePoint changed, TimePoint now) const;
  size_t DropExpiredLocked(Shard& shard, TimePoint now);

  static constexpr size_t kShards = 16;
  const std::chrono::nanoseconds grace_;
  const bool mirror_;
  std::unique_ptr<Shard[]> shards_;
  // Entries in all shards; mutable because Find drops the expired ban it meets.
  mutable std::atomic<size_t> count_{0};
};

}  // namespace rampart::state
