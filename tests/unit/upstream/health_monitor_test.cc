#include "upstream/health_monitor.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../run_loop_until.h"
#include "../unused_port.h"

namespace rampart::upstream {
namespace {

using std::chrono::milliseconds;

// A tiny HTTP backend on 127.0.0.1 served by the test's own event_base: it records every
// request head it receives and answers as `mode` says.
class Backend {
 public:
  enum class Mode {
    kStatus,       // "HTTP/1.1 <status>" with an empty body
    kSilent,       // reads the request, never answers
    kClose,        // closes as soon as the request head is in
    kGarbage,      // answers something that is not HTTP
    kEndlessBody,  // a 200 head announcing a body that never comes
  };

  explicit Backend(event_base* base) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    listener_ = evconnlistener_new_bind(base, &Backend::OnAccept, this,
                                        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
                                        reinterpret_cast<sockaddr*>(&sin), sizeof sin);
    EXPECT_NE(listener_, nullptr);
    socklen_t length = sizeof sin;
    getsockname(evconnlistener_get_fd(listener_), reinterpret_cast<sockaddr*>(&sin), &length);
    port_ = ntohs(sin.sin_port);
  }

  ~Backend() {
    for (auto& c : connections_) bufferevent_free(c.bev);
    evconnlistener_free(listener_);
  }

  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  Mode mode = Mode::kStatus;
  int status = 200;
  std::vector<std::string> heads;  // every request head received, in order

  size_t requests() const { return heads.size(); }
  size_t open_connections() const { return connections_.size(); }

 private:
  struct Connection {
    Backend* owner;
    bufferevent* bev;
    std::string data;
    bool answered = false;
  };

  static void OnAccept(evconnlistener* listener, evutil_socket_t fd, sockaddr* /*peer*/,
                       int /*peer_len*/, void* arg) {
    auto* self = static_cast<Backend*>(arg);
    bufferevent* bev =
        bufferevent_socket_new(evconnlistener_get_base(listener), fd, BEV_OPT_CLOSE_ON_FREE);
    self->connections_.push_back(Connection{self, bev, {}, false});
    Connection* c = &self->connections_.back();
    bufferevent_setcb(bev, &Backend::OnRead, nullptr, &Backend::OnEvent, c);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
  }

  static void OnRead(bufferevent* bev, void* arg) {
    auto* c = static_cast<Connection*>(arg);
    evbuffer* input = bufferevent_get_input(bev);
    const size_t length = evbuffer_get_length(input);
    const size_t old_size = c->data.size();
    c->data.resize(old_size + length);
    evbuffer_remove(input, c->data.data() + old_size, length);
    const size_t end = c->data.find("\r\n\r\n");
    if (c->answered || end == std::string::npos) return;
    c->answered = true;
    Backend* self = c->owner;
    self->heads.push_back(c->data.substr(0, end + 4));
    std::string answer;
    switch (self->mode) {
      case Mode::kStatus:
        answer = "HTTP/1.1 " + std::to_string(self->status) + " X\r\nContent-Length: 0\r\n\r\n";
        break;
      case Mode::kGarbage:
        answer = "garbage\r\n\r\n";
        break;
      case Mode::kEndlessBody:
        answer = "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nsome";
        break;
      case Mode::kSilent:
        return;
      case Mode::kClose:
        self->Drop(c);
        return;
    }
    bufferevent_write(bev, answer.data(), answer.size());
  }

  static void OnEvent(bufferevent* /*bev*/, short /*what*/, void* arg) {
    auto* c = static_cast<Connection*>(arg);
    c->owner->Drop(c);  // EOF or error: the checker closed its side
  }

  void Drop(Connection* c) {
    bufferevent_free(c->bev);
    connections_.remove_if([c](const Connection& x) { return &x == c; });
  }

