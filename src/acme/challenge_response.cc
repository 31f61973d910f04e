#include "acme/challenge_response.h"

#include "acme/jws.h"

namespace rampart::acme {

std::string KeyAuthorization(const std::string& token, const std::string& thumbprint) {
  return token + "." + thumbprint;
}

core::Result<std::shared_ptr<const tls::Certificate>> TlsAlpnCertificate(
    const std::string& name, const std::string& key_authorization) {
  tls::SelfSignedOptions options;
  options.validity = std::chrono::hours(24);  // it lives for one validation
  options.acme_identifier = Sha256(key_authorization);
  return tls::Certificate::SelfSigned({name}, options);
}

core::Result<std::unique_ptr<PublishedChallenge>> PublishedChallenge::Publish(
    tls::AcmeChallenges& board, ChallengeType type, const std::string& name,
    const std::string& token, const std::string& key_authorization) {
  if (type == ChallengeType::kHttp01) {
    board.SetHttpToken(token, key_authorization);
    return std::unique_ptr<PublishedChallenge>(new PublishedChallenge(board, type, token));
  }
  auto cert = TlsAlpnCertificate(name, key_authorization);
  if (!cert) return cert.error();
  board.SetAlpnCertificate(name, std::move(*cert));
  return std::unique_ptr<PublishedChallenge>(new PublishedChallenge(board, type, name));
}

PublishedChallenge::~PublishedChallenge() {
  if (type_ == ChallengeType::kHttp01) {
    board_.RemoveHttpToken(key_);
  } else {
    board_.RemoveAlpnCertificate(key_);
  }
}

}  // namespace rampart::acme
