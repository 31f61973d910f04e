#include "tls/server_context.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cctype>
#include <cstring>
#include <string_view>

#include "tls/client_hello_fingerprint.h"

namespace rampart::tls {
namespace {

// Mozilla Server Side TLS guidelines v5.7 (ssl-config.mozilla.org/guidelines/5.7.json).
// Intermediate: forward-secret AEAD suites, client's order (the client knows whether it has AES
// hardware). The DHE suites use the RFC 7919 ffdhe group sized to the key (SSL_CTX_set_dh_auto).
constexpr const char* kIntermediateTls12 =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";
constexpr const char* kTls13Suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* kGroups = "X25519:prime256v1:secp384r1";
// Sessions of this listener only resume here (the cache is keyed by it).
constexpr unsigned char kSessionIdContext[] = "rampart";

// "tls: <what>: <the first OpenSSL error>", clearing the error queue.
core::Error OpenSslError(const std::string& what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  char reason[256] = "unknown error";
  if (code != 0) ERR_error_string_n(code, reason, sizeof(reason));
  return core::MakeError("tls: " + what + ": " + reason);
}

}  // namespace

namespace {

// `want` in a wire-format ALPN list (length-prefixed names): points `out` at it.
bool FindProtocol(const unsigned char* in, unsigned int in_len, std::string_view want,
                  const unsigned char** out, unsigned char* out_len) {
  for (unsigned int i = 0; i < in_len;) {
    const unsigned int len = in[i];
    if (i + 1 + len > in_len) return false;  // malformed: OpenSSL checked it, be safe anyway
    if (std::string_view(reinterpret_cast<const char*>(in + i + 1), len) == want) {
      *out = in + i + 1;
      *out_len = static_cast<unsigned char>(len);
      return true;
    }
    i += 1 + len;
  }
  return false;
}

// Whether the ClientHello being processed offers ALPN `protocol`.
bool OffersAlpn(SSL* ssl, std::string_view protocol) {
  const unsigned char* ext = nullptr;
  size_t len = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &ext,
                                &len) != 1 ||
      len < 2) {
    return false;
  }
  const size_t list_len = (static_cast<size_t>(ext[0]) << 8) | ext[1];
  if (list_len + 2 > len) return false;
  const unsigned char* out = nullptr;
  unsigned char out_len = 0;
  return FindProtocol(ext + 2, static_cast<unsigned int>(list_len), protocol, &out, &out_len);
}

// The host name of the ClientHello's server_name extension (RFC 6066 §3), lower case; empty
// when absent or malformed. SSL_get_servername is not set yet in the ClientHello callback.
std::string ClientHelloServerName(SSL* ssl) {
  const unsigned char* ext = nullptr;
  size_t len = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &ext, &len) != 1 || len < 5) {
    return {};
  }
  const size_t list_len = (static_cast<size_t>(ext[0]) << 8) | ext[1];
  if (list_len + 2 > len || ext[2] != TLSEXT_NAMETYPE_host_name) return {};
  const size_t name_len = (static_cast<size_t>(ext[3]) << 8) | ext[4];
  if (name_len + 5 > len) return {};
  std::string name(reinterpret_cast<const char*>(ext + 5), name_len);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

// The SSL ex_data slot marking a TLS-ALPN-01 validation handshake (the certificate it uses;
// owned by the board, which keeps it until the validation is over).
int AcmeValidationIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

}  // namespace

const char* Tls12CipherList(CipherProfile profile) {
  return profile == CipherProfile::kIntermediate ? kIntermediateTls12 : "";
}

const char* Tls13CipherSuites(CipherProfile) { return kTls13Suites; }

ServerContext::~ServerContext() { SSL_CTX_free(ctx_); }