  evconnlistener* listener_ = nullptr;
  uint16_t port_ = 0;
  std::list<Connection> connections_;
};

// A port on 127.0.0.1 nothing listens on (bound, then released).
std::string ClosedAddress() {
  return "127.0.0.1:" + std::to_string(rampart::test::UnusedLoopbackPort());
}

// Short intervals keep the tests quick; the generous timeout keeps a loaded machine (or the
// sanitizers) from turning a pass into a failure, except where a test wants timeouts.
config::HealthCheckConfig FastChecks() {
  config::HealthCheckConfig h;
  h.interval_ms = 20;
  h.timeout_ms = 2'000;
  h.rise = 2;
  h.fall = 3;
  return h;
}

class HealthMonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = event_base_new();
    ASSERT_NE(base_, nullptr);
    monitor_ = std::make_unique<HealthMonitor>(base_);
  }

  void TearDown() override {
    monitor_.reset();
    backends_.clear();
    event_base_free(base_);
  }

  Backend& NewBackend() { return *backends_.emplace_back(std::make_unique<Backend>(base_)); }

  std::shared_ptr<const Pool> MakePool(const std::string& name,
                                       const std::vector<std::string>& addresses,
                                       std::optional<config::HealthCheckConfig> health) {
    config::PoolConfig pc;
    pc.name = name;
    for (const auto& a : addresses) {
      config::ServerConfig s;
      s.address = a;
      pc.servers.push_back(s);
    }
    pc.health = std::move(health);
    auto pool = Pool::Build(pc, registry_);
    EXPECT_TRUE(pool.ok());
    return pool.value();
  }

  static ServerState& State(const std::shared_ptr<const Pool>& pool, size_t i = 0) {
    return *pool->servers()[i].state;
  }
  static bool Healthy(const std::shared_ptr<const Pool>& pool, size_t i = 0) {
    return State(pool, i).healthy.load();
  }
  static uint64_t Failed(const std::shared_ptr<const Pool>& pool, size_t i = 0) {
    return State(pool, i).health_checks_failed_total.load();
  }

  // Runs the loop until `done()` holds or `limit` passes (a guard against hanging, not a
  // measurement). Returns done().
  bool RunUntil(const std::function<bool()>& done, milliseconds limit = milliseconds(10'000)) {
    return test::RunLoopUntil(base_, done, limit);
  }

  event_base* base_ = nullptr;
  StateRegistry registry_;
  std::vector<std::unique_ptr<Backend>> backends_;
  std::unique_ptr<HealthMonitor> monitor_;
};

TEST_F(HealthMonitorTest, ServerAnswering200StaysUp) {
  Backend& backend = NewBackend();
  auto pool = MakePool("app", {backend.address()}, FastChecks());
  monitor_->Watch({pool});
  ASSERT_TRUE(RunUntil([&] { return backend.requests() >= 5; }));
  EXPECT_TRUE(Healthy(pool));
  EXPECT_EQ(Failed(pool), 0u);
  EXPECT_EQ(State(pool).ramp_start_ms.load(), 0);
}

TEST_F(HealthMonitorTest, GoesDownAfterFallFailuresAndBackAfterRisePasses) {
  Backend& backend = NewBackend();
  backend.status = 500;  // outside the default 200-399
  auto pool = MakePool("app", {backend.address()}, FastChecks());
  monitor_->Watch({pool});

  ASSERT_TRUE(RunUntil([&] { return !Healthy(pool); }));
  EXPECT_EQ(backend.requests(), 3u);  // fall
  EXPECT_EQ(Failed(pool), 3u);
  EXPECT_EQ(State(pool).ramp_start_ms.load(), 0);

  backend.status = 200;
  const int64_t before = NowMs();
  ASSERT_TRUE(RunUntil([&] { return Healthy(pool); }));
  EXPECT_EQ(backend.requests(), 5u);  // + rise
  EXPECT_EQ(Failed(pool), 3u);
  EXPECT_GE(State(pool).ramp_start_ms.load(), before);
  EXPECT_LE(State(pool).ramp_start_ms.load(), NowMs());
}

TEST_F(HealthMonitorTest, ConnectionRefusedMarksServerDown) {
  auto pool = MakePool("app", {ClosedAddress()}, FastChecks());
  monitor_->Watch({pool});
  ASSERT_TRUE(RunUntil([&] { return !Healthy(pool); }));
  EXPECT_EQ(Failed(pool), 3u);
}

TEST_F(HealthMonitorTest, BackendThatNeverAnswersTimesOut) {
  Backend& backend = NewBackend();
  backend.mode = Backend::Mode::kSilent;
  config::HealthCheckConfig health = FastChecks();
  health.timeout_ms = 100;
  health.fall = 1;
  auto pool = MakePool("app", {backend.address()}, health);
  monitor_->Watch({pool});
  ASSERT_TRUE(RunUntil([&] { return !Healthy(pool); }));
  EXPECT_EQ(backend.requests(), 1u);
  EXPECT_EQ(Failed(pool), 1u);
}

