#pragma once
// Test helpers of the tls module: a small CA issuing EC P-256 and RSA 2048 leaf certificates
// written as PEM files to a temporary directory, and real TLS handshakes between two SSL
// objects over an in-memory BIO pair (no sockets, no threads).

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/test_pki.h"

namespace rampart::tls::test {

// The PKI helpers live in tests/support (the e2e tests use them too).
using rampart::test::MakeCert;
using rampart::test::MakeEcKey;
using rampart::test::MakeRsaKey;
using rampart::test::PkeyPtr;
using rampart::test::TestPki;
using rampart::test::X509Ptr;

// What the client of one handshake saw.
struct HandshakeResult {
  bool ok = false;
  std::string server_error;  // the server's OpenSSL reason when it failed
  std::string version;       // "TLSv1.3"
  std::string cipher;
  std::string alpn;
  std::string peer_cn;   // CN of the certificate the server presented
  std::string key_type;  // "EC" or "RSA"
  bool reused = false;
  std::string ocsp;                // the stapled OCSP response, if any
  SSL_SESSION* session = nullptr;  // owned by the caller (SSL_SESSION_free)
};

struct ClientOptions {
  std::string sni{};
  int min_version = 0;
  int max_version = 0;
  std::string cipher_list{};  // TLS 1.2
  std::string sigalgs{};
  std::vector<std::string> alpn{};
  SSL_SESSION* resume = nullptr;
  bool no_ticket = false;
  bool want_ocsp = false;
  bool weak_security = false;  // security level 0, so TLS 1.0/1.1 can be offered
};

// Runs one handshake between a client built from `opts` and a server SSL from `server_ctx`.
inline HandshakeResult Handshake(SSL_CTX* server_ctx, const ClientOptions& opts) {
  HandshakeResult r;
  SSL_CTX* cctx = SSL_CTX_new(TLS_client_method());
  if (opts.weak_security) {
    SSL_CTX_set_security_level(cctx, 0);
    SSL_CTX_set_cipher_list(cctx, "DEFAULT:@SECLEVEL=0");
  }
  if (opts.min_version) SSL_CTX_set_min_proto_version(cctx, opts.min_version);
  if (opts.max_version) SSL_CTX_set_max_proto_version(cctx, opts.max_version);
  if (!opts.cipher_list.empty()) {
    EXPECT_EQ(SSL_CTX_set_cipher_list(cctx, opts.cipher_list.c_str()), 1);
  }
  if (!opts.sigalgs.empty()) {
    EXPECT_EQ(SSL_CTX_set1_sigalgs_list(cctx, opts.sigalgs.c_str()), 1);
  }
  if (opts.no_ticket) SSL_CTX_set_options(cctx, SSL_OP_NO_TICKET);
  // No client cache: it would mark a session not resumable once a newer ticket replaces it, and
  // the tests resume one session several times.
  SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_OFF);
  SSL* client = SSL_new(cctx);
  SSL* server = SSL_new(server_ctx);
  if (!opts.sni.empty()) SSL_set_tlsext_host_name(client, opts.sni.c_str());
  if (!opts.alpn.empty()) {
    std::string wire;
    for (const auto& p : opts.alpn) wire += static_cast<char>(p.size()) + p;
    SSL_set_alpn_protos(client, reinterpret_cast<const unsigned char*>(wire.data()),
                        static_cast<unsigned int>(wire.size()));
  }
  if (opts.want_ocsp) SSL_set_tlsext_status_type(client, TLSEXT_STATUSTYPE_ocsp);
  if (opts.resume) SSL_set_session(client, opts.resume);
  BIO* client_bio = nullptr;
  BIO* server_bio = nullptr;
  BIO_new_bio_pair(&client_bio, 0, &server_bio, 0);
  SSL_set_bio(client, client_bio, client_bio);
  SSL_set_bio(server, server_bio, server_bio);
  SSL_set_connect_state(client);
  SSL_set_accept_state(server);

  bool client_done = false, server_done = false, failed = false;
  for (int round = 0; round < 50 && !(client_done && server_done) && !failed; ++round) {
    if (!client_done) {
      const int rc = SSL_do_handshake(client);
      if (rc == 1)
        client_done = true;
      else if (SSL_get_error(client, rc) != SSL_ERROR_WANT_READ)
        failed = true;
    }
    if (!server_done) {
      const int rc = SSL_do_handshake(server);
      if (rc == 1) {
        server_done = true;
      } else if (SSL_get_error(server, rc) != SSL_ERROR_WANT_READ) {
        failed = true;
        char buf[256];
        ERR_error_string_n(ERR_peek_last_error(), buf, sizeof(buf));
        r.server_error = buf;
      }
    }
  }
  ERR_clear_error();
  if (client_done && server_done) {
    r.ok = true;
    // TLS 1.3 tickets arrive after the handshake: let the client read them.
    char byte;
    SSL_read(client, &byte, 1);
    ERR_clear_error();
    r.version = SSL_get_version(client);
    r.cipher = SSL_CIPHER_get_name(SSL_get_current_cipher(client));
    const unsigned char* alpn = nullptr;
    unsigned int alpn_len = 0;
    SSL_get0_alpn_selected(client, &alpn, &alpn_len);
    r.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_len);
    X509* peer = SSL_get0_peer_certificate(client);
    char cn[256] = "";
    X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof(cn));
    r.peer_cn = cn;
    r.key_type = EVP_PKEY_get_base_id(X509_get0_pubkey(peer)) == EVP_PKEY_EC ? "EC" : "RSA";
    r.reused = SSL_session_reused(client) == 1;
    const unsigned char* resp = nullptr;
    const long resp_len = SSL_get_tlsext_status_ocsp_resp(client, &resp);
    if (resp_len > 0) r.ocsp.assign(reinterpret_cast<const char*>(resp), resp_len);
    r.session = SSL_get1_session(client);
    // A connection freed without close_notify marks its session bad (not resumable).
    SSL_shutdown(client);
    SSL_shutdown(server);
  }
  SSL_free(client);
  SSL_free(server);
  SSL_CTX_free(cctx);
  return r;
}

}  // namespace rampart::tls::test
