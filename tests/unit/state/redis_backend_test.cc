#include "state/redis_backend.h"

#include <event2/event.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "net/event_loop.h"
#include "state/gcra.h"
#include "support/redis_server.h"
#include "unit/run_loop_until.h"

namespace rampart::state {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using test::RedisServer;
using test::RunLoopUntil;

constexpr milliseconds kWait{5000};

RatePolicy Policy(uint64_t rate, nanoseconds period, uint64_t burst) {
  RatePolicy policy;
  policy.rate = rate;
  policy.period = period;
  policy.burst = burst;
  return policy;
}

// The value of `field` ("calls") in the INFO commandstats line of `command`; -1 when absent.
long CommandStat(const RedisServer& server, const std::string& command, const std::string& field) {
  std::optional<std::string> info = server.Query({"INFO", "commandstats"});
  if (!info) return -1;
  const std::string line = "cmdstat_" + command + ":";
  size_t at = info->find(line);
  if (at == std::string::npos) return -1;
  at = info->find(field + "=", at);
  if (at == std::string::npos) return -1;
  return std::strtol(info->c_str() + at + field.size() + 1, nullptr, 10);
}

// Captures log lines, and lets a test wait for one.
class CaptureSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  bool WaitFor(const std::string& needle, milliseconds limit) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return CountLocked(needle) > 0; });
  }
  size_t Count(const std::string& needle) {
    std::lock_guard<std::mutex> lock(mu_);
    return CountLocked(needle);
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::lock_guard<std::mutex> lock(mu_);
    lines_.emplace_back(msg.payload.data(), msg.payload.size());
    cv_.notify_all();
  }
  void flush_() override {}

 private:
  size_t CountLocked(const std::string& needle) const {
    size_t n = 0;
    for (const std::string& line : lines_) n += line.find(needle) != std::string::npos ? 1 : 0;
    return n;
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
};

class RedisBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!RedisServer::Available()) {
      GTEST_SKIP() << "needs " << RedisServer::kBinary << " (Debian package redis-server)";
    }
    signal(SIGPIPE, SIG_IGN);  // hiredis writes with write(2); the server does the same
    server_ = std::make_unique<RedisServer>(password_);
    ASSERT_TRUE(server_->Start()) << server_->error();
    base_ = event_base_new();
    ASSERT_NE(base_, nullptr);
  }

  void TearDown() override {
    backends_.clear();  // detaches this thread before its loop goes
    if (base_ != nullptr) event_base_free(base_);
  }

  RedisOptions Options() const {
    RedisOptions options;
    options.host = server_->host();
    options.port = server_->port();
    options.password = password_;
    options.retry_max = milliseconds(200);  // quick reconnections keep the tests short
    return options;
  }

  RedisBackend& Attach(RedisOptions options) {
    backends_.push_back(std::make_unique<RedisBackend>(std::move(options)));
    backends_.back()->AttachThread(base_);
    return *backends_.back();
  }
  RedisBackend& Attach() { return Attach(Options()); }

  bool WaitUp(const RedisBackend& backend, bool up = true) {
    return RunLoopUntil(
        base_, [&] { return backend.status().up == up; }, kWait);
  }

  // Calls `call` with a callback and runs the loop until it answers.
  template <typename T, typename Call>
  std::variant<T, StateError> Await(Call call) {
    // Shared: a callback that comes after a failed wait must not write to a dead frame.
    auto got = std::make_shared<std::optional<std::variant<T, StateError>>>();
    call([got](std::variant<T, StateError> result) { *got = std::move(result); });
    if (!RunLoopUntil(
            base_, [&] { return got->has_value(); }, kWait)) {
      ADD_FAILURE() << "no answer";
      return StateError{"no answer"};
    }
    return std::move(**got);
  }

  std::variant<RateDecision, StateError> Rate(RedisBackend& backend, std::string_view key,
                                              const RatePolicy& policy) {
    return Await<RateDecision>([&](auto done) { backend.CheckRate(key, policy, done); });
  }
  std::variant<std::optional<Ban>, StateError> Strike(RedisBackend& backend, std::string_view ip,
                                                      const StrikePolicy& policy) {
    return Await<std::optional<Ban>>(
        [&](auto done) { backend.Strike(ip, policy, "too many blocks", done); });
  }
  std::variant<bool, StateError> AddBan(RedisBackend& backend, const Ban& ban) {
    return Await<bool>([&](auto done) { backend.AddBan(ban, done); });
  }
  std::variant<std::string, StateError> Secret(RedisBackend& backend, std::string_view name,
                                               std::string_view candidate) {
    return Await<std::string>(
        [&](auto done) { backend.SharedSecret(name, candidate, std::chrono::minutes(10), done); });
  }
  std::variant<bool, StateError> RemoveBan(RedisBackend& backend, std::string_view ip) {
    return Await<bool>([&](auto done) { backend.RemoveBan(ip, done); });
  }
  std::vector<Ban> ListBans(RedisBackend& backend) {
    auto result = Await<std::vector<Ban>>([&](auto done) { backend.ListBans(done); });
    if (auto* error = std::get_if<StateError>(&result)) {
      ADD_FAILURE() << error->message;
      return {};
    }
    return std::get<std::vector<Ban>>(result);
  }

  std::string password_;
  std::unique_ptr<RedisServer> server_;
  event_base* base_ = nullptr;
  std::vector<std::unique_ptr<RedisBackend>> backends_;
};