TEST_F(HealthMonitorTest, StatusOutsideExpectRangesFails) {
  Backend& backend = NewBackend();
  backend.status = 204;
  config::HealthCheckConfig health = FastChecks();
  health.expect = {{200, 200}};
  health.fall = 1;
  auto pool = MakePool("app", {backend.address()}, health);
  monitor_->Watch({pool});
  ASSERT_TRUE(RunUntil([&] { return !Healthy(pool); }));
  EXPECT_EQ(backend.requests(), 1u);
}

TEST_F(HealthMonitorTest, StatusInAnyExpectRangePasses) {
  Backend& backend = NewBackend();
  backend.status = 404;
  config::HealthCheckConfig health = FastChecks();
  health.expect = {{200, 200}, {404, 404}};
  health.fall = 1;
  auto pool = MakePool("app", {backend.address()}, health);
  monitor_->Watch({pool});
  ASSERT_TRUE(RunUntil([&] { return backend.requests() >= 3; }));
  EXPECT_TRUE(Healthy(pool));
  EXPECT_EQ(Failed(pool), 0u);
}

TEST_F(HealthMonitorTest, MalformedResponseFails) {
  Backend& backend = NewBackend();
  backend.mode = Backend::Mode::kGarbage;
  config::HealthCheckConfig health = FastChecks();
  health.fall = 1;
  auto pool = MakePool("app", {backend.address()}, health);
  monitor_->Watch({pool});
  ASSERT_TRUE(RunUntil([&] { return !Healthy(pool); }));
  EXPECT_EQ(backend.requests(), 1u);
}

TEST_F(HealthMonitorTest, CloseBeforeResponseFails) {
  Backend& backend = NewBackend();
  backend.mode = Backend::Mode::kClose;
  config::HealthCheckConfig health = FastChecks();
  health.fall = 1;
  auto pool = MakePool("app", {backend.address()}, health);
  monitor_->Watch({pool});
  ASSERT_TRUE(RunUntil([&] { return !Healthy(pool); }));
  EXPECT_EQ(backend.requests(), 1u);
}

TEST_F(HealthMonitorTest, BodyIsNotAwaited) {
  Backend& backend = NewBackend();
  backend.mode = Backend::Mode::kEndlessBody;
  config::HealthCheckConfig health = FastChecks();
  health.timeout_ms = 100;  // waiting for the body would time out
  health.fall = 1;
  auto pool = MakePool("app", {backend.address()}, health);
  monitor_->Watch({pool});
  ASSERT_TRUE(RunUntil([&] { return backend.requests() >= 3; }));
  EXPECT_TRUE(Healthy(pool));
  EXPECT_EQ(Failed(pool), 0u);
}

TEST_F(HealthMonitorTest, SendsConfiguredPathAndHost) {
  Backend& backend = NewBackend();
  config::HealthCheckConfig health = FastChecks();
  health.path = "/healthz?deep=1";
  health.host = "svc.internal";
  auto pool = MakePool("app", {backend.address()}, health);
  monitor_->Watch({pool});
  ASSERT_TRUE(RunUntil([&] { return backend.requests() >= 1; }));
  EXPECT_EQ(backend.heads[0],
            "GET /healthz?deep=1 HTTP/1.1\r\nHost: svc.internal\r\n"
            "User-Agent: rampart-health-check\r\nConnection: close\r\n\r\n");
}

TEST_F(HealthMonitorTest, HostDefaultsToServerAddress) {
  Backend& backend = NewBackend();
  auto pool = MakePool("app", {backend.address()}, FastChecks());
  monitor_->Watch({pool});
  ASSERT_TRUE(RunUntil([&] { return backend.requests() >= 1; }));
  EXPECT_EQ(backend.heads[0],
            "GET / HTTP/1.1\r\nHost: " + backend.address() +
                "\r\nUser-Agent: rampart-health-check\r\nConnection: close\r\n\r\n");
}

TEST_F(HealthMonitorTest, EveryServerIsCheckedOnItsOwn) {
  Backend& good = NewBackend();
  Backend& bad = NewBackend();
  bad.status = 503;
  auto pool = MakePool("app", {good.address(), bad.address()}, FastChecks());
  monitor_->Watch({pool});
  ASSERT_TRUE(RunUntil([&] { return !Healthy(pool, 1); }));
  ASSERT_TRUE(RunUntil([&] { return good.requests() >= 3; }));
  EXPECT_TRUE(Healthy(pool, 0));
  EXPECT_EQ(Failed(pool, 0), 0u);
}

