// Authentication benchmark (bench/auth.sh, bench/README.md): what src/auth costs per request,
// in process, no sockets:
//   - VerifyJwt for HS256, RS256 and PS256 (RSA 2048), ES256 (P-256) and EdDSA (Ed25519), one
//     key per set, the policy checking the issuer, the audience and the algorithm;
//   - ApiKeys::Find in a file of 1000 keys, for a known key and an unknown one;
//   - Htpasswd::Verify against a bcrypt (cost 10) and a SHA-512 crypt (5000 rounds) hash.
// Keys and hashes are made at run time (OpenSSL, libxcrypt); the key and htpasswd files go to a
// mktemp -d directory that is removed at the end.
//
//   auth_bench [--budget-ms N]
//
// Each case is timed in the thread's CPU time as bench/bench_timing.h says: the median µs per
// call, and the 10th and 90th percentiles.

#include <crypt.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "auth/api_keys.h"
#include "core/base64.h"
#include "auth/htpasswd.h"
#include "auth/jwt.h"
#include "auth/verified_credentials.h"
#include "bench_timing.h"

const char rampart::bench::kBenchName[] = "auth_bench";

namespace {

namespace fs = std::filesystem;
using namespace rampart::auth;
using rampart::core::Base64UrlEncode;
using rampart::bench::Die;
using rampart::bench::Measure;
using rampart::bench::Row;

// ---------------------------------------------------------------------------------------------
// JWT

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    Die("RAND_bytes failed");
  }
  return out;
}

// The JOSE signature of `input`: HMAC with `secret`, or EVP_DigestSign with `key` (r||s for
// ECDSA, whose OpenSSL signatures are DER).
std::string JoseSign(const std::string& alg, EVP_PKEY* key, const std::string& secret,
                     const std::string& input) {
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  const char* digest = alg == "EdDSA" ? nullptr : "SHA256";
  unsigned char buf[1024];
  size_t len = sizeof(buf);
  if (alg == "HS256") {
    if (!EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, secret.data(), secret.size(), in,
                   input.size(), buf, sizeof(buf), &len)) {
      Die("HMAC failed");
    }
    return std::string(reinterpret_cast<char*>(buf), len);
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = digest ? EVP_get_digestbyname(digest) : nullptr;
  bool ok = EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, key) == 1;
  if (ok && alg == "PS256") {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0;
  }
  if (!ok || EVP_DigestSign(ctx.get(), buf, &len, in, input.size()) != 1) Die(alg + ": sign");
  if (alg != "ES256") return std::string(reinterpret_cast<char*>(buf), len);
  const unsigned char* p = buf;
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)), ECDSA_SIG_free);
  std::string raw(64, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (!sig || BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + 32, 32) != 32) {
    Die("ES256: DER signature");
  }
  return raw;
}

std::string PublicPem(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (PEM_write_bio_PUBKEY(bio.get(), key) != 1) Die("PEM_write_bio_PUBKEY failed");
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

void BenchJwt(double budget_s, std::vector<Row>* rows) {
  const auto now = std::chrono::system_clock::now();
  const long now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  // A typical access token's claims.
  const std::string payload = Base64UrlEncode(
      R"({"iss":"https://issuer.example","sub":"user-1234567","aud":"api","iat":)" +
      std::to_string(now_s) + R"(,"exp":)" + std::to_string(now_s + 3600) +
      R"(,"scope":"read write","jti":")" + Base64UrlEncode(RandomBytes(16)) + "\"}");
  const Pkey rsa(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
  const Pkey p256(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  const Pkey ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!rsa || !p256 || !ed) Die("key generation failed");
  const std::string secret = RandomBytes(32);

  struct Case {
    const char* alg;
    EVP_PKEY* key;
    const char* detail;
  };
  const Case cases[] = {
      {"HS256", nullptr, "HMAC-SHA256, 32-byte secret"},
      {"RS256", rsa.get(), "RSA 2048, PKCS#1 v1.5"},
      {"PS256", rsa.get(), "RSA 2048, PSS"},
      {"ES256", p256.get(), "ECDSA P-256"},
      {"EdDSA", ed.get(), "Ed25519"},
  };
  for (const Case& c : cases) {
    const std::string input =
        Base64UrlEncode(std::string(R"({"alg":")") + c.alg + R"(","typ":"JWT"})") + "." + payload;
    const std::string token = input + "." + Base64UrlEncode(JoseSign(c.alg, c.key, secret, input));
    auto keys = c.key ? JwtKeySet::FromPem(PublicPem(c.key)) : JwtKeySet::FromHmacSecret(secret);
    if (!keys.ok()) Die(keys.error().message);
    JwtPolicy policy;
    policy.algorithms = {c.alg};
    policy.issuer = "https://issuer.example";
    policy.audiences = {"api"};
    const JwtKeySet& set = **keys;
    rows->push_back(Measure(
        "JWT " + std::string(c.alg),
        std::string(c.detail) + ", token " + std::to_string(token.size()) + " B",
        [&] { return VerifyJwt(token, set, policy, now).ok; }, budget_s));
  }
}

// ---------------------------------------------------------------------------------------------
// API keys and htpasswd

void Write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!(out << text) || !out.flush()) Die("cannot write " + path);
}

