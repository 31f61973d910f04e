#include "support/tls_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace rampart::test {
namespace {

std::string LastOpenSslError() {
  unsigned long err = 0;
  unsigned long last = 0;
  while ((err = ERR_get_error()) != 0) last = err;
  if (last == 0) return "connection closed";
  const char* reason = ERR_reason_error_string(last);
  return reason != nullptr ? reason : "TLS error";
}

int ConnectLoopback(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void ParseResponse(TlsResult& result) {
  const size_t end = result.response.find("\r\n\r\n");
  if (end == std::string::npos || result.response.size() < 12) return;
  result.status = std::atoi(result.response.c_str() + 9);
  result.body = result.response.substr(end + 4);
}

}  // namespace

std::optional<std::string> TlsResult::Header(const std::string& name) const {
  const size_t end = response.find("\r\n\r\n");
  if (end == std::string::npos) return std::nullopt;
  const std::string head = Lower(response.substr(0, end + 2));
  const std::string needle = "\r\n" + Lower(name) + ":";
  const size_t at = head.find(needle);
  if (at == std::string::npos) return std::nullopt;
  const size_t start = at + needle.size();
  const size_t stop = head.find("\r\n", start);
  std::string value = response.substr(start, stop - start);
  while (!value.empty() && value.front() == ' ') value.erase(0, 1);
  return value;
}

std::string TlsGetRequest(const std::string& target, const std::string& host,
                          const std::vector<std::string>& extra_headers) {
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n";
  for (const auto& h : extra_headers) request += h + "\r\n";
  request += "Connection: close\r\n\r\n";
  return request;
}

TlsResult TlsConnect(uint16_t port, const TlsClientOptions& options, const std::string& request,
                     Timeout timeout) {
  TlsResult result;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (options.allow_legacy) SSL_CTX_set_security_level(ctx, 0);
  if (options.min_version != 0) SSL_CTX_set_min_proto_version(ctx, options.min_version);
  if (options.max_version != 0) SSL_CTX_set_max_proto_version(ctx, options.max_version);
  if (!options.cipher_list.empty()) SSL_CTX_set_cipher_list(ctx, options.cipher_list.c_str());
  if (options.no_tickets) SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  if (!options.ca_file.empty()) {
    SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  }
  if (!options.cert_file.empty()) {
    SSL_CTX_use_certificate_chain_file(ctx, options.cert_file.c_str());
    SSL_CTX_use_PrivateKey_file(ctx, options.key_file.c_str(), SSL_FILETYPE_PEM);
  }
  if (!options.alpn.empty()) {
    std::string wire;
    for (const auto& p : options.alpn) {
      wire += static_cast<char>(p.size());
      wire += p;
    }
    SSL_CTX_set_alpn_protos(ctx, reinterpret_cast<const unsigned char*>(wire.data()),
                            static_cast<unsigned>(wire.size()));
  }
  // Counts the tickets (new sessions) the server sends; the client keeps none itself.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx, [](SSL* s, SSL_SESSION*) {
    ++static_cast<TlsResult*>(SSL_get_app_data(s))->tickets;
    return 0;  // not kept: SSL_get1_session below takes the current one
  });
  const int fd = ConnectLoopback(port);
  if (fd < 0) {
    result.error = std::string("connect: ") + std::strerror(errno);
    SSL_CTX_free(ctx);
    return result;
  }
  const timeval tv{static_cast<time_t>(timeout.count() / 1000),
                   static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  SSL_set_app_data(ssl, &result);
  if (!options.sni.empty()) SSL_set_tlsext_host_name(ssl, options.sni.c_str());
  if (options.session) SSL_set_session(ssl, options.session.get());
  ERR_clear_error();
  if (SSL_connect(ssl) == 1) {
    result.handshake_ok = true;
    result.version = SSL_get_version(ssl);
    result.cipher = SSL_get_cipher_name(ssl);
    const unsigned char* alpn = nullptr;
    unsigned alpn_len = 0;
    SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
    if (alpn != nullptr) result.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_len);
    if (X509* peer = SSL_get0_peer_certificate(ssl)) {
      char cn[256] = {};
      X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
      result.peer_cn = cn;
      char issuer[256] = {};
      X509_NAME_get_text_by_NID(X509_get_issuer_name(peer), NID_commonName, issuer, sizeof issuer);
      result.peer_issuer_cn = issuer;
      if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(peer), nullptr)) {
        if (char* hex = BN_bn2hex(bn)) {
          result.peer_serial = hex;
          OPENSSL_free(hex);
        }
        BN_free(bn);
      }
      const EVP_PKEY* key = X509_get0_pubkey(peer);
      result.peer_key_type = EVP_PKEY_get_base_id(key) == EVP_PKEY_EC ? "EC" : "RSA";
    }
    result.resumed = SSL_session_reused(ssl) == 1;
    if (!request.empty()) {
      SSL_write(ssl, request.data(), static_cast<int>(request.size()));
      char buf[16384];
      for (;;) {
        const int n = SSL_read(ssl, buf, sizeof buf);
        if (n <= 0) break;
        result.response.append(buf, static_cast<size_t>(n));
      }
      ParseResponse(result);
    } else {
      // TLS 1.3 tickets arrive after the handshake: take them (without waiting for data that
      // will not come) so that the session is resumable.
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
      pollfd p{fd, POLLIN, 0};
      while (poll(&p, 1, 200) > 0) {
        char byte;
        const int n = SSL_peek(ssl, &byte, 1);
        if (n > 0 || SSL_get_error(ssl, n) != SSL_ERROR_WANT_READ) break;
      }
    }
    SSL_shutdown(ssl);
    if (SSL_SESSION* s = SSL_get1_session(ssl)) result.session = TlsSession(s, SessionFree());
  } else {
    result.error = LastOpenSslError();
  }
  SSL_free(ssl);
  close(fd);
  SSL_CTX_free(ctx);
  return result;
}

}  // namespace rampart::test
