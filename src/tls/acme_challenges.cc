#include "tls/acme_challenges.h"

#include <mutex>
#include <utility>

#include "core/strings.h"

namespace rampart::tls {

void AcmeChallenges::SetHttpToken(std::string token, std::string key_authorization) {
  std::unique_lock lock(mu_);
  http_tokens_[std::move(token)] = std::move(key_authorization);
}

void AcmeChallenges::RemoveHttpToken(const std::string& token) {
  std::unique_lock lock(mu_);
  http_tokens_.erase(token);
}

std::optional<std::string> AcmeChallenges::HttpResponse(std::string_view token) const {
  std::shared_lock lock(mu_);
  const auto it = http_tokens_.find(token);
  if (it == http_tokens_.end()) return std::nullopt;
  return it->second;
}

void AcmeChallenges::SetAlpnCertificate(std::string name, std::shared_ptr<const Certificate> cert) {
  std::string key = core::ToLower(name);
  std::unique_lock lock(mu_);
  alpn_certs_[std::move(key)] = std::move(cert);
}

void AcmeChallenges::RemoveAlpnCertificate(const std::string& name) {
  const std::string key = core::ToLower(name);
  std::unique_lock lock(mu_);
  alpn_certs_.erase(key);
}

std::shared_ptr<const Certificate> AcmeChallenges::AlpnCertificate(std::string_view name) const {
  const std::string key = core::ToLower(name);
  std::shared_lock lock(mu_);
  const auto it = alpn_certs_.find(key);
  return it == alpn_certs_.end() ? nullptr : it->second;
}

}  // namespace rampart::tls
