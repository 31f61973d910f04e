// Strict parsing at the edge: each malformed request, sent on a fresh connection, gets its
// status and a closed connection, reaches no backend, and is counted by reason in /metrics.
// Chunked bodies are read up to 64 KiB before a backend is contacted, so a small body with bad
// framing is refused before the backend sees a byte; a larger one streams, and then the backend
// must never receive a complete request (LargeChunkedBodyBrokenLateNeverCompletes).

#include <gtest/gtest.h>

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

using namespace std::string_literals;

struct MalformedCase {
  std::string name;    // test name suffix
  std::string raw;     // the bytes sent
  int status;          // expected status
  std::string reason;  // label of rampart_malformed_requests_total
  bool body_error;     // the head is valid: it may reach the backend, a complete request not
};

// Names the case in test output instead of dumping its bytes.
void PrintTo(const MalformedCase& c, std::ostream* os) { *os << c.name; }

std::string ManyHeaders(int count, size_t value_size) {
  std::string h;
  for (int i = 0; i < count; ++i) {
    h += "X-Filler-" + std::to_string(i) + ": " + std::string(value_size, 'v') + "\r\n";
  }
  return h;
}

// Limits set in the config below, so the over-limit cases are a little over them.
constexpr const char* kLimits =
    "limits:\n  max_request_line: 4KiB\n  max_header_bytes: 16KiB\n  max_header_count: 50\n";

std::vector<MalformedCase> Cases() {
  const std::string post = "POST /malformed HTTP/1.1\r\nHost: a.example\r\n";
  const std::string get = "GET /malformed HTTP/1.1\r\nHost: a.example\r\n";
  const std::string chunked = post + "Transfer-Encoding: chunked\r\n\r\n";
  return {
      {"ContentLengthWithChunked",
       post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400,
       "content_length_with_chunked", false},
      {"DuplicateContentLength", post + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400,
       "duplicate_content_length", false},
      {"BadContentLength", post + "Content-Length: 5x\r\n\r\nhello", 400, "bad_content_length",
       false},
      {"NegativeContentLength", post + "Content-Length: -1\r\n\r\nhello", 400, "bad_content_length",
       false},
      {"OverflowingContentLength", post + "Content-Length: 99999999999999999999999\r\n\r\nhello",
       400, "bad_content_length", false},
      {"GzipThenChunked", post + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501,
       "unsupported_transfer_encoding", false},
      {"TransferEncodingInHttp10",
       "POST /malformed HTTP/1.0\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\n\r\n"
       "0\r\n\r\n",
       400, "transfer_encoding_http10", false},
      {"BadChunkSize", chunked + "zz\r\nhello\r\n0\r\n\r\n", 400, "bad_chunk_size", true},
      {"MissingCrlfAfterChunkData", chunked + "5\r\nhelloXX0\r\n\r\n", 400, "bad_chunk_framing",
       true},
      {"ObsFold", get + "X-Folded: first\r\n second\r\n\r\n", 400, "obs_fold", false},
      {"NulInValue", get + "X-Nul: a\0b\r\n\r\n"s, 400, "bad_header_value", false},
      {"CtlInName", get + "X\x01Name: v\r\n\r\n", 400, "bad_header_name", false},
      {"WhitespaceBeforeColon", get + "X-Space : v\r\n\r\n", 400, "whitespace_before_colon", false},
      {"MissingHost", "GET /malformed HTTP/1.1\r\nX-A: b\r\n\r\n", 400, "missing_host", false},
      {"DuplicateHost", get + "Host: b.example\r\n\r\n", 400, "duplicate_host", false},
      {"BareLf", "GET /malformed HTTP/1.1\r\nHost: a.example\nX-A: b\r\n\r\n", 400,
       "bad_line_ending", false},
      {"RequestLineTooLong",
       "GET /" + std::string(5000, 'a') + " HTTP/1.1\r\nHost: a.example\r\n\r\n", 414,
       "uri_too_long", false},
      {"HeaderBytesTooLarge", get + ManyHeaders(10, 2000) + "\r\n", 431, "headers_too_large",
       false},
      {"TooManyHeaders", get + ManyHeaders(60, 4) + "\r\n", 431, "too_many_headers", false},
      {"Http20RequestLine", "GET /malformed HTTP/2.0\r\nHost: a.example\r\n\r\n", 505,
       "unsupported_version", false},
      {"Connect", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 400,
       "bad_target", false},
  };
}

