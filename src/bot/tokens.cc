#include "bot/tokens.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include "core/strings.h"

namespace rampart::bot {
namespace {

constexpr size_t kMacBytes = 32;
constexpr size_t kMaxNonceDigits = 20;

std::string Hex(const unsigned char* data, size_t length) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (size_t i = 0; i < length; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xf];
  }
  return out;
}

// Lower-case hex of exactly kMacBytes bytes; false otherwise.
bool DecodeMac(std::string_view hex, unsigned char* out) {
  if (hex.size() != kMacBytes * 2) return false;
  for (size_t i = 0; i < kMacBytes; ++i) {
    const int hi = core::HexDigitValue(hex[2 * i]);
    const int lo = core::HexDigitValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return true;
}

// HMAC-SHA-256 of the parts, each prefixed by its length so that no two lists of parts give
// the same message.
void Mac(const std::string& secret, std::initializer_list<std::string_view> parts,
         unsigned char* out) {
  std::string message;
  for (std::string_view part : parts) {
    message += std::to_string(part.size());
    message += ':';
    message.append(part);
  }
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), out, &length);
}

std::string MacHex(const std::string& secret, std::initializer_list<std::string_view> parts) {
  unsigned char mac[kMacBytes];
  Mac(secret, parts, mac);
  return Hex(mac, kMacBytes);
}

bool MacMatches(const std::string& secret, std::initializer_list<std::string_view> parts,
                std::string_view presented_hex) {
  unsigned char presented[kMacBytes];
  if (!DecodeMac(presented_hex, presented)) return false;
  unsigned char expected[kMacBytes];
  Mac(secret, parts, expected);
  return CRYPTO_memcmp(presented, expected, kMacBytes) == 0;
}

std::vector<std::string_view> Split(std::string_view token) {
  std::vector<std::string_view> out;
  while (true) {
    const size_t dot = token.find('.');
    out.push_back(token.substr(0, dot));
    if (dot == std::string_view::npos) break;
    token.remove_prefix(dot + 1);
  }
  return out;
}

std::optional<uint64_t> Number(std::string_view text) {
  uint64_t value = 0;
  if (text.empty() || text.size() > 20) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string UserAgentHash(std::string_view user_agent) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(user_agent.data(), user_agent.size(), digest, &length, EVP_sha256(), nullptr);
  return Hex(digest, 16);
}

}  // namespace

const std::string* BotKeys::Find(uint64_t p) const {
  if (p == period && !current.empty()) return &current;
  if (p + 1 == period && !previous.empty()) return &previous;
  return nullptr;
}

std::string_view TokenStatusName(TokenStatus status) {
  static constexpr std::string_view kNames[] = {"ok",      "malformed", "unknown_key", "forged",
                                                "expired", "too_early", "wrong_proof"};
  return kNames[static_cast<size_t>(status)];
}

std::string MintChallenge(const BotKeys& keys, const ClientBinding& client, uint64_t expiry,
                          uint32_t difficulty, std::string_view random_hex) {
  const std::string period = std::to_string(keys.period);
  const std::string exp = std::to_string(expiry);
  const std::string bits = std::to_string(difficulty);
  return period + "." + exp + "." + bits + "." + std::string(random_hex) + "." +
         MacHex(keys.current,
                {"challenge", period, exp, bits, random_hex, client.ip_prefix, client.user_agent});
}

