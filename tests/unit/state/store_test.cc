#include "state/store.h"

#include <event2/event.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "unit/run_loop_until.h"

namespace rampart::state {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// A SharedBackend double that answers at once (or with a StateError while `fail`), and records
// what it was asked. The test keeps `state` after the Store took the backend.
struct FakeState {
  bool fail = false;
  RateDecision decision;
  std::vector<std::string> rate_keys;
  int strikes = 0;
  std::optional<Ban> strike_ban;
  std::vector<Ban> added;
  std::vector<std::string> removed;
  std::vector<Ban> list;
  int list_calls = 0;
  // Holds ListBans answers back until the test (or the backend's destructor) releases them.
  bool hold_lists = false;
  std::vector<SharedBackend::Callback<std::vector<Ban>>> held_lists;
  std::vector<event_base*> attached;
  int detached = 0;
};

class FakeBackend : public SharedBackend {
 public:
  explicit FakeBackend(std::shared_ptr<FakeState> state) : state_(std::move(state)) {}
  // Like the real one: pending callbacks get an error before the backend goes.
  ~FakeBackend() override {
    for (auto& done : state_->held_lists) done(StateError{"closed"});
    state_->held_lists.clear();
  }

  void AttachThread(event_base* base) override { state_->attached.push_back(base); }
  void DetachThread() override { ++state_->detached; }

  void CheckRate(std::string_view key, const RatePolicy& /*policy*/,
                 Callback<RateDecision> done) override {
    state_->rate_keys.emplace_back(key);
    if (state_->fail) return done(StateError{"down"});
    done(state_->decision);
  }
  void Strike(std::string_view /*ip*/, const StrikePolicy& /*policy*/, std::string_view /*reason*/,
              Callback<std::optional<Ban>> done) override {
    ++state_->strikes;
    if (state_->fail) return done(StateError{"down"});
    done(state_->strike_ban);
  }
  void AddBan(const Ban& ban, Callback<bool> done) override {
    if (state_->fail) return done(StateError{"down"});
    state_->added.push_back(ban);
    done(true);
  }
  void RemoveBan(std::string_view ip, Callback<bool> done) override {
    if (state_->fail) return done(StateError{"down"});
    state_->removed.emplace_back(ip);
    done(true);
  }
  void ListBans(Callback<std::vector<Ban>> done) override {
    ++state_->list_calls;
    if (state_->hold_lists) return state_->held_lists.push_back(std::move(done));
    if (state_->fail) return done(StateError{"down"});
    done(state_->list);
  }
  BackendStatus status() const override { return BackendStatus{!state_->fail, 0, 0}; }

