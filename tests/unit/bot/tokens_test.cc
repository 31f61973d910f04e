// The bot challenge's tokens: each kind accepted for the client it was made for, and refused
// when forged, expired, from another network or user-agent, or signed with an unknown key.

#include "bot/tokens.h"

#include <gtest/gtest.h>

#include <string>

namespace rampart::bot {
namespace {

BotKeys Keys(uint64_t period = 100) {
  BotKeys keys;
  keys.period = period;
  keys.current = std::string(32, 'c');
  keys.previous = std::string(32, 'p');
  return keys;
}

const ClientBinding kClient{"192.0.2.0/24", "Mozilla/5.0 (X11; Linux x86_64) Chrome/124.0"};

// A nonce that meets `bits` for `token` (small difficulties only).
std::string Solve(const std::string& token, uint32_t bits) {
  for (uint64_t n = 0;; ++n) {
    if (ProofHolds(token, std::to_string(n), bits)) return std::to_string(n);
  }
}

TEST(BotTokensTest, ChallengeSolvedByItsClient) {
  const BotKeys keys = Keys();
  const std::string token = MintChallenge(keys, kClient, 1000, 8, "0123456789abcdef");
  const std::string nonce = Solve(token, 8);
  const ChallengeAnswer answer = CheckChallengeAnswer(keys, token, nonce, kClient, 999);
  EXPECT_EQ(answer.status, TokenStatus::kOk);
  EXPECT_EQ(answer.difficulty, 8u);
}

TEST(BotTokensTest, ChallengeRefusals) {
  const BotKeys keys = Keys();
  const std::string token = MintChallenge(keys, kClient, 1000, 8, "0123456789abcdef");
  const std::string nonce = Solve(token, 8);
  EXPECT_EQ(CheckChallengeAnswer(keys, token, nonce, kClient, 1001).status, TokenStatus::kExpired);
  // Another network, another browser: the MAC binds both.
  EXPECT_EQ(
      CheckChallengeAnswer(keys, token, nonce, {"198.51.100.0/24", kClient.user_agent}, 999).status,
      TokenStatus::kForged);
  EXPECT_EQ(CheckChallengeAnswer(keys, token, nonce, {kClient.ip_prefix, "curl/8.0"}, 999).status,
            TokenStatus::kForged);
  // A lowered difficulty, a changed expiry: the MAC covers them.
  std::string easier = token;
  easier.replace(easier.find(".8."), 3, ".0.");
  EXPECT_EQ(CheckChallengeAnswer(keys, easier, "0", kClient, 999).status, TokenStatus::kForged);
  std::string later = token;
  later.replace(later.find(".1000."), 6, ".9999.");
  EXPECT_EQ(CheckChallengeAnswer(keys, later, nonce, kClient, 999).status, TokenStatus::kForged);
  // A nonce that does not meet the bits, or is not a number.
  std::string wrong = "0";
  while (ProofHolds(token, wrong, 8)) wrong += "1";
  EXPECT_EQ(CheckChallengeAnswer(keys, token, wrong, kClient, 999).status,
            TokenStatus::kWrongProof);
  EXPECT_EQ(CheckChallengeAnswer(keys, token, "12a", kClient, 999).status,
            TokenStatus::kWrongProof);
  EXPECT_EQ(CheckChallengeAnswer(keys, token, "", kClient, 999).status, TokenStatus::kWrongProof);
  // Garbage and other secrets.
  EXPECT_EQ(CheckChallengeAnswer(keys, "nonsense", nonce, kClient, 999).status,
            TokenStatus::kMalformed);
  BotKeys other = keys;
  other.current = std::string(32, 'x');
  EXPECT_EQ(CheckChallengeAnswer(other, token, nonce, kClient, 999).status, TokenStatus::kForged);
}

TEST(BotTokensTest, KeysRotate) {
  const std::string token = MintClearance(Keys(100), kClient, 5000);
  // One period later the signing key is the previous one: still good.
  BotKeys next = Keys(101);
  next.previous = std::string(32, 'c');
  EXPECT_EQ(CheckClearance(next, token, kClient, 10), TokenStatus::kOk);
  // Two periods later it is gone.
  EXPECT_EQ(CheckClearance(Keys(102), token, kClient, 10), TokenStatus::kUnknownKey);
  // A token from a period not yet begun is unknown too.
  EXPECT_EQ(CheckClearance(Keys(99), token, kClient, 10), TokenStatus::kUnknownKey);
}

TEST(BotTokensTest, ClearanceBindsNetworkAndUserAgent) {
  const BotKeys keys = Keys();
  const std::string cookie = MintClearance(keys, kClient, 5000);
  EXPECT_EQ(CheckClearance(keys, cookie, kClient, 4999), TokenStatus::kOk);
  EXPECT_EQ(CheckClearance(keys, cookie, kClient, 5001), TokenStatus::kExpired);
  EXPECT_EQ(CheckClearance(keys, cookie, {"203.0.113.0/24", kClient.user_agent}, 10),
            TokenStatus::kForged);
  EXPECT_EQ(CheckClearance(keys, cookie, {kClient.ip_prefix, "python-requests/2.31"}, 10),
            TokenStatus::kForged);
  std::string tampered = cookie;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  EXPECT_EQ(CheckClearance(keys, tampered, kClient, 10), TokenStatus::kForged);
  std::string extended = cookie;
  extended.replace(extended.find(".5000."), 6, ".9000.");
  EXPECT_EQ(CheckClearance(keys, extended, kClient, 10), TokenStatus::kForged);
  EXPECT_EQ(CheckClearance(keys, "100.5000.zz", kClient, 10), TokenStatus::kForged);
  EXPECT_EQ(CheckClearance(keys, "", kClient, 10), TokenStatus::kMalformed);
  EXPECT_EQ(CheckClearance(keys, "a.b.c", kClient, 10), TokenStatus::kMalformed);
}

TEST(BotTokensTest, WaitTicketOnlyAfterItsDelay) {
  const BotKeys keys = Keys();
  const std::string ticket = MintWaitTicket(keys, kClient, 1000, "/page?a=1");
  EXPECT_EQ(CheckWaitTicket(keys, ticket, kClient, "/page?a=1", 1005, 10, 300),
            TokenStatus::kTooEarly);
  EXPECT_EQ(CheckWaitTicket(keys, ticket, kClient, "/page?a=1", 1010, 10, 300), TokenStatus::kOk);
  EXPECT_EQ(CheckWaitTicket(keys, ticket, kClient, "/page?a=1", 1311, 10, 300),
            TokenStatus::kExpired);
  // Bound to where it sends the client back, and to the client.
  EXPECT_EQ(CheckWaitTicket(keys, ticket, kClient, "/elsewhere", 1010, 10, 300),
            TokenStatus::kForged);
  EXPECT_EQ(CheckWaitTicket(keys, ticket, {"10.0.0.0/24", kClient.user_agent}, "/page?a=1", 1010,
                            10, 300),
            TokenStatus::kForged);
}

TEST(BotTokensTest, ProofCountsLeadingZeroBits) {
  // SHA-256("abc" + "") starts ba78...: no leading zero bit.
  EXPECT_TRUE(ProofHolds("abc", "", 0));
  EXPECT_FALSE(ProofHolds("abc", "", 1));
  // Find a nonce with 12 zero bits and check the bits are counted exactly.
  const std::string nonce = Solve("token", 12);
  EXPECT_TRUE(ProofHolds("token", nonce, 12));
  EXPECT_TRUE(ProofHolds("token", nonce, 1));
}

TEST(BotTokensTest, RandomHexIsFreshHex) {
  const std::string a = RandomHex(8);
  const std::string b = RandomHex(8);
  EXPECT_EQ(a.size(), 16u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
}

}  // namespace
}  // namespace rampart::bot
