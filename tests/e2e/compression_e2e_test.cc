// Response compression (a route's `compression`) through the real binary: the encoding chosen
// from Accept-Encoding (q-values, the route's order on ties, the route's algorithms), the
// responses that are never encoded (types, sizes, already encoded, no-transform, 204/304), the
// header changes (Content-Encoding, chunked without Content-Length, Vary kept and extended, the
// ETag made weak), HEAD, HTTP/1.0 and keep-alive, streaming (what the backend has sent so far
// is decodable before the backend sends the rest), and the compression metrics. Every body is
// decoded here with the libraries' own decoders (zlib, brotli, zstd) and compared with the
// origin's bytes.

#include <arpa/inet.h>
#include <brotli/decode.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/cli_clients.h"
#include "support/payload.h"
#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

// ---------------------------------------------------------------------------------------------
// Decoders: one incremental decoder per encoding, so a test can decode a prefix of a stream
// (what has arrived so far) as well as a whole body.

class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;
  // Feeds compressed bytes; false on a decoding error (error() says which).
  virtual bool Feed(std::string_view in) = 0;
  // The stream's end marker (gzip trailer, brotli last block, zstd frame end) was decoded.
  bool complete() const { return complete_; }
  const std::string& out() const { return out_; }
  const std::string& error() const { return error_; }

 protected:
  bool Fail(std::string why) {
    error_ = std::move(why);
    return false;
  }
  std::string out_;
  std::string error_;
  bool complete_ = false;
};

class GzipDecoder : public StreamDecoder {
 public:
  GzipDecoder() {
    // 15 + 16: a gzip wrapper only (not zlib's, not raw deflate) — what Content-Encoding: gzip
    // promises.
    ok_ = inflateInit2(&zs_, 15 + 16) == Z_OK;
  }
  ~GzipDecoder() override {
    if (ok_) inflateEnd(&zs_);
  }
  bool Feed(std::string_view in) override {
    if (!ok_) return Fail("inflateInit2 failed");
    if (in.empty()) return true;
    if (complete_) return Fail("bytes after the end of the gzip stream");
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs_.avail_in = static_cast<uInt>(in.size());
    char buf[64 * 1024];
    for (;;) {
      zs_.next_out = reinterpret_cast<Bytef*>(buf);
      zs_.avail_out = sizeof buf;
      const int rc = inflate(&zs_, Z_SYNC_FLUSH);
      out_.append(buf, sizeof buf - zs_.avail_out);
      if (rc == Z_STREAM_END) {
        complete_ = true;
        if (zs_.avail_in != 0) return Fail("bytes after the end of the gzip stream");
        return true;
      }
      if (rc == Z_BUF_ERROR) return true;  // needs more input
      if (rc != Z_OK) return Fail(std::string("inflate: ") + (zs_.msg ? zs_.msg : "error"));
      if (zs_.avail_in == 0 && zs_.avail_out != 0) return true;
    }
  }

 private:
  z_stream zs_{};
  bool ok_ = false;
};

class BrotliDecoder : public StreamDecoder {
 public:
  BrotliDecoder() : state_(BrotliDecoderCreateInstance(nullptr, nullptr, nullptr)) {}
  ~BrotliDecoder() override {
    if (state_ != nullptr) BrotliDecoderDestroyInstance(state_);
  }
  bool Feed(std::string_view in) override {
    if (state_ == nullptr) return Fail("BrotliDecoderCreateInstance failed");
    if (in.empty()) return true;
    if (complete_) return Fail("bytes after the end of the brotli stream");
    size_t avail_in = in.size();
    const uint8_t* next_in = reinterpret_cast<const uint8_t*>(in.data());
    uint8_t buf[64 * 1024];
    for (;;) {
      size_t avail_out = sizeof buf;
      uint8_t* next_out = buf;
      const BrotliDecoderResult rc = BrotliDecoderDecompressStream(state_, &avail_in, &next_in,
                                                                   &avail_out, &next_out, nullptr);
      out_.append(reinterpret_cast<const char*>(buf), sizeof buf - avail_out);
      switch (rc) {
        case BROTLI_DECODER_RESULT_SUCCESS:
          complete_ = true;
          if (avail_in != 0) return Fail("bytes after the end of the brotli stream");
          return true;
        case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:
          return true;
        case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
          continue;
        case BROTLI_DECODER_RESULT_ERROR:
          return Fail(std::string("brotli: ") +
                      BrotliDecoderErrorString(BrotliDecoderGetErrorCode(state_)));
      }
    }
  }

 private:
  BrotliDecoderState* state_;
};

class ZstdDecoder : public StreamDecoder {
 public:
  ZstdDecoder() : dctx_(ZSTD_createDCtx()) {}
  ~ZstdDecoder() override { ZSTD_freeDCtx(dctx_); }
  bool Feed(std::string_view in) override {
    if (dctx_ == nullptr) return Fail("ZSTD_createDCtx failed");
    if (in.empty()) return true;
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    std::string buf(ZSTD_DStreamOutSize(), '\0');
    for (;;) {
      ZSTD_outBuffer output{buf.data(), buf.size(), 0};
      const size_t rc = ZSTD_decompressStream(dctx_, &output, &input);
      if (ZSTD_isError(rc)) return Fail(std::string("zstd: ") + ZSTD_getErrorName(rc));
      out_.append(buf.data(), output.pos);
      complete_ = rc == 0;  // a frame ended and everything it held was flushed
      // (Another call after a frame's end with no input left would start waiting for a frame.)
      if (input.pos == input.size && (rc == 0 || output.pos < output.size)) return true;
    }
  }

 private:
  ZSTD_DCtx* dctx_;
};