template <typename T>
const T& Value(const std::variant<T, StateError>& result) {
  if (const auto* error = std::get_if<StateError>(&result)) {
    ADD_FAILURE() << "StateError: " << error->message;
    static const T kEmpty{};
    return kEmpty;
  }
  return std::get<T>(result);
}

TEST_F(RedisBackendTest, RateAllowsTheBurstThenRefuses) {
  RedisBackend& backend = Attach();
  const RatePolicy policy = Policy(1, seconds(10), 3);
  const int64_t interval = GcraInterval(policy);

  // A fresh key answers exactly what GcraStep answers for one.
  const RateDecision first = Value(Rate(backend, "client-a", policy));
  const RateDecision expected = GcraStep(0, 1'000'000'000'000, policy).decision;
  EXPECT_TRUE(first.allowed);
  EXPECT_EQ(first.limit, expected.limit);
  EXPECT_EQ(first.remaining, expected.remaining);
  EXPECT_EQ(first.reset, expected.reset);
  EXPECT_EQ(first.retry_after, nanoseconds(0));

  EXPECT_EQ(Value(Rate(backend, "client-a", policy)).remaining, 1u);
  const RateDecision third = Value(Rate(backend, "client-a", policy));
  EXPECT_TRUE(third.allowed);
  EXPECT_EQ(third.remaining, 0u);

  const RateDecision refused = Value(Rate(backend, "client-a", policy));
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.limit, 3u);
  EXPECT_EQ(refused.remaining, 0u);
  EXPECT_GT(refused.retry_after, nanoseconds(0));
  EXPECT_LE(refused.retry_after, nanoseconds(interval));
  EXPECT_GT(refused.reset, nanoseconds(2 * interval));
  EXPECT_LE(refused.reset, nanoseconds(3 * interval));

  // Another key has its own bucket.
  EXPECT_TRUE(Value(Rate(backend, "client-b", policy)).allowed);
}

