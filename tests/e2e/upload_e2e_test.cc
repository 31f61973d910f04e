// Large streamed uploads: 1 GiB with Content-Length and 256 MiB chunked, generated on the fly
// in 64 KiB writes, to the origin's /sink, which counts and checksums without storing. The
// origin must get every byte, in order; rampart's resident memory must stay bounded (bodies are
// streamed with back-pressure, never buffered whole). Part of each upload runs with the origin
// not reading at all, so back-pressure, not a fast backend, is what keeps memory down.

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "support/payload.h"
#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

constexpr size_t kBlock = 64 * 1024;
constexpr long kMaxGrowthKiB = 32 * 1024;  // 32 MiB over the pre-upload VmRSS
constexpr uint64_t kSampleEvery = 8 * 1024 * 1024;

// Under AddressSanitizer freed memory sits in a quarantine (256 MiB by default), so VmRSS says
// nothing about buffering there; the sanitizer build still checks every byte and that the
// client is pushed back while the origin does not read.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCheckRss = false;
#else
constexpr bool kCheckRss = true;
#endif

std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

class UploadTest : public ProxyTest {
 protected:
  void SetUp() override {
    ConfigOptions options;
    options.extra = "limits:\n  max_body_size: 4GiB\ntimeouts:\n  client_body: 60s\n";
    options.pool_lines = {"read_timeout: 60s", "write_timeout: 60s"};
    ASSERT_NO_FATAL_FAILURE(StartRampart(options));
    // Warm up both workers' paths (and pools) before the baseline is taken.
    for (int i = 0; i < 4; ++i) {
      auto r = HttpGet(port(), "/warm-up");
      ASSERT_TRUE(r);
    }
    Client c = Connect();
    auto r = c.Post("/sink", PatternBytes(0, 4 * 1024 * 1024));
    ASSERT_TRUE(r) << c.error();
    baseline_kib_ = rampart_.RssKiB();
    ASSERT_GT(baseline_kib_, 0);
    peak_kib_ = baseline_kib_;
  }

  void Sample() {
    long now = rampart_.RssKiB();
    if (now > peak_kib_) peak_kib_ = now;
  }

  // Streams `total` payload bytes on `c`, chunked or not. Between `pause_at` and the point where
  // the client can no longer send (everything in front of the paused origin is full), the
  // origin does not read. Fails the test (fatally) when the stream cannot be sent.
  void Stream(Client& c, uint64_t total, bool chunked, uint64_t pause_at, StreamChecksum* sum) {
    std::string block(kBlock, '\0');
    std::string framed;
    uint64_t since_sample = 0;
    bool paused = false;
    bool resumed = false;
    for (uint64_t offset = 0; offset < total;) {
      size_t take = static_cast<size_t>(std::min<uint64_t>(kBlock, total - offset));
      FillPattern(offset, block.data(), take);
      std::string_view payload(block.data(), take);
      sum->Update(payload);
      std::string_view wire = payload;
      if (chunked) {
        char size_line[32];
        int n = std::snprintf(size_line, sizeof size_line, "%zx\r\n", take);
        framed.assign(size_line, static_cast<size_t>(n));
        framed.append(payload);
        framed += "\r\n";
        wire = framed;
      }
      if (!paused && !resumed && offset >= pause_at) {
        origin_.SetReadingPaused(true);
        paused = true;
      }
      if (paused) {
        // Send until a write makes no progress for a while: every buffer in front of the
        // origin is full. Whatever rampart holds in memory by then is what it buffers.
        size_t sent = c.SendSome(wire, Timeout(750));
        if (sent < wire.size()) {
          Sample();
          std::printf(
              "origin paused at %llu MiB; the client blocked after %llu KiB more; "
              "rampart VmRSS %ld -> %ld KiB\n",
              static_cast<unsigned long long>(pause_at >> 20),
              static_cast<unsigned long long>((offset + sent - pause_at) >> 10), baseline_kib_,
              peak_kib_);
          if (kCheckRss) {
            EXPECT_LE(peak_kib_ - baseline_kib_, kMaxGrowthKiB)
                << "rampart buffered the body while the backend was not reading (offset " << offset
                << ")";
          }
          origin_.SetReadingPaused(false);
          paused = false;
          resumed = true;
          ASSERT_TRUE(c.Send(wire.substr(sent), Timeout(30'000))) << c.error();
        }
      } else {
        ASSERT_TRUE(c.Send(wire, Timeout(30'000))) << c.error() << " at offset " << offset;
      }
      offset += take;
      since_sample += take;
      if (since_sample >= kSampleEvery) {
        since_sample = 0;
        Sample();
      }
    }
    if (paused) origin_.SetReadingPaused(false);
    EXPECT_TRUE(resumed) << "the client never blocked while the origin was paused: nothing "
                            "pushed back (or the pause came too late)";
    if (chunked) {
      ASSERT_TRUE(c.Send("0\r\n\r\n"));
    }
  }

  void ExpectSinkGot(Client& c, uint64_t total, const StreamChecksum& sum) {
    auto r = c.ReadResponse({}, Timeout(60'000));
    ASSERT_TRUE(r) << c.error();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->Header("X-Sink-Bytes"), std::to_string(total));
    EXPECT_EQ(r->Header("X-Sink-Checksum"), Hex64(sum.Value()));
    auto last = origin_.LastRequest();
    ASSERT_TRUE(last);
    EXPECT_EQ(last->body_bytes, total);
    Sample();
    if (!kCheckRss) return;
    EXPECT_LE(peak_kib_ - baseline_kib_, kMaxGrowthKiB)
        << "VmRSS grew from " << baseline_kib_ << " KiB to " << peak_kib_ << " KiB";
  }

  long baseline_kib_ = 0;
  long peak_kib_ = 0;
};

TEST_F(UploadTest, OneGibWithContentLength) {
  constexpr uint64_t kTotal = 1ULL << 30;
  Client c = Connect();
  ASSERT_TRUE(
      c.Send(BuildRequest("POST", "/sink", port(), {{"Content-Length", std::to_string(kTotal)}})));
  StreamChecksum sum;
  ASSERT_NO_FATAL_FAILURE(Stream(c, kTotal, /*chunked=*/false, /*pause_at=*/256 << 20, &sum));
  ASSERT_NO_FATAL_FAILURE(ExpectSinkGot(c, kTotal, sum));
}

TEST_F(UploadTest, QuarterGibChunked) {
  constexpr uint64_t kTotal = 256ULL << 20;
  Client c = Connect();
  ASSERT_TRUE(c.Send(BuildRequest("POST", "/sink", port(), {{"Transfer-Encoding", "chunked"}})));
  StreamChecksum sum;
  ASSERT_NO_FATAL_FAILURE(Stream(c, kTotal, /*chunked=*/true, /*pause_at=*/64 << 20, &sum));
  ASSERT_NO_FATAL_FAILURE(ExpectSinkGot(c, kTotal, sum));
}

}  // namespace
}  // namespace rampart::test