core::Result<std::shared_ptr<ServerContext>> BuildServerContext(
    const ServerContextOptions& options, std::shared_ptr<const CertificateStore> store,
    std::shared_ptr<const TicketKeys> ticket_keys) {
  if (!store || store->empty()) return core::MakeError("tls: no certificate");
  if (options.session_tickets && !ticket_keys) {
    return core::MakeError("tls: session tickets need ticket keys");
  }
  for (const std::string& proto : options.alpn) {
    if (proto.empty() || proto.size() > 255) {
      return core::MakeError("tls: ALPN protocol name must be 1 to 255 bytes: '" + proto + "'");
    }
  }

  std::shared_ptr<ServerContext> context(new ServerContext());
  context->store_ = std::move(store);
  context->ticket_keys_ = std::move(ticket_keys);
  context->alpn_ = options.alpn;
  context->acme_challenges_ = options.acme_challenges;
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return OpenSslError("SSL_CTX_new");
  context->ctx_ = ctx;

  const bool modern = options.profile == CipherProfile::kModern;
  if (SSL_CTX_set_min_proto_version(ctx, modern ? TLS1_3_VERSION : TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
    return OpenSslError("protocol versions");
  }
  if (!modern && SSL_CTX_set_cipher_list(ctx, kIntermediateTls12) != 1) {
    return OpenSslError("TLS 1.2 cipher list");
  }
  if (SSL_CTX_set_ciphersuites(ctx, kTls13Suites) != 1) return OpenSslError("TLS 1.3 suites");
  if (SSL_CTX_set1_groups_list(ctx, kGroups) != 1) return OpenSslError("ECDH groups");
  if (!modern && SSL_CTX_set_dh_auto(ctx, 1) != 1) return OpenSslError("DH parameters");
  // No client-initiated renegotiation (a CPU DoS); the client's cipher order wins (Mozilla);
  // no tickets when disabled (TLS 1.3 then issues stateful tickets backed by the cache).
  SSL_CTX_clear_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                               (options.session_tickets ? 0 : SSL_OP_NO_TICKET));
  // Idle keep-alive connections give their 34 KB of record buffers back.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);

  // The default certificates sit on the context too; the SNI callback replaces them per
  // connection with the set its name selects.
  const CertificateSet* fallback = context->store_->Select("");
  for (const auto* cert : {fallback->ecdsa.get(), fallback->rsa.get()}) {
    if (cert == nullptr) continue;
    if (SSL_CTX_use_cert_and_key(ctx, cert->leaf(), cert->key(), cert->chain(), 1) != 1) {
      return OpenSslError(cert->cert_path());
    }
  }
  // JA3/JA4 of every ClientHello, for the bot stage, the rate limiter and the logs.
  SSL_CTX_set_client_hello_cb(ctx, &ServerContext::OnClientHello, context.get());
  CaptureClientHelloExtensions(ctx);
  SSL_CTX_set_tlsext_servername_callback(ctx, &ServerContext::OnServerName);
  SSL_CTX_set_tlsext_servername_arg(ctx, context.get());
  if (!context->alpn_.empty() || context->acme_challenges_) {
    SSL_CTX_set_alpn_select_cb(ctx, &ServerContext::OnAlpn, context.get());
  }
  SSL_CTX_set_tlsext_status_cb(ctx, &ServerContext::OnStatusRequest);
  SSL_CTX_set_tlsext_status_arg(ctx, context.get());

  if (options.client_certs != ServerContextOptions::ClientCerts::kOff) {
    const char* ca = options.client_ca_file.c_str();
    if (options.client_ca_file.empty())
      return core::MakeError("tls: client certificates need a CA file");
    // The names sent in CertificateRequest, and the store the certificates verify against.
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca);
    if (names == nullptr || SSL_CTX_load_verify_locations(ctx, ca, nullptr) != 1) {
      if (names != nullptr) sk_X509_NAME_pop_free(names, X509_NAME_free);
      ERR_clear_error();
      return core::MakeError(options.client_ca_file +
                             ": no certificate (no PEM CERTIFICATE block)");
    }
    SSL_CTX_set_client_CA_list(ctx, names);
    const bool required = options.client_certs == ServerContextOptions::ClientCerts::kRequired;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | (required ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
                       nullptr);
  }
  if (SSL_CTX_set_session_id_context(ctx, kSessionIdContext, sizeof(kSessionIdContext) - 1) != 1) {
    return OpenSslError("session id context");
  }
  SSL_CTX_set_session_cache_mode(
      ctx, options.session_cache_size > 0 ? SSL_SESS_CACHE_SERVER : SSL_SESS_CACHE_OFF);
  SSL_CTX_sess_set_cache_size(ctx, static_cast<long>(options.session_cache_size));
  SSL_CTX_set_timeout(ctx, static_cast<long>(options.session_timeout.count()));
  if (options.session_tickets) {
    SSL_CTX_set_app_data(ctx, context.get());
    if (SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, &ServerContext::OnTicketKey) != 1) {
      return OpenSslError("ticket key callback");
    }
  }
  return context;
}