TEST_F(RedisBackendTest, RateKeyHoldsTheTatInNanosecondsAndExpiresWhenFull) {
  RedisBackend& backend = Attach();
  const RatePolicy policy = Policy(2, seconds(60), 5);  // T = 30 s
  ASSERT_TRUE(Value(Rate(backend, "k", policy)).allowed);

  std::optional<std::string> tat = server_->Query({"GET", "rampart:rate:k"});
  ASSERT_TRUE(tat.has_value());
  EXPECT_EQ(tat->size(), 19u) << *tat;  // Unix nanoseconds
  std::optional<std::string> time = server_->Query({"PTTL", "rampart:rate:k"});
  ASSERT_TRUE(time.has_value());
  const long pttl = std::strtol(time->c_str(), nullptr, 10);
  EXPECT_GT(pttl, 29'000);
  EXPECT_LE(pttl, 30'000);
}

TEST_F(RedisBackendTest, TwoNodesShareOneLimit) {
  RedisBackend& node_a = Attach();
  RedisBackend& node_b = Attach();
  const RatePolicy policy = Policy(1, seconds(60), 4);
  int allowed = 0;
  for (int i = 0; i < 4; ++i) {
    allowed += Value(Rate(i % 2 == 0 ? node_a : node_b, "shared", policy)).allowed ? 1 : 0;
  }
  EXPECT_EQ(allowed, 4);
  EXPECT_FALSE(Value(Rate(node_a, "shared", policy)).allowed);
  EXPECT_FALSE(Value(Rate(node_b, "shared", policy)).allowed);
}

TEST_F(RedisBackendTest, TheFirstNodesSecretIsEveryNodesSecret) {
  RedisBackend& node_a = Attach();
  RedisBackend& node_b = Attach();
  EXPECT_EQ(Value(Secret(node_a, "bot:7", "secret-of-a")), "secret-of-a");
  EXPECT_EQ(Value(Secret(node_b, "bot:7", "secret-of-b")), "secret-of-a");
  EXPECT_EQ(Value(Secret(node_b, "bot:8", "secret-of-b")), "secret-of-b");  // the next period
  const std::optional<std::string> ttl = server_->Query({"PTTL", "rampart:secret:bot:7"});
  ASSERT_TRUE(ttl);
  EXPECT_GT(std::stoll(*ttl), 0);
  EXPECT_LE(std::stoll(*ttl), 600000);
}

TEST_F(RedisBackendTest, StrikesBanAfterTheThresholdVisibleFromAnotherNode) {
  RedisBackend& node_a = Attach();
  RedisBackend& node_b = Attach();
  StrikePolicy policy;
  policy.threshold = 3;
  policy.window = seconds(60);
  policy.ban_for = std::chrono::minutes(10);

  EXPECT_FALSE(Value(Strike(node_a, "192.0.2.7", policy)).has_value());
  EXPECT_FALSE(Value(Strike(node_b, "192.0.2.7", policy)).has_value());
  const auto before = std::chrono::system_clock::now();
  const std::optional<Ban> ban = Value(Strike(node_a, "192.0.2.7", policy));
  ASSERT_TRUE(ban.has_value());
  EXPECT_EQ(ban->ip, "192.0.2.7");
  EXPECT_EQ(ban->reason, "too many blocks");
  EXPECT_GT(ban->expires, before + std::chrono::minutes(10) - seconds(5));
  EXPECT_LT(ban->expires, before + std::chrono::minutes(10) + seconds(5));
  // The count starts over: the strike key is gone.
  EXPECT_EQ(server_->Query({"EXISTS", "rampart:strike:192.0.2.7"}),
            std::optional<std::string>("0"));

  const std::vector<Ban> listed = ListBans(node_b);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].ip, "192.0.2.7");
  EXPECT_EQ(listed[0].reason, "too many blocks");
  EXPECT_EQ(listed[0].expires, ban->expires);

  // Threshold 0: no dynamic bans, and still an answer on the loop.
  policy.threshold = 0;
  EXPECT_FALSE(Value(Strike(node_a, "192.0.2.8", policy)).has_value());
}