std::unique_ptr<StreamDecoder> MakeDecoder(std::string_view encoding) {
  if (encoding == "gzip") return std::make_unique<GzipDecoder>();
  if (encoding == "br") return std::make_unique<BrotliDecoder>();
  if (encoding == "zstd") return std::make_unique<ZstdDecoder>();
  return nullptr;
}

// The whole body decoded; nullopt (with a failure added) when it is not one complete stream.
std::optional<std::string> Decode(std::string_view encoding, std::string_view body) {
  std::unique_ptr<StreamDecoder> decoder = MakeDecoder(encoding);
  if (decoder == nullptr) {
    ADD_FAILURE() << "no decoder for '" << encoding << "'";
    return std::nullopt;
  }
  if (!decoder->Feed(body)) {
    ADD_FAILURE() << encoding << " body does not decode: " << decoder->error();
    return std::nullopt;
  }
  if (!decoder->complete()) {
    ADD_FAILURE() << encoding << " body is truncated: the stream's end marker is missing ("
                  << body.size() << " bytes, " << decoder->out().size() << " decoded)";
    return std::nullopt;
  }
  return decoder->out();
}

// Compares without printing megabytes on a mismatch.
::testing::AssertionResult SameBytes(const std::string& got, const std::string& want) {
  if (got == want) return ::testing::AssertionSuccess();
  size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  return ::testing::AssertionFailure() << "decoded " << got.size() << " bytes, expected "
                                       << want.size() << "; first difference at offset " << i;
}

// How many Vary lines list `token`, over all lines.
size_t VaryTokenCount(const HttpResponse& r, std::string_view token) {
  size_t n = 0;
  for (const std::string& value : FindHeaders(r.headers, "Vary")) {
    std::string_view list = value;
    while (!list.empty()) {
      const size_t comma = list.find(',');
      std::string_view item = list.substr(0, comma);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      if (EqualsNoCase(item, token)) ++n;
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// GatedBackend: a backend whose response body comes in two parts, the second only once the test
// releases it (the n-th request served waits for the n-th Release()). What rampart gives the client
// before the release is what it streamed: if it held the encoder's output back until the end, the
// client would see nothing decodable.
//   GET /chunked   Transfer-Encoding: chunked; `first` as one chunk, [release], `rest`, last chunk
//   GET /length    Content-Length: first + rest; `first`, [release], `rest`
//   GET /close     neither: `first`, [release], `rest`, then the close ends the body
//   GET /cut-chunked, /cut-length   as /chunked, /length, but closes at the release instead of
//                  sending the rest: a body cut short
class GatedBackend {
 public:
  GatedBackend(std::string first, std::string rest)
      : first_(std::move(first)), rest_(std::move(rest)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sin;
    if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0 ||
        listen(listen_fd_, 16) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sin), &len) != 0) {
      throw std::runtime_error("gated backend: cannot listen");
    }
    port_ = ntohs(sin.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }
  ~GatedBackend() {
    stop_ = true;
    {
      std::lock_guard<std::mutex> lock(mu_);
      releases_ = 1 << 30;
      cv_.notify_all();
    }
    shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    close(listen_fd_);
    std::vector<std::thread> handlers;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (int fd : fds_) shutdown(fd, SHUT_RDWR);
      handlers.swap(handlers_);
    }
    for (std::thread& t : handlers) t.join();
    for (int fd : fds_) close(fd);
  }
  GatedBackend(const GatedBackend&) = delete;
  GatedBackend& operator=(const GatedBackend&) = delete;

  uint16_t port() const { return port_; }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    ++releases_;
    cv_.notify_all();
  }
  // How many responses have started sending their rest (each after its release).
  int rests_started() const { return rests_started_; }

 private:
  void AcceptLoop() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard<std::mutex> lock(mu_);
      fds_.push_back(fd);
      handlers_.emplace_back([this, fd] { Serve(fd); });
    }
  }
  static bool SendAll(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  static std::string Chunk(std::string_view data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return std::string(size) + std::string(data) + "\r\n";
  }
  void Serve(int fd) {
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      head.append(buf, static_cast<size_t>(n));
    }
    const bool cut = head.starts_with("GET /cut-");
    const bool chunked = head.starts_with("GET /chunked ") || head.starts_with("GET /cut-chunked ");
    const bool until_close = head.starts_with("GET /close ");
    std::string out = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n";
    if (chunked) {
      out += "Transfer-Encoding: chunked\r\n\r\n" + Chunk(first_);
    } else if (until_close) {
      out += "\r\n" + first_;
    } else {
      out +=
          "Content-Length: " + std::to_string(first_.size() + rest_.size()) + "\r\n\r\n" + first_;
    }
    int ticket = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ticket = ++served_;
    }
    if (!SendAll(fd, out)) return;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(20), [&] { return releases_ >= ticket; });
    }
    if (cut) {
      shutdown(fd, SHUT_RDWR);  // the body ends early: the backend went away
      return;
    }
    out = chunked ? Chunk(rest_) + "0\r\n\r\n" : rest_;
    ++rests_started_;
    SendAll(fd, out);
    // Then the connection closes: one response per connection keeps the tickets in order.
    shutdown(fd, SHUT_WR);
  }

  std::string first_;
  std::string rest_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> rests_started_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::condition_variable cv_;
  int releases_ = 0;                   // guarded by mu_
  int served_ = 0;                     // guarded by mu_
  std::vector<int> fds_;               // guarded by mu_
  std::vector<std::thread> handlers_;  // guarded by mu_
};

