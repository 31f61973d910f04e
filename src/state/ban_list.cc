#include "state/ban_list.h"

#include <algorithm>
#include <mutex>
#include <utility>

#include "core/hash.h"

namespace rampart::state {

// Cache-line aligned: readers on different shards must not bounce one line between cores.
struct alignas(64) BanList::Shard {
  mutable std::shared_mutex mu;
  Map<Entry> bans;
  Map<Removal> removals;
  // The next Add that finds the shard this full sweeps its expired bans first (amortised: the
  // mark doubles past what survives a sweep).
  size_t sweep_at = kMinSweep;
  static constexpr size_t kMinSweep = 64;
};

BanList::BanList() : BanList(std::chrono::nanoseconds(0)) {}

BanList::BanList(std::chrono::nanoseconds grace)
    : grace_(grace), mirror_(grace.count() > 0), shards_(std::make_unique<Shard[]>(kShards)) {}

BanList::~BanList() = default;

BanList::Shard& BanList::ShardFor(std::string_view ip) const {
  return shards_[core::StableHash(ip) & (kShards - 1)];
}

bool BanList::Recent(TimePoint changed, TimePoint now) const {
  return changed != TimePoint{} && now - changed < grace_;
}

void BanList::Add(const Ban& ban, TimePoint now, Origin origin) {
  if (ban.expires <= now) return;
  Shard& shard = ShardFor(ban.ip);
  std::unique_lock lock(shard.mu);
  if (shard.bans.size() >= shard.sweep_at) {
    DropExpiredLocked(shard, now);
    shard.sweep_at = std::max(Shard::kMinSweep, 2 * shard.bans.size());
  }
  shard.removals.erase(ban.ip);
  auto [it, inserted] = shard.bans.try_emplace(ban.ip);
  Entry& entry = it->second;
  if (inserted) count_.fetch_add(1, std::memory_order_relaxed);
  if (inserted || ban.expires > entry.ban.expires || entry.ban.expires <= now) entry.ban = ban;
  entry.changed = now;
  if (mirror_ && origin == Origin::kLocal) entry.pending = true;
}

bool BanList::Remove(std::string_view ip, TimePoint now) {
  Shard& shard = ShardFor(ip);
  std::unique_lock lock(shard.mu);
  bool in_force = false;
  if (auto it = shard.bans.find(ip); it != shard.bans.end()) {
    in_force = it->second.ban.expires > now;
    shard.bans.erase(it);
    count_.fetch_sub(1, std::memory_order_relaxed);
  }
  // Remembered even when not held here: the backend may have it and the next sync would bring
  // it in.
  if (mirror_) {
    auto [removal, inserted] = shard.removals.try_emplace(std::string(ip));
    removal->second = Removal{now, true};
  }
  return in_force;
}

std::optional<Ban> BanList::Find(std::string_view ip, TimePoint now) const {
  if (count_.load(std::memory_order_relaxed) == 0) return std::nullopt;
  Shard& shard = ShardFor(ip);
  {
    std::shared_lock lock(shard.mu);
    auto it = shard.bans.find(ip);
    if (it == shard.bans.end()) return std::nullopt;
    if (it->second.ban.expires > now) return it->second.ban;
  }
  // Expired: drop it, unless someone renewed it meanwhile.
  std::unique_lock lock(shard.mu);
  auto it = shard.bans.find(ip);
  if (it == shard.bans.end()) return std::nullopt;
  if (it->second.ban.expires > now) return it->second.ban;
  shard.bans.erase(it);
  count_.fetch_sub(1, std::memory_order_relaxed);
  return std::nullopt;
}

std::vector<Ban> BanList::List(TimePoint now) const {
  std::vector<Ban> out;
  for (size_t i = 0; i < kShards; ++i) {
    std::shared_lock lock(shards_[i].mu);
    for (const auto& [ip, entry] : shards_[i].bans) {
      if (entry.ban.expires > now) out.push_back(entry.ban);
    }
  }
  std::sort(out.begin(), out.end(), [](const Ban& a, const Ban& b) { return a.ip < b.ip; });
  return out;
}

void BanList::ReplaceShared(std::vector<Ban> from_backend, TimePoint now) {
  std::vector<std::vector<Ban*>> by_shard(kShards);
  for (Ban& ban : from_backend) {
    by_shard[core::StableHash(ban.ip) & (kShards - 1)].push_back(&ban);
  }
  for (size_t i = 0; i < kShards; ++i) {
    Shard& shard = shards_[i];
    // The backend's bans are copied in before taking the lock, so that readers wait only for
    // the merge of the (few) recent local changes and the swap.
    Map<Entry> fresh;
    fresh.reserve(by_shard[i].size());
    for (Ban* ban : by_shard[i]) {
      if (ban->expires <= now) continue;
      auto [it, inserted] = fresh.try_emplace(ban->ip);
      if (inserted || ban->expires > it->second.ban.expires) it->second.ban = std::move(*ban);
    }
    std::unique_lock lock(shard.mu);
    std::erase_if(shard.removals, [&](const auto& item) {
      return !item.second.pending && !Recent(item.second.at, now);
    });
    for (const auto& [ip, removal] : shard.removals) fresh.erase(ip);
    for (auto& [ip, entry] : shard.bans) {
      if (entry.ban.expires <= now || !(entry.pending || Recent(entry.changed, now))) continue;
      auto [it, inserted] = fresh.try_emplace(ip);
      Entry& kept = it->second;
      // The later expiry wins; the local bookkeeping (pending, changed) carries over.
      if (inserted || entry.ban.expires >= kept.ban.expires) kept.ban = std::move(entry.ban);
      kept.changed = entry.changed;
      kept.pending = entry.pending;
    }
    const size_t before = shard.bans.size();
    shard.bans.swap(fresh);
    const size_t after = shard.bans.size();
    // Adjusted by the difference, so that it never passes through zero (Find skips its lock
    // while the count is zero).
    if (after > before) count_.fetch_add(after - before, std::memory_order_relaxed);
    if (after < before) count_.fetch_sub(before - after, std::memory_order_relaxed);
    shard.sweep_at = std::max(Shard::kMinSweep, 2 * shard.bans.size());
    lock.unlock();
    // `fresh`, now the old contents, is freed outside the lock.
  }
}

std::vector<Ban> BanList::PendingAdds(TimePoint now) const {
  std::vector<Ban> out;
  for (size_t i = 0; i < kShards; ++i) {
    std::shared_lock lock(shards_[i].mu);
    for (const auto& [ip, entry] : shards_[i].bans) {
      if (entry.pending && entry.ban.expires > now) out.push_back(entry.ban);
    }
  }
  return out;
}

std::vector<std::string> BanList::PendingRemovals() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < kShards; ++i) {
    std::shared_lock lock(shards_[i].mu);
    for (const auto& [ip, removal] : shards_[i].removals) {
      if (removal.pending) out.push_back(ip);
    }
  }
  return out;
}

