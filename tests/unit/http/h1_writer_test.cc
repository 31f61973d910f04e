#include "http/h1_writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "exact_buffer.h"
#include "http/chunked_decoder.h"
#include "http/h1_parser.h"

namespace rampart::http {
namespace {

using testing::ExactBuffer;

HeaderMap MakeHeaders(std::initializer_list<std::pair<const char*, const char*>> fields) {
  HeaderMap headers;
  for (const auto& [name, value] : fields) headers.Add(name, value);
  return headers;
}

TEST(H1WriterTest, RequestHead) {
  std::string out = "kept:";
  AppendRequestHead(out, "POST", "/x?y=1", MakeHeaders({{"Host", "a"}, {"X", "1"}, {"X", "2"}}));
  EXPECT_EQ(out, "kept:POST /x?y=1 HTTP/1.1\r\nHost: a\r\nX: 1\r\nX: 2\r\n\r\n");
}

TEST(H1WriterTest, RequestHeadWithoutFields) {
  std::string out;
  AppendRequestHead(out, "GET", "/", HeaderMap());
  EXPECT_EQ(out, "GET / HTTP/1.1\r\n\r\n");
}

TEST(H1WriterTest, ResponseHead) {
  std::string out;
  AppendResponseHead(out, Version::kHttp11, 200, "OK", MakeHeaders({{"Content-Length", "2"}}));
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n");
}

TEST(H1WriterTest, ResponseHeadHttp10EmptyReason) {
  std::string out;
  AppendResponseHead(out, Version::kHttp10, 404, "", HeaderMap());
  // The SP before the (empty) reason is part of the status-line grammar.
  EXPECT_EQ(out, "HTTP/1.0 404 \r\n\r\n");
}

TEST(H1WriterTest, ChunkSize) {
  const std::pair<uint64_t, const char*> cases[] = {
      {1, "1\r\n"},
      {10, "a\r\n"},
      {255, "ff\r\n"},
      {0x1a2b, "1a2b\r\n"},
      {std::numeric_limits<uint64_t>::max(), "ffffffffffffffff\r\n"},
  };
  for (const auto& [size, expected] : cases) {
    std::string out;
    AppendChunkSize(out, size);
    EXPECT_EQ(out, expected);
  }
}

TEST(H1WriterTest, ReasonPhrases) {
  EXPECT_EQ(ReasonPhrase(200), "OK");
  EXPECT_EQ(ReasonPhrase(404), "Not Found");
  EXPECT_EQ(ReasonPhrase(413), "Content Too Large");
  EXPECT_EQ(ReasonPhrase(429), "Too Many Requests");
  EXPECT_EQ(ReasonPhrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(ReasonPhrase(502), "Bad Gateway");
  EXPECT_EQ(ReasonPhrase(505), "HTTP Version Not Supported");
  EXPECT_EQ(ReasonPhrase(0), "Unknown");
  EXPECT_EQ(ReasonPhrase(299), "Unknown");
  EXPECT_EQ(ReasonPhrase(599), "Unknown");
}

TEST(H1WriterTest, EveryCommonStatusHasAPhrase) {
  std::vector<int> statuses = {100, 101, 421, 422, 425, 426, 428, 429, 431, 451};
  for (int s = 200; s <= 206; ++s) statuses.push_back(s);
  for (int s = 300; s <= 308; ++s) {
    if (s != 306) statuses.push_back(s);  // 306 is unused (RFC 9110 §15.4.7)
  }
  for (int s = 400; s <= 417; ++s) statuses.push_back(s);
  for (int s = 500; s <= 505; ++s) statuses.push_back(s);
  for (int s : statuses) EXPECT_NE(ReasonPhrase(s), "Unknown") << s;
}

TEST(H1WriterTest, RequestHeadParsesBack) {
  const HeaderMap headers =
      MakeHeaders({{"Host", "example.com"}, {"Transfer-Encoding", "chunked"}, {"X", ""}});
  std::string out;
  AppendRequestHead(out, "PUT", "/up?load=1", headers);
  RequestParser parser;
  Request request;
  size_t consumed = 0;
  ExactBuffer buffer(out);
  ASSERT_EQ(parser.Parse(buffer.view(), request, consumed), ParseStatus::kComplete);
  EXPECT_EQ(consumed, out.size());
  EXPECT_EQ(request.method, "PUT");
  EXPECT_EQ(request.target, "/up?load=1");
  EXPECT_EQ(request.framing, BodyFraming::kChunked);
  EXPECT_EQ(request.headers.size(), 3u);
  EXPECT_EQ(*request.headers.Get("x"), "");
}

TEST(H1WriterTest, ResponseHeadParsesBack) {
  std::string out;
  AppendResponseHead(out, Version::kHttp11, 503, ReasonPhrase(503),
                     MakeHeaders({{"Content-Length", "3"}, {"Retry-After", "5"}}));
  ResponseParser parser;
  Response response;
  size_t consumed = 0;
  ExactBuffer buffer(out);
  ASSERT_EQ(parser.Parse(buffer.view(), false, response, consumed), ParseStatus::kComplete);
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.reason, "Service Unavailable");
  EXPECT_EQ(response.content_length, 3u);
}

TEST(H1WriterTest, ChunkSizeDecodes) {
  std::string body;
  AppendChunkSize(body, 300);
  body += std::string(300, 'x') + "\r\n0\r\n\r\n";
  ChunkedDecoder decoder;
  ExactBuffer buffer(body);
  const ChunkedDecoder::Step step = decoder.Next(buffer.view(), body.size());
  EXPECT_EQ(step.kind, ChunkedDecoder::Step::kData);
  EXPECT_EQ(step.payload, 300u);
}

}  // namespace
}  // namespace rampart::http
