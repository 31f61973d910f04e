// The admin listener: /healthz, and Prometheus /metrics reflecting real traffic (requests by
// route and status, latency histogram, active connections, bytes, upstream errors).

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

class AdminTest : public ProxyTest {
 protected:
  void SetUp() override {
    // A pool whose only server refuses connections: bound but not listening.
    dead_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(dead_fd_, reinterpret_cast<sockaddr*>(&sin), sizeof sin), 0);
    socklen_t len = sizeof sin;
    getsockname(dead_fd_, reinterpret_cast<sockaddr*>(&sin), &len);
    ConfigOptions options;
    options.pools_yaml = "pools:\n  app:\n    servers:\n      - address: " + origin_.address() +
                         "\n  dead:\n    servers:\n      - address: 127.0.0.1:" +
                         std::to_string(ntohs(sin.sin_port)) + "\n";
    options.routes_yaml =
        "routes:\n"
        "  - name: dead\n    match: {path_prefix: /dead/}\n    pool: dead\n"
        "  - name: main\n    match: {path_prefix: /}\n    pool: app\n";
    ASSERT_NO_FATAL_FAILURE(StartRampart(options));
    ASSERT_NE(rampart_.admin_port(), 0) << "no \"admin bound to\" line:\n" << rampart_.Log();
  }
  void TearDown() override { close(dead_fd_); }

  int dead_fd_ = -1;
};

TEST_F(AdminTest, Healthz) {
  auto r = HttpGet(rampart_.admin_port(), "/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(AdminTest, UnknownAdminPathIs404) {
  auto r = HttpGet(rampart_.admin_port(), "/no-such-admin-page");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
}

TEST_F(AdminTest, MetricsReflectTraffic) {
  for (int i = 0; i < 3; ++i) {
    auto r = Get("/ok-" + std::to_string(i));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
  }
  auto not_found = Get("/status/404");
  ASSERT_TRUE(not_found);
  ASSERT_EQ(not_found->status, 404);
  auto unavailable = Get("/dead/x");
  ASSERT_TRUE(unavailable);
  ASSERT_EQ(unavailable->status, 503);

  // One client connection stays open while the metrics are read.
  Client open_conn = Connect();
  ASSERT_TRUE(open_conn.Get("/held-open"));

  auto m = HttpGet(rampart_.admin_port(), "/metrics");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->status, 200);
  auto type = m->Header("Content-Type");
  ASSERT_TRUE(type);
  EXPECT_EQ(type->rfind("text/plain", 0), 0u) << *type;
  const std::string& text = m->body;

  EXPECT_EQ(MetricSum(text, "rampart_requests_total", {{"route", "main"}, {"status", "200"}}), 4)
      << text;
  EXPECT_EQ(MetricSum(text, "rampart_requests_total", {{"route", "main"}, {"status", "404"}}), 1);
  EXPECT_EQ(MetricSum(text, "rampart_requests_total", {{"route", "dead"}, {"status", "503"}}), 1);

  EXPECT_TRUE(HasMetric(text, "rampart_request_duration_seconds_bucket")) << text;
  EXPECT_GE(MetricSum(text, "rampart_request_duration_seconds_bucket", {{"le", "+Inf"}}), 6);
  EXPECT_GE(MetricSum(text, "rampart_request_duration_seconds_count"), 6);

  ASSERT_TRUE(HasMetric(text, "rampart_active_connections")) << text;
  EXPECT_GE(MetricSum(text, "rampart_active_connections"), 1);

  EXPECT_GT(MetricSum(text, "rampart_bytes_received_total"), 0) << text;
  EXPECT_GT(MetricSum(text, "rampart_bytes_sent_total"), 0) << text;
  EXPECT_GE(MetricSum(text, "rampart_upstream_errors_total"), 1) << text;
}

TEST_F(AdminTest, ActiveConnectionsFallBackWhenClientsLeave) {
  std::vector<Client> clients(3);
  for (Client& c : clients) {
    ASSERT_TRUE(c.Connect(port())) << c.error();
    ASSERT_TRUE(c.Get("/"));
  }
  double with_clients = MetricSum(Metrics(), "rampart_active_connections");
  EXPECT_GE(with_clients, 3);
  for (Client& c : clients) c.Close();
  // rampart sees the closes asynchronously: re-read a bounded number of times, each read a
  // real request to the admin listener.
  double after = with_clients;
  for (int i = 0; i < 200 && after > with_clients - 3; ++i) {
    after = MetricSum(Metrics(), "rampart_active_connections");
  }
  EXPECT_LE(after, with_clients - 3);
}

}  // namespace
}  // namespace rampart::test
