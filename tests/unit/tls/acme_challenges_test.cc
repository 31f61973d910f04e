// The board the ACME challenges are answered from: set, read, remove; names any case; readers
// on other threads while the ACME thread writes.

#include "tls/acme_challenges.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace rampart::tls {
namespace {

TEST(AcmeChallenges, HttpTokensAreSetReadAndRemoved) {
  AcmeChallenges board;
  EXPECT_EQ(board.HttpResponse("t1"), std::nullopt);
  board.SetHttpToken("t1", "t1.thumb");
  board.SetHttpToken("t2", "t2.thumb");
  EXPECT_EQ(board.HttpResponse("t1"), "t1.thumb");
  EXPECT_EQ(board.HttpResponse("T1"), std::nullopt);  // tokens are case-sensitive
  board.SetHttpToken("t1", "t1.new");
  EXPECT_EQ(board.HttpResponse("t1"), "t1.new");
  board.RemoveHttpToken("t1");
  EXPECT_EQ(board.HttpResponse("t1"), std::nullopt);
  EXPECT_EQ(board.HttpResponse("t2"), "t2.thumb");
  board.RemoveHttpToken("never-set");
}

TEST(AcmeChallenges, AlpnCertificatesAreFoundByNameInAnyCase) {
  AcmeChallenges board;
  auto cert = Certificate::SelfSigned({"a.example.com"});
  ASSERT_TRUE(cert) << cert.error().message;
  board.SetAlpnCertificate("A.Example.com", *cert);
  EXPECT_EQ(board.AlpnCertificate("a.example.com"), *cert);
  EXPECT_EQ(board.AlpnCertificate("A.EXAMPLE.COM"), *cert);
  EXPECT_EQ(board.AlpnCertificate("b.example.com"), nullptr);
  board.RemoveAlpnCertificate("a.EXAMPLE.com");
  EXPECT_EQ(board.AlpnCertificate("a.example.com"), nullptr);
}

TEST(AcmeChallenges, ReadersOnOtherThreadsSeeWholeEntries) {
  AcmeChallenges board;
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::thread reader([&] {
    while (!done) {
      const auto body = board.HttpResponse("tok");
      if (body && *body != "tok.a" && *body != "tok.b") ++torn;
    }
  });
  for (int i = 0; i < 20000; ++i) {
    board.SetHttpToken("tok", i % 2 ? "tok.a" : "tok.b");
    if (i % 3 == 0) board.RemoveHttpToken("tok");
  }
  done = true;
  reader.join();
  EXPECT_EQ(torn, 0);
}

}  // namespace
}  // namespace rampart::tls