// Reads a response head byte by byte (so nothing of the body is consumed); the status line and
// the fields. nullopt on timeout or close.
std::optional<HttpResponse> ReadHeadOnly(Client& c) {
  std::string head;
  while (!head.ends_with("\r\n\r\n")) {
    std::optional<std::string> b = c.ReadExactly(1);
    if (!b) return std::nullopt;
    head += *b;
  }
  HttpResponse r;
  size_t line_end = head.find("\r\n");
  const std::string status_line = head.substr(0, line_end);
  r.version = status_line.substr(0, status_line.find(' '));
  r.status = std::atoi(status_line.c_str() + status_line.find(' ') + 1);
  size_t pos = line_end + 2;
  while (pos < head.size() - 2) {
    const size_t end = head.find("\r\n", pos);
    const std::string line = head.substr(pos, end - pos);
    const size_t colon = line.find(':');
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    r.headers.emplace_back(line.substr(0, colon), value);
    pos = end + 2;
  }
  return r;
}

// Reads one chunk's data and its CRLF (empty for the last chunk: then the CRLF read is the end of
// an empty trailer section, as rampart sends no trailers).
std::optional<std::string> ReadOneChunk(Client& c, Timeout timeout) {
  std::string size_line;
  while (!size_line.ends_with("\r\n")) {
    std::optional<std::string> b = c.ReadExactly(1, timeout);
    if (!b) return std::nullopt;
    size_line += *b;
  }
  const size_t size = std::stoul(size_line, nullptr, 16);
  std::optional<std::string> data = c.ReadExactly(size + 2, timeout);
  if (!data || !data->ends_with("\r\n")) return std::nullopt;
  data->resize(size);
  return data;
}

// ---------------------------------------------------------------------------------------------

constexpr char kRoutes[] = R"(routes:
  - name: gzip-only
    match: {path_prefix: /gzip-only/}
    strip_prefix: true
    pool: app
    compression: {algorithms: [gzip]}
  - name: zstd-first
    match: {path_prefix: /zg/}
    strip_prefix: true
    pool: app
    compression: {algorithms: [zstd, gzip]}
  - name: json
    match: {path_prefix: /json/}
    strip_prefix: true
    pool: app
    set_response_headers: {Content-Type: "application/json; charset=utf-8"}
    compression:
  - name: png
    match: {path_prefix: /png/}
    strip_prefix: true
    pool: app
    set_response_headers: {Content-Type: image/png}
    compression:
  - name: custom
    match: {path_prefix: /custom/}
    strip_prefix: true
    pool: app
    set_response_headers: {Content-Type: application/x-custom}
    compression: {types: [application/x-custom]}
  - name: custom-plain
    match: {path_prefix: /custom-plain/}
    strip_prefix: true
    pool: app
    compression: {types: [application/x-custom]}
  - name: pre-encoded
    match: {path_prefix: /pre/}
    strip_prefix: true
    pool: app
    set_response_headers: {Content-Encoding: gzip}
    compression:
  - name: no-transform
    match: {path_prefix: /nt/}
    strip_prefix: true
    pool: app
    set_response_headers: {Cache-Control: "public, no-transform"}
    compression:
  - name: etag
    match: {path_prefix: /etag/}
    strip_prefix: true
    pool: app
    set_response_headers: {ETag: "\"v1-abc\""}
    compression:
  - name: weak-etag
    match: {path_prefix: /weak-etag/}
    strip_prefix: true
    pool: app
    set_response_headers: {ETag: "W/\"v2\""}
    compression:
  - name: vary
    match: {path_prefix: /vary/}
    strip_prefix: true
    pool: app
    set_response_headers: {Vary: Origin}
    compression:
  - name: min-size
    match: {path_prefix: /min/}
    strip_prefix: true
    pool: app
    compression: {min_size: 1000}
  - name: vary-star
    match: {path_prefix: /vary-star/}
    strip_prefix: true
    pool: app
    set_response_headers: {Vary: "*"}
    compression:
  - name: vary-listed
    match: {path_prefix: /vary-listed/}
    strip_prefix: true
    pool: app
    set_response_headers: {Vary: "Origin, accept-encoding"}
    compression:
  - name: identity-coding
    match: {path_prefix: /ce-identity/}
    strip_prefix: true
    pool: app
    set_response_headers: {Content-Encoding: identity}
    compression:
  - name: no-type
    match: {path_prefix: /no-type/}
    strip_prefix: true
    pool: app
    set_response_headers: {Content-Type: ""}
    compression:
  - name: content-range
    match: {path_prefix: /content-range/}
    strip_prefix: true
    pool: app
    set_response_headers: {Content-Range: "bytes 0-1999/5000"}
    compression:
  - name: min0
    match: {path_prefix: /min0/}
    strip_prefix: true
    pool: app
    compression: {min_size: 0}
  - name: plain
    match: {path_prefix: /plain/}
    strip_prefix: true
    pool: app
  - name: gated
    match: {path_prefix: /gated/}
    strip_prefix: true
    pool: gated
    compression:
  - name: main
    match: {path_prefix: /c/}
    strip_prefix: true
    pool: app
    compression:
)";

const std::string kFirstPart = PatternBytes(0, 3000);
const std::string kRestPart = PatternBytes(3000, 5000);

class CompressionTest : public ProxyTest {
 protected:
  void SetUp() override {
    gated_ = std::make_unique<GatedBackend>(kFirstPart, kRestPart);
    ConfigOptions options;
    options.pools_yaml =
        "pools:\n  app:\n    servers:\n      - address: " + origin_.address() +
        "\n  gated:\n    servers:\n      - address: 127.0.0.1:" + std::to_string(gated_->port()) +
        "\n";
    options.routes_yaml = kRoutes;
    ASSERT_NO_FATAL_FAILURE(StartRampart(options));
  }

  std::optional<HttpResponse> GetWith(const std::string& target, const std::string& accept) {
    HeaderList h;
    if (!accept.empty()) h.emplace_back("Accept-Encoding", accept);
    auto r = Get(target, h);
    EXPECT_TRUE(r) << "no response to " << target;
    return r;
  }

