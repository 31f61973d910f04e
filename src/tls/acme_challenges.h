#pragma once
// AcmeChallenges: what rampart must answer while an ACME order is being validated — the HTTP-01
// key authorizations by token and the TLS-ALPN-01 certificates by name. One board per process,
// shared (shared_ptr) by the ACME thread, which writes it, and the worker threads, which read it:
// the request path for /.well-known/acme-challenge/<token> only, and the TLS handshake only
// when the client offers ALPN "acme-tls/1". Both reads are rare, so a shared_mutex suffices.

#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "tls/certificate.h"

namespace rampart::tls {

// The ALPN protocol a TLS-ALPN-01 validation offers (RFC 8737 section 6.2), and the path
// prefix of an HTTP-01 validation request (RFC 8555 section 8.3).
inline constexpr std::string_view kAcmeTlsAlpnProtocol = "acme-tls/1";
inline constexpr std::string_view kAcmeHttpChallengePrefix = "/.well-known/acme-challenge/";

class AcmeChallenges {
 public:
  // HTTP-01: a GET of kAcmeHttpChallengePrefix + `token` is answered 200 with the body
  // `key_authorization` (Content-Type text/plain or application/octet-stream).
  void SetHttpToken(std::string token, std::string key_authorization);
  void RemoveHttpToken(const std::string& token);
  // The body to answer for `token`, or nullopt (answer 404).
  std::optional<std::string> HttpResponse(std::string_view token) const;

  // TLS-ALPN-01: a handshake for SNI `name` offering only "acme-tls/1" is answered with `cert`
  // (and ALPN "acme-tls/1"), then closed. Names are compared case-insensitively.
  void SetAlpnCertificate(std::string name, std::shared_ptr<const Certificate> cert);
  void RemoveAlpnCertificate(const std::string& name);
  // The certificate to present for `name` (an SNI host name), or nullptr (fail the handshake).
  std::shared_ptr<const Certificate> AlpnCertificate(std::string_view name) const;

 private:
  mutable std::shared_mutex mu_;
  std::map<std::string, std::string, std::less<>> http_tokens_;  // token -> key authorization
  std::map<std::string, std::shared_ptr<const Certificate>, std::less<>> alpn_certs_;  // lower
};

}  // namespace rampart::tls