void BanList::ConfirmAdd(std::string_view ip, TimePoint now) {
  Shard& shard = ShardFor(ip);
  std::unique_lock lock(shard.mu);
  if (auto it = shard.bans.find(ip); it != shard.bans.end()) {
    it->second.pending = false;
    it->second.changed = now;
  }
}

void BanList::ConfirmRemove(std::string_view ip, TimePoint now) {
  Shard& shard = ShardFor(ip);
  std::unique_lock lock(shard.mu);
  if (auto it = shard.removals.find(ip); it != shard.removals.end()) {
    it->second = Removal{now, false};
  }
}

size_t BanList::DropExpiredLocked(Shard& shard, TimePoint now) {
  const size_t dropped =
      std::erase_if(shard.bans, [&](const auto& item) { return item.second.ban.expires <= now; });
  count_.fetch_sub(dropped, std::memory_order_relaxed);
  std::erase_if(shard.removals, [&](const auto& item) {
    return !item.second.pending && !Recent(item.second.at, now);
  });
  return dropped;
}

size_t BanList::DropExpired(TimePoint now) {
  size_t dropped = 0;
  for (size_t i = 0; i < kShards; ++i) {
    std::unique_lock lock(shards_[i].mu);
    dropped += DropExpiredLocked(shards_[i], now);
  }
  return dropped;
}

}  // namespace rampart::state
