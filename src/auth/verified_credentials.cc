#include "auth/verified_credentials.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace rampart::auth {

VerifiedCredentials::VerifiedCredentials(std::chrono::seconds ttl, size_t max_entries)
    : key_(32, '\0'), ttl_(ttl), max_entries_(max_entries) {
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key_.data()), static_cast<int>(key_.size())) !=
      1) {
    throw std::runtime_error("no random bytes for the credential cache key");
  }
}

std::string VerifiedCredentials::Digest(std::string_view user, std::string_view password) const {
  // The user's length first, so "ab"+"c" and "a"+"bc" differ.
  std::string message = std::to_string(user.size()) + ":";
  message.append(user);
  message.append(password);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), out, &length);
  OPENSSL_cleanse(message.data(), message.size());
  return {reinterpret_cast<const char*>(out), length};
}

bool VerifiedCredentials::Contains(std::string_view user, std::string_view password,
                                   Clock::time_point now) const {
  const std::string digest = Digest(user, password);
  std::lock_guard lock(mutex_);
  auto it = verified_.find(digest);
  return it != verified_.end() && now - it->second < ttl_;
}

void VerifiedCredentials::Remember(std::string_view user, std::string_view password,
                                   Clock::time_point now) {
  std::string digest = Digest(user, password);
  std::lock_guard lock(mutex_);
  if (verified_.size() >= max_entries_) {
    std::erase_if(verified_, [&](const auto& entry) { return now - entry.second >= ttl_; });
    if (verified_.size() >= max_entries_) verified_.clear();
  }
  verified_[std::move(digest)] = now;
}

size_t VerifiedCredentials::size() const {
  std::lock_guard lock(mutex_);
  return verified_.size();
}

}  // namespace rampart::auth
