#pragma once
// ClientContext: the OpenSSL client context (SSL_CTX) rampart connects to one TLS backend pool
// with — TLS 1.2+, verification of the backend's certificate against a CA bundle (the system's
// by default), and an optional client certificate for backends that require mTLS. Built on the
// main thread, shared by every worker; lives in the configuration snapshot.

#include <memory>
#include <string>

#include "core/result.h"
#include "tls/certificate.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace rampart::tls {

struct ClientContextOptions {
  // PEM bundle of the CAs the backends' certificates must chain to; empty: the system's.
  std::string ca_file;
  // False turns verification off (a lab backend with a self-signed certificate): the
  // connection is still encrypted but anyone on the path can impersonate the backend.
  bool verify = true;
  // Presented when the backend asks for a client certificate; empty cert_path: none.
  CertificateFiles client_certificate;
};

class ClientContext {
 public:
  ~ClientContext();
  ClientContext(const ClientContext&) = delete;
  ClientContext& operator=(const ClientContext&) = delete;

  ssl_ctx_st* native() const { return ctx_; }
  bool verifies() const { return verify_; }

 private:
  friend core::Result<std::shared_ptr<const ClientContext>> BuildClientContext(
      const ClientContextOptions&);
  ClientContext() = default;

  ssl_ctx_st* ctx_ = nullptr;
  bool verify_ = true;
  std::shared_ptr<const Certificate> client_certificate_;
};

// Errors name the file and the reason ("<ca_file>: no certificate", a client certificate's
// load error).
core::Result<std::shared_ptr<const ClientContext>> BuildClientContext(
    const ClientContextOptions& options);

}  // namespace rampart::tls