 private:
  std::shared_ptr<FakeState> state_;
};

RatePolicy Policy(uint64_t burst) {
  RatePolicy policy;
  policy.rate = 1;
  policy.period = std::chrono::hours(1);
  policy.burst = burst;
  return policy;
}

StrikePolicy Strikes(uint32_t threshold) {
  StrikePolicy policy;
  policy.threshold = threshold;
  policy.window = minutes(1);
  policy.ban_for = minutes(10);
  return policy;
}

auto Now() { return std::chrono::system_clock::now(); }

// Runs a CheckRate whose answer is expected before it returns.
RateOutcome CheckNow(Store& store, std::string_view key, const RatePolicy& policy,
                     OnError on_error) {
  std::optional<RateOutcome> outcome;
  store.CheckRate(key, policy, on_error, [&](const RateOutcome& o) { outcome = o; });
  EXPECT_TRUE(outcome.has_value());
  return outcome.value_or(RateOutcome{});
}

struct BackendStore {
  std::shared_ptr<FakeState> state = std::make_shared<FakeState>();
  std::unique_ptr<Store> store;
  explicit BackendStore(StoreOptions options = {}) {
    store = std::make_unique<Store>(options, std::make_unique<FakeBackend>(state));
  }
};

struct EventBase {
  event_base* base = event_base_new();
  ~EventBase() { event_base_free(base); }
};

TEST(StoreTest, WithoutBackendRatesAreLocalAndAnsweredBeforeReturning) {
  Store store({}, nullptr);
  EXPECT_FALSE(store.has_backend());
  for (uint64_t i = 0; i < 2; ++i) {
    const RateOutcome outcome = CheckNow(store, "k", Policy(2), OnError::kClosed);
    EXPECT_TRUE(outcome.local);
    EXPECT_FALSE(outcome.failed);
    EXPECT_TRUE(outcome.decision.allowed);
    EXPECT_EQ(outcome.decision.remaining, 1 - i);
  }
  const RateOutcome refused = CheckNow(store, "k", Policy(2), OnError::kClosed);
  EXPECT_FALSE(refused.decision.allowed);
  EXPECT_GT(refused.decision.retry_after.count(), 0);
  EXPECT_EQ(store.rate_keys(), 1u);
  EXPECT_GT(store.rate_table_bytes(), 0u);
  EXPECT_FALSE(store.backend_status().up);
}

TEST(StoreTest, WithoutBackendSecretsAreThisProcesssOwnPerPeriod) {
  Store store(StoreOptions{}, nullptr);
  std::string first;
  std::string again;
  std::string next;
  store.SharedSecret("bot", 41, std::chrono::minutes(10),
                     [&](const std::string& s, bool) { first = s; });
  store.SharedSecret("bot", 41, std::chrono::minutes(10),
                     [&](const std::string& s, bool) { again = s; });
  store.SharedSecret("bot", 42, std::chrono::minutes(10),
                     [&](const std::string& s, bool) { next = s; });
  EXPECT_EQ(first.size(), 32u);  // answered before returning
  EXPECT_EQ(first, again);
  EXPECT_NE(first, next);
  Store other(StoreOptions{}, nullptr);
  std::string others;
  other.SharedSecret("bot", 41, std::chrono::minutes(10),
                     [&](const std::string& s, bool) { others = s; });
  EXPECT_NE(first, others);  // random, not derived from the name
}

TEST(StoreTest, WithBackendRatesComeFromIt) {
  BackendStore b;
  b.state->decision = RateDecision{false, 7, 0, seconds(3), seconds(9)};
  const RateOutcome outcome = CheckNow(*b.store, "ip:192.0.2.1", Policy(7), OnError::kClosed);
  EXPECT_FALSE(outcome.local);
  EXPECT_FALSE(outcome.failed);
  EXPECT_FALSE(outcome.decision.allowed);
  EXPECT_EQ(outcome.decision.limit, 7u);
  EXPECT_EQ(outcome.decision.retry_after, seconds(3));
  EXPECT_EQ(b.state->rate_keys, std::vector<std::string>{"ip:192.0.2.1"});
  EXPECT_EQ(b.store->rate_keys(), 0u);  // nothing counted in process
  EXPECT_TRUE(b.store->backend_status().up);
}

TEST(StoreTest, BackendFailureFailsOpenToLocalLimits) {
  BackendStore b;
  b.state->fail = true;
  for (int i = 0; i < 2; ++i) {
    const RateOutcome outcome = CheckNow(*b.store, "k", Policy(2), OnError::kOpen);
    EXPECT_TRUE(outcome.local);
    EXPECT_FALSE(outcome.failed);
    EXPECT_TRUE(outcome.decision.allowed);
  }
  // Open, not unlimited: the local table still enforces the policy.
  const RateOutcome third = CheckNow(*b.store, "k", Policy(2), OnError::kOpen);
  EXPECT_TRUE(third.local);
  EXPECT_FALSE(third.decision.allowed);
  EXPECT_EQ(b.store->rate_keys(), 1u);
}

TEST(StoreTest, BackendFailureFailsClosed) {
  BackendStore b;
  b.state->fail = true;
  const RateOutcome outcome = CheckNow(*b.store, "k", Policy(5), OnError::kClosed);
  EXPECT_TRUE(outcome.failed);
  EXPECT_FALSE(outcome.local);
  EXPECT_FALSE(outcome.decision.allowed);
  EXPECT_EQ(outcome.decision.limit, 5u);
  EXPECT_EQ(b.store->rate_keys(), 0u);
}

TEST(StoreTest, StrikesBanLocallyWithoutBackend) {
  Store store({}, nullptr);
  store.Strike("192.0.2.1", Strikes(0), "off");  // threshold 0: no dynamic bans
  EXPECT_EQ(store.ban_count(), 0u);
  const auto before = Now();
  store.Strike("192.0.2.1", Strikes(3), "3 blocked requests in 60s");
  store.Strike("192.0.2.1", Strikes(3), "3 blocked requests in 60s");
  EXPECT_FALSE(store.FindBan("192.0.2.1", Now()));
  store.Strike("192.0.2.1", Strikes(3), "3 blocked requests in 60s");
  const auto ban = store.FindBan("192.0.2.1", Now());
  ASSERT_TRUE(ban);
  EXPECT_EQ(ban->reason, "3 blocked requests in 60s");
  EXPECT_GE(ban->expires, before + minutes(10));
  EXPECT_LE(ban->expires, Now() + minutes(10));
  EXPECT_FALSE(store.FindBan("192.0.2.2", Now()));
  EXPECT_EQ(store.ban_count(), 1u);
}

TEST(StoreTest, StrikeBanFromTheBackendIsMirroredAtOnce) {
  BackendStore b;
  b.store->Strike("192.0.2.1", Strikes(3), "r");
  EXPECT_EQ(b.state->strikes, 1);
  EXPECT_FALSE(b.store->FindBan("192.0.2.1", Now()));
  b.state->strike_ban = Ban{"192.0.2.1", Now() + minutes(10), "shared strike"};
  b.store->Strike("192.0.2.1", Strikes(3), "r");
  const auto ban = b.store->FindBan("192.0.2.1", Now());
  ASSERT_TRUE(ban);
  EXPECT_EQ(ban->reason, "shared strike");
  EXPECT_TRUE(b.state->added.empty()) << "the backend made it: nothing to push back";
}

TEST(StoreTest, StrikesAreCountedLocallyWhileTheBackendFails) {
  BackendStore b({.sync_interval = milliseconds(10)});
  b.state->fail = true;
  b.store->Strike("192.0.2.1", Strikes(2), "2 blocked");
  EXPECT_FALSE(b.store->FindBan("192.0.2.1", Now()));
  b.store->Strike("192.0.2.1", Strikes(2), "2 blocked");
  ASSERT_TRUE(b.store->FindBan("192.0.2.1", Now()));
  EXPECT_EQ(b.state->strikes, 2);

  // The backend comes back: the next sync pushes the ban, and the list it answers (without
  // it: the answer races the push) does not lift it.
  b.state->fail = false;
  EventBase loop;
  b.store->StartSync(loop.base);
  ASSERT_TRUE(test::RunLoopUntil(
      loop.base, [&] { return b.state->list_calls >= 1; }, seconds(5)));
  ASSERT_EQ(b.state->added.size(), 1u);
  EXPECT_EQ(b.state->added[0].ip, "192.0.2.1");
  EXPECT_EQ(b.state->added[0].reason, "2 blocked");
  EXPECT_TRUE(b.store->FindBan("192.0.2.1", Now()));
  b.store->StopSync();
}

TEST(StoreTest, AddAndRemoveBanActLocallyAndInTheBackend) {
  BackendStore b;
  std::optional<bool> added;
  b.store->AddBan(Ban{"192.0.2.1", Now() + minutes(5), "admin"}, [&](bool ok) { added = ok; });
  EXPECT_EQ(added, true);
  EXPECT_TRUE(b.store->FindBan("192.0.2.1", Now()));
  ASSERT_EQ(b.state->added.size(), 1u);
  EXPECT_EQ(b.state->added[0].reason, "admin");

  std::optional<bool> removed;
  b.store->RemoveBan("192.0.2.1", [&](bool existed) { removed = existed; });
  EXPECT_EQ(removed, true);
  EXPECT_FALSE(b.store->FindBan("192.0.2.1", Now()));
  EXPECT_EQ(b.state->removed, std::vector<std::string>{"192.0.2.1"});

  // The backend fails: the local change holds anyway, and `done` says so.
  b.state->fail = true;
  added.reset();
  b.store->AddBan(Ban{"192.0.2.2", Now() + minutes(5), "admin"}, [&](bool ok) { added = ok; });
  EXPECT_EQ(added, false);
  EXPECT_TRUE(b.store->FindBan("192.0.2.2", Now()));
  removed.reset();
  b.store->RemoveBan("192.0.2.2", [&](bool existed) { removed = existed; });
  EXPECT_EQ(removed, true);
  EXPECT_FALSE(b.store->FindBan("192.0.2.2", Now()));
  b.store->AddBan(Ban{"192.0.2.3", Now() + minutes(5), "admin"});  // no callback: fine
}

TEST(StoreTest, AddAndRemoveBanWithoutBackend) {
  Store store({}, nullptr);
  std::optional<bool> added;
  store.AddBan(Ban{"2001:db8::1", Now() + minutes(5), "admin"}, [&](bool ok) { added = ok; });
  EXPECT_EQ(added, true);
  ASSERT_EQ(store.ListBans(Now()).size(), 1u);
  std::optional<bool> removed;
  store.RemoveBan("2001:db8::1", [&](bool existed) { removed = existed; });
  EXPECT_EQ(removed, true);
  store.RemoveBan("2001:db8::1", [&](bool existed) { removed = existed; });
  EXPECT_EQ(removed, false);
  EXPECT_TRUE(store.ListBans(Now()).empty());
}

TEST(StoreTest, SyncReplacesTheMirrorWithTheBackendList) {
  BackendStore b({.sync_interval = milliseconds(10)});
  b.state->list = {Ban{"192.0.2.7", Now() + minutes(10), "from node b"}};
  EventBase loop;
  b.store->StartSync(loop.base);
  ASSERT_TRUE(test::RunLoopUntil(
      loop.base, [&] { return b.store->FindBan("192.0.2.7", Now()).has_value(); }, seconds(5)));
  EXPECT_EQ(b.store->FindBan("192.0.2.7", Now())->reason, "from node b");

  // Lifted on the other node: gone here at a following sync.
  b.state->list.clear();
  ASSERT_TRUE(test::RunLoopUntil(
      loop.base, [&] { return !b.store->FindBan("192.0.2.7", Now()).has_value(); }, seconds(5)));
  EXPECT_EQ(b.store->ban_count(), 0u);
  b.store->StopSync();
  EXPECT_EQ(event_base_get_num_events(loop.base, EVENT_BASE_COUNT_ADDED), 0);
}

TEST(StoreTest, SyncKeepsTheMirrorWhenTheBackendFails) {
  BackendStore b({.sync_interval = milliseconds(10)});
  b.state->list = {Ban{"192.0.2.7", Now() + minutes(10), "shared"}};
  EventBase loop;
  b.store->StartSync(loop.base);
  ASSERT_TRUE(test::RunLoopUntil(
      loop.base, [&] { return b.store->FindBan("192.0.2.7", Now()).has_value(); }, seconds(5)));
  b.state->fail = true;
  const int calls = b.state->list_calls;
  ASSERT_TRUE(test::RunLoopUntil(
      loop.base, [&] { return b.state->list_calls >= calls + 3; }, seconds(5)));
  EXPECT_TRUE(b.store->FindBan("192.0.2.7", Now())) << "stale bans beat no bans";
  b.store->StopSync();
}

TEST(StoreTest, SlowListCallsDoNotPileUp) {
  BackendStore b({.sync_interval = milliseconds(5)});
  b.state->hold_lists = true;
  EventBase loop;
  b.store->StartSync(loop.base);
  ASSERT_TRUE(test::RunLoopUntil(
      loop.base, [&] { return b.state->list_calls >= 1; }, seconds(5)));
  // Several more periods: still the one call out.
  const auto until = std::chrono::steady_clock::now() + milliseconds(50);
  test::RunLoopUntil(
      loop.base, [&] { return std::chrono::steady_clock::now() >= until; }, seconds(5));
  EXPECT_EQ(b.state->list_calls, 1);
  // Answered: the next period asks again.
  b.state->held_lists.front()(std::vector<Ban>{Ban{"192.0.2.9", Now() + minutes(1), "late"}});
  b.state->held_lists.clear();
  EXPECT_TRUE(b.store->FindBan("192.0.2.9", Now()));
  ASSERT_TRUE(test::RunLoopUntil(
      loop.base, [&] { return b.state->list_calls >= 2; }, seconds(5)));
  b.store->StopSync();
}

TEST(StoreTest, DestroyingTheStoreWithACallOutIsSafe) {
  BackendStore b({.sync_interval = milliseconds(5)});
  b.state->hold_lists = true;
  EventBase loop;
  b.store->StartSync(loop.base);
  ASSERT_TRUE(test::RunLoopUntil(
      loop.base, [&] { return b.state->list_calls >= 1; }, seconds(5)));
  // The backend answers its held call with an error while it is destroyed, with the Store's
  // tables still in place (ASan would see otherwise).
  b.store.reset();
  EXPECT_TRUE(b.state->held_lists.empty());
  EXPECT_EQ(event_base_get_num_events(loop.base, EVENT_BASE_COUNT_ADDED), 0);
}

TEST(StoreTest, WithoutBackendTheSyncDropsExpiredBans) {
  Store store({.sync_interval = milliseconds(5)}, nullptr);
  store.AddBan(Ban{"192.0.2.1", Now() + milliseconds(20), "short"});
  EXPECT_EQ(store.ban_count(), 1u);
  EventBase loop;
  store.StartSync(loop.base);
  EXPECT_TRUE(test::RunLoopUntil(
      loop.base, [&] { return store.ban_count() == 0; }, seconds(5)));
  store.StopSync();
}

TEST(StoreTest, AttachAndDetachReachTheBackend) {
  BackendStore b;
  EventBase loop;
  b.store->AttachThread(loop.base);
  b.store->DetachThread();
  EXPECT_EQ(b.state->attached, std::vector<event_base*>{loop.base});
  EXPECT_EQ(b.state->detached, 1);
  Store local({}, nullptr);
  local.AttachThread(loop.base);  // no backend: nothing to do
  local.DetachThread();
}

}  // namespace
}  // namespace rampart::state
