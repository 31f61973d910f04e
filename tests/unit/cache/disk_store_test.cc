#include "cache/disk_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

namespace rampart::cache {
namespace {

namespace fs = std::filesystem;

StoredResponse Response(const std::string& body) {
  StoredResponse r;
  r.status = 200;
  r.reason = "OK";
  r.headers.Add("Content-Type", "text/plain");
  r.body = body;
  r.request_time = 1'700'000'000;
  r.response_time = 1'700'000'001;
  return r;
}

uint64_t RecordSize(const std::string& key, const std::string& body) {
  return Serialize(key, Response(body)).size();
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteAll(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

class DiskStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = ::testing::TempDir() + "rampart-disk-store-XXXXXX";
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    root_ = templ;
    dir_ = root_ + "/cache/nested";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  std::unique_ptr<DiskStore> Open(uint64_t budget = 1 << 20) {
    auto store = DiskStore::Open(dir_, budget);
    EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
    return store.ok() ? std::move(store).value() : nullptr;
  }

  std::string root_;
  std::string dir_;
};

TEST_F(DiskStoreTest, CreatesThePrivateDirectory) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  struct stat st {};
  ASSERT_EQ(::stat(dir_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(store->entries(), 0u);
}

TEST_F(DiskStoreTest, OpenErrorNamesThePath) {
  const std::string file = root_ + "/plain-file";
  WriteAll(file, "x");
  auto store = DiskStore::Open(file, 1000);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find(file), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find("not a directory"), std::string::npos);
  auto below = DiskStore::Open(file + "/sub", 1000);
  ASSERT_FALSE(below.ok());
  EXPECT_NE(below.error().message.find(file + "/sub"), std::string::npos);
  EXPECT_FALSE(DiskStore::Open("", 1000).ok());
}

TEST_F(DiskStoreTest, PutGetRemove) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Get("a"), nullptr);
  ASSERT_TRUE(store->Put("a", Response("alpha")));
  auto hit = store->Get("a");
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->body, "alpha");
  EXPECT_EQ(*hit->headers.Get("Content-Type"), "text/plain");
  EXPECT_EQ(hit->response_time, 1'700'000'001);
  EXPECT_EQ(store->entries(), 1u);
  EXPECT_EQ(store->bytes(), RecordSize("a", "alpha"));

  const std::string path = store->PathForKey("a");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(static_cast<uint64_t>(st.st_size), store->bytes());

  // Replacing keeps one entry.
  ASSERT_TRUE(store->Put("a", Response("alpha-2")));
  EXPECT_EQ(store->Get("a")->body, "alpha-2");
  EXPECT_EQ(store->entries(), 1u);
  EXPECT_EQ(store->bytes(), RecordSize("a", "alpha-2"));

  EXPECT_TRUE(store->Remove("a"));
  EXPECT_FALSE(store->Remove("a"));
  EXPECT_EQ(store->Get("a"), nullptr);
  EXPECT_FALSE(fs::exists(path));
  EXPECT_EQ(store->bytes(), 0u);
  EXPECT_EQ(store->entries(), 0u);
}

TEST_F(DiskStoreTest, StoresVaryMarkers) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  StoredResponse marker;
  marker.status = 0;
  marker.vary = {"accept-encoding", "accept-language"};
  ASSERT_TRUE(store->Put("GET example.com/", marker));
  auto hit = store->Get("GET example.com/");
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->status, 0);
  EXPECT_EQ(hit->vary, marker.vary);
}

TEST_F(DiskStoreTest, ReopenRebuildsTheIndex) {
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(store->Put("key-" + std::to_string(i), Response("body " + std::to_string(i))));
    }
  }
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->entries(), 20u);
  uint64_t expected_bytes = 0;
  for (int i = 0; i < 20; ++i) {
    expected_bytes += RecordSize("key-" + std::to_string(i), "body " + std::to_string(i));
  }
  EXPECT_EQ(store->bytes(), expected_bytes);
  for (int i = 0; i < 20; ++i) {
    auto hit = store->Get("key-" + std::to_string(i));
    ASSERT_NE(hit, nullptr) << i;
    EXPECT_EQ(hit->body, "body " + std::to_string(i));
  }
}

TEST_F(DiskStoreTest, OpenDropsCorruptAndTemporaryFilesAndLeavesForeignOnes) {
  std::string good_path;
  std::string truncated_path;
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Put("good", Response("good body")));
    ASSERT_TRUE(store->Put("truncated", Response(std::string(500, 't'))));
    good_path = store->PathForKey("good");
    truncated_path = store->PathForKey("truncated");
  }
  const std::string data = ReadAll(truncated_path);
  WriteAll(truncated_path, data.substr(0, data.size() / 2));
  // Garbage under a name of ours, a file of another key's name, a temp file, a foreign file.
  const std::string garbage_path = dir_ + "/ab/abcdef0123456789";
  fs::create_directories(dir_ + "/ab");
  WriteAll(garbage_path, "this is not a cache record");
  const std::string misplaced = dir_ + "/ab/ab00000000000000";
  WriteAll(misplaced, ReadAll(good_path));  // a valid record whose key hashes elsewhere
  const std::string temp = good_path + ".tmp.1.2";
  WriteAll(temp, "partial");
  const std::string foreign = dir_ + "/README";
  WriteAll(foreign, "operator notes");

  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->entries(), 1u);
  EXPECT_NE(store->Get("good"), nullptr);
  EXPECT_EQ(store->Get("truncated"), nullptr);
  EXPECT_FALSE(fs::exists(truncated_path));
  EXPECT_FALSE(fs::exists(garbage_path));
  EXPECT_FALSE(fs::exists(misplaced));
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_TRUE(fs::exists(foreign));
}

