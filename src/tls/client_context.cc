#include "tls/client_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace rampart::tls {
namespace {

core::Error OpenSslError(const std::string& what) {
  const unsigned long err = ERR_peek_last_error();
  const char* reason = err != 0 ? ERR_reason_error_string(err) : nullptr;
  ERR_clear_error();
  return core::MakeError(what + ": " + (reason != nullptr ? reason : "OpenSSL error"));
}

}  // namespace

ClientContext::~ClientContext() { SSL_CTX_free(ctx_); }

core::Result<std::shared_ptr<const ClientContext>> BuildClientContext(
    const ClientContextOptions& options) {
  std::shared_ptr<ClientContext> context(new ClientContext());
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return OpenSslError("SSL_CTX_new");
  context->ctx_ = ctx;
  context->verify_ = options.verify;
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    return OpenSslError("protocol versions");
  }
  // Backends speak HTTP/1.1; say so, for servers that insist on ALPN.
  static constexpr unsigned char kHttp11[] = "\x08http/1.1";
  SSL_CTX_set_alpn_protos(ctx, kHttp11, sizeof(kHttp11) - 1);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);

  if (options.verify) {
    if (options.ca_file.empty()) {
      if (SSL_CTX_set_default_verify_paths(ctx) != 1) return OpenSslError("system CA bundle");
    } else {
      std::ifstream probe(options.ca_file);
      if (!probe) {
        return core::MakeError(options.ca_file + ": cannot read (" + std::strerror(errno) + ")");
      }
      if (SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr) != 1) {
        ERR_clear_error();
        return core::MakeError(options.ca_file + ": no certificate (no PEM CERTIFICATE block)");
      }
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }

  if (!options.client_certificate.cert_path.empty()) {
    auto cert = Certificate::Load(options.client_certificate);
    if (!cert.ok()) return cert.error();
    context->client_certificate_ = cert.value();
    const Certificate& c = *context->client_certificate_;
    if (SSL_CTX_use_cert_and_key(ctx, c.leaf(), c.key(), c.chain(), 1) != 1) {
      return OpenSslError(c.cert_path());
    }
  }
  return std::shared_ptr<const ClientContext>(std::move(context));
}

}  // namespace rampart::tls
