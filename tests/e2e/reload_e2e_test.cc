// SIGHUP under load: two client threads run keep-alive GETs while the configuration is
// reloaded twice, once with a changed config (applied: new responses carry the new header) and
// once with a broken one (refused: the old config keeps serving). No request may fail.

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

// Shared tallies of the load threads; the main thread waits on them instead of sleeping.
class Tally {
 public:
  void Add(const std::string& version) {
    std::lock_guard<std::mutex> lock(mu_);
    ++by_version_[version];
    ++total_;
    cv_.notify_all();
  }
  void Fail(const std::string& why) {
    std::lock_guard<std::mutex> lock(mu_);
    ++failures_;
    if (first_failure_.empty()) first_failure_ = why;
    cv_.notify_all();
  }
  // Waits until `n` more responses with `version` than `since` have been counted.
  bool WaitFor(const std::string& version, size_t n, Timeout timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    size_t start = by_version_[version];
    return cv_.wait_until(lock, DeadlineIn(timeout),
                          [&] { return by_version_[version] >= start + n; });
  }
  size_t count(const std::string& version) {
    std::lock_guard<std::mutex> lock(mu_);
    return by_version_[version];
  }
  size_t failures() {
    std::lock_guard<std::mutex> lock(mu_);
    return failures_;
  }
  std::string first_failure() {
    std::lock_guard<std::mutex> lock(mu_);
    return first_failure_;
  }
  size_t total() {
    std::lock_guard<std::mutex> lock(mu_);
    return total_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, size_t> by_version_;
  size_t total_ = 0;
  size_t failures_ = 0;
  std::string first_failure_;
};

// One load thread: keep-alive GETs until `stop`, or 100 000 requests, or 30 s.
void Load(uint16_t port, std::atomic<bool>* stop, Tally* tally) {
  Client c;
  Deadline deadline = DeadlineIn(Timeout(30'000));
  for (int i = 0; i < 100'000 && !*stop && Clock::now() < deadline; ++i) {
    if (!c.connected() && !c.Connect(port, Timeout(5'000))) {
      tally->Fail("connect: " + c.error());
      continue;
    }
    auto r = c.Get("/load", {}, Timeout(5'000));
    if (!r) {
      tally->Fail("request " + std::to_string(i) + ": " + c.error());
      c.Close();
      continue;
    }
    if (r->status != 200) {
      tally->Fail("status " + std::to_string(r->status));
    } else {
      tally->Add(r->Header("X-Config").value_or("none"));
    }
    // A server may close a keep-alive connection after a response that says so.
    if (HeaderHasToken(r->headers, "Connection", "close")) c.Close();
  }
}

class ReloadTest : public ProxyTest {
 protected:
  std::string ConfigWith(const std::string& version) {
    ConfigOptions options;
    options.backend_ports = {origin_.port()};
    options.route_lines = {"set_response_headers: {X-Config: " + version + "}"};
    return MakeConfig(rampart_.dir(), options);
  }
};

TEST_F(ReloadTest, ReloadUnderLoadLosesNoRequest) {
  ASSERT_NO_FATAL_FAILURE(StartRampartYaml(ConfigWith("v1")));
  Tally tally;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) threads.emplace_back(Load, port(), &stop, &tally);
  struct Joiner {
    std::atomic<bool>* stop;
    std::vector<std::thread>* threads;
    void Join() {
      *stop = true;
      for (std::thread& t : *threads) {
        if (t.joinable()) t.join();
      }
    }
    ~Joiner() { Join(); }
  } joiner{&stop, &threads};

  ASSERT_TRUE(tally.WaitFor("v1", 200, Timeout(10'000))) << "load did not start";

  // A good new config is applied...
  rampart_.WriteConfig(ConfigWith("v2"));
  size_t from = rampart_.LineCount();
  ASSERT_TRUE(rampart_.Signal(SIGHUP));
  auto applied = rampart_.WaitForLine("reload: applied", kDefaultTimeout, from);
  ASSERT_TRUE(applied) << rampart_.Log();
  auto fresh = Get("/after-reload");
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->Header("X-Config"), "v2") << "a request after the reload used the old config";
  EXPECT_TRUE(tally.WaitFor("v2", 200, Timeout(10'000)))
      << "keep-alive connections opened before the reload never saw the new config";

  // ...a broken one is refused and the running config keeps serving.
  std::string broken = ConfigWith("v3");
  broken += "bogus_key: 1\n";
  broken.replace(broken.find("address: 127.0.0.1:" + std::to_string(origin_.port())),
                 std::string("address: 127.0.0.1:").size() + std::to_string(origin_.port()).size(),
                 "address: not-an-address");
  rampart_.WriteConfig(broken);
  from = rampart_.LineCount();
  ASSERT_TRUE(rampart_.Signal(SIGHUP));
  auto refused = rampart_.WaitForLine("reload: refused", kDefaultTimeout, from);
  ASSERT_TRUE(refused) << rampart_.Log();
  EXPECT_TRUE(rampart_.WaitForLine("bogus_key", Timeout(2'000), from))
      << "each error of the refused config is logged";
  EXPECT_TRUE(rampart_.WaitForLine("servers[0].address", Timeout(2'000), from));
  auto still = Get("/after-refused");
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, 200);
  EXPECT_EQ(still->Header("X-Config"), "v2");
  size_t v2_before = tally.count("v2");
  EXPECT_TRUE(tally.WaitFor("v2", 200, Timeout(10'000)));
  EXPECT_EQ(tally.count("v3"), 0u);

  joiner.Join();
  EXPECT_EQ(tally.failures(), 0u) << "first failure: " << tally.first_failure();
  EXPECT_GT(tally.count("v2"), v2_before);
  EXPECT_TRUE(rampart_.running());
  EXPECT_EQ(tally.count("none"), 0u) << "responses without X-Config";
}

TEST_F(ReloadTest, RepeatedReloadsKeepServing) {
  ASSERT_NO_FATAL_FAILURE(StartRampartYaml(ConfigWith("r0")));
  for (int i = 1; i <= 5; ++i) {
    std::string version = "r" + std::to_string(i);
    rampart_.WriteConfig(ConfigWith(version));
    size_t from = rampart_.LineCount();
    ASSERT_TRUE(rampart_.Signal(SIGHUP));
    ASSERT_TRUE(rampart_.WaitForLine("reload: applied", kDefaultTimeout, from)) << rampart_.Log();
    auto r = Get("/reload-" + version);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->Header("X-Config"), version);
  }
}

}  // namespace
}  // namespace rampart::test
