#include "upstream/connection_pool.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../run_loop_until.h"

namespace rampart::upstream {
namespace {

using std::chrono::milliseconds;

// One end of a connection held by a bufferevent (as the proxy holds a backend connection),
// and the other end as a plain fd the test plays the backend with.
struct Connection {
  bufferevent* bev = nullptr;
  int peer = -1;
};

class ConnectionPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = event_base_new();
    ASSERT_NE(base_, nullptr);
    pool_ = std::make_unique<ConnectionPool>();
  }

  void TearDown() override {
    pool_.reset();  // frees its bufferevents while their event_base still exists
    for (bufferevent* bev : taken_) bufferevent_free(bev);
    event_base_free(base_);
    for (int fd : peers_) {
      if (fd >= 0) close(fd);
    }
  }

  // A connected socket pair; the bufferevent side closes its fd when freed.
  Connection MakeConnection() {
    int fds[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
    Connection c;
    c.bev = bufferevent_socket_new(base_, fds[0], BEV_OPT_CLOSE_ON_FREE);
    EXPECT_NE(c.bev, nullptr);
    c.peer = fds[1];
    peers_.push_back(fds[1]);
    return c;
  }

  // Runs the loop until `done()` holds or `limit` passes (a guard timer, not a sleep).
  // Returns done().
  bool RunUntil(const std::function<bool()>& done, milliseconds limit = milliseconds(5000)) {
    return test::RunLoopUntil(base_, done, limit);
  }

  // Lets every callback that is already due run, without waiting for new events.
  void RunPending() {
    for (int i = 0; i < 10; ++i) event_base_loop(base_, EVLOOP_NONBLOCK);
  }

  // True when the backend side sees the connection closed (the bufferevent was freed).
  static bool PeerSawEof(int peer) {
    char byte;
    return recv(peer, &byte, 1, MSG_DONTWAIT) == 0;
  }

  // Closes the backend side now.
  void ClosePeer(Connection& c) {
    for (auto& fd : peers_) {
      if (fd == c.peer) fd = -1;
    }
    close(c.peer);
    c.peer = -1;
  }

  // Hands a bufferevent taken from the pool to the fixture, which frees it at the end.
  bufferevent* Keep(bufferevent* bev) {
    if (bev != nullptr) taken_.push_back(bev);
    return bev;
  }

  event_base* base_ = nullptr;
  std::unique_ptr<ConnectionPool> pool_;
  std::vector<int> peers_;
  std::vector<bufferevent*> taken_;
};

constexpr uint64_t kLongTimeoutMs = 60'000;

TEST_F(ConnectionPoolTest, TakeFromAnEmptyPoolIsNull) {
  EXPECT_EQ(pool_->Take("127.0.0.1:9000"), nullptr);
  EXPECT_EQ(pool_->idle_count(), 0u);
}

TEST_F(ConnectionPoolTest, GiveThenTakeReturnsTheSameConnection) {
  Connection c = MakeConnection();
  pool_->Give("127.0.0.1:9000", c.bev, 4, kLongTimeoutMs);
  EXPECT_EQ(pool_->idle_count(), 1u);
  EXPECT_EQ(pool_->Take("127.0.0.1:9001"), nullptr);  // another key
  EXPECT_EQ(Keep(pool_->Take("127.0.0.1:9000")), c.bev);
  EXPECT_EQ(pool_->idle_count(), 0u);
  EXPECT_EQ(pool_->Take("127.0.0.1:9000"), nullptr);
  RunPending();
  EXPECT_FALSE(PeerSawEof(c.peer));  // still open
}

TEST_F(ConnectionPoolTest, TakenConnectionIsDetachedFromThePool) {
  Connection c = MakeConnection();
  pool_->Give("k", c.bev, 4, 50);
  bufferevent* bev = Keep(pool_->Take("k"));
  ASSERT_EQ(bev, c.bev);
  // Bytes (a response to a new request) and time past the idle timeout must no longer make the
  // pool free the connection: it belongs to the caller now. (Under ASan, a pool that still held
  // a callback would be caught using freed memory here.)
  ASSERT_EQ(send(c.peer, "HTTP/1.1 200 OK\r\n", 17, 0), 17);
  ASSERT_TRUE(RunUntil([&] { return evbuffer_get_length(bufferevent_get_input(bev)) == 17; }));
  bool fired = false;
  event* later = evtimer_new(
      base_, [](evutil_socket_t, short, void* arg) { *static_cast<bool*>(arg) = true; }, &fired);
  const timeval tv{0, 150'000};
  evtimer_add(later, &tv);
  ASSERT_TRUE(RunUntil([&] { return fired; }));
  event_free(later);
  EXPECT_FALSE(PeerSawEof(c.peer));
  EXPECT_EQ(pool_->idle_count(), 0u);
}

TEST_F(ConnectionPoolTest, MostRecentlyParkedIsTakenFirst) {
  Connection a = MakeConnection();
  Connection b = MakeConnection();
  pool_->Give("k", a.bev, 4, kLongTimeoutMs);
  pool_->Give("k", b.bev, 4, kLongTimeoutMs);
  EXPECT_EQ(Keep(pool_->Take("k")), b.bev);
  EXPECT_EQ(Keep(pool_->Take("k")), a.bev);
  EXPECT_EQ(pool_->Take("k"), nullptr);
}

TEST_F(ConnectionPoolTest, KeysAreSeparate) {
  Connection a = MakeConnection();
  Connection b = MakeConnection();
  pool_->Give("10.0.0.1:80", a.bev, 4, kLongTimeoutMs);
  pool_->Give("10.0.0.2:80", b.bev, 4, kLongTimeoutMs);
  EXPECT_EQ(pool_->idle_count(), 2u);
  EXPECT_EQ(Keep(pool_->Take("10.0.0.2:80")), b.bev);
  EXPECT_EQ(Keep(pool_->Take("10.0.0.1:80")), a.bev);
}

TEST_F(ConnectionPoolTest, MaxIdleIsRespectedPerKey) {
  Connection a = MakeConnection();
  Connection b = MakeConnection();
  Connection c = MakeConnection();
  Connection other = MakeConnection();
  pool_->Give("k", a.bev, 2, kLongTimeoutMs);
  pool_->Give("k", b.bev, 2, kLongTimeoutMs);
  pool_->Give("k", c.bev, 2, kLongTimeoutMs);  // over max_idle: freed
  pool_->Give("other", other.bev, 2, kLongTimeoutMs);
  EXPECT_EQ(pool_->idle_count(), 3u);
  ASSERT_TRUE(RunUntil([&] { return PeerSawEof(c.peer); }));
  EXPECT_FALSE(PeerSawEof(a.peer));
  EXPECT_FALSE(PeerSawEof(b.peer));
  EXPECT_EQ(Keep(pool_->Take("k")), b.bev);
  EXPECT_EQ(Keep(pool_->Take("k")), a.bev);
  EXPECT_EQ(pool_->Take("k"), nullptr);
}

TEST_F(ConnectionPoolTest, MaxIdleZeroKeepsNothing) {
  Connection a = MakeConnection();
  pool_->Give("k", a.bev, 0, kLongTimeoutMs);
  EXPECT_EQ(pool_->idle_count(), 0u);
  ASSERT_TRUE(RunUntil([&] { return PeerSawEof(a.peer); }));
  EXPECT_EQ(pool_->Take("k"), nullptr);
}

TEST_F(ConnectionPoolTest, IdleConnectionClosedByThePeerIsDropped) {
  Connection a = MakeConnection();
  pool_->Give("k", a.bev, 4, kLongTimeoutMs);
  ClosePeer(a);
  ASSERT_TRUE(RunUntil([&] { return pool_->idle_count() == 0; }));
  EXPECT_EQ(pool_->Take("k"), nullptr);
}

TEST_F(ConnectionPoolTest, IdleConnectionThatSendsBytesIsDropped) {
  Connection a = MakeConnection();
  pool_->Give("k", a.bev, 4, kLongTimeoutMs);
  ASSERT_EQ(send(a.peer, "garbage", 7, 0), 7);
  ASSERT_TRUE(RunUntil([&] { return pool_->idle_count() == 0; }));
  ASSERT_TRUE(RunUntil([&] { return PeerSawEof(a.peer); }));
  EXPECT_EQ(pool_->Take("k"), nullptr);
}

TEST_F(ConnectionPoolTest, DroppingOneKeepsTheOthersInOrder) {
  Connection a = MakeConnection();
  Connection b = MakeConnection();
  Connection c = MakeConnection();
  pool_->Give("k", a.bev, 4, kLongTimeoutMs);
  pool_->Give("k", b.bev, 4, kLongTimeoutMs);
  pool_->Give("k", c.bev, 4, kLongTimeoutMs);
  ClosePeer(b);  // the middle one
  ASSERT_TRUE(RunUntil([&] { return pool_->idle_count() == 2; }));
  EXPECT_EQ(Keep(pool_->Take("k")), c.bev);
  EXPECT_EQ(Keep(pool_->Take("k")), a.bev);
  EXPECT_EQ(pool_->Take("k"), nullptr);
}

TEST_F(ConnectionPoolTest, IdleTimeoutDropsTheConnection) {
  Connection quick = MakeConnection();
  Connection slow = MakeConnection();
  const auto start = std::chrono::steady_clock::now();
  pool_->Give("k", quick.bev, 4, 30);
  pool_->Give("other", slow.bev, 4, kLongTimeoutMs);
  ASSERT_TRUE(RunUntil([&] { return pool_->idle_count() == 1; }));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, milliseconds(25));  // not before its timeout
  ASSERT_TRUE(RunUntil([&] { return PeerSawEof(quick.peer); }));
  EXPECT_EQ(pool_->Take("k"), nullptr);
  EXPECT_EQ(Keep(pool_->Take("other")), slow.bev);
  EXPECT_FALSE(PeerSawEof(slow.peer));
}

TEST_F(ConnectionPoolTest, ClearFreesEveryIdleConnection) {
  Connection a = MakeConnection();
  Connection b = MakeConnection();
  pool_->Give("k1", a.bev, 4, kLongTimeoutMs);
  pool_->Give("k2", b.bev, 4, kLongTimeoutMs);
  pool_->Clear();
  EXPECT_EQ(pool_->idle_count(), 0u);
  ASSERT_TRUE(RunUntil([&] { return PeerSawEof(a.peer) && PeerSawEof(b.peer); }));
  EXPECT_EQ(pool_->Take("k1"), nullptr);
}

TEST_F(ConnectionPoolTest, DestructorFreesEveryIdleConnection) {
  Connection a = MakeConnection();
  pool_->Give("k", a.bev, 4, kLongTimeoutMs);
  pool_.reset();
  ASSERT_TRUE(RunUntil([&] { return PeerSawEof(a.peer); }));
}

TEST_F(ConnectionPoolTest, RealTcpConnectionClosedByTheBackendIsDropped) {
  // A backend listening on 127.0.0.1, port 0 (the kernel picks; read back with getsockname).
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  peers_.push_back(listener);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);