TEST_F(RedisBackendTest, StrikeWindowExpires) {
  RedisBackend& backend = Attach();
  StrikePolicy policy;
  policy.threshold = 5;
  policy.window = seconds(30);
  EXPECT_FALSE(Value(Strike(backend, "192.0.2.9", policy)).has_value());
  std::optional<std::string> pttl = server_->Query({"PTTL", "rampart:strike:192.0.2.9"});
  ASSERT_TRUE(pttl.has_value());
  EXPECT_GT(std::strtol(pttl->c_str(), nullptr, 10), 29'000);
}

TEST_F(RedisBackendTest, RemoveBanAnswersWhetherOneWasInForce) {
  RedisBackend& backend = Attach();
  const auto now = std::chrono::system_clock::now();
  ASSERT_TRUE(Value(AddBan(backend, Ban{"2001:db8::1", now + std::chrono::minutes(5), "admin"})));
  EXPECT_TRUE(Value(RemoveBan(backend, "2001:db8::1")));
  EXPECT_FALSE(Value(RemoveBan(backend, "2001:db8::1")));
  EXPECT_TRUE(ListBans(backend).empty());
  EXPECT_EQ(server_->Query({"HLEN", "rampart:ban_reasons"}), std::optional<std::string>("0"));
}

TEST_F(RedisBackendTest, AddBanKeepsTheLaterExpiry) {
  RedisBackend& backend = Attach();
  const auto now = std::chrono::time_point_cast<milliseconds>(std::chrono::system_clock::now());
  EXPECT_TRUE(Value(AddBan(backend, Ban{"198.51.100.1", now + std::chrono::minutes(1), "first"})));
  EXPECT_FALSE(Value(AddBan(backend, Ban{"198.51.100.1", now + seconds(30), "shorter"})));
  std::vector<Ban> bans = ListBans(backend);
  ASSERT_EQ(bans.size(), 1u);
  EXPECT_EQ(bans[0].expires, now + std::chrono::minutes(1));
  EXPECT_EQ(bans[0].reason, "first");

  EXPECT_TRUE(Value(AddBan(backend, Ban{"198.51.100.1", now + std::chrono::minutes(5), "longer"})));
  bans = ListBans(backend);
  ASSERT_EQ(bans.size(), 1u);
  EXPECT_EQ(bans[0].expires, now + std::chrono::minutes(5));
  EXPECT_EQ(bans[0].reason, "longer");
}

TEST_F(RedisBackendTest, ListBansPrunesExpiredBans) {
  RedisBackend& backend = Attach();
  const auto now = std::chrono::system_clock::now();
  ASSERT_TRUE(Value(AddBan(backend, Ban{"203.0.113.1", now - seconds(1), "old"})));
  ASSERT_TRUE(Value(AddBan(backend, Ban{"203.0.113.2", now + seconds(60), "new"})));
  const std::vector<Ban> bans = ListBans(backend);
  ASSERT_EQ(bans.size(), 1u);
  EXPECT_EQ(bans[0].ip, "203.0.113.2");
  EXPECT_EQ(server_->Query({"ZCARD", "rampart:bans"}), std::optional<std::string>("1"));
  EXPECT_EQ(server_->Query({"HLEN", "rampart:ban_reasons"}), std::optional<std::string>("1"));
}

TEST_F(RedisBackendTest, ScriptsRunByShaOnceCached) {
  RedisBackend& backend = Attach();
  const RatePolicy policy = Policy(100, seconds(1), 100);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Value(Rate(backend, "k", policy)).allowed);
  // The first EVALSHA met an empty cache (NOSCRIPT) and was sent again with EVAL; the SHA-1
  // computed locally matched the server's, so every later call hit the cache.
  EXPECT_EQ(CommandStat(*server_, "eval", "calls"), 1);
  EXPECT_GE(CommandStat(*server_, "evalsha", "calls"), 4);
}

TEST_F(RedisBackendTest, KilledServerFailsCallsThenTheClientReconnects) {
  RedisBackend& backend = Attach();
  const RatePolicy policy = Policy(100, seconds(1), 100);
  ASSERT_TRUE(WaitUp(backend));
  ASSERT_TRUE(Value(Rate(backend, "k", policy)).allowed);
  EXPECT_EQ(backend.status().errors, 0u);

  server_->Kill();
  ASSERT_TRUE(WaitUp(backend, false));
  auto failed = Rate(backend, "k", policy);
  ASSERT_TRUE(std::holds_alternative<StateError>(failed));
  EXPECT_NE(std::get<StateError>(failed).message.find("redis 127.0.0.1:"), std::string::npos)
      << std::get<StateError>(failed).message;
  EXPECT_GE(backend.status().errors, 1u);

  // Same port, empty script cache: NOSCRIPT, then EVAL.
  ASSERT_TRUE(server_->Start()) << server_->error();
  ASSERT_TRUE(WaitUp(backend));
  EXPECT_GE(backend.status().reconnects, 1u);
  EXPECT_TRUE(Value(Rate(backend, "k", policy)).allowed);
  EXPECT_TRUE(Value(Rate(backend, "k", policy)).allowed);
  EXPECT_EQ(CommandStat(*server_, "eval", "calls"), 1);
}

TEST_F(RedisBackendTest, StoppedServerTimesOut) {
  RedisOptions options = Options();
  options.command_timeout = milliseconds(200);
  options.connect_timeout = milliseconds(300);
  RedisBackend& backend = Attach(options);
  const RatePolicy policy = Policy(100, seconds(1), 100);
  ASSERT_TRUE(WaitUp(backend));
  ASSERT_TRUE(Value(Rate(backend, "k", policy)).allowed);

  ASSERT_TRUE(server_->Pause());
  const auto start = std::chrono::steady_clock::now();
  auto result = Rate(backend, "k", policy);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(server_->Resume());
  ASSERT_TRUE(std::holds_alternative<StateError>(result));
  EXPECT_NE(std::get<StateError>(result).message.find("no answer within 200 ms"), std::string::npos)
      << std::get<StateError>(result).message;
  EXPECT_GE(took, milliseconds(200));
  EXPECT_LT(took, milliseconds(1000));

  ASSERT_TRUE(WaitUp(backend));
  EXPECT_TRUE(Value(Rate(backend, "k", policy)).allowed);
}

