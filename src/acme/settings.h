#pragma once
// AcmeSettings: how rampart talks to an ACME certificate authority (RFC 8555) and when it
// renews. Plain values, filled by the config layer; read by CertificateManager only.

#include <chrono>
#include <string>
#include <vector>

namespace rampart::acme {

// The challenge types rampart can answer itself (neither can validate a wildcard name).
enum class ChallengeType {
  kHttp01,     // RFC 8555 8.3: GET http://<name>:80/.well-known/acme-challenge/<token>
  kTlsAlpn01,  // RFC 8737: a TLS handshake on <name>:443 offering ALPN "acme-tls/1"
};

// "http-01" / "tls-alpn-01": the name ACME uses in a challenge's "type".
const char* ChallengeTypeName(ChallengeType type);

struct AcmeSettings {
  // The CA's directory, e.g. https://acme-v02.api.letsencrypt.org/directory. HTTPS only.
  std::string directory_url;
  // Optional contact for the account ("ops@example.com"; sent as a mailto: URI).
  std::string email;
  // The account key and the certificates. Created 0700; keys are written 0600.
  std::string storage_dir;
  // Optional CA bundle (PEM) to trust for the ACME server's own HTTPS instead of the system's
  // (a private CA, or pebble's test certificate).
  std::string ca_file;
  // The challenge types to use, in order of preference; an authorization uses the first one
  // the CA offers for it.
  std::vector<ChallengeType> challenges = {ChallengeType::kHttp01, ChallengeType::kTlsAlpn01};
  // Renew when less than this is left before the certificate expires. Zero: when a third of
  // its lifetime is left (30 days of a 90-day certificate, 2 days of a 6-day one), which suits
  // any lifetime the CA chooses.
  std::chrono::seconds renew_before{0};
  // How often a certificate that is not yet due is looked at again (a renewal is also
  // scheduled for the moment it becomes due, so this mainly catches files changed on disk).
  std::chrono::seconds check_interval{std::chrono::hours(12)};
  // Back-off after a failed attempt: retry_min, doubling with every further failure, at most
  // retry_max.
  std::chrono::seconds retry_min{60};
  std::chrono::seconds retry_max{std::chrono::hours(24)};
};

}  // namespace rampart::acme
