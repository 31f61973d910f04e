#pragma once
// Certificate: one certificate chain and its private key loaded from PEM files, with the DNS
// names it serves and an optional OCSP response to staple. Immutable once loaded; shared by the
// CertificateStore and the SSL_CTX callbacks of every worker thread. OpenSSL stays in the .cc.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

struct x509_st;        // OpenSSL's X509
struct evp_pkey_st;    // OpenSSL's EVP_PKEY
struct stack_st_X509;  // OpenSSL's STACK_OF(X509)

namespace rampart::tls {

// The key algorithm of a certificate; a store holds at most one of each per name so that the
// handshake can pick the one the client supports.
enum class KeyType {
  kEcdsa,  // an EC key (P-256 or P-384): smaller and faster, the default for modern clients
  kRsa,    // an RSA key (2048 bits or more): for clients that offer no ECDSA signature
};

const char* KeyTypeName(KeyType type);

// Where a certificate comes from. `ocsp_path` (optional) is a DER OCSP response for the leaf,
// refreshed by an outside tool (or later by rampart) and stapled when a client asks for status.
struct CertificateFiles {
  std::string cert_path;  // PEM: the leaf first, then its intermediates
  std::string key_path;   // PEM: the private key of the leaf
  std::string ocsp_path;  // DER OCSP response; empty: no stapling
};

// How Certificate::SelfSigned makes a certificate.
struct SelfSignedOptions {
  std::chrono::seconds validity{std::chrono::hours(24 * 7)};
  // Empty, or the 32-byte SHA-256 of an ACME key authorization: the certificate then carries it
  // in the critical id-pe-acmeIdentifier extension and is a TLS-ALPN-01 challenge response
  // (RFC 8737 section 3).
  std::string acme_identifier;
};

class Certificate {
 public:
  // Loads and checks `files`. Errors name the file and the reason: "<path>: cannot read
  // (<strerror>)", "<path>: no certificate (no PEM CERTIFICATE block)", "<path>: no private key",
  // "<key>: key does not match the certificate <cert>", "<key>: unsupported key type <name> (EC
  // or RSA only)", "<ocsp>: not a DER OCSP response". A certificate outside its validity period
  // loads, with warning() set, so a clock problem does not take a listener down.
  static core::Result<std::shared_ptr<const Certificate>> Load(const CertificateFiles& files);
  // The same checks as Load on PEM text held in memory (a certificate just issued by ACME).
  // `origin` stands for both files in errors and is what cert_path() returns.
  static core::Result<std::shared_ptr<const Certificate>> FromPem(std::string_view cert_chain_pem,
                                                                  std::string_view key_pem,
                                                                  std::string origin);
  // A fresh EC P-256 key and a self-signed certificate for the DNS `names` (at least one; the
  // first is also the subject CN), valid from an hour ago for `options.validity`: a placeholder
  // while the first ACME certificate is being obtained, or (with an acme_identifier) a
  // TLS-ALPN-01 response. Errors: no name, an acme_identifier not 32 bytes, OpenSSL failing.
  static core::Result<std::shared_ptr<const Certificate>> SelfSigned(
      const std::vector<std::string>& names, const SelfSignedOptions& options = {});
  ~Certificate();
  Certificate(const Certificate&) = delete;
  Certificate& operator=(const Certificate&) = delete;

  // The subjectAltName DNS names, lower case ("*.example.com" for a wildcard); the subject CN
  // only when the certificate has no DNS name in its subjectAltName.
  const std::vector<std::string>& names() const { return names_; }
  KeyType key_type() const { return key_type_; }
  // Empty, or "<cert>: expired on <date>" / "<cert>: not valid before <date>".
  const std::string& warning() const { return warning_; }
  const std::string& cert_path() const { return files_.cert_path; }
  // The OCSP response bytes (DER); empty when none was configured.
  const std::string& ocsp_response() const { return ocsp_response_; }

  // OpenSSL objects, owned here; valid as long as this Certificate.
  x509_st* leaf() const { return leaf_; }
  evp_pkey_st* key() const { return key_; }
  stack_st_X509* chain() const { return chain_; }

 private:
  Certificate() = default;
  CertificateFiles files_;
  x509_st* leaf_ = nullptr;
  evp_pkey_st* key_ = nullptr;
  stack_st_X509* chain_ = nullptr;
  KeyType key_type_ = KeyType::kEcdsa;
  std::vector<std::string> names_;
  std::string warning_;
  std::string ocsp_response_;
};

}  // namespace rampart::tls
