#pragma once
// VerifiedCredentials: a small, bounded memory of user/password pairs that passed an htpasswd
// check recently, so that a browser sending the same Basic credentials with every request pays
// for bcrypt or SHA-512 crypt once per `ttl`, not on every request (nginx pays every time).
// Entries are keyed by an HMAC-SHA-256 (a random key per process) of user and password: the
// passwords are not kept, and a match means the exact pair was verified. Thread-safe.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace rampart::auth {

class VerifiedCredentials {
 public:
  using Clock = std::chrono::steady_clock;

  explicit VerifiedCredentials(std::chrono::seconds ttl = std::chrono::minutes(5),
                               size_t max_entries = 10'000);

  // True when this pair was Remember()ed less than `ttl` ago.
  bool Contains(std::string_view user, std::string_view password, Clock::time_point now) const;
  // Records a pair that passed. When full, expired entries go first, then everything (a
  // cleared memory only costs re-verification).
  void Remember(std::string_view user, std::string_view password, Clock::time_point now);

  size_t size() const;

 private:
  std::string Digest(std::string_view user, std::string_view password) const;

  std::string key_;  // random HMAC key
  std::chrono::seconds ttl_;
  size_t max_entries_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Clock::time_point> verified_;  // digest -> when verified
};

}  // namespace rampart::auth
