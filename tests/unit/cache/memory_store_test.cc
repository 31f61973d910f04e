#include "cache/memory_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace rampart::cache {
namespace {

std::shared_ptr<const StoredResponse> Body(size_t bytes, char fill = 'x') {
  auto r = std::make_shared<StoredResponse>();
  r->body.assign(bytes, fill);
  return r;
}

// What an entry of `key` with a `bytes`-long body costs.
uint64_t Cost(const std::string& key, size_t bytes) { return key.size() + Body(bytes)->Size(); }

TEST(MemoryStoreTest, PutGetRemove) {
  MemoryStore store(1 << 20, 4);
  EXPECT_EQ(store.Get("a"), nullptr);
  EXPECT_TRUE(store.Put("a", Body(10, 'a')));
  auto hit = store.Get("a");
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->body, std::string(10, 'a'));
  EXPECT_EQ(store.entries(), 1u);
  EXPECT_EQ(store.bytes(), Cost("a", 10));
  EXPECT_TRUE(store.Remove("a"));
  EXPECT_FALSE(store.Remove("a"));
  EXPECT_EQ(store.Get("a"), nullptr);
  EXPECT_EQ(store.entries(), 0u);
  EXPECT_EQ(store.bytes(), 0u);
  // The caller's copy outlives the removal.
  EXPECT_EQ(hit->body.size(), 10u);
  EXPECT_FALSE(store.Put("n", nullptr));
}

TEST(MemoryStoreTest, PutReplaces) {
  MemoryStore store(1 << 20, 1);
  EXPECT_TRUE(store.Put("k", Body(10, 'a')));
  EXPECT_TRUE(store.Put("k", Body(20, 'b')));
  EXPECT_EQ(store.entries(), 1u);
  EXPECT_EQ(store.bytes(), Cost("k", 20));
  EXPECT_EQ(store.Get("k")->body, std::string(20, 'b'));
  EXPECT_EQ(store.evictions(), 0u);
}

TEST(MemoryStoreTest, EvictsLeastRecentlyUsed) {
  // One shard with room for exactly three entries of this size.
  const uint64_t cost = Cost("k0", 100);
  MemoryStore store(3 * cost, 1);
  ASSERT_TRUE(store.Put("k0", Body(100)));
  ASSERT_TRUE(store.Put("k1", Body(100)));
  ASSERT_TRUE(store.Put("k2", Body(100)));
  EXPECT_EQ(store.entries(), 3u);
  // Touch k0: k1 is now the least recently used.
  ASSERT_NE(store.Get("k0"), nullptr);
  ASSERT_TRUE(store.Put("k3", Body(100)));
  EXPECT_EQ(store.entries(), 3u);
  EXPECT_EQ(store.evictions(), 1u);
  EXPECT_EQ(store.Get("k1"), nullptr);
  EXPECT_NE(store.Get("k0"), nullptr);
  EXPECT_NE(store.Get("k2"), nullptr);
  EXPECT_NE(store.Get("k3"), nullptr);
  // Order now (newest first): k3, k2, k0. A double-size entry evicts k0 then k2.
  ASSERT_TRUE(store.Put("k4", Body(100 + cost)));
  EXPECT_EQ(store.evictions(), 3u);
  EXPECT_EQ(store.Get("k0"), nullptr);
  EXPECT_EQ(store.Get("k2"), nullptr);
  EXPECT_NE(store.Get("k3"), nullptr);
  EXPECT_LE(store.bytes(), 3 * cost);
}

TEST(MemoryStoreTest, RefusesWhatIsLargerThanAShard) {
  MemoryStore store(4000, 4);  // 1000 bytes per shard
  EXPECT_TRUE(store.Put("small", Body(10)));
  EXPECT_FALSE(store.Put("big", Body(2000)));
  EXPECT_EQ(store.Get("big"), nullptr);
  // A refused replacement also drops the older version it superseded.
  EXPECT_FALSE(store.Put("small", Body(2000)));
  EXPECT_EQ(store.Get("small"), nullptr);
  EXPECT_EQ(store.entries(), 0u);
  EXPECT_EQ(store.bytes(), 0u);
  EXPECT_EQ(store.evictions(), 0u);
}

TEST(MemoryStoreTest, ZeroShardsMeansOne) {
  MemoryStore store(1 << 20, 0);
  EXPECT_TRUE(store.Put("a", Body(1)));
  EXPECT_NE(store.Get("a"), nullptr);
}

TEST(MemoryStoreTest, RemoveIf) {
  MemoryStore store(1 << 20, 8);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(store.Put((i % 2 ? "odd/" : "even/") + std::to_string(i), Body(5)));
  }
  EXPECT_EQ(store.RemoveIf([](std::string_view key) { return key.starts_with("odd/"); }), 10u);
  EXPECT_EQ(store.entries(), 10u);
  EXPECT_EQ(store.Get("odd/1"), nullptr);
  EXPECT_NE(store.Get("even/0"), nullptr);
  EXPECT_EQ(store.RemoveIf([](std::string_view) { return false; }), 0u);
  EXPECT_EQ(store.RemoveIf([](std::string_view) { return true; }), 10u);
  EXPECT_EQ(store.bytes(), 0u);
}

TEST(MemoryStoreTest, ConcurrentPutGetKeepsInvariants) {
  constexpr uint64_t kBudget = 64 * 1024;
  MemoryStore store(kBudget, 4);
  constexpr int kThreads = 4;
  std::atomic<bool> go{false};
  std::atomic<int> bad_hits{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < 5000; ++i) {
        const int n = (i * 7 + t) % 200;
        const std::string key = "key-" + std::to_string(n);
        if (i % 3 == 0) {
          store.Put(key, Body(static_cast<size_t>(50 + n * 10), static_cast<char>('a' + n % 26)));
        } else if (i % 17 == 0) {
          store.Remove(key);
        } else if (auto hit = store.Get(key)) {
          // A hit is always the whole response stored under that key.
          if (hit->body !=
              std::string(static_cast<size_t>(50 + n * 10), static_cast<char>('a' + n % 26))) {
            ++bad_hits;
          }
        }
        if (store.bytes() > kBudget) ++bad_hits;
      }
    });
  }
  go = true;
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(bad_hits.load(), 0);
  EXPECT_LE(store.bytes(), kBudget);
  // The counters agree with what is actually there.
  uint64_t entries = 0;
  for (int n = 0; n < 200; ++n) {
    if (store.Get("key-" + std::to_string(n)) != nullptr) ++entries;
  }
  EXPECT_EQ(store.entries(), entries);
  EXPECT_EQ(store.RemoveIf([](std::string_view) { return true; }), entries);
  EXPECT_EQ(store.bytes(), 0u);
}

}  // namespace
}  // namespace rampart::cache