  // Asserts `r` is a compressed 200 in `encoding` whose body decodes to `want`.
  void ExpectCompressed(const HttpResponse& r, const std::string& encoding,
                        const std::string& want) {
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.HeaderCount("Content-Encoding"), 1u);
    EXPECT_EQ(r.Header("Content-Encoding"), encoding);
    EXPECT_FALSE(r.Header("Content-Length").has_value())
        << "a compressed body's length is unknown up front: " << *r.Header("Content-Length");
    EXPECT_TRUE(r.chunked) << "an HTTP/1.1 client gets the encoded body chunked";
    EXPECT_TRUE(HeaderHasToken(r.headers, "Transfer-Encoding", "chunked"));
    EXPECT_EQ(VaryTokenCount(r, "Accept-Encoding"), 1u);
    std::optional<std::string> decoded = Decode(encoding, r.body);
    if (decoded) {
      EXPECT_TRUE(SameBytes(*decoded, want));
    }
  }

  // Asserts `r` is `want` as the origin sent it (no Content-Encoding).
  void ExpectIdentity(const HttpResponse& r, const std::string& want) {
    EXPECT_EQ(r.status, 200);
    EXPECT_FALSE(r.Header("Content-Encoding").has_value()) << *r.Header("Content-Encoding");
    EXPECT_TRUE(SameBytes(r.body, want));
  }

  std::unique_ptr<GatedBackend> gated_;
};

// --- the encodings, sizes and framings --------------------------------------------------------

class CompressionEncodingTest : public CompressionTest,
                                public ::testing::WithParamInterface<const char*> {};

