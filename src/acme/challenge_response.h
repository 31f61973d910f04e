#pragma once
// What rampart publishes to answer one challenge (RFC 8555 section 8.1, RFC 8737 section 3),
// and the guard that takes it down again once the authorization is settled.

#include <memory>
#include <string>

#include "acme/settings.h"
#include "core/result.h"
#include "tls/acme_challenges.h"
#include "tls/certificate.h"

namespace rampart::acme {

// token "." base64url(JWK thumbprint of the account key).
std::string KeyAuthorization(const std::string& token, const std::string& thumbprint);

// The TLS-ALPN-01 certificate for `name`: self-signed, `name` as its only DNS name, and the
// critical acmeIdentifier extension holding SHA-256(key_authorization).
core::Result<std::shared_ptr<const tls::Certificate>> TlsAlpnCertificate(
    const std::string& name, const std::string& key_authorization);

// Puts one challenge's response on the board for as long as it lives. Owned by the ACME thread
// for the duration of one authorization.
class PublishedChallenge {
 public:
  // Publishes the response for `type`: the key authorization under `token` (HTTP-01), or the
  // TLS-ALPN-01 certificate under `name`.
  static core::Result<std::unique_ptr<PublishedChallenge>> Publish(
      tls::AcmeChallenges& board, ChallengeType type, const std::string& name,
      const std::string& token, const std::string& key_authorization);
  ~PublishedChallenge();
  PublishedChallenge(const PublishedChallenge&) = delete;
  PublishedChallenge& operator=(const PublishedChallenge&) = delete;

 private:
  PublishedChallenge(tls::AcmeChallenges& board, ChallengeType type, std::string key)
      : board_(board), type_(type), key_(std::move(key)) {}
  tls::AcmeChallenges& board_;
  ChallengeType type_;
  std::string key_;  // the token (HTTP-01) or the name (TLS-ALPN-01)
};

}  // namespace rampart::acme
