#include "support/auth_helpers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <utility>

namespace rampart::test {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};

// The big-endian bytes of `key`'s parameter `name`, left-padded to `width` (0: minimal).
std::string BnParam(const EVP_PKEY* key, const char* name, int width = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) throw std::runtime_error("no key parameter");
  std::unique_ptr<BIGNUM, BnFree> bn(raw);
  std::string out(width > 0 ? width : BN_num_bytes(bn.get()), '\0');
  auto* data = reinterpret_cast<unsigned char*>(out.data());
  if (width > 0) {
    BN_bn2binpad(bn.get(), data, width);
  } else {
    BN_bn2bin(bn.get(), data);
  }
  return out;
}

// A DER ECDSA signature as JWS wants it: r and s, 32 bytes each (RFC 7518 §3.4).
std::string RawEcdsa(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) throw std::runtime_error("bad ECDSA signature");
  std::string out(64, '\0');
  auto* data = reinterpret_cast<unsigned char*>(out.data());
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), data, 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), data + 32, 32);
  ECDSA_SIG_free(sig);
  return out;
}

void CloseFd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// Reads a request head (through the empty line) from `fd` within a few seconds.
std::string ReadHead(int fd) {
  std::string in;
  const Deadline deadline = DeadlineIn(Timeout(5'000));
  while (in.find("\r\n\r\n") == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, PollMs(deadline)) <= 0) break;
    char buf[4096];
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
  }
  return in;
}

AuthSubRequest ParseHead(const std::string& head) {
  AuthSubRequest out;
  size_t pos = head.find("\r\n");
  const std::string line = head.substr(0, pos);
  const size_t sp1 = line.find(' ');
  const size_t sp2 = line.find(' ', sp1 + 1);
  out.method = line.substr(0, sp1);
  out.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  while (pos != std::string::npos) {
    const size_t start = pos + 2;
    pos = head.find("\r\n", start);
    const std::string field = head.substr(start, pos - start);
    const size_t colon = field.find(':');
    if (field.empty() || colon == std::string::npos) break;
    size_t value = colon + 1;
    while (value < field.size() && field[value] == ' ') ++value;
    out.headers.emplace_back(field.substr(0, colon), field.substr(value));
  }
  return out;
}

void WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

std::string Base64Url(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) |
                       (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                       static_cast<uint8_t>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    if (rest == 2) out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  std::string hex;
  char two[3];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(two, sizeof two, "%02x", digest[i]);
    hex += two;
  }
  return hex;
}

std::string ApiKeyLine(std::string_view name, std::string_view key) {
  return std::string(name) + ":sha256:" + Sha256Hex(key);
}

// --- JwtSigner ------------------------------------------------------------------------------

JwtSigner JwtSigner::Hs256(std::string secret) {
  JwtSigner s;
  s.alg_ = "HS256";
  s.secret_ = std::move(secret);
  return s;
}

JwtSigner JwtSigner::Rs256(std::string kid) {
  JwtSigner s;
  s.alg_ = "RS256";
  s.kid_ = std::move(kid);
  s.key_ = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  if (s.key_ == nullptr) throw std::runtime_error("RSA key generation failed");
  return s;
}

JwtSigner JwtSigner::Es256(std::string kid) {
  JwtSigner s;
  s.alg_ = "ES256";
  s.kid_ = std::move(kid);
  s.key_ = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (s.key_ == nullptr) throw std::runtime_error("EC key generation failed");
  return s;
}

JwtSigner::~JwtSigner() { EVP_PKEY_free(key_); }

JwtSigner::JwtSigner(JwtSigner&& other) noexcept
    : alg_(std::move(other.alg_)),
      kid_(std::move(other.kid_)),
      secret_(std::move(other.secret_)),
      key_(std::exchange(other.key_, nullptr)) {}

JwtSigner& JwtSigner::operator=(JwtSigner&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(key_);
    alg_ = std::move(other.alg_);
    kid_ = std::move(other.kid_);
    secret_ = std::move(other.secret_);
    key_ = std::exchange(other.key_, nullptr);
  }
  return *this;
}

