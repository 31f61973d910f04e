#pragma once
// A small test PKI: a CA issuing EC P-256 and RSA 2048 leaf certificates (server or client),
// written as PEM files to a temporary directory. For the tls unit tests and the TLS e2e tests.

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace rampart::test {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

inline PkeyPtr MakeEcKey() { return PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }
inline PkeyPtr MakeRsaKey() {
  return PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
}

// A certificate for `key` with subject CN `cn` and the DNS `sans` (none: no SAN extension),
// signed by `issuer_key` as `issuer` (nullptr: self-signed CA). Valid from now + `from_days`
// to now + `to_days`.
inline X509Ptr MakeCert(EVP_PKEY* key, const std::string& cn, const std::vector<std::string>& sans,
                        X509* issuer, EVP_PKEY* issuer_key, long from_days = -1,
                        long to_days = 30) {
  static long serial = 1;
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), from_days * 86400);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), to_days * 86400);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  auto add = [&](int nid, const std::string& value) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    EXPECT_NE(ext, nullptr) << value;
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  };
  add(NID_basic_constraints, issuer ? "critical,CA:FALSE" : "critical,CA:TRUE");
  if (!sans.empty()) {
    std::string list;
    for (const auto& s : sans) list += (list.empty() ? "DNS:" : ",DNS:") + s;
    add(NID_subject_alt_name, list);
  }
  EXPECT_GT(X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()), 0);
  return cert;
}

// A temporary directory with the test CA; Issue() writes a leaf's PEM files into it.
class TestPki {
 public:
  TestPki() {
    dir_ = std::filesystem::temp_directory_path() /
           ("rampart-tls-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    ca_key_ = MakeEcKey();
    ca_ = MakeCert(ca_key_.get(), "rampart test CA", {}, nullptr, nullptr, -1, 365);
  }
  ~TestPki() { std::filesystem::remove_all(dir_); }

  struct Files {
    std::string cert;
    std::string key;
  };

  // Writes `<stem>.pem` (leaf then CA) and `<stem>.key`.
  Files Issue(const std::string& stem, EVP_PKEY* key, const std::string& cn,
              const std::vector<std::string>& sans, long from_days = -1, long to_days = 30) {
    X509Ptr leaf = MakeCert(key, cn, sans, ca_.get(), ca_key_.get(), from_days, to_days);
    Files files{Path(stem + ".pem"), Path(stem + ".key")};
    FILE* f = std::fopen(files.cert.c_str(), "w");
    PEM_write_X509(f, leaf.get());
    PEM_write_X509(f, ca_.get());
    std::fclose(f);
    WriteKey(files.key, key);
    return files;
  }
  void WriteKey(const std::string& path, EVP_PKEY* key) {
    FILE* f = std::fopen(path.c_str(), "w");
    PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
  }
  std::string Write(const std::string& name, const std::string& bytes) {
    const std::string path = Path(name);
    FILE* f = std::fopen(path.c_str(), "wb");
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
    return path;
  }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  // Writes the CA certificate (what clients and mTLS listeners trust) and returns its path.
  std::string WriteCa(const std::string& name = "ca.pem") {
    const std::string path = Path(name);
    FILE* f = std::fopen(path.c_str(), "w");
    PEM_write_X509(f, ca_.get());
    std::fclose(f);
    return path;
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path dir_;
  PkeyPtr ca_key_;
  X509Ptr ca_;
};

}  // namespace rampart::test
