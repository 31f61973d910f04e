// Slow and idle clients: a client that trickles its head is cut off at timeouts.client_header,
// an idle keep-alive connection is closed at timeouts.keepalive, and one address cannot hold
// more than limits.max_connections_per_ip connections.

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

using std::chrono::milliseconds;

Timeout Since(Deadline start) { return std::chrono::duration_cast<Timeout>(Clock::now() - start); }

class TimeoutsTest : public ProxyTest {};

TEST_F(TimeoutsTest, SlowHeaderClientIsCutOff) {
  ConfigOptions options;
  options.extra = "timeouts:\n  client_header: 1s\n";
  ASSERT_NO_FATAL_FAILURE(StartRampart(options));

  Client c = Connect();
  Deadline start = Clock::now();
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\n"));
  // One header byte every 200 ms, never finishing the head; at most 50 bytes (10 s).
  const std::string trickle = "Host: 127.0.0.1\r\nX-Slow: " + std::string(100, 'a');
  bool closed = false;
  for (size_t i = 0; i < 50 && !closed; ++i) {
    std::this_thread::sleep_for(milliseconds(200));  // the paced client's own rhythm
    if (c.IsClosedByPeer(Timeout(0)) || !c.Send(std::string_view(&trickle[i], 1))) {
      closed = true;
    }
  }
  if (!closed) closed = c.IsClosedByPeer(Timeout(3'000));
  Timeout elapsed = Since(start);
  ASSERT_TRUE(closed) << "a client trickling its head for " << elapsed.count()
                      << " ms was not cut off";
  EXPECT_GE(elapsed.count(), 900) << "cut off before the header timeout";
  EXPECT_LE(elapsed.count(), 1'000 + 1'500) << "cut off long after the 1 s header timeout";
  // Either a plain close or a 408.
  std::string got = c.buffered();
  if (!got.empty()) {
    EXPECT_EQ(got.rfind("HTTP/1.1 408", 0), 0u) << got;
  }
  EXPECT_EQ(origin_.AcceptedConnections(), 0u);
  // Others are still served.
  auto r = Get("/after-slowloris");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(TimeoutsTest, HeaderTimeoutCountsFromTheFirstByteNotThePerByteGap) {
  // Sending everything but the final CRLF at once, then nothing: still cut at ~1 s.
  ConfigOptions options;
  options.extra = "timeouts:\n  client_header: 1s\n";
  ASSERT_NO_FATAL_FAILURE(StartRampart(options));
  Client c = Connect();
  Deadline start = Clock::now();
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  ASSERT_TRUE(c.IsClosedByPeer(Timeout(5'000)));
  EXPECT_GE(Since(start).count(), 900);
  EXPECT_LE(Since(start).count(), 2'500);
  EXPECT_EQ(origin_.AcceptedConnections(), 0u);
}

TEST_F(TimeoutsTest, IdleKeepAliveConnectionIsClosed) {
  ConfigOptions options;
  options.extra = "timeouts:\n  keepalive: 1s\n";
  ASSERT_NO_FATAL_FAILURE(StartRampart(options));
  Client c = Connect();
  auto r = c.Get("/");
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 200);
  Deadline start = Clock::now();
  ASSERT_TRUE(c.IsClosedByPeer(Timeout(5'000))) << "idle keep-alive connection left open";
  EXPECT_GE(Since(start).count(), 800);
  EXPECT_LE(Since(start).count(), 2'500);
  EXPECT_TRUE(c.buffered().empty()) << "an idle close sends nothing: " << c.buffered();
}

TEST_F(TimeoutsTest, KeepAliveTimerRestartsWithEachRequest) {
  ConfigOptions options;
  options.extra = "timeouts:\n  keepalive: 1s\n";
  ASSERT_NO_FATAL_FAILURE(StartRampart(options));
  Client c = Connect();
  // Four requests 600 ms apart: 2.4 s in all, never 1 s idle.
  for (int i = 0; i < 4; ++i) {
    if (i > 0) std::this_thread::sleep_for(milliseconds(600));  // the client's own pacing
    auto r = c.Get("/paced-" + std::to_string(i));
    ASSERT_TRUE(r) << c.error() << " (request " << i << ")";
    EXPECT_EQ(r->status, 200);
  }
}

TEST_F(TimeoutsTest, ConnectionsPerIpAreLimited) {
  ConfigOptions options;
  options.extra = "limits:\n  max_connections_per_ip: 4\n";
  ASSERT_NO_FATAL_FAILURE(StartRampart(options));

  std::vector<Client> held(4);
  for (size_t i = 0; i < held.size(); ++i) {
    ASSERT_TRUE(held[i].Connect(port())) << held[i].error();
    // A served request proves rampart has accepted (and counted) the connection.
    auto r = held[i].Get("/held-" + std::to_string(i));
    ASSERT_TRUE(r) << held[i].error();
    EXPECT_EQ(r->status, 200);
  }

  Client fifth;
  ASSERT_TRUE(fifth.Connect(port())) << fifth.error();  // the kernel accepts; rampart closes
  fifth.Send(BuildRequest("GET", "/fifth", port()));
  EXPECT_TRUE(fifth.IsClosedByPeer(Timeout(3'000))) << "the 5th connection was kept open";
  if (!fifth.buffered().empty()) {
    EXPECT_EQ(fifth.buffered().find("HTTP/1.1 200"), std::string::npos) << fifth.buffered();
  }
  for (const RecordedRequest& r : origin_.Requests()) EXPECT_NE(r.target, "/fifth");

  for (size_t i = 0; i < held.size(); ++i) {
    auto r = held[i].Get("/still-" + std::to_string(i));
    ASSERT_TRUE(r) << "held connection " << i << ": " << held[i].error();
    EXPECT_EQ(r->status, 200);
  }

  // Closing one frees a slot (rampart notices the close asynchronously: bounded retries, each
  // a real connection attempt).
  held[0].Close();
  bool served = false;
  Deadline deadline = DeadlineIn(Timeout(5'000));
  for (int attempt = 0; attempt < 200 && !served && Clock::now() < deadline; ++attempt) {
    Client again;
    if (!again.Connect(port())) continue;
    auto r = again.Get("/again", {}, Timeout(1'000));
    served = r && r->status == 200;
    if (!served) again.IsClosedByPeer(Timeout(100));  // wait for the refusal to complete
  }
  EXPECT_TRUE(served) << "a freed slot was not reusable";
}

}  // namespace
}  // namespace rampart::test