ChallengeAnswer CheckChallengeAnswer(const BotKeys& keys, std::string_view token,
                                     std::string_view nonce, const ClientBinding& client,
                                     uint64_t now) {
  ChallengeAnswer answer;
  const std::vector<std::string_view> f = Split(token);
  if (f.size() != 5) return answer;
  const auto period = Number(f[0]);
  const auto expiry = Number(f[1]);
  const auto bits = Number(f[2]);
  if (!period || !expiry || !bits || *bits > 64 || f[3].empty() || f[3].size() > 64) {
    return answer;
  }
  const std::string* secret = keys.Find(*period);
  if (secret == nullptr) {
    answer.status = TokenStatus::kUnknownKey;
    return answer;
  }
  if (!MacMatches(*secret,
                  {"challenge", f[0], f[1], f[2], f[3], client.ip_prefix, client.user_agent},
                  f[4])) {
    answer.status = TokenStatus::kForged;
    return answer;
  }
  answer.difficulty = static_cast<uint32_t>(*bits);
  if (now > *expiry) {
    answer.status = TokenStatus::kExpired;
    return answer;
  }
  const bool digits = !nonce.empty() && nonce.size() <= kMaxNonceDigits &&
                      nonce.find_first_not_of("0123456789") == std::string_view::npos;
  answer.status = digits && ProofHolds(token, nonce, answer.difficulty) ? TokenStatus::kOk
                                                                        : TokenStatus::kWrongProof;
  return answer;
}

std::string MintClearance(const BotKeys& keys, const ClientBinding& client, uint64_t expiry) {
  const std::string period = std::to_string(keys.period);
  const std::string exp = std::to_string(expiry);
  return period + "." + exp + "." +
         MacHex(keys.current,
                {"clearance", period, exp, client.ip_prefix, UserAgentHash(client.user_agent)});
}

TokenStatus CheckClearance(const BotKeys& keys, std::string_view cookie,
                           const ClientBinding& client, uint64_t now) {
  const std::vector<std::string_view> f = Split(cookie);
  if (f.size() != 3) return TokenStatus::kMalformed;
  const auto period = Number(f[0]);
  const auto expiry = Number(f[1]);
  if (!period || !expiry) return TokenStatus::kMalformed;
  const std::string* secret = keys.Find(*period);
  if (secret == nullptr) return TokenStatus::kUnknownKey;
  if (!MacMatches(*secret,
                  {"clearance", f[0], f[1], client.ip_prefix, UserAgentHash(client.user_agent)},
                  f[2])) {
    return TokenStatus::kForged;
  }
  return now > *expiry ? TokenStatus::kExpired : TokenStatus::kOk;
}

std::string MintWaitTicket(const BotKeys& keys, const ClientBinding& client, uint64_t issued,
                           std::string_view return_path) {
  const std::string period = std::to_string(keys.period);
  const std::string at = std::to_string(issued);
  return period + "." + at + "." +
         MacHex(keys.current,
                {"wait", period, at, client.ip_prefix, client.user_agent, return_path});
}

TokenStatus CheckWaitTicket(const BotKeys& keys, std::string_view ticket,
                            const ClientBinding& client, std::string_view return_path, uint64_t now,
                            uint64_t delay, uint64_t window) {
  const std::vector<std::string_view> f = Split(ticket);
  if (f.size() != 3) return TokenStatus::kMalformed;
  const auto period = Number(f[0]);
  const auto issued = Number(f[1]);
  if (!period || !issued) return TokenStatus::kMalformed;
  const std::string* secret = keys.Find(*period);
  if (secret == nullptr) return TokenStatus::kUnknownKey;
  if (!MacMatches(*secret, {"wait", f[0], f[1], client.ip_prefix, client.user_agent, return_path},
                  f[2])) {
    return TokenStatus::kForged;
  }
  if (now < *issued + delay) return TokenStatus::kTooEarly;
  return now > *issued + delay + window ? TokenStatus::kExpired : TokenStatus::kOk;
}

std::string RandomHex(size_t bytes) {
  std::vector<unsigned char> random(bytes);
  if (RAND_bytes(random.data(), static_cast<int>(bytes)) != 1) {
    // Not fatal for a challenge: the MAC still binds it; it only loses uniqueness.
    std::fill(random.begin(), random.end(), 0);
  }
  return Hex(random.data(), bytes);
}

bool ProofHolds(std::string_view token, std::string_view nonce, uint32_t bits) {
  std::string message(token);
  message.append(nonce);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(message.data(), message.size(), digest, &length, EVP_sha256(), nullptr);
  for (uint32_t i = 0; i < bits; ++i) {
    if (i / 8 >= length) return false;
    if ((digest[i / 8] >> (7 - i % 8)) & 1) return false;
  }
  return true;
}

}  // namespace rampart::bot
