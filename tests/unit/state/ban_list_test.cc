#include "state/ban_list.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace rampart::state {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using TimePoint = BanList::TimePoint;

// A fixed wall clock: 2024-01-01T00:00:00Z.
const TimePoint kNow = TimePoint(seconds(1704067200));

Ban MakeBan(std::string ip, TimePoint expires, std::string reason = "test") {
  return Ban{std::move(ip), expires, std::move(reason)};
}

TEST(BanListTest, FindsBansInForceOnly) {
  BanList bans;
  EXPECT_FALSE(bans.Find("192.0.2.1", kNow));  // empty: the lock-free path
  bans.Add(MakeBan("192.0.2.1", kNow + minutes(10), "admin"), kNow);
  auto found = bans.Find("192.0.2.1", kNow + minutes(5));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->ip, "192.0.2.1");
  EXPECT_EQ(found->expires, kNow + minutes(10));
  EXPECT_EQ(found->reason, "admin");
  EXPECT_FALSE(bans.Find("192.0.2.2", kNow));
  // At its expiry it is gone, and dropped.
  EXPECT_EQ(bans.size(), 1u);
  EXPECT_FALSE(bans.Find("192.0.2.1", kNow + minutes(10)));
  EXPECT_EQ(bans.size(), 0u);
}

TEST(BanListTest, AddExtendsToTheLaterExpiry) {
  BanList bans;
  bans.Add(MakeBan("192.0.2.1", kNow + minutes(10), "first"), kNow);
  bans.Add(MakeBan("192.0.2.1", kNow + minutes(5), "shorter"), kNow);
  EXPECT_EQ(bans.Find("192.0.2.1", kNow)->expires, kNow + minutes(10));
  EXPECT_EQ(bans.Find("192.0.2.1", kNow)->reason, "first");
  bans.Add(MakeBan("192.0.2.1", kNow + minutes(30), "longer"), kNow);
  EXPECT_EQ(bans.Find("192.0.2.1", kNow)->expires, kNow + minutes(30));
  EXPECT_EQ(bans.Find("192.0.2.1", kNow)->reason, "longer");
  EXPECT_EQ(bans.size(), 1u);
  // An already expired ban is not added.
  bans.Add(MakeBan("192.0.2.9", kNow - seconds(1)), kNow);
  EXPECT_EQ(bans.size(), 1u);
}

TEST(BanListTest, RemoveReportsWhetherABanWasInForce) {
  BanList bans;
  bans.Add(MakeBan("192.0.2.1", kNow + minutes(10)), kNow);
  bans.Add(MakeBan("192.0.2.2", kNow + seconds(1)), kNow);
  EXPECT_TRUE(bans.Remove("192.0.2.1", kNow));
  EXPECT_FALSE(bans.Remove("192.0.2.1", kNow));
  EXPECT_FALSE(bans.Remove("192.0.2.2", kNow + seconds(2)));  // expired already
  EXPECT_FALSE(bans.Find("192.0.2.1", kNow));
  EXPECT_EQ(bans.size(), 0u);
}

TEST(BanListTest, ListIsSortedAndSkipsExpired) {
  BanList bans;
  bans.Add(MakeBan("198.51.100.2", kNow + minutes(1)), kNow);
  bans.Add(MakeBan("192.0.2.1", kNow + minutes(1)), kNow);
  bans.Add(MakeBan("2001:db8::1", kNow + seconds(1)), kNow);
  const auto listed = bans.List(kNow + seconds(30));
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].ip, "192.0.2.1");
  EXPECT_EQ(listed[1].ip, "198.51.100.2");
  EXPECT_EQ(bans.DropExpired(kNow + seconds(30)), 1u);
  EXPECT_EQ(bans.size(), 2u);
}

TEST(BanListTest, AddSweepsExpiredBansSoTheListStaysBounded) {
  BanList bans;
  // 100k short bans over 100 seconds: at most a couple of seconds' worth are ever held.
  for (int i = 0; i < 100'000; ++i) {
    const TimePoint now = kNow + milliseconds(i);
    bans.Add(MakeBan("10.0." + std::to_string(i / 256 % 256) + "." + std::to_string(i % 256) + "#" +
                         std::to_string(i),
                     now + seconds(1)),
             now);
  }
  EXPECT_LT(bans.size(), 5000u);
}

TEST(BanListTest, ReplaceSharedTakesTheBackendList) {
  BanList bans(seconds(2));  // a mirror, grace 2s
  bans.Add(MakeBan("192.0.2.1", kNow + minutes(10)), kNow, BanList::Origin::kBackend);
  bans.ReplaceShared({MakeBan("192.0.2.7", kNow + minutes(10), "shared"),
                      MakeBan("192.0.2.8", kNow - seconds(1))},  // expired: skipped
                     kNow + seconds(3));
  EXPECT_FALSE(bans.Find("192.0.2.1", kNow + seconds(3)));  // not listed any more: lifted
  ASSERT_TRUE(bans.Find("192.0.2.7", kNow + seconds(3)));
  EXPECT_EQ(bans.Find("192.0.2.7", kNow + seconds(3))->reason, "shared");
  EXPECT_EQ(bans.size(), 1u);
}

TEST(BanListTest, AFreshLocalBanSurvivesASyncThatRacedIt) {
  BanList bans(seconds(2));
  bans.Add(MakeBan("192.0.2.1", kNow + minutes(10)), kNow, BanList::Origin::kLocal);
  bans.ConfirmAdd("192.0.2.1", kNow);         // the backend took it...
  bans.ReplaceShared({}, kNow + seconds(1));  // ...but this answer predates it
  EXPECT_TRUE(bans.Find("192.0.2.1", kNow + seconds(1)));
  // After the grace the backend's word is final.
  bans.ReplaceShared({}, kNow + seconds(2));
  EXPECT_FALSE(bans.Find("192.0.2.1", kNow + seconds(2)));
}

