#pragma once
// A blocking TLS test client (OpenSSL): one connection to 127.0.0.1:<port>, a handshake with
// the given SNI / versions / ALPN / client certificate / session to resume, then optionally one
// HTTP/1.1 request read until the server closes. Reports what the handshake settled, for the
// TLS e2e tests.

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/common.h"

namespace rampart::test {

struct SessionFree {
  void operator()(SSL_SESSION* s) const { SSL_SESSION_free(s); }
};
using TlsSession = std::shared_ptr<SSL_SESSION>;

struct TlsClientOptions {
  std::string sni;      // empty: no SNI
  int min_version = 0;  // TLS1_VERSION...; 0: OpenSSL's default
  int max_version = 0;
  bool allow_legacy = false;  // security level 0, so TLS 1.0/1.1 and old suites are offered
  std::string cipher_list;    // TLS 1.2 suites; empty: default
  std::vector<std::string> alpn;
  std::string ca_file;    // verify the server against it; empty: no verification
  std::string cert_file;  // client certificate (mTLS)
  std::string key_file;
  TlsSession session;       // offer this session for resumption
  bool no_tickets = false;  // resume by session id only
};

struct TlsResult {
  bool handshake_ok = false;
  std::string error;  // why the handshake failed (OpenSSL's reason)
  std::string version;
  std::string cipher;
  std::string alpn;
  std::string peer_cn;  // the server certificate's subject CN
  std::string peer_issuer_cn;
  std::string peer_serial;    // hex
  std::string peer_key_type;  // "EC" or "RSA"
  bool resumed = false;
  int tickets = 0;     // session tickets the server sent (TLS 1.3: after the handshake)
  TlsSession session;  // to resume with later
  // The response to `request` (empty when none was sent or nothing came back).
  std::string response;
  int status = 0;
  std::optional<std::string> Header(const std::string& name) const;  // case-insensitive
  std::string body;
};

// Connects, handshakes and, when `request` is not empty, sends it and reads until close.
TlsResult TlsConnect(uint16_t port, const TlsClientOptions& options,
                     const std::string& request = {}, Timeout timeout = kDefaultTimeout);

// A GET of `target` with Host `host` and Connection: close.
std::string TlsGetRequest(const std::string& target, const std::string& host,
                          const std::vector<std::string>& extra_headers = {});

}  // namespace rampart::test