std::string JwtSigner::Sign(std::string_view payload_json) const {
  std::string header = R"({"alg":")" + alg_ + R"(","typ":"JWT")";
  if (!kid_.empty()) header += R"(,"kid":")" + kid_ + "\"";
  header += "}";
  const std::string input = Base64Url(header) + "." + Base64Url(payload_json);
  std::string signature;
  if (alg_ == "HS256") {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &length);
    signature.assign(reinterpret_cast<const char*>(mac), length);
  } else {
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    size_t length = 0;
    const auto* data = reinterpret_cast<const unsigned char*>(input.data());
    if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &length, data, input.size()) != 1) {
      throw std::runtime_error("signing failed");
    }
    signature.resize(length);
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, data,
                       input.size()) != 1) {
      throw std::runtime_error("signing failed");
    }
    signature.resize(length);
    if (alg_ == "ES256") signature = RawEcdsa(signature);
  }
  return input + "." + Base64Url(signature);
}

std::string JwtSigner::PublicJwk() const {
  const std::string common = R"("use":"sig","alg":")" + alg_ + R"(","kid":")" + kid_ + "\"";
  if (alg_ == "RS256") {
    return R"({"kty":"RSA",)" + common + R"(,"n":")" +
           Base64Url(BnParam(key_, OSSL_PKEY_PARAM_RSA_N)) + R"(","e":")" +
           Base64Url(BnParam(key_, OSSL_PKEY_PARAM_RSA_E)) + "\"}";
  }
  if (alg_ == "ES256") {
    return R"({"kty":"EC","crv":"P-256",)" + common + R"(,"x":")" +
           Base64Url(BnParam(key_, OSSL_PKEY_PARAM_EC_PUB_X, 32)) + R"(","y":")" +
           Base64Url(BnParam(key_, OSSL_PKEY_PARAM_EC_PUB_Y, 32)) + "\"}";
  }
  throw std::logic_error("no public JWK for " + alg_);
}

std::string Jwks(const std::vector<const JwtSigner*>& signers) {
  std::string out = R"({"keys":[)";
  for (size_t i = 0; i < signers.size(); ++i) {
    if (i > 0) out += ",";
    out += signers[i]->PublicJwk();
  }
  return out + "]}";
}

std::string UnsignedJwt(std::string_view payload_json) {
  return Base64Url(R"({"alg":"none","typ":"JWT"})") + "." + Base64Url(payload_json) + ".";
}

// --- AuthService ----------------------------------------------------------------------------

AuthService::AuthService() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof addr;
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listen_fd_, 64) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &length) != 0 ||
      pipe2(wake_, O_CLOEXEC) != 0) {
    CloseFd(listen_fd_);
    throw std::runtime_error("auth service: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Loop(); });
}

AuthService::~AuthService() {
  const char stop = 'x';
  (void)!write(wake_[1], &stop, 1);
  thread_.join();
  for (int& fd : held_) CloseFd(fd);
  CloseFd(listen_fd_);
  CloseFd(wake_[0]);
  CloseFd(wake_[1]);
}

std::string AuthService::Url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

void AuthService::SetReply(AuthReply reply) {
  std::lock_guard lock(mu_);
  reply_ = std::move(reply);
}

std::vector<AuthSubRequest> AuthService::Requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

void AuthService::Loop() {
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents != 0) return;
    if (fds[0].revents != 0) {
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) Serve(fd);
    }
  }
}

void AuthService::Serve(int fd) {
  const std::string head = ReadHead(fd);
  AuthReply reply;
  {
    std::lock_guard lock(mu_);
    if (!head.empty()) requests_.push_back(ParseHead(head));
    reply = reply_;
  }
  if (reply.hang) {
    held_.push_back(fd);
    return;
  }
  std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " Auth\r\n";
  for (const auto& [name, value] : reply.headers) out += name + ": " + value + "\r\n";
  out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\nConnection: close\r\n\r\n";
  WriteAll(fd, out + reply.body);
  CloseFd(fd);
}

uint16_t UnusedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof addr;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace rampart::test
