// Tests of the e2e harness itself (origin, client, payloads, metrics parsing), without rampart:
// the other e2e tests trust what these pieces report, so they are checked against each other
// directly first.

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "support/client.h"
#include "support/metrics.h"
#include "support/origin.h"
#include "support/payload.h"

namespace rampart::test {
namespace {

TEST(HarnessTest, PayloadChecksumDoesNotDependOnSplits) {
  std::string data = PatternBytes(0, 200'000);
  StreamChecksum whole;
  whole.Update(data);
  StreamChecksum pieces;
  for (size_t at = 0, step = 1; at < data.size(); at += step, step = step * 3 % 7919 + 1) {
    pieces.Update(std::string_view(data).substr(at, step));
  }
  EXPECT_EQ(whole.Value(), pieces.Value());
  EXPECT_EQ(whole.Value(), PatternChecksum(data.size()));
  std::string swapped = data;
  std::swap(swapped[10], swapped[70'000]);
  StreamChecksum other;
  other.Update(swapped);
  EXPECT_NE(whole.Value(), other.Value());
  EXPECT_EQ(PatternBytes(65'530, 20), data.substr(65'530, 20));
}

TEST(HarnessTest, WebSocketAcceptMatchesRfc6455Example) {
  EXPECT_EQ(WebSocketAccept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(HarnessTest, MetricsParser) {
  std::string text =
      "# HELP x_total things\n# TYPE x_total counter\n"
      "x_total{route=\"main\",status=\"200\"} 3\n"
      "x_total{status=\"502\",route=\"main\"} 1\n"
      "y_bucket{le=\"+Inf\"} 7\n"
      "z 2.5\n";
  EXPECT_EQ(MetricValue(text, "x_total", {{"status", "200"}}), 3);
  EXPECT_EQ(MetricValue(text, "x_total", {{"route", "main"}, {"status", "502"}}), 1);
  EXPECT_EQ(MetricSum(text, "x_total", {{"route", "main"}}), 4);
  EXPECT_EQ(MetricValue(text, "y_bucket", {{"le", "+Inf"}}), 7);
  EXPECT_EQ(MetricValue(text, "z"), 2.5);
  EXPECT_FALSE(MetricValue(text, "x_total", {{"status", "404"}}).has_value());
  EXPECT_TRUE(HasMetric(text, "z"));
  EXPECT_FALSE(HasMetric(text, "x"));
}

class OriginTest : public ::testing::Test {
 protected:
  Client Connect() {
    Client c;
    EXPECT_TRUE(c.Connect(origin_.port())) << c.error();
    return c;
  }
  Origin origin_;
};

TEST_F(OriginTest, RecordsAGetAndAnswersIt) {
  Client c = Connect();
  auto r = c.Get("/hello?x=1", {{"X-Test", "one"}, {"X-Test", "two"}});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, Origin::kDefaultBody);
  EXPECT_EQ(r->Header("X-Origin-Conn"), "1");
  EXPECT_EQ(r->Header("X-Origin-Target"), "/hello?x=1");
  ASSERT_TRUE(origin_.WaitForRequests(1));
  RecordedRequest req = origin_.Requests().at(0);
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.target, "/hello?x=1");
  EXPECT_EQ(req.Path(), "/hello");
  EXPECT_EQ(req.version, "HTTP/1.1");
  ASSERT_EQ(req.headers.size(), 3u);
  EXPECT_EQ(req.headers[1], (std::pair<std::string, std::string>{"X-Test", "one"}));
  EXPECT_EQ(req.headers[2], (std::pair<std::string, std::string>{"X-Test", "two"}));
  EXPECT_EQ(req.raw_head, BuildRequest("GET", "/hello?x=1", origin_.port(),
                                       {{"X-Test", "one"}, {"X-Test", "two"}}));
  EXPECT_EQ(origin_.AcceptedConnections(), 1u);
  EXPECT_EQ(origin_.BytesReceived(), req.raw_head.size());
}

TEST_F(OriginTest, CountsConnectionsThatSendNothing) {
  Client c = Connect();
  c.Close();
  Client d = Connect();
  ASSERT_TRUE(d.Get("/"));
  EXPECT_EQ(origin_.AcceptedConnections(), 2u);
  EXPECT_TRUE(origin_.WaitForConnectionClosed(1));
  EXPECT_EQ(origin_.Connections().at(0).bytes_received, 0u);
}

TEST_F(OriginTest, KeepAliveAndPipelining) {
  Client c = Connect();
  for (int i = 0; i < 3; ++i) {
    auto r = c.Get("/k" + std::to_string(i));
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->Header("X-Origin-Conn"), "1");
  }
  std::string three = BuildRequest("GET", "/delay/100", origin_.port()) +
                      BuildRequest("GET", "/bytes/5", origin_.port()) +
                      BuildRequest("GET", "/status/201", origin_.port());
  ASSERT_TRUE(c.Send(three));
  auto a = c.ReadResponse();
  auto b = c.ReadResponse();
  auto d = c.ReadResponse();
  ASSERT_TRUE(a && b && d) << c.error();
  EXPECT_EQ(a->Header("X-Origin-Target"), "/delay/100");
  EXPECT_EQ(b->body, PatternBytes(0, 5));
  EXPECT_EQ(d->status, 201);
  std::vector<RecordedRequest> reqs = origin_.Requests();
  ASSERT_EQ(reqs.size(), 6u);
  EXPECT_EQ(reqs[5].index_on_connection, 5u);
}

TEST_F(OriginTest, BodiesByLengthAndChunked) {
  Client c = Connect();
  auto r = c.Post("/echo", "hello body");
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->body, "hello body");
  ASSERT_TRUE(c.Send(BuildRequest("POST", "/echo", origin_.port(),
                                  {{"Transfer-Encoding", "chunked"}}, ChunkBody("abcdefghij", 3))));
  r = c.ReadResponse();
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->body, "abcdefghij");
  std::vector<RecordedRequest> reqs = origin_.Requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_FALSE(reqs[0].chunked);
  EXPECT_TRUE(reqs[1].chunked);
  EXPECT_EQ(reqs[1].body, "abcdefghij");
}

TEST_F(OriginTest, ExpectContinue) {
  Client c = Connect();
  ASSERT_TRUE(c.Send(BuildRequest("POST", "/echo", origin_.port(),
                                  {{"Content-Length", "5"}, {"Expect", "100-continue"}})));
  ReadOptions interim;
  interim.return_interim = true;
  auto cont = c.ReadResponse(interim);
  ASSERT_TRUE(cont) << c.error();
  EXPECT_EQ(cont->status, 100);
  ASSERT_TRUE(c.Send("12345"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->body, "12345");
}

TEST_F(OriginTest, ChunkedResponseAndHttp10) {
  Client c = Connect();
  auto r = c.Get("/chunked");
  ASSERT_TRUE(r) << c.error();
  EXPECT_TRUE(r->chunked);
  EXPECT_EQ(r->body, Origin::ChunkedBody());
  Client d = Connect();
  ASSERT_TRUE(d.Send("GET /chunked HTTP/1.0\r\n\r\n"));
  r = d.ReadResponse();
  ASSERT_TRUE(r) << d.error();
  EXPECT_TRUE(r->until_close);
  EXPECT_EQ(r->body, Origin::ChunkedBody());
}

TEST_F(OriginTest, SinkCountsWithoutStoring) {
  Client c = Connect();
  const uint64_t n = 3 * 1024 * 1024 + 17;
  std::string body = PatternBytes(0, n);
  auto r = c.Post("/sink", body);
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->Header("X-Sink-Bytes"), std::to_string(n));
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(PatternChecksum(n)));
  EXPECT_EQ(r->Header("X-Sink-Checksum"), hex);
  RecordedRequest req = *origin_.LastRequest();
  EXPECT_TRUE(req.body.empty());
  EXPECT_EQ(req.body_bytes, n);
}

TEST_F(OriginTest, StatusBytesCloseHeadAndHang) {
  Client c = Connect();
  auto r = c.Get("/status/404");
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 404);
  r = c.Get("/status/204");
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 204);
  EXPECT_TRUE(r->body.empty());
  r = c.Request("HEAD", "/bytes/10", {}, {});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->Header("Content-Length"), "10");
  EXPECT_TRUE(r->body.empty());
  r = c.Get("/bytes/1000000");
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->body, PatternBytes(0, 1'000'000));
  r = c.Get("/close");
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_TRUE(c.IsClosedByPeer());

  Client h = Connect();
  ASSERT_TRUE(h.Send(BuildRequest("GET", "/hang", origin_.port())));
  ASSERT_TRUE(origin_.WaitForTarget("/hang"));
  EXPECT_FALSE(h.ReadResponse({}, Timeout(200)));
}

TEST_F(OriginTest, WebSocketEcho) {
  Client c = Connect();
  ASSERT_TRUE(c.Send(BuildRequest("GET", "/ws", origin_.port(),
                                  {{"Upgrade", "websocket"},
                                   {"Connection", "Upgrade"},
                                   {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                                   {"Sec-WebSocket-Version", "13"}})));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 101);
  EXPECT_EQ(r->Header("Sec-WebSocket-Accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  ASSERT_TRUE(c.Send("raw bytes"));
  EXPECT_EQ(c.ReadExactly(9), "raw bytes");
  c.ShutdownWrite();
  EXPECT_TRUE(c.IsClosedByPeer());
}

}  // namespace
}  // namespace rampart::test
