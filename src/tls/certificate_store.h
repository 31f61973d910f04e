#pragma once
// CertificateStore: every certificate of one TLS listener, indexed by the names they serve, for
// the SNI callback. ECDSA and RSA certificates for the same name sit side by side (one of each);
// the handshake then picks the one the client supports. Built on the main thread, then immutable
// and read concurrently by every worker's handshakes; a reload builds a new store.

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "tls/certificate.h"

namespace rampart::tls {

// The certificates to present for one name: at least one of the two is set.
struct CertificateSet {
  std::shared_ptr<const Certificate> ecdsa;
  std::shared_ptr<const Certificate> rsa;
};

class CertificateStore {
 public:
  // Loads `files` (see Certificate::Load for the errors) and indexes it under its names. The
  // first certificate added, or one added with `is_default`, serves clients whose name matches
  // nothing (or who send no SNI). Refuses a second certificate of the same key type for a name
  // it already serves. A warning of the certificate (expired, not yet valid) lands in warnings().
  core::Status Add(const CertificateFiles& files, bool is_default = false);
  // The same for a certificate already loaded (ACME-issued, or a placeholder).
  core::Status AddLoaded(std::shared_ptr<const Certificate> cert, bool is_default = false);

  // The set for `server_name` (an SNI host name, any case, may be empty): an exact name beats a
  // wildcard ("*.example.com" matches "a.example.com", not "example.com" nor "a.b.example.com"),
  // which beats the default. nullptr only when the store is empty.
  const CertificateSet* Select(std::string_view server_name) const;

  // The loaded certificate whose leaf is `leaf`, or nullptr (for the OCSP stapling callback).
  const Certificate* FindByLeaf(const x509_st* leaf) const;

  const std::vector<std::string>& warnings() const { return warnings_; }
  bool empty() const { return certificates_.empty(); }

 private:
  std::map<std::string, CertificateSet, std::less<>> by_name_;  // "www.a.com", "*.a.com"
  std::string default_name_;         // a key of by_name_; empty: nameless_default_ is the default
  CertificateSet nameless_default_;  // the default certificate when it has no name
  std::unordered_map<const x509_st*, const Certificate*> by_leaf_;
  std::vector<std::shared_ptr<const Certificate>> certificates_;
  std::vector<std::string> warnings_;
};

}  // namespace rampart::tls