int ServerContext::OnClientHello(SSL* ssl, int* alert, void* arg) {
  const auto* self = static_cast<const ServerContext*>(arg);
  RememberFingerprint(ssl, FingerprintClientHello(ssl));
  // TLS-ALPN-01: the CA's validation offers only "acme-tls/1" and must see the validation
  // certificate for the name it asks (SNI), chosen here before the SNI callback runs.
  if (!OffersAlpn(ssl, kAcmeTlsAlpnProtocol)) return SSL_CLIENT_HELLO_SUCCESS;
  const std::string name = ClientHelloServerName(ssl);
  std::shared_ptr<const Certificate> cert;
  if (self->acme_challenges_) cert = self->acme_challenges_->AlpnCertificate(name);
  if (!cert || SSL_use_cert_and_key(ssl, cert->leaf(), cert->key(), cert->chain(), 1) != 1) {
    ERR_clear_error();
    *alert = SSL_AD_NO_APPLICATION_PROTOCOL;
    return SSL_CLIENT_HELLO_ERROR;
  }
  SSL_set_ex_data(ssl, AcmeValidationIndex(), const_cast<Certificate*>(cert.get()));
  return SSL_CLIENT_HELLO_SUCCESS;
}

int ServerContext::OnServerName(SSL* ssl, int* alert, void* arg) {
  const auto* self = static_cast<const ServerContext*>(arg);
  if (SSL_get_ex_data(ssl, AcmeValidationIndex()) != nullptr) return SSL_TLSEXT_ERR_OK;
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  const CertificateSet* set = self->store_->Select(name != nullptr ? name : "");
  // Clear first: a name with only an RSA certificate must not be answered with the default
  // name's ECDSA one left on the connection.
  SSL_certs_clear(ssl);
  for (const auto* cert : {set->ecdsa.get(), set->rsa.get()}) {
    if (cert == nullptr) continue;
    if (SSL_use_cert_and_key(ssl, cert->leaf(), cert->key(), cert->chain(), 1) != 1) {
      ERR_clear_error();
      *alert = SSL_AD_INTERNAL_ERROR;
      return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
  }
  return SSL_TLSEXT_ERR_OK;
}

int ServerContext::OnAlpn(SSL* ssl, const unsigned char** out, unsigned char* out_len,
                          const unsigned char* in, unsigned int in_len, void* arg) {
  const auto* self = static_cast<const ServerContext*>(arg);
  if (SSL_get_ex_data(ssl, AcmeValidationIndex()) != nullptr) {
    if (!FindProtocol(in, in_len, kAcmeTlsAlpnProtocol, out, out_len)) {
      return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return SSL_TLSEXT_ERR_OK;
  }
  // Our order, not the client's: h2 whenever the client can, even if it lists http/1.1 first.
  for (const std::string& want : self->alpn_) {
    if (FindProtocol(in, in_len, want, out, out_len)) return SSL_TLSEXT_ERR_OK;
  }
  // No common protocol: answer without ALPN (HTTP/1.1) rather than fail the handshake.
  return SSL_TLSEXT_ERR_NOACK;
}

int ServerContext::OnStatusRequest(SSL* ssl, void* arg) {
  const auto* self = static_cast<const ServerContext*>(arg);
  const Certificate* cert = self->store_->FindByLeaf(SSL_get_certificate(ssl));
  if (cert == nullptr || cert->ocsp_response().empty()) return SSL_TLSEXT_ERR_NOACK;
  const std::string& der = cert->ocsp_response();
  // OpenSSL takes ownership of the copy and frees it with the connection.
  auto* copy = static_cast<unsigned char*>(OPENSSL_memdup(der.data(), der.size()));
  if (copy == nullptr) return SSL_TLSEXT_ERR_NOACK;
  SSL_set_tlsext_status_ocsp_resp(ssl, copy, static_cast<long>(der.size()));
  return SSL_TLSEXT_ERR_OK;
}

int ServerContext::OnTicketKey(SSL* ssl, unsigned char* name, unsigned char* iv,
                               EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int enc) {
  const auto* self = static_cast<const ServerContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  const int result = self->ticket_keys_->Crypt(name, iv, cipher, mac, enc);
  // TLS 1.3 clients use a ticket once (RFC 8446 C.4): a resumed connection must get a new one,
  // which OpenSSL sends only when the callback asks for renewal (2), as its built-in keys do.
  if (enc == 0 && result == 1 && SSL_version(ssl) == TLS1_3_VERSION) return 2;
  return result;
}

}  // namespace rampart::tls