  bufferevent* bev = bufferevent_socket_new(base_, -1, BEV_OPT_CLOSE_ON_FREE);
  ASSERT_NE(bev, nullptr);
  bool connected = false;
  bufferevent_setcb(
      bev, nullptr, nullptr,
      [](bufferevent*, short what, void* arg) {
        if (what & BEV_EVENT_CONNECTED) *static_cast<bool*>(arg) = true;
      },
      &connected);
  if (bufferevent_socket_connect(bev, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    bufferevent_free(bev);
    FAIL() << "connect failed";
  }
  ASSERT_TRUE(RunUntil([&] { return connected; }));
  const int backend = accept(listener, nullptr, nullptr);
  ASSERT_GE(backend, 0);
  peers_.push_back(backend);

  const std::string key = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  pool_->Give(key, bev, 4, kLongTimeoutMs);
  EXPECT_EQ(pool_->idle_count(), 1u);
  for (auto& fd : peers_) {
    if (fd == backend) fd = -1;
  }
  close(backend);
  ASSERT_TRUE(RunUntil([&] { return pool_->idle_count() == 0; }));
  EXPECT_EQ(pool_->Take(key), nullptr);
}

TEST_F(ConnectionPoolTest, OpenCountFollowsTheConnectionsThePoolFrees) {
  std::atomic<int64_t> open{4};  // four connections the caller had counted as open
  Connection kept = MakeConnection();
  Connection overflow = MakeConnection();
  Connection closed = MakeConnection();
  Connection cleared = MakeConnection();
  pool_->Give("a", kept.bev, 1, kLongTimeoutMs, &open);
  pool_->Give("a", overflow.bev, 1, kLongTimeoutMs, &open);  // over max_idle: freed at once
  EXPECT_EQ(open.load(), 3);
  pool_->Give("b", closed.bev, 4, kLongTimeoutMs, &open);
  ASSERT_EQ(shutdown(closed.peer, SHUT_WR), 0);  // the backend closes an idle connection
  ASSERT_TRUE(RunUntil([&] { return open.load() == 2; }));
  EXPECT_EQ(Keep(pool_->Take("a")), kept.bev);  // the caller owns it, and its count, again
  EXPECT_EQ(open.load(), 2);
  pool_->Give("c", cleared.bev, 4, kLongTimeoutMs, &open);
  pool_->Clear();
  EXPECT_EQ(open.load(), 1);
}

}  // namespace
}  // namespace rampart::upstream