TEST(BanListTest, ALocalExtensionIsNotShortenedByASync) {
  BanList bans(seconds(2));
  bans.Add(MakeBan("192.0.2.1", kNow + minutes(30)), kNow, BanList::Origin::kLocal);
  bans.ConfirmAdd("192.0.2.1", kNow);
  bans.ReplaceShared({MakeBan("192.0.2.1", kNow + minutes(10))}, kNow + seconds(1));
  EXPECT_EQ(bans.Find("192.0.2.1", kNow + seconds(1))->expires, kNow + minutes(30));
}

TEST(BanListTest, AnUnconfirmedLocalBanHoldsUntilPushed) {
  BanList bans(seconds(2));
  bans.Add(MakeBan("192.0.2.1", kNow + minutes(10)), kNow, BanList::Origin::kLocal);
  // The backend is failing: minutes of syncs that do not list it.
  bans.ReplaceShared({}, kNow + minutes(1));
  ASSERT_TRUE(bans.Find("192.0.2.1", kNow + minutes(1)));
  const auto pending = bans.PendingAdds(kNow + minutes(1));
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].ip, "192.0.2.1");
  // Pushed at last; a sync within the grace still keeps it, the next one decides.
  bans.ConfirmAdd("192.0.2.1", kNow + minutes(1));
  EXPECT_TRUE(bans.PendingAdds(kNow + minutes(1)).empty());
  bans.ReplaceShared({}, kNow + minutes(1) + seconds(1));
  EXPECT_TRUE(bans.Find("192.0.2.1", kNow + minutes(1) + seconds(1)));
  bans.ReplaceShared({MakeBan("192.0.2.1", kNow + minutes(10))}, kNow + minutes(2));
  EXPECT_TRUE(bans.Find("192.0.2.1", kNow + minutes(2)));
}

TEST(BanListTest, BackendBansAreNeverPending) {
  BanList bans(seconds(2));
  bans.Add(MakeBan("192.0.2.1", kNow + minutes(10)), kNow, BanList::Origin::kBackend);
  EXPECT_TRUE(bans.PendingAdds(kNow).empty());
  BanList standalone;
  standalone.Add(MakeBan("192.0.2.1", kNow + minutes(10)), kNow, BanList::Origin::kLocal);
  EXPECT_TRUE(standalone.PendingAdds(kNow).empty());
  standalone.Remove("192.0.2.1", kNow);
  EXPECT_TRUE(standalone.PendingRemovals().empty());
}

TEST(BanListTest, ALocalRemovalIsNotResurrectedByASyncThatRacedIt) {
  BanList bans(seconds(2));
  bans.Add(MakeBan("192.0.2.1", kNow + minutes(10)), kNow - minutes(1), BanList::Origin::kBackend);
  EXPECT_TRUE(bans.Remove("192.0.2.1", kNow));
  EXPECT_EQ(bans.PendingRemovals(), std::vector<std::string>{"192.0.2.1"});
  // Unconfirmed: the backend still lists it, and keeps listing it while it is down.
  bans.ReplaceShared({MakeBan("192.0.2.1", kNow + minutes(10))}, kNow + minutes(1));
  EXPECT_FALSE(bans.Find("192.0.2.1", kNow + minutes(1)));
  bans.ConfirmRemove("192.0.2.1", kNow + minutes(1));
  EXPECT_TRUE(bans.PendingRemovals().empty());
  // Confirmed, but this answer predates the removal.
  bans.ReplaceShared({MakeBan("192.0.2.1", kNow + minutes(10))}, kNow + minutes(1) + seconds(1));
  EXPECT_FALSE(bans.Find("192.0.2.1", kNow + minutes(1) + seconds(1)));
  // Past the grace, a backend that lists the IP again (banned anew elsewhere) is believed.
  bans.ReplaceShared({MakeBan("192.0.2.1", kNow + minutes(10))}, kNow + minutes(1) + seconds(3));
  EXPECT_TRUE(bans.Find("192.0.2.1", kNow + minutes(1) + seconds(3)));
}

TEST(BanListTest, ABanAfterARemovalWins) {
  BanList bans(seconds(2));
  bans.Remove("192.0.2.1", kNow);
  bans.Add(MakeBan("192.0.2.1", kNow + minutes(10)), kNow + milliseconds(10));
  EXPECT_TRUE(bans.PendingRemovals().empty());
  bans.ReplaceShared({}, kNow + milliseconds(20));
  EXPECT_TRUE(bans.Find("192.0.2.1", kNow + milliseconds(20)));
}

TEST(BanListTest, ReadersRunWhileSyncsReplaceTheList) {
  BanList bans(seconds(2));
  std::vector<Ban> shared;
  for (int i = 0; i < 1000; ++i) {
    shared.push_back(MakeBan("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256),
                             kNow + minutes(10)));
  }
  bans.ReplaceShared(shared, kNow);
  std::atomic<bool> stop{false};
  std::atomic<long> misses{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        for (const Ban& ban : shared) {
          if (!bans.Find(ban.ip, kNow)) ++misses;
        }
      }
    });
  }
  for (int i = 0; i < 200; ++i) bans.ReplaceShared(shared, kNow + milliseconds(i));
  stop = true;
  for (auto& reader : readers) reader.join();
  EXPECT_EQ(misses.load(), 0) << "a ban listed by every sync must never be missed";
  EXPECT_EQ(bans.size(), 1000u);
}

}  // namespace
}  // namespace rampart::state