TEST_F(DiskStoreTest, GetDropsAFileCorruptedAfterOpen) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Put("k", Response(std::string(200, 'b'))));
  const std::string path = store->PathForKey("k");
  std::string data = ReadAll(path);
  data[data.size() - 50] ^= 0x01;  // one bit in the body
  WriteAll(path, data);
  EXPECT_EQ(store->Get("k"), nullptr);
  EXPECT_FALSE(fs::exists(path));
  EXPECT_EQ(store->entries(), 0u);
  EXPECT_EQ(store->bytes(), 0u);
  // A file deleted behind the store's back is a miss, and is forgotten.
  ASSERT_TRUE(store->Put("k", Response("x")));
  fs::remove(store->PathForKey("k"));
  EXPECT_EQ(store->Get("k"), nullptr);
  EXPECT_EQ(store->entries(), 0u);
}

TEST_F(DiskStoreTest, EvictsLeastRecentlyUsedToBudget) {
  const std::string body(1000, 'x');
  const uint64_t size = RecordSize("k0", body);
  auto store = Open(3 * size);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Put("k0", Response(body)));
  ASSERT_TRUE(store->Put("k1", Response(body)));
  ASSERT_TRUE(store->Put("k2", Response(body)));
  ASSERT_NE(store->Get("k0"), nullptr);  // k1 is now the least recently used
  ASSERT_TRUE(store->Put("k3", Response(body)));
  EXPECT_EQ(store->entries(), 3u);
  EXPECT_EQ(store->evictions(), 1u);
  EXPECT_LE(store->bytes(), 3 * size);
  EXPECT_EQ(store->Get("k1"), nullptr);
  EXPECT_FALSE(fs::exists(store->PathForKey("k1")));
  EXPECT_NE(store->Get("k0"), nullptr);
  EXPECT_NE(store->Get("k2"), nullptr);
  EXPECT_NE(store->Get("k3"), nullptr);
  // Larger than the whole budget: refused, and the older version is gone.
  EXPECT_FALSE(store->Put("k3", Response(std::string(4 * size, 'y'))));
  EXPECT_EQ(store->Get("k3"), nullptr);
  EXPECT_EQ(store->entries(), 2u);
}

TEST_F(DiskStoreTest, ReopenWithASmallerBudgetEvictsTheOldest) {
  const std::string body(1000, 'x');
  const uint64_t size = RecordSize("k0", body);
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(store->Put("k" + std::to_string(i), Response(body)));
      // Distinct modification times, oldest first.
      fs::last_write_time(store->PathForKey("k" + std::to_string(i)),
                          fs::file_time_type::clock::now() - std::chrono::hours(10 - i));
    }
  }
  auto store = Open(2 * size);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->entries(), 2u);
  EXPECT_EQ(store->evictions(), 2u);
  EXPECT_EQ(store->Get("k0"), nullptr);
  EXPECT_EQ(store->Get("k1"), nullptr);
  EXPECT_NE(store->Get("k2"), nullptr);
  EXPECT_NE(store->Get("k3"), nullptr);
}

TEST_F(DiskStoreTest, RemoveIf) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(store->Put((i < 4 ? "/api/" : "/static/") + std::to_string(i), Response("b")));
  }
  EXPECT_EQ(store->RemoveIf([](std::string_view key) { return key.starts_with("/api/"); }), 4u);
  EXPECT_EQ(store->entries(), 6u);
  EXPECT_EQ(store->Get("/api/1"), nullptr);
  EXPECT_FALSE(fs::exists(store->PathForKey("/api/1")));
  EXPECT_NE(store->Get("/static/5"), nullptr);
  // Survives a reopen.
  store.reset();
  store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->entries(), 6u);
}

TEST_F(DiskStoreTest, RefusesHugeKeys) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(store->Put(std::string(70000, 'k'), Response("b")));
  EXPECT_EQ(store->entries(), 0u);
}

TEST_F(DiskStoreTest, ConcurrentUseKeepsInvariants) {
  const uint64_t budget = 40 * 1024;
  auto store = Open(budget);
  ASSERT_NE(store, nullptr);
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        const int n = (i * 5 + t) % 40;
        const std::string key = "key-" + std::to_string(n);
        const std::string body(static_cast<size_t>(100 + n * 20), static_cast<char>('a' + n % 26));
        if (i % 2 == 0) {
          store->Put(key, Response(body));
        } else if (auto hit = store->Get(key); hit != nullptr && hit->body != body) {
          ++bad;
        }
        if (i % 29 == 0) store->Remove(key);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_LE(store->bytes(), budget);
  // What the index says is what a fresh scan of the directory finds.
  const uint64_t entries = store->entries();
  const uint64_t bytes = store->bytes();
  store.reset();
  store = Open(budget);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->entries(), entries);
  EXPECT_EQ(store->bytes(), bytes);
}

}  // namespace
}  // namespace rampart::cache
