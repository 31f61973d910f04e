#pragma once
// The bot challenge's signed tokens, all stateless: any node holding the period's secret can
// check them, and nothing is stored per client.
//   challenge  "<period>.<expiry>.<difficulty>.<random>.<mac>": what the page must solve. The
//              MAC covers the client's IP prefix and user-agent, the expiry, the difficulty and
//              the random part; the proof is a nonce such that SHA-256(token ‖ nonce) has
//              `difficulty` leading zero bits.
//   clearance  "<period>.<expiry>.<mac>": the cookie a solved challenge earns. The MAC covers
//              the IP prefix, a hash of the user-agent and the expiry.
//   wait       "<period>.<issued>.<mac>": the no-JavaScript fallback's ticket, good from
//              `issued + delay` for a few minutes, bound like the others and to the URL the
//              client is sent back to.
// MACs are HMAC-SHA-256 (hex) with the secret of the period named in the token; periods rotate
// and the previous one is still accepted. Comparisons are constant-time.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rampart::bot {

// The secrets of the current rotation period and the one before (null: unknown, e.g. just
// started). Immutable once made; the server swaps in a new one at each rotation.
struct BotKeys {
  uint64_t period = 0;  // the current period's number (unix time / rotation)
  std::string current;
  std::string previous;  // empty: none
  // The secret of `p` when it is the current or the previous period; null otherwise.
  const std::string* Find(uint64_t p) const;
};

// Who a token is bound to: the client's network (an IP prefix such as "192.0.2.0/24") and its
// user-agent as sent.
struct ClientBinding {
  std::string ip_prefix;
  std::string user_agent;
};

enum class TokenStatus : uint8_t {
  kOk,
  kMalformed,   // not a token of this kind
  kUnknownKey,  // its period is neither the current nor the previous one
  kForged,      // the MAC does not match (another client, another secret, an edited field)
  kExpired,
  kTooEarly,    // a wait ticket used before its delay passed
  kWrongProof,  // a challenge answer whose hash lacks the leading zero bits
};
std::string_view TokenStatusName(TokenStatus status);  // "ok", "malformed", "forged", ...

std::string MintChallenge(const BotKeys& keys, const ClientBinding& client, uint64_t expiry,
                          uint32_t difficulty, std::string_view random_hex);
struct ChallengeAnswer {
  TokenStatus status = TokenStatus::kMalformed;
  uint32_t difficulty = 0;
};
// Checks the token's MAC and expiry for `client` at unix time `now`, then the proof `nonce`
// (decimal digits).
ChallengeAnswer CheckChallengeAnswer(const BotKeys& keys, std::string_view token,
                                     std::string_view nonce, const ClientBinding& client,
                                     uint64_t now);

std::string MintClearance(const BotKeys& keys, const ClientBinding& client, uint64_t expiry);
TokenStatus CheckClearance(const BotKeys& keys, std::string_view cookie,
                           const ClientBinding& client, uint64_t now);

// `return_path` is where the client goes once the wait is over (a path and query of this site).
std::string MintWaitTicket(const BotKeys& keys, const ClientBinding& client, uint64_t issued,
                           std::string_view return_path);
// Good from issued + delay to issued + delay + window.
TokenStatus CheckWaitTicket(const BotKeys& keys, std::string_view ticket,
                            const ClientBinding& client, std::string_view return_path, uint64_t now,
                            uint64_t delay, uint64_t window);

// `bytes` random bytes (OpenSSL's generator) as lower-case hex.
std::string RandomHex(size_t bytes);

// Whether SHA-256(`token` ‖ `nonce`) starts with at least `bits` zero bits.
bool ProofHolds(std::string_view token, std::string_view nonce, uint32_t bits);

}  // namespace rampart::bot