TEST_F(HealthMonitorTest, PoolsWithoutHealthAreNotProbed) {
  Backend& checked = NewBackend();
  Backend& unchecked = NewBackend();
  auto with = MakePool("with", {checked.address()}, FastChecks());
  auto without = MakePool("without", {unchecked.address()}, std::nullopt);
  monitor_->Watch({with, without});
  ASSERT_TRUE(RunUntil([&] { return checked.requests() >= 5; }));
  EXPECT_EQ(unchecked.requests(), 0u);
  EXPECT_EQ(unchecked.open_connections(), 0u);
}

// A pool that lost its checks on reload must not keep a server down forever; the monitor marks
// it up once the new snapshot is watched (a refused reload never gets here).
TEST_F(HealthMonitorTest, ServersOfAPoolWithoutChecksAreMarkedUp) {
  Backend& backend = NewBackend();
  auto without = MakePool("without", {backend.address()}, std::nullopt);
  State(without).healthy = false;
  monitor_->Watch({without});
  EXPECT_TRUE(Healthy(without));
}

TEST_F(HealthMonitorTest, WatchCancelsProbesInFlight) {
  Backend& old_backend = NewBackend();
  old_backend.mode = Backend::Mode::kSilent;
  Backend& new_backend = NewBackend();
  config::HealthCheckConfig health = FastChecks();
  health.timeout_ms = 60'000;  // the old probe can only end by being cancelled
  health.fall = 1;
  auto old_pool = MakePool("old", {old_backend.address(), ClosedAddress()}, health);
  monitor_->Watch({old_pool});
  ASSERT_TRUE(RunUntil([&] { return old_backend.requests() == 1; }));

  auto new_pool = MakePool("new", {new_backend.address()}, FastChecks());
  monitor_->Watch({new_pool});
  // The cancelled probe's connection is closed: the old backend sees EOF.
  ASSERT_TRUE(RunUntil([&] { return old_backend.open_connections() == 0; }));
  ASSERT_TRUE(RunUntil([&] { return new_backend.requests() >= 3; }));
  EXPECT_EQ(old_backend.requests(), 1u);
  EXPECT_TRUE(Healthy(old_pool, 0));  // a cancelled probe is not a failure
  EXPECT_EQ(Failed(old_pool, 0), 0u);
  EXPECT_TRUE(Healthy(new_pool));
}

TEST_F(HealthMonitorTest, WatchRightAfterProbesStartIsClean) {
  // Probes cancelled while connecting (and with a refusal pending) must free everything.
  Backend& backend = NewBackend();
  auto pool = MakePool("app", {backend.address(), ClosedAddress()}, FastChecks());
  for (int i = 0; i < 5; ++i) {
    monitor_->Watch({pool});
    event_base_loop(base_, EVLOOP_NONBLOCK);
  }
  monitor_->Watch({});
  ASSERT_TRUE(RunUntil([&] { return backend.open_connections() == 0; }));
  EXPECT_TRUE(Healthy(pool, 0));
}

TEST_F(HealthMonitorTest, DestroyedMidProbeClosesTheConnection) {
  Backend& backend = NewBackend();
  backend.mode = Backend::Mode::kSilent;
  config::HealthCheckConfig health = FastChecks();
  health.timeout_ms = 60'000;
  auto pool = MakePool("app", {backend.address()}, health);
  monitor_->Watch({pool});
  ASSERT_TRUE(RunUntil([&] { return backend.requests() == 1; }));
  monitor_.reset();
  ASSERT_TRUE(RunUntil([&] { return backend.open_connections() == 0; }));
  EXPECT_EQ(Failed(pool), 0u);
}

TEST_F(HealthMonitorTest, DownStateSurvivesWatchAndStreaksRestart) {
  Backend& backend = NewBackend();
  backend.status = 500;
  auto pool = MakePool("app", {backend.address()}, FastChecks());
  monitor_->Watch({pool});
  ASSERT_TRUE(RunUntil([&] { return !Healthy(pool); }));
  const size_t seen = backend.requests();

  // A reload: the same server in a rebuilt pool shares its state and is still down.
  backend.status = 200;
  auto reloaded = MakePool("app", {backend.address()}, FastChecks());
  ASSERT_EQ(&State(reloaded), &State(pool));
  monitor_->Watch({reloaded});
  EXPECT_FALSE(Healthy(reloaded));
  ASSERT_TRUE(RunUntil([&] { return Healthy(reloaded); }));
  EXPECT_EQ(backend.requests(), seen + 2);  // rise
}

}  // namespace
}  // namespace rampart::upstream
