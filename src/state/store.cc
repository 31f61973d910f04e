#include "state/store.h"

#include <event2/event.h>

#include <algorithm>
#include <random>
#include <utility>
#include <variant>

#include "state/ban_list.h"
#include "state/memory_rate_limiter.h"
#include "state/strike_counter.h"

namespace rampart::state {
namespace {

// GCRA and strike windows run on the monotonic clock: a wall-clock step must not refill or
// drain buckets. Bans expire on the wall clock, which every node shares.
int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::chrono::system_clock::time_point WallNow() { return std::chrono::system_clock::now(); }

// A backend that stays down must not turn every sync into thousands of failing calls.
constexpr size_t kMaxPushesPerTick = 256;

}  // namespace

// The main thread's sync timer, and whether a ListBans call is still out (a slow backend must not
// pile them up).
struct Store::Sync {
  event* timer = nullptr;
  bool listing = false;

  static void OnTimer(evutil_socket_t /*fd*/, short /*what*/, void* arg) {
    static_cast<Store*>(arg)->SyncTick();
  }
};

Store::Store(StoreOptions options, std::unique_ptr<SharedBackend> backend)
    : options_(options),
      backend_(std::move(backend)),
      rates_(std::make_unique<MemoryRateLimiter>(options_.max_rate_keys)),
      strikes_(std::make_unique<StrikeCounter>(options_.max_strike_keys)),
      // Only a mirror needs the grace: its local changes must survive syncs that raced them.
      bans_(backend_ ? std::make_unique<BanList>(
                           2 * std::max(options_.sync_interval, std::chrono::milliseconds(1)))
                     : std::make_unique<BanList>()),
      sync_(std::make_unique<Sync>()) {}

Store::~Store() {
  StopSync();
  // Pending callbacks may run while the backend goes; they touch the tables, which still exist.
  backend_.reset();
}

void Store::AttachThread(event_base* base) {
  if (backend_) backend_->AttachThread(base);
}

void Store::DetachThread() {
  if (backend_) backend_->DetachThread();
}

void Store::StartSync(event_base* base) {
  StopSync();
  sync_->timer = event_new(base, -1, EV_PERSIST, &Sync::OnTimer, this);
  if (sync_->timer == nullptr) return;  // out of memory: bans stay as they are, still local
  const auto interval = std::max(options_.sync_interval, std::chrono::milliseconds(1));
  const timeval tv{static_cast<time_t>(interval.count() / 1000),
                   static_cast<suseconds_t>((interval.count() % 1000) * 1000)};
  event_add(sync_->timer, &tv);
}

void Store::StopSync() {
  if (sync_->timer == nullptr) return;
  event_free(sync_->timer);
  sync_->timer = nullptr;
}

void Store::SyncTick() noexcept {
  const auto now = WallNow();
  bans_->DropExpired(now);
  if (!backend_) return;

  // First what the backend missed while it failed, so that the list it answers includes it.
  size_t pushes = 0;
  for (const std::string& ip : bans_->PendingRemovals()) {
    if (++pushes > kMaxPushesPerTick) break;
    backend_->RemoveBan(ip, [this, ip](std::variant<bool, StateError> result) {
      if (std::holds_alternative<bool>(result)) bans_->ConfirmRemove(ip, WallNow());
    });
  }
  for (const Ban& ban : bans_->PendingAdds(now)) {
    if (++pushes > kMaxPushesPerTick) break;
    PushBan(ban, {});
  }

  if (sync_->listing) return;
  sync_->listing = true;
  backend_->ListBans([this](std::variant<std::vector<Ban>, StateError> result) {
    sync_->listing = false;
    // On an error the mirror keeps what it has: stale bans beat no bans.
    if (auto* bans = std::get_if<std::vector<Ban>>(&result)) {
      bans_->ReplaceShared(std::move(*bans), WallNow());
    }
  });
}

void Store::CheckRate(std::string_view key, const RatePolicy& policy, OnError on_error,
                      std::function<void(const RateOutcome&)> done) {
  if (!backend_) {
    RateOutcome outcome;
    outcome.decision = rates_->Check(key, policy, SteadyNowNs());
    outcome.local = true;
    done(outcome);
    return;
  }
  backend_->CheckRate(key, policy,
                      [this, key = std::string(key), policy, on_error,
                       done = std::move(done)](std::variant<RateDecision, StateError> result) {
                        RateOutcome outcome;
                        if (auto* decision = std::get_if<RateDecision>(&result)) {
                          outcome.decision = *decision;
                        } else if (on_error == OnError::kOpen) {
                          outcome.decision = rates_->Check(key, policy, SteadyNowNs());
                          outcome.local = true;
                        } else {
                          // Refused whichever field the stage reads.
                          outcome.failed = true;
                          outcome.decision.allowed = false;
                          outcome.decision.limit = policy.burst;
                        }
                        done(outcome);
                      });
}

std::optional<Ban> Store::FindBan(std::string_view ip,
                                  std::chrono::system_clock::time_point now) const {
  return bans_->Find(ip, now);
}

std::vector<Ban> Store::ListBans(std::chrono::system_clock::time_point now) const {
  return bans_->List(now);
}

void Store::PushBan(const Ban& ban, std::function<void(bool)> done) {
  backend_->AddBan(
      ban, [this, ip = ban.ip, done = std::move(done)](std::variant<bool, StateError> result) {
        const bool ok = std::holds_alternative<bool>(result);
        if (ok) bans_->ConfirmAdd(ip, WallNow());
        if (done) done(ok);
      });
}

void Store::AddBan(Ban ban, std::function<void(bool)> done) {
  bans_->Add(ban, WallNow(), BanList::Origin::kLocal);
  if (!backend_) {
    if (done) done(true);
    return;
  }
  PushBan(ban, std::move(done));
}

void Store::RemoveBan(std::string_view ip, std::function<void(bool)> done) {
  const bool existed = bans_->Remove(ip, WallNow());
  if (!backend_) {
    if (done) done(existed);
    return;
  }
  backend_->RemoveBan(ip, [this, ip = std::string(ip), existed,
                           done = std::move(done)](std::variant<bool, StateError> result) {
    const bool* shared = std::get_if<bool>(&result);
    if (shared != nullptr) bans_->ConfirmRemove(ip, WallNow());
    if (done) done(existed || (shared != nullptr && *shared));
  });
}

const std::string& Store::LocalSecret(const std::string& key) {
  std::lock_guard<std::mutex> lock(secrets_mu_);
  std::string& secret = local_secrets_[key];
  if (secret.empty()) {
    std::random_device random;  // getrandom(2): a key, not a simulation
    for (int i = 0; i < 8; ++i) {
      const uint32_t word = random();
      secret.append(reinterpret_cast<const char*>(&word), sizeof word);
    }
  }
  return secret;
}

void Store::SharedSecret(std::string_view name, uint64_t period, std::chrono::milliseconds ttl,
                         std::function<void(const std::string&, bool)> done) {
  const std::string key = std::string(name) + ":" + std::to_string(period);
  // Copied out under the lock: the map may grow while the caller holds the answer.
  const std::string local = LocalSecret(key);
  if (!backend_) {
    done(local, /*fallback=*/false);
    return;
  }
  backend_->SharedSecret(key, local, ttl,
                         [done = std::move(done), local](std::variant<std::string, StateError> r) {
                           if (auto* shared = std::get_if<std::string>(&r)) {
                             done(*shared, /*fallback=*/false);
                           } else {
                             done(local, /*fallback=*/true);
                           }
                         });
}

void Store::Strike(std::string_view ip, const StrikePolicy& policy, std::string_view reason) {
  if (policy.threshold == 0) return;
  if (!backend_) {
    LocalStrike(std::string(ip), policy, std::string(reason));
    return;
  }
  backend_->Strike(ip, policy, reason,
                   [this, ip = std::string(ip), policy, reason = std::string(reason)](
                       std::variant<std::optional<Ban>, StateError> result) {
                     if (auto* ban = std::get_if<std::optional<Ban>>(&result)) {
                       if (*ban) bans_->Add(**ban, WallNow(), BanList::Origin::kBackend);
                       return;
                     }
                     LocalStrike(ip, policy, reason);
                   });
}

void Store::LocalStrike(const std::string& ip, const StrikePolicy& policy,
                        const std::string& reason) {
  if (strikes_->Add(ip, policy.window, SteadyNowNs()) < policy.threshold) return;
  // A fresh count once the ban ends, rather than a ban on the very next strike.
  strikes_->Reset(ip);
  const auto now = WallNow();
  Ban ban{ip, now + std::chrono::duration_cast<std::chrono::system_clock::duration>(policy.ban_for),
          reason};
  bans_->Add(ban, now, BanList::Origin::kLocal);
  // Pending in the mirror until the backend takes it (now or from a later sync).
  if (backend_) PushBan(ban, {});
}

BackendStatus Store::backend_status() const {
  return backend_ ? backend_->status() : BackendStatus{};
}

size_t Store::rate_keys() const { return rates_->size(); }

size_t Store::rate_table_bytes() const { return rates_->memory_bytes(); }

// Bans in force now (the table may still hold expired ones until they are next touched).
size_t Store::ban_count() const { return bans_->List(std::chrono::system_clock::now()).size(); }

}  // namespace rampart::state