TEST_F(RedisBackendTest, UnreachableServerFailsCalls) {
  server_->Kill();
  RedisBackend& backend = Attach();
  auto result = Rate(backend, "k", Policy(1, seconds(1), 1));
  ASSERT_TRUE(std::holds_alternative<StateError>(result));
  EXPECT_FALSE(backend.status().up);
  EXPECT_EQ(backend.status().errors, 1u);
  auto listed = Await<std::vector<Ban>>([&](auto done) { backend.ListBans(done); });
  EXPECT_TRUE(std::holds_alternative<StateError>(listed));
}

TEST_F(RedisBackendTest, ThreadNotAttachedFailsAtOnce) {
  RedisBackend backend(Options());
  std::optional<std::variant<bool, StateError>> got;
  backend.RemoveBan("192.0.2.1", [&](std::variant<bool, StateError> r) { got = std::move(r); });
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(std::holds_alternative<StateError>(*got));
}

TEST_F(RedisBackendTest, DetachFailsPendingCallsFirst) {
  RedisBackend& backend = Attach();
  ASSERT_TRUE(WaitUp(backend));
  int answered = 0;
  int failed = 0;
  for (int i = 0; i < 10; ++i) {
    backend.CheckRate("k", Policy(1, seconds(1), 100),
                      [&](std::variant<RateDecision, StateError> r) {
                        ++answered;
                        failed += std::holds_alternative<StateError>(r) ? 1 : 0;
                      });
  }
  backend.DetachThread();
  EXPECT_EQ(answered, 10);
  EXPECT_EQ(failed, 10);
}

TEST_F(RedisBackendTest, CommandsWaitingForAConnectionTimeOutAlone) {
  RedisOptions options = Options();
  options.command_timeout = milliseconds(150);
  options.connect_timeout = milliseconds(2000);
  ASSERT_TRUE(server_->Pause());  // connect(2) succeeds (the backlog), the PING stays unanswered
  RedisBackend& backend = Attach(options);
  const auto start = std::chrono::steady_clock::now();
  auto result = Rate(backend, "k", Policy(1, seconds(1), 1));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(std::holds_alternative<StateError>(result));
  EXPECT_NE(std::get<StateError>(result).message.find("no answer within 150 ms"), std::string::npos)
      << std::get<StateError>(result).message;
  EXPECT_LT(took, milliseconds(1000));  // well before the connect timeout
  EXPECT_FALSE(backend.status().up);
  ASSERT_TRUE(server_->Resume());
  ASSERT_TRUE(WaitUp(backend));  // the same connection attempt completes
  EXPECT_EQ(backend.status().reconnects, 0u);
  EXPECT_TRUE(Value(Rate(backend, "k", Policy(1, seconds(1), 1))).allowed);
}

// Callbacks may call the backend again or detach the thread, whichever way the calls end.
TEST_F(RedisBackendTest, CallbacksMayCallAgainOrDetach) {
  RedisOptions options = Options();
  options.command_timeout = milliseconds(100);
  RedisBackend& backend = Attach(options);
  const RatePolicy policy = Policy(1000, seconds(1), 1000);
  ASSERT_TRUE(WaitUp(backend));

  // Answered: the first answer detaches; the commands behind it fail then.
  int ok = 0;
  int failed = 0;
  auto count = [&](const std::variant<RateDecision, StateError>& r) {
    (std::holds_alternative<RateDecision>(r) ? ok : failed)++;
  };
  backend.CheckRate("k", policy, [&](std::variant<RateDecision, StateError> r) {
    count(r);
    backend.DetachThread();
  });
  for (int i = 0; i < 3; ++i) backend.CheckRate("k", policy, count);
  ASSERT_TRUE(RunLoopUntil(
      base_, [&] { return ok + failed == 4; }, kWait));
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(failed, 3);

  // Timed out: a failing callback calls again (refused at once: not connected), the next one
  // detaches, the last one still gets its error.
  backend.AttachThread(base_);
  ASSERT_TRUE(WaitUp(backend));
  ASSERT_TRUE(server_->Pause());
  ok = failed = 0;
  int again = 0;
  backend.CheckRate("k", policy, [&](std::variant<RateDecision, StateError> r) {
    count(r);
    backend.CheckRate("k", policy, [&](std::variant<RateDecision, StateError> r2) {
      again += std::holds_alternative<StateError>(r2) ? 1 : 100;
    });
  });
  backend.CheckRate("k", policy, [&](std::variant<RateDecision, StateError> r) {
    count(r);
    backend.DetachThread();
  });
  backend.CheckRate("k", policy, count);
  ASSERT_TRUE(RunLoopUntil(
      base_, [&] { return failed == 3 && again == 1; }, kWait));
  EXPECT_EQ(ok, 0);
  ASSERT_TRUE(server_->Resume());

  // Lost: the server dies with commands in flight; the first failure detaches.
  backend.AttachThread(base_);
  ASSERT_TRUE(WaitUp(backend));
  ASSERT_TRUE(server_->Pause());
  ok = failed = 0;
  backend.CheckRate("k", policy, [&](std::variant<RateDecision, StateError> r) {
    count(r);
    backend.DetachThread();
  });
  backend.CheckRate("k", policy, count);
  server_->Kill();
  ASSERT_TRUE(RunLoopUntil(
      base_, [&] { return failed == 2; }, kWait));
  EXPECT_EQ(ok, 0);
}

