#pragma once
// ServerContext: the OpenSSL server context (SSL_CTX) of one TLS listener — protocol versions,
// Mozilla's cipher profile, ECDH groups, certificate choice by SNI from a CertificateStore, ALPN,
// session cache and tickets, OCSP stapling. Built on the main thread from immutable inputs; an
// SSL_CTX is thread-safe, so one ServerContext serves the handshakes of every worker thread and
// lives in the configuration snapshot (a reload builds a new one; connections keep the old).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "tls/acme_challenges.h"
#include "tls/certificate_store.h"
#include "tls/ticket_keys.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX
struct ssl_st;      // OpenSSL's SSL

namespace rampart::tls {

// Mozilla's Server Side TLS recommendations (guidelines v5.7).
enum class CipherProfile {
  kIntermediate,  // TLS 1.2 and 1.3, forward-secret AEAD suites only; the default
  kModern,        // TLS 1.3 only
};

struct ServerContextOptions {
  CipherProfile profile = CipherProfile::kIntermediate;
  // ALPN protocols in the server's order of preference; the first one the client also offers
  // wins. A client offering none of them gets no ALPN answer (and speaks HTTP/1.1).
  std::vector<std::string> alpn = {"h2", "http/1.1"};
  // Server-side session cache (session IDs in TLS 1.2); 0 disables it. Per SSL_CTX, so shared
  // by all workers of the listener.
  size_t session_cache_size = 20480;
  // Lifetime of a cached session and of a ticket (Mozilla: one day).
  std::chrono::seconds session_timeout{86400};
  // Session tickets encrypted with `ticket_keys` (required when true). False: no tickets in
  // TLS 1.2, and TLS 1.3 resumes through the session cache.
  bool session_tickets = true;
  // Client certificates (mTLS), verified against the PEM bundle `client_ca_file`: kOptional
  // asks for one and lets a client without one in; kRequired fails the handshake without a
  // valid one. A certificate that does not verify fails the handshake in both modes.
  enum class ClientCerts { kOff, kOptional, kRequired } client_certs = ClientCerts::kOff;
  std::string client_ca_file;
  // TLS-ALPN-01 (RFC 8737): a handshake offering ALPN "acme-tls/1" for a name this board has a
  // validation certificate for gets that certificate and that protocol; null: refused.
  std::shared_ptr<const AcmeChallenges> acme_challenges;
};

class ServerContext {
 public:
  ~ServerContext();
  ServerContext(const ServerContext&) = delete;
  ServerContext& operator=(const ServerContext&) = delete;

  // The SSL_CTX to create connections from (SSL_new, bufferevent_openssl_socket_new). Valid as
  // long as this ServerContext; the callbacks it carries point back here.
  ssl_ctx_st* native() const { return ctx_; }
  const CertificateStore& certificates() const { return *store_; }

 private:
  friend core::Result<std::shared_ptr<ServerContext>> BuildServerContext(
      const ServerContextOptions&, std::shared_ptr<const CertificateStore>,
      std::shared_ptr<const TicketKeys>);
  ServerContext() = default;

  static int OnClientHello(ssl_st* ssl, int* alert, void* arg);
  static int OnServerName(ssl_st* ssl, int* alert, void* arg);
  static int OnAlpn(ssl_st* ssl, const unsigned char** out, unsigned char* out_len,
                    const unsigned char* in, unsigned int in_len, void* arg);
  static int OnStatusRequest(ssl_st* ssl, void* arg);
  static int OnTicketKey(ssl_st* ssl, unsigned char* name, unsigned char* iv,
                         evp_cipher_ctx_st* cipher, evp_mac_ctx_st* mac, int enc);

  ssl_ctx_st* ctx_ = nullptr;
  std::shared_ptr<const CertificateStore> store_;
  std::shared_ptr<const TicketKeys> ticket_keys_;
  std::vector<std::string> alpn_;
  std::shared_ptr<const AcmeChallenges> acme_challenges_;
};

// Builds the context. Errors: an empty store, an ALPN name empty or over 255 bytes, tickets
// without keys, or OpenSSL refusing a setting ("tls: <what>: <OpenSSL's reason>").
core::Result<std::shared_ptr<ServerContext>> BuildServerContext(
    const ServerContextOptions& options, std::shared_ptr<const CertificateStore> store,
    std::shared_ptr<const TicketKeys> ticket_keys);

// The cipher lists of a profile, as OpenSSL names them (for docs and tests).
const char* Tls12CipherList(CipherProfile profile);  // "" for kModern
const char* Tls13CipherSuites(CipherProfile profile);

}  // namespace rampart::tls