TEST_P(CompressionEncodingTest, ContentLengthBodiesOfEverySizeDecodeExactly) {
  const std::string encoding = GetParam();
  for (size_t size : {size_t{256}, size_t{1000}, size_t{70'000}, size_t{1} << 20}) {
    SCOPED_TRACE("size " + std::to_string(size));
    auto r = GetWith("/c/bytes/" + std::to_string(size), encoding);
    ASSERT_TRUE(r);
    ExpectCompressed(*r, encoding, PatternBytes(0, size));
    EXPECT_LT(r->body.size(), size) << "the pattern is text: it compresses";
  }
}

TEST_P(CompressionEncodingTest, ChunkedOriginBodyDecodesExactly) {
  const std::string encoding = GetParam();
  auto r = GetWith("/c/chunked", encoding);
  ASSERT_TRUE(r);
  ExpectCompressed(*r, encoding, Origin::ChunkedBody());
}

// The backend sends the first part and waits: the client must be able to decode that part
// before the backend sends the rest (the encoder is flushed when the backend pauses), and the
// whole stream must then end properly. Each framing of the backend's body.
TEST_P(CompressionEncodingTest, WhatTheBackendSentIsDecodableBeforeItSendsTheRest) {
  const std::string encoding = GetParam();
  int round = 0;
  for (const char* path : {"/gated/chunked", "/gated/length", "/gated/close"}) {
    SCOPED_TRACE(path);
    Client c = Connect();
    ASSERT_TRUE(c.Send(BuildRequest("GET", path, port(), {{"Accept-Encoding", encoding}})));
    std::optional<HttpResponse> head = ReadHeadOnly(c);
    ASSERT_TRUE(head) << c.error();
    ASSERT_EQ(head->status, 200);
    ASSERT_EQ(head->Header("Content-Encoding"), encoding);
    ASSERT_TRUE(HeaderHasToken(head->headers, "Transfer-Encoding", "chunked"));
    std::unique_ptr<StreamDecoder> decoder = MakeDecoder(encoding);
    // Before the release: chunks until the first part has decoded. A proxy that buffered the
    // encoder's output would leave this waiting (the backend sends nothing more).
    while (decoder->out().size() < kFirstPart.size()) {
      std::optional<std::string> chunk = ReadOneChunk(c, Timeout(8'000));
      ASSERT_TRUE(chunk) << "the first part did not arrive decodable while the backend paused ("
                         << decoder->out().size() << " of " << kFirstPart.size()
                         << " bytes decoded): " << c.error();
      ASSERT_FALSE(chunk->empty()) << "the body ended before the backend sent the rest";
      ASSERT_TRUE(decoder->Feed(*chunk)) << decoder->error();
    }
    EXPECT_EQ(gated_->rests_started(), round) << "the backend has not sent the rest yet";
    EXPECT_TRUE(SameBytes(decoder->out(), kFirstPart));
    EXPECT_FALSE(decoder->complete());
    gated_->Release();
    for (;;) {
      std::optional<std::string> chunk = ReadOneChunk(c, Timeout(10'000));
      ASSERT_TRUE(chunk) << c.error();
      if (chunk->empty()) break;
      ASSERT_TRUE(decoder->Feed(*chunk)) << decoder->error();
    }
    EXPECT_TRUE(decoder->complete()) << "the stream's end marker is missing";
    EXPECT_TRUE(SameBytes(decoder->out(), kFirstPart + kRestPart));
    ++round;
  }
}

// The backend goes away in the middle of the body: the client must not get a well-formed
// end (neither the last chunk nor the encoder's end marker), so it cannot take the cut body for
// the whole one.
TEST_P(CompressionEncodingTest, ABodyCutShortIsNotPassedOffAsComplete) {
  const std::string encoding = GetParam();
  for (const char* path : {"/gated/cut-chunked", "/gated/cut-length"}) {
    SCOPED_TRACE(path);
    Client c = Connect();
    ASSERT_TRUE(c.Send(BuildRequest("GET", path, port(), {{"Accept-Encoding", encoding}})));
    std::optional<HttpResponse> head = ReadHeadOnly(c);
    ASSERT_TRUE(head) << c.error();
    ASSERT_EQ(head->status, 200);
    ASSERT_EQ(head->Header("Content-Encoding"), encoding);
    std::unique_ptr<StreamDecoder> decoder = MakeDecoder(encoding);
    while (decoder->out().size() < kFirstPart.size()) {
      std::optional<std::string> chunk = ReadOneChunk(c, Timeout(8'000));
      ASSERT_TRUE(chunk) << c.error();
      ASSERT_FALSE(chunk->empty());
      ASSERT_TRUE(decoder->Feed(*chunk)) << decoder->error();
    }
    gated_->Release();
    bool last_chunk_seen = false;
    for (;;) {
      std::optional<std::string> chunk = ReadOneChunk(c, Timeout(10'000));
      if (!chunk) break;  // the connection closed (or broke) mid-body: what should happen
      if (chunk->empty()) {
        last_chunk_seen = true;
        break;
      }
      decoder->Feed(*chunk);
    }
    EXPECT_FALSE(last_chunk_seen) << "a cut body was ended with the last chunk";
    EXPECT_FALSE(decoder->complete()) << "a cut body was ended with the encoder's end marker";
    EXPECT_TRUE(c.IsClosedByPeer(Timeout(5'000))) << "the client connection must close";
  }
}

TEST_P(CompressionEncodingTest, Http10ClientGetsTheEncodedBodyDelimitedByClose) {
  const std::string encoding = GetParam();
  for (const char* path : {"/c/bytes/5000", "/c/chunked"}) {
    for (const char* connection : {"", "Connection: keep-alive\r\n"}) {
      SCOPED_TRACE(std::string(path) + " " + connection);
      Client c = Connect();
      ASSERT_TRUE(c.Send(std::string("GET ") + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n" +
                         connection + "Accept-Encoding: " + encoding + "\r\n\r\n"));
      auto r = c.ReadResponse();
      ASSERT_TRUE(r) << c.error();
      EXPECT_EQ(r->status, 200);
      // Even when the client asked to keep the connection: only the close can end this body.
      EXPECT_FALSE(HeaderHasToken(r->headers, "Connection", "keep-alive"));
      EXPECT_EQ(r->Header("Content-Encoding"), encoding);
      EXPECT_FALSE(r->chunked) << "HTTP/1.0 clients cannot read chunked bodies";
      EXPECT_FALSE(r->Header("Transfer-Encoding").has_value());
      EXPECT_FALSE(r->Header("Content-Length").has_value());
      EXPECT_TRUE(r->until_close);
      const std::string want =
          std::string(path) == "/c/chunked" ? Origin::ChunkedBody() : PatternBytes(0, 5000);
      std::optional<std::string> decoded = Decode(encoding, r->body);
      if (decoded) {
        EXPECT_TRUE(SameBytes(*decoded, want));
      }
    }
  }
}

TEST_P(CompressionEncodingTest, KeepAliveCarriesSeveralEncodedResponses) {
  const std::string encoding = GetParam();
  Client c = Connect();
  for (size_t size : {size_t{4000}, size_t{300'000}, size_t{600}}) {
    SCOPED_TRACE(size);
    auto r = c.Get("/c/bytes/" + std::to_string(size), {{"Accept-Encoding", encoding}});
    ASSERT_TRUE(r) << c.error();
    ExpectCompressed(*r, encoding, PatternBytes(0, size));
  }
  auto r = c.Get("/c/chunked", {{"Accept-Encoding", encoding}});
  ASSERT_TRUE(r) << c.error();
  ExpectCompressed(*r, encoding, Origin::ChunkedBody());
  EXPECT_EQ(origin_.AcceptedConnections(), 1u) << "one backend connection, reused";
}

TEST_P(CompressionEncodingTest, HeadHasTheHeadersOfGetAndNoBody) {
  const std::string encoding = GetParam();
  Client c = Connect();
  auto r = c.Request("HEAD", "/c/bytes/5000", {{"Accept-Encoding", encoding}}, {});
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("Content-Encoding"), encoding);
  EXPECT_EQ(VaryTokenCount(*r, "Accept-Encoding"), 1u);
  EXPECT_FALSE(r->Header("Content-Length").has_value())
      << "the length of the identity body is not the encoded one's";
  EXPECT_TRUE(r->body.empty());
  // Nothing after the head (no encoder trailer, no last chunk): the next response on the
  // connection starts right away and decodes.
  r = c.Get("/c/bytes/5000", {{"Accept-Encoding", encoding}});
  ASSERT_TRUE(r) << c.error() << "\nbuffered: " << c.buffered().size() << " bytes";
  EXPECT_EQ(r->status, 200) << r->raw.substr(0, 200);
  ExpectCompressed(*r, encoding, PatternBytes(0, 5000));
}

INSTANTIATE_TEST_SUITE_P(CompressionEncodings, CompressionEncodingTest,
                         ::testing::Values("gzip", "br", "zstd"),
                         [](const ::testing::TestParamInfo<const char*>& p) {
                           return std::string(p.param);
                         });

// --- negotiation ----------------------------------------------------------------------------

TEST_F(CompressionTest, QValuesChooseTheEncoding) {
  const std::string want = PatternBytes(0, 2000);
  struct Case {
    const char* accept;
    const char* encoding;  // nullptr: identity
  };
  const Case cases[] = {
      {"gzip;q=0.5, br;q=0.9", "br"},
      {"br;q=0, gzip", "gzip"},
      {"br;q=0.2, gzip;q=0.8, zstd;q=0.5", "gzip"},
      {"zstd;q=1.0, br;q=0.999", "zstd"},
      {"GZIP", "gzip"},
      {"x-gzip", "gzip"},
      {"deflate, gzip;q=0.1", "gzip"},
      {"*", "br"},
      {"*;q=0.5, gzip", "gzip"},
      {"*;q=0", nullptr},
      {"identity", nullptr},
      {"br;q=0, gzip;q=0, zstd;q=0", nullptr},
      {"deflate, compress", nullptr},
      {"", nullptr},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string("Accept-Encoding: ") + c.accept);
    auto r = GetWith("/c/bytes/2000", c.accept);
    ASSERT_TRUE(r);
    EXPECT_EQ(VaryTokenCount(*r, "Accept-Encoding"), 1u)
        << "a compressible type: the choice depends on Accept-Encoding";
    if (c.encoding == nullptr) {
      ExpectIdentity(*r, want);
      EXPECT_EQ(r->Header("Content-Length"), "2000") << "an identity body keeps its length";
    } else {
      ExpectCompressed(*r, c.encoding, want);
    }
  }
}

TEST_F(CompressionTest, AbsentAcceptEncodingIsIdentityWithVary) {
  auto r = Get("/c/bytes/2000");
  ASSERT_TRUE(r);
  ExpectIdentity(*r, PatternBytes(0, 2000));
  EXPECT_EQ(r->Header("Content-Length"), "2000");
  EXPECT_EQ(VaryTokenCount(*r, "Accept-Encoding"), 1u);
}

TEST_F(CompressionTest, SeveralAcceptEncodingLinesAreOneList) {
  auto r = Get("/c/bytes/2000", {{"Accept-Encoding", "br;q=0.1"}, {"Accept-Encoding", "zstd"}});
  ASSERT_TRUE(r);
  ExpectCompressed(*r, "zstd", PatternBytes(0, 2000));
}

TEST_F(CompressionTest, TheRoutesOrderBreaksTies) {
  auto r = GetWith("/c/bytes/2000", "gzip, br, zstd");
  ASSERT_TRUE(r);
  ExpectCompressed(*r, "br", PatternBytes(0, 2000));  // default order: br, zstd, gzip
  r = GetWith("/c/bytes/2000", "gzip, zstd");
  ASSERT_TRUE(r);
  ExpectCompressed(*r, "zstd", PatternBytes(0, 2000));
  r = GetWith("/zg/bytes/2000", "gzip, br, zstd");
  ASSERT_TRUE(r);
  ExpectCompressed(*r, "zstd", PatternBytes(0, 2000));  // algorithms: [zstd, gzip]
  r = GetWith("/zg/bytes/2000", "br, gzip");
  ASSERT_TRUE(r);
  ExpectCompressed(*r, "gzip", PatternBytes(0, 2000));
}

TEST_F(CompressionTest, OnlyTheRoutesAlgorithmsAreUsed) {
  auto r = GetWith("/gzip-only/bytes/2000", "br");
  ASSERT_TRUE(r);
  ExpectIdentity(*r, PatternBytes(0, 2000));
  EXPECT_EQ(VaryTokenCount(*r, "Accept-Encoding"), 1u);
  r = GetWith("/gzip-only/bytes/2000", "br, zstd, gzip;q=0.1");
  ASSERT_TRUE(r);
  ExpectCompressed(*r, "gzip", PatternBytes(0, 2000));
}

// --- what is never compressed ---------------------------------------------------------------

TEST_F(CompressionTest, OnlyTheAllowedTypesAreCompressed) {
  auto r = GetWith("/json/bytes/2000", "gzip");
  ASSERT_TRUE(r);
  ExpectCompressed(*r, "gzip", PatternBytes(0, 2000));  // parameters of the type ignored

  r = GetWith("/png/bytes/2000", "gzip, br, zstd");
  ASSERT_TRUE(r);
  ExpectIdentity(*r, PatternBytes(0, 2000));
  EXPECT_EQ(r->Header("Content-Length"), "2000");
  EXPECT_EQ(VaryTokenCount(*r, "Accept-Encoding"), 0u)
      << "an image is never compressed, whatever the client accepts";

  r = GetWith("/custom/bytes/2000", "br");
  ASSERT_TRUE(r);
  ExpectCompressed(*r, "br", PatternBytes(0, 2000));

  // `types` replaces the defaults: text/plain is not in it.
  r = GetWith("/custom-plain/bytes/2000", "br");
  ASSERT_TRUE(r);
  ExpectIdentity(*r, PatternBytes(0, 2000));
}

TEST_F(CompressionTest, BodiesSmallerThanMinSizeAreSentAsTheyAre) {
  auto r = GetWith("/c/bytes/255", "gzip");  // default min_size 256
  ASSERT_TRUE(r);
  ExpectIdentity(*r, PatternBytes(0, 255));
  EXPECT_EQ(r->Header("Content-Length"), "255");
  r = GetWith("/c/bytes/0", "gzip");
  ASSERT_TRUE(r);
  ExpectIdentity(*r, "");

  r = GetWith("/min/bytes/999", "gzip");
  ASSERT_TRUE(r);
  ExpectIdentity(*r, PatternBytes(0, 999));
  EXPECT_EQ(r->Header("Content-Length"), "999");
  r = GetWith("/min/bytes/1000", "gzip");
  ASSERT_TRUE(r);
  ExpectCompressed(*r, "gzip", PatternBytes(0, 1000));
}

TEST_F(CompressionTest, AnEncodedResponseIsNeverEncodedAgain) {
  auto r = GetWith("/pre/bytes/3000", "gzip, br, zstd");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->HeaderCount("Content-Encoding"), 1u);
  EXPECT_EQ(r->Header("Content-Encoding"), "gzip");
  EXPECT_EQ(r->Header("Content-Length"), "3000");
  EXPECT_TRUE(SameBytes(r->body, PatternBytes(0, 3000))) << "the backend's bytes, untouched";
}

TEST_F(CompressionTest, NoTransformIsRespected) {
  auto r = GetWith("/nt/bytes/3000", "gzip, br, zstd");
  ASSERT_TRUE(r);
  ExpectIdentity(*r, PatternBytes(0, 3000));
  EXPECT_EQ(r->Header("Content-Length"), "3000");
  EXPECT_EQ(r->Header("Cache-Control"), "public, no-transform");
}

TEST_F(CompressionTest, BodilessStatusesAreUntouched) {
  Client c = Connect();
  for (const char* status : {"204", "304"}) {
    SCOPED_TRACE(status);
    auto r = c.Get(std::string("/c/status/") + status, {{"Accept-Encoding", "gzip"}});
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->status, std::atoi(status));
    EXPECT_FALSE(r->Header("Content-Encoding").has_value());
    EXPECT_FALSE(HeaderHasToken(r->headers, "Transfer-Encoding", "chunked"));
    EXPECT_TRUE(r->body.empty());
  }
  // The connection is still in step: nothing was written after those heads.
  auto r = c.Get("/c/bytes/1000", {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(r) << c.error();
  ExpectCompressed(*r, "gzip", PatternBytes(0, 1000));
}

TEST_F(CompressionTest, ErrorStatusesWithBodiesAreCompressedToo) {
  auto r = GetWith("/c/status/404", "gzip");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  // "status 404\n" is below min_size: sent as it is.
  EXPECT_FALSE(r->Header("Content-Encoding").has_value());
  EXPECT_EQ(r->body, "status 404\n");
}

// --- header changes -------------------------------------------------------------------------

TEST_F(CompressionTest, AStrongETagBecomesWeak) {
  auto r = GetWith("/etag/bytes/2000", "br");
  ASSERT_TRUE(r);
  ExpectCompressed(*r, "br", PatternBytes(0, 2000));
  EXPECT_EQ(r->Header("ETag"), "W/\"v1-abc\"");
  EXPECT_EQ(r->HeaderCount("ETag"), 1u);

  r = GetWith("/etag/bytes/2000", "");
  ASSERT_TRUE(r);
  ExpectIdentity(*r, PatternBytes(0, 2000));
  EXPECT_EQ(r->Header("ETag"), "\"v1-abc\"") << "an identity response keeps its strong ETag";

  r = GetWith("/weak-etag/bytes/2000", "gzip");
  ASSERT_TRUE(r);
  ExpectCompressed(*r, "gzip", PatternBytes(0, 2000));
  EXPECT_EQ(r->Header("ETag"), "W/\"v2\"") << "a weak ETag stays as it is";
}

TEST_F(CompressionTest, AnExistingVaryIsKeptAndAcceptEncodingAdded) {
  for (const char* accept : {"gzip", ""}) {
    SCOPED_TRACE(std::string("Accept-Encoding: ") + accept);
    auto r = GetWith("/vary/bytes/2000", accept);
    ASSERT_TRUE(r);
    EXPECT_EQ(VaryTokenCount(*r, "Origin"), 1u);
    EXPECT_EQ(VaryTokenCount(*r, "Accept-Encoding"), 1u);
    if (*accept != '\0') {
      ExpectCompressed(*r, accept, PatternBytes(0, 2000));
    } else {
      ExpectIdentity(*r, PatternBytes(0, 2000));
    }
  }
}

TEST_F(CompressionTest, ARouteWithoutCompressionIsUntouched) {
  auto r = GetWith("/plain/bytes/2000", "gzip, br, zstd");
  ASSERT_TRUE(r);
  ExpectIdentity(*r, PatternBytes(0, 2000));
  EXPECT_EQ(r->Header("Content-Length"), "2000");
  EXPECT_EQ(VaryTokenCount(*r, "Accept-Encoding"), 0u);
}

TEST_F(CompressionTest, VaryIsNotRepeatedNorAddedToAStar) {
  auto r = GetWith("/vary-listed/bytes/2000", "gzip");
  ASSERT_TRUE(r);
  ExpectCompressed(*r, "gzip", PatternBytes(0, 2000));  // one Accept-Encoding, any case
  EXPECT_EQ(VaryTokenCount(*r, "Origin"), 1u);

  r = GetWith("/vary-star/bytes/2000", "gzip");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("Content-Encoding"), "gzip");
  EXPECT_EQ(VaryTokenCount(*r, "*"), 1u);
  EXPECT_EQ(VaryTokenCount(*r, "Accept-Encoding"), 0u) << "Vary: * already says everything";
  std::optional<std::string> decoded = Decode("gzip", r->body);
  if (decoded) {
    EXPECT_TRUE(SameBytes(*decoded, PatternBytes(0, 2000)));
  }
}

TEST_F(CompressionTest, ContentEncodingIdentityIsReplacedNotDoubled) {
  auto r = GetWith("/ce-identity/bytes/2000", "zstd");
  ASSERT_TRUE(r);
  ExpectCompressed(*r, "zstd", PatternBytes(0, 2000));
}

TEST_F(CompressionTest, AResponseWithoutContentTypeIsNotCompressed) {
  auto r = GetWith("/no-type/bytes/2000", "gzip");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->Header("Content-Type").has_value());
  ExpectIdentity(*r, PatternBytes(0, 2000));
}

TEST_F(CompressionTest, PartialContentIsNotCompressed) {
  auto r = GetWith("/content-range/bytes/2000", "gzip");
  ASSERT_TRUE(r);
  ExpectIdentity(*r, PatternBytes(0, 2000));
  EXPECT_EQ(r->Header("Content-Length"), "2000");
  // A 206 (here with min_size 0, so that its small body would otherwise qualify).
  r = GetWith("/min0/status/206", "gzip");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 206);
  EXPECT_FALSE(r->Header("Content-Encoding").has_value());
  EXPECT_EQ(r->body, "status 206\n");
  r = GetWith("/min0/bytes/10", "gzip");
  ASSERT_TRUE(r);
  ExpectCompressed(*r, "gzip", PatternBytes(0, 10));
}

TEST_F(CompressionTest, MalformedQValuesAreIgnored) {
  auto r = GetWith("/c/bytes/2000", "gzip;q=2, br;q=abc, zstd;q=0.3");
  ASSERT_TRUE(r);
  ExpectCompressed(*r, "zstd", PatternBytes(0, 2000));
}

// Two requests sent at once: both answers come back encoded, in order, each a whole stream.
TEST_F(CompressionTest, PipelinedRequestsAreEachEncoded) {
  Client c = Connect();
  ASSERT_TRUE(c.Send(BuildRequest("GET", "/c/bytes/3000", port(), {{"Accept-Encoding", "br"}}) +
                     BuildRequest("GET", "/c/chunked", port(), {{"Accept-Encoding", "gzip"}}) +
                     BuildRequest("GET", "/c/bytes/4000", port(), {{"Accept-Encoding", "zstd"}})));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r) << c.error();
  ExpectCompressed(*r, "br", PatternBytes(0, 3000));
  r = c.ReadResponse();
  ASSERT_TRUE(r) << c.error();
  ExpectCompressed(*r, "gzip", Origin::ChunkedBody());
  r = c.ReadResponse();
  ASSERT_TRUE(r) << c.error();
  ExpectCompressed(*r, "zstd", PatternBytes(0, 4000));
}

// An incompressible 6 MiB body (echoed by the origin) through each encoder, read by a client
// that waits before reading: the encoded output piles up past rampart's high-water mark, the
// backend is paused, and still every byte arrives in order.
TEST_F(CompressionTest, IncompressibleBodiesSurviveBackPressure) {
  std::string body(6 << 20, '\0');
  uint64_t x = 0x9e3779b97f4a7c15ULL;
  for (char& ch : body) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    ch = static_cast<char>(x >> 56);
  }
  for (const char* encoding : {"gzip", "br", "zstd"}) {
    SCOPED_TRACE(encoding);
    Client c = Connect();
    ASSERT_TRUE(c.Send(BuildRequest(
        "POST", "/c/echo", port(),
        {{"Accept-Encoding", encoding}, {"Content-Type", "application/octet-stream"}}, body)));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let the output pile up
    auto r = c.ReadResponse({}, Timeout(30'000));
    ASSERT_TRUE(r) << c.error();
    ExpectCompressed(*r, encoding, body);
  }
}

TEST_F(CompressionTest, Http2ResponsesAreCompressedToo) {
  if (!CurlSpeaksHttp2()) GTEST_SKIP() << "curl missing or without HTTP/2";
  for (const char* encoding : {"gzip", "br", "zstd"}) {
    SCOPED_TRACE(encoding);
    for (const char* target : {"/c/bytes/300000", "/c/chunked"}) {
      SCOPED_TRACE(target);
      const std::string out = rampart_.dir() + "/h2.body";
      const std::string headers = rampart_.dir() + "/h2.headers";
      // No --compressed: curl hands over the bytes as they came, decoded here.
      const CommandResult r = RunCommand(
          {kCurl, "-s", "--http2-prior-knowledge", "--max-time", "20", "-o", out, "-D", headers,
           "-w", "%{http_code} %{http_version}", "-H", std::string("Accept-Encoding: ") + encoding,
           "http://127.0.0.1:" + std::to_string(port()) + target});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      EXPECT_EQ(r.out, "200 2");
      const std::string head = Lowercase(ReadFile(headers));
      EXPECT_NE(head.find(std::string("content-encoding: ") + encoding), std::string::npos) << head;
      EXPECT_EQ(head.find("content-length"), std::string::npos) << head;
      EXPECT_EQ(head.find("transfer-encoding"), std::string::npos) << head;
      EXPECT_NE(head.find("vary: accept-encoding"), std::string::npos) << head;
      const std::string want =
          std::string(target) == "/c/chunked" ? Origin::ChunkedBody() : PatternBytes(0, 300000);
      std::optional<std::string> decoded = Decode(encoding, ReadFile(out));
      if (decoded) {
        EXPECT_TRUE(SameBytes(*decoded, want));
      }
    }
  }
}

// --- metrics --------------------------------------------------------------------------------

TEST_F(CompressionTest, MetricsCountInputAndOutputBytesPerEncoding) {
  const std::string before = Metrics();
  const double in0 =
      MetricSum(before, "rampart_compression_input_bytes_total", {{"encoding", "gzip"}});
  const double out0 =
      MetricSum(before, "rampart_compression_output_bytes_total", {{"encoding", "gzip"}});
  const double br_in0 =
      MetricSum(before, "rampart_compression_input_bytes_total", {{"encoding", "br"}});

  uint64_t sent_in = 0;
  uint64_t received_out = 0;
  for (size_t size : {size_t{10'000}, size_t{200'000}}) {
    auto r = GetWith("/c/bytes/" + std::to_string(size), "gzip");
    ASSERT_TRUE(r);
    ExpectCompressed(*r, "gzip", PatternBytes(0, size));
    sent_in += size;
    received_out += r->body.size();
  }
  const std::string after = Metrics();
  const double in1 =
      MetricSum(after, "rampart_compression_input_bytes_total", {{"encoding", "gzip"}});
  const double out1 =
      MetricSum(after, "rampart_compression_output_bytes_total", {{"encoding", "gzip"}});
  EXPECT_EQ(in1 - in0, static_cast<double>(sent_in));
  EXPECT_EQ(out1 - out0, static_cast<double>(received_out))
      << "the output counter is what the clients received, trailers included";
  EXPECT_LT(out1 - out0, in1 - in0);
  EXPECT_EQ(MetricSum(after, "rampart_compression_input_bytes_total", {{"encoding", "br"}}),
            br_in0);
  EXPECT_GE(MetricSum(after, "rampart_compression_responses_total", {{"encoding", "gzip"}}) -
                MetricSum(before, "rampart_compression_responses_total", {{"encoding", "gzip"}}),
            2.0);
}

}  // namespace
}  // namespace rampart::test