class RedisBackendAuthTest : public RedisBackendTest {
 protected:
  RedisBackendAuthTest() { password_ = "s3cret"; }
};

TEST_F(RedisBackendAuthTest, AuthenticatesAndSelectsItsDatabase) {
  RedisOptions options = Options();
  options.db = 2;
  RedisBackend& backend = Attach(options);
  ASSERT_TRUE(Value(Rate(backend, "k", Policy(1, seconds(1), 1))).allowed);
  std::optional<std::string> keyspace = server_->Query({"INFO", "keyspace"});
  ASSERT_TRUE(keyspace.has_value());
  EXPECT_NE(keyspace->find("db2:keys=1"), std::string::npos) << *keyspace;

  options.db = 0;
  options.password = "wrong";
  RedisBackend& refused = Attach(options);
  auto result = Rate(refused, "k", Policy(1, seconds(1), 1));
  ASSERT_TRUE(std::holds_alternative<StateError>(result));
  EXPECT_NE(std::get<StateError>(result).message.find("AUTH"), std::string::npos)
      << std::get<StateError>(result).message;
  EXPECT_FALSE(refused.status().up);
}

// Three threads with their own loops and connections: one outage is logged once.
TEST_F(RedisBackendTest, LogsReachabilityOncePerProcess) {
  auto sink = std::make_shared<CaptureSink>();
  struct RestoreLogger {
    std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
    ~RestoreLogger() { spdlog::set_default_logger(previous); }
  } restore;
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("redis-test", sink));

  RedisBackend backend(Options());
  constexpr int kThreads = 3;
  struct Loops {
    std::vector<std::unique_ptr<net::EventLoop>> loops;
    std::vector<std::thread> threads;
    RedisBackend* backend = nullptr;
    ~Loops() {
      for (auto& loop : loops) {
        net::EventLoop* l = loop.get();
        l->Post([b = backend, l] {
          b->DetachThread();
          l->Stop();
        });
      }
      for (std::thread& t : threads) t.join();
    }
  } loops;
  loops.backend = &backend;

  // Each thread attaches, then makes one call: its answer means its connection is up.
  std::mutex mu;
  std::condition_variable cv;
  int answered = 0;
  for (int i = 0; i < kThreads; ++i) {
    loops.loops.push_back(std::make_unique<net::EventLoop>());
    net::EventLoop* loop = loops.loops.back().get();
    loop->Post([&, loop] {
      backend.AttachThread(loop->base());
      backend.CheckRate("k", Policy(100, seconds(1), 100), [&](auto) {
        std::lock_guard<std::mutex> lock(mu);
        ++answered;
        cv.notify_all();
      });
    });
    loops.threads.emplace_back([loop] { loop->Run(); });
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, kWait, [&] { return answered == kThreads; }));
  }
  EXPECT_TRUE(backend.status().up);

  server_->Kill();
  EXPECT_TRUE(sink->WaitFor("unreachable", kWait));
  ASSERT_TRUE(server_->Start()) << server_->error();
  EXPECT_TRUE(sink->WaitFor("reachable again", kWait));
  EXPECT_TRUE(backend.status().up);
  EXPECT_EQ(sink->Count("unreachable"), 1u);
  EXPECT_EQ(sink->Count("reachable again"), 1u);
  EXPECT_GE(backend.status().reconnects, static_cast<uint64_t>(kThreads));
}

}  // namespace
}  // namespace rampart::state