void BenchApiKeys(const std::string& dir, double budget_s, std::vector<Row>* rows) {
  constexpr size_t kKeys = 1000;
  std::vector<std::string> keys;
  std::string file;
  for (size_t i = 0; i < kKeys; ++i) {
    keys.push_back(Base64UrlEncode(RandomBytes(30)));  // 40 characters, as keys are issued
    file += HashApiKeyLine("client-" + std::to_string(i), keys.back()) + "\n";
  }
  const std::string path = dir + "/api-keys";
  Write(path, file);
  auto loaded = ApiKeys::Load(path);
  if (!loaded.ok()) Die(loaded.error().message);
  const ApiKeys& api_keys = **loaded;
  std::vector<std::string> unknown;
  for (size_t i = 0; i < kKeys; ++i) unknown.push_back(Base64UrlEncode(RandomBytes(30)));
  size_t next = 0;
  const auto round = [&next] { return next++ % kKeys; };
  rows->push_back(Measure(
      "API key, known", "ApiKeys::Find, 1000 keys: SHA-256 + hash lookup",
      [&] { return api_keys.Find(keys[round()]).has_value(); }, budget_s));
  rows->push_back(Measure(
      "API key, unknown", "the same, a key not in the file",
      [&] { return !api_keys.Find(unknown[round()]).has_value(); }, budget_s));
}

// A crypt(3) hash of `password` with a fresh salt for `prefix` and `count` (0: the default).
std::string CryptHash(const char* prefix, unsigned long count, const std::string& password) {
  const char* setting = crypt_gensalt(prefix, count, nullptr, 0);
  const char* hash = setting ? crypt(password.c_str(), setting) : nullptr;
  if (hash == nullptr || hash[0] == '*') Die(std::string("crypt failed for ") + prefix);
  return hash;
}

void BenchHtpasswd(const std::string& dir, double budget_s, std::vector<Row>* rows) {
  const std::string password = "correct horse battery staple";
  const std::string path = dir + "/htpasswd";
  Write(path, "bcrypt:" + CryptHash("$2y$", 10, password) +
                  "\nsha512:" + CryptHash("$6$", 0, password) + "\n");
  auto loaded = Htpasswd::Load(path);
  if (!loaded.ok()) Die(loaded.error().message);
  const Htpasswd& htpasswd = **loaded;
  rows->push_back(Measure(
      "htpasswd bcrypt", "Htpasswd::Verify, $2y$, cost 10",
      [&] { return htpasswd.Verify("bcrypt", password); }, budget_s));
  rows->push_back(Measure(
      "htpasswd SHA-512 crypt", "Htpasswd::Verify, $6$, 5000 rounds",
      [&] { return htpasswd.Verify("sha512", password); }, budget_s));
  // What the auth stage pays for a pair it verified within the last minutes (basic auth sends
  // the same credentials with every request).
  rampart::auth::VerifiedCredentials verified;
  verified.Remember("bcrypt", password, rampart::auth::VerifiedCredentials::Clock::now());
  rows->push_back(Measure(
      "basic, remembered pair", "VerifiedCredentials::Contains (HMAC-SHA256 + lookup)",
      [&] {
        return verified.Contains("bcrypt", password,
                                 rampart::auth::VerifiedCredentials::Clock::now());
      },
      budget_s));
}

}  // namespace

int main(int argc, char** argv) {
  double budget_ms = 1000;
  for (int i = 1; i < argc; ++i) {
    if (!rampart::bench::TakeBudgetMs(argc, argv, i, budget_ms)) {
      Die("usage: auth_bench [--budget-ms N]");
    }
  }
  std::string dir = (fs::temp_directory_path() / "rampart-auth-bench-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) Die("mkdtemp failed");

  std::vector<Row> rows;
  BenchJwt(budget_ms / 1e3, &rows);
  BenchApiKeys(dir, budget_ms / 1e3, &rows);
  BenchHtpasswd(dir, budget_ms / 1e3, &rows);
  fs::remove_all(dir);

  std::printf("%s; thread CPU time, %.0f ms per case after a warm-up of a tenth of that\n",
              OpenSSL_version(OPENSSL_VERSION), budget_ms);
  rampart::bench::PrintRows(rows);
  return 0;
}
