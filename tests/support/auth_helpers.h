#pragma once
// Helpers of the auth e2e tests: JWTs signed here with OpenSSL (HS256, RS256, ES256) and the
// JWKS documents of their public keys; API-key file lines; and AuthService, a scripted loopback
// auth service for forward auth that records the sub-requests it gets. Written for the tests,
// sharing no code with src/auth, so that the oracle does not share the code under test.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/common.h"

struct evp_pkey_st;

namespace rampart::test {

std::string Base64Url(std::string_view bytes);  // unpadded (RFC 7515 §2)
std::string Base64(std::string_view bytes);     // standard, padded (Basic credentials)
std::string Sha256Hex(std::string_view bytes);
// An API-key file line for key `key` named `name`: "name:sha256:<hex>".
std::string ApiKeyLine(std::string_view name, std::string_view key);

// A JWT signing key: an HMAC secret, or a fresh RSA-2048 or EC P-256 key pair.
class JwtSigner {
 public:
  static JwtSigner Hs256(std::string secret);
  static JwtSigner Rs256(std::string kid);
  static JwtSigner Es256(std::string kid);
  ~JwtSigner();
  JwtSigner(JwtSigner&& other) noexcept;
  JwtSigner& operator=(JwtSigner&& other) noexcept;

  // A compact token over `payload_json`, with {"alg", "typ": "JWT", "kid" when set}.
  std::string Sign(std::string_view payload_json) const;
  // The public key as a JWK (use "sig", alg and kid set). Not for HS256.
  std::string PublicJwk() const;
  const std::string& kid() const { return kid_; }

 private:
  JwtSigner() = default;
  std::string alg_;
  std::string kid_;
  std::string secret_;          // HS256
  evp_pkey_st* key_ = nullptr;  // RS256, ES256 (owned)
};

// {"keys": [...]} of the signers' public keys.
std::string Jwks(const std::vector<const JwtSigner*>& signers);
// A token with {"alg":"none"} and an empty signature.
std::string UnsignedJwt(std::string_view payload_json);

// What AuthService answers.
struct AuthReply {
  int status = 200;
  HeaderList headers;
  std::string body;
  bool hang = false;  // read the request, never answer (the connection is held open)
};

// One sub-request as the auth service received it.
struct AuthSubRequest {
  std::string method;
  std::string target;
  HeaderList headers;
  std::optional<std::string> Header(std::string_view name) const {
    return FindHeader(headers, name);
  }
};

// A loopback HTTP/1.1 auth service on its own thread: one request per connection, answered
// with the current reply and closed. Thread-safe.
class AuthService {
 public:
  AuthService();  // binds 127.0.0.1 on a kernel-chosen port; throws std::runtime_error
  ~AuthService();
  AuthService(const AuthService&) = delete;
  AuthService& operator=(const AuthService&) = delete;

  uint16_t port() const { return port_; }
  std::string Url(std::string_view path = "/verify") const;
  void SetReply(AuthReply reply);
  std::vector<AuthSubRequest> Requests() const;

 private:
  void Loop();
  void Serve(int fd);

  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::thread thread_;
  std::vector<int> held_;  // loop thread: connections of `hang` replies

  mutable std::mutex mu_;
  AuthReply reply_;                       // guarded by mu_
  std::vector<AuthSubRequest> requests_;  // guarded by mu_
};

// A loopback port where nothing listens (bound, then closed), for "connection refused".
uint16_t UnusedPort();

}  // namespace rampart::test