// Sends one case on a fresh connection and checks the reply and the close.
void SendCase(uint16_t port, const MalformedCase& c) {
  Client client;
  ASSERT_TRUE(client.Connect(port)) << client.error();
  ASSERT_TRUE(client.Send(c.raw)) << client.error();
  auto r = client.ReadResponse({}, Timeout(5'000));
  ASSERT_TRUE(r) << c.name << ": " << client.error()
                 << (client.peer_reset() ? " (reset: the reply was lost)" : "");
  EXPECT_EQ(r->status, c.status) << c.name << "\n" << r->raw;
  EXPECT_TRUE(HeaderHasToken(r->headers, "Connection", "close"))
      << c.name << ": the reply should announce the close";
  EXPECT_TRUE(client.IsClosedByPeer(Timeout(5'000))) << c.name << ": connection left open";
}

// The backend got no complete request from any case (the good one excepted).
void ExpectNoMalformedRequestAtBackend(const Origin& origin) {
  for (const RecordedRequest& r : origin.Requests()) {
    EXPECT_NE(r.Path(), "/malformed") << "a malformed request reached the backend:\n" << r.raw_head;
  }
}

class MalformedTest : public ProxyTest, public ::testing::WithParamInterface<MalformedCase> {
 protected:
  void SetUp() override {
    ConfigOptions options;
    options.extra = kLimits;
    ASSERT_NO_FATAL_FAILURE(StartRampart(options));
  }
};

TEST_P(MalformedTest, RefusedClosedCountedAndNeverForwarded) {
  const MalformedCase& c = GetParam();
  ASSERT_NO_FATAL_FAILURE(SendCase(port(), c));
  EXPECT_EQ(origin_.AcceptedConnections(), 0u) << "the backend was contacted";
  EXPECT_EQ(origin_.BytesReceived(), 0u);

  std::string metrics = Metrics();
  EXPECT_EQ(MetricValue(metrics, "rampart_malformed_requests_total", {{"reason", c.reason}}), 1)
      << "rampart_malformed_requests_total{reason=\"" << c.reason << "\"} in:\n"
      << metrics;

  // Still serving, and the one good request is all the backend ever got in full.
  auto good = Get("/good");
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 200);
  ExpectNoMalformedRequestAtBackend(origin_);
  if (!c.body_error) {
    std::vector<RecordedRequest> seen = origin_.Requests();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(origin_.BytesReceived(), seen[0].raw_head.size())
        << "the backend received bytes besides the good request";
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, MalformedTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<MalformedCase>& param) {
                           return param.param.name;
                         });

// The whole table against one instance, then a good request: nothing accumulates into a crash
// or a wedged worker, and each reason is counted once per case.
class MalformedTableTest : public ProxyTest {};

TEST_F(MalformedTableTest, WholeTableOnOneInstance) {
  ConfigOptions options;
  options.extra = kLimits;
  ASSERT_NO_FATAL_FAILURE(StartRampart(options));
  std::map<std::string, int> expected;
  for (const MalformedCase& c : Cases()) {
    ASSERT_NO_FATAL_FAILURE(SendCase(port(), c));
    ++expected[c.reason];
  }
  // Byte by byte too: a slow client must meet the same verdict (one case of each kind).
  for (const MalformedCase& c : Cases()) {
    if (c.name != "ObsFold" && c.name != "BareLf" && c.name != "ContentLengthWithChunked") {
      continue;
    }
    Client client;
    ASSERT_TRUE(client.Connect(port())) << client.error();
    for (char ch : c.raw) {
      // Refused before the end is fine: stop once the reply (or the close) has arrived.
      if (client.IsClosedByPeer(Timeout(0)) || !client.buffered().empty()) break;
      if (!client.Send(std::string_view(&ch, 1))) break;
    }
    auto r = client.ReadResponse({}, Timeout(5'000));
    ASSERT_TRUE(r) << c.name << " (byte by byte): " << client.error();
    EXPECT_EQ(r->status, c.status) << c.name << " (byte by byte)";
    EXPECT_TRUE(client.IsClosedByPeer(Timeout(5'000)));
    ++expected[c.reason];
  }
  std::string metrics = Metrics();
  for (const auto& [reason, count] : expected) {
    EXPECT_EQ(MetricValue(metrics, "rampart_malformed_requests_total", {{"reason", reason}}), count)
        << reason;
  }
  auto good = Get("/good");
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 200);
  ExpectNoMalformedRequestAtBackend(origin_);
  EXPECT_TRUE(rampart_.running());
}

}  // namespace
}  // namespace rampart::test

namespace rampart::test {
namespace {

// A chunked body larger than the pre-buffer streams to the backend; when its framing breaks
// late, the client gets 400 and the backend never receives a complete request.
TEST_F(MalformedTableTest, LargeChunkedBodyBrokenLateNeverCompletes) {
  ASSERT_NO_FATAL_FAILURE(StartRampart());
  Client client;
  ASSERT_TRUE(client.Connect(port())) << client.error();
  std::string raw = "POST /malformed HTTP/1.1\r\nHost: a.example\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 40; ++i) raw += "1000\r\n" + std::string(4096, 'x') + "\r\n";  // 160 KiB
  raw += "5\r\nhelloXX";  // no CRLF after the chunk data
  ASSERT_TRUE(client.Send(raw)) << client.error();
  auto r = client.ReadResponse({}, Timeout(5'000));
  ASSERT_TRUE(r) << client.error();
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(client.IsClosedByPeer(Timeout(5'000)));
  EXPECT_EQ(MetricValue(Metrics(), "rampart_malformed_requests_total",
                        {{"reason", "bad_chunk_framing"}}),
            1);
  auto good = Get("/good");
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 200);
  ExpectNoMalformedRequestAtBackend(origin_);
}

// A small chunked body is read whole before any backend is contacted, and forwarded with a
// Content-Length.
TEST_F(MalformedTableTest, SmallChunkedBodyIsValidatedBeforeForwarding) {
  ASSERT_NO_FATAL_FAILURE(StartRampart());
  Client client;
  ASSERT_TRUE(client.Connect(port())) << client.error();
  ASSERT_TRUE(client.Send("POST /echo HTTP/1.1\r\nHost: a.example\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  auto r = client.ReadResponse({}, Timeout(5'000));
  ASSERT_TRUE(r) << client.error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello world");
  auto seen = origin_.WaitForTarget("/echo");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->Header("Content-Length"), "11");
  EXPECT_FALSE(seen->chunked);
}

}  // namespace
}  // namespace rampart::test
