#include "tls/connection.h"

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <unistd.h>

#include "tls/client_context.h"
#include "tls/client_hello_fingerprint.h"
#include "tls/server_context.h"

namespace rampart::tls {
namespace {

std::string SubjectOf(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return {};
  X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string subject(data, len > 0 ? static_cast<size_t>(len) : 0);
  BIO_free(bio);
  return subject;
}

}  // namespace

bufferevent* NewServerConnection(event_base* base, int fd, const ServerContext& context) {
  SSL* ssl = SSL_new(context.native());
  if (ssl == nullptr) {
    ERR_clear_error();
    close(fd);
    return nullptr;
  }
  bufferevent* bev = bufferevent_openssl_socket_new(base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                    BEV_OPT_CLOSE_ON_FREE);
  if (bev == nullptr) {
    SSL_free(ssl);
    close(fd);
    return nullptr;
  }
  // A client that closes without close_notify must not make the last bytes it sent an error.
  bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
  return bev;
}

bufferevent* NewClientConnection(event_base* base, const ClientContext& context,
                                 const std::string& server_name) {
  SSL* ssl = SSL_new(context.native());
  if (ssl == nullptr) {
    ERR_clear_error();
    return nullptr;
  }
  if (!server_name.empty()) {
    // SNI is for host names only (RFC 6066); an address is still checked against the
    // certificate's IP entries below.
    const bool is_ip = server_name.find_first_not_of("0123456789.") == std::string::npos ||
                       server_name.find(':') != std::string::npos;
    if (!is_ip) SSL_set_tlsext_host_name(ssl, server_name.c_str());
    if (context.verifies()) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      const int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, server_name.c_str())
                           : X509_VERIFY_PARAM_set1_host(param, server_name.c_str(), 0);
      if (ok != 1) {
        ERR_clear_error();
        SSL_free(ssl);
        return nullptr;
      }
    }
  }
  bufferevent* bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
                                                    BEV_OPT_CLOSE_ON_FREE);
  if (bev == nullptr) {
    SSL_free(ssl);
    return nullptr;
  }
  bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
  return bev;
}

void SendCloseNotify(bufferevent* bev) {
  SSL* ssl = bufferevent_openssl_get_ssl(bev);
  if (ssl == nullptr || !SSL_is_init_finished(ssl) ||
      (SSL_get_shutdown(ssl) & SSL_SENT_SHUTDOWN) != 0) {
    return;
  }
  // Non-blocking: close_notify goes out if the socket takes it; the peer's is not awaited.
  if (SSL_shutdown(ssl) < 0) {
    // A connection in error: still mark it shut down so its session stays resumable.
    SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  }
  ERR_clear_error();
}

bool IsTls(bufferevent* bev) { return bufferevent_openssl_get_ssl(bev) != nullptr; }

HandshakeFacts DescribeHandshake(bufferevent* bev) {
  HandshakeFacts facts;
  SSL* ssl = bufferevent_openssl_get_ssl(bev);
  if (ssl == nullptr) return facts;
  facts.version = SSL_get_version(ssl);
  if (const char* cipher = SSL_get_cipher_name(ssl)) facts.cipher = cipher;
  if (const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) {
    facts.server_name = name;
  }
  const unsigned char* alpn = nullptr;
  unsigned int alpn_len = 0;
  SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
  if (alpn != nullptr) facts.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_len);
  facts.resumed = SSL_session_reused(ssl) == 1;
  // Verified or the handshake would have failed; SSL_get_verify_result says so again.
  if (X509* peer = SSL_get0_peer_certificate(ssl);
      peer != nullptr && SSL_get_verify_result(ssl) == X509_V_OK) {
    facts.client_subject = SubjectOf(peer);
  }
  if (const ClientHelloFingerprint* fp = RememberedFingerprint(ssl)) {
    facts.ja3 = fp->ja3;
    facts.ja3_hash = fp->ja3_hash;
    facts.ja4 = fp->ja4;
    facts.grease = fp->grease;
  }
  return facts;
}

std::optional<std::string> TakeError(bufferevent* bev) {
  unsigned long err = 0;
  unsigned long last = 0;
  while ((err = bufferevent_get_openssl_error(bev)) != 0) last = err;
  if (last == 0) return std::nullopt;
  // A certificate that did not verify says why ("hostname mismatch", "unable to get local
  // issuer certificate"); libevent may hold only SSL_get_error's code then.
  if (SSL* ssl = bufferevent_openssl_get_ssl(bev)) {
    const long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) {
      return std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
    }
  }
  const char* reason = ERR_reason_error_string(last);
  return reason != nullptr ? std::string(reason) : "TLS error";
}

std::string HandshakeError(bufferevent* bev) {
  return TakeError(bev).value_or("connection closed");
}

}  // namespace rampart::tls
