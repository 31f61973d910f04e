#include "tls/certificate.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace rampart::tls {
namespace {

using core::MakeError;

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// Opens `path` for PEM reading; the error says why it cannot be read.
core::Result<BioPtr> OpenPem(const std::string& path) {
  errno = 0;
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    const int err = errno;
    ERR_clear_error();
    return MakeError(path + ": cannot read (" + (err ? std::strerror(err) : "open failed") + ")");
  }
  return bio;
}

std::string AsnTimeText(const ASN1_TIME* t) {
  BioPtr mem(BIO_new(BIO_s_mem()));
  if (!mem || ASN1_TIME_print(mem.get(), t) != 1) return "?";
  char* data = nullptr;
  const long len = BIO_get_mem_data(mem.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

// subjectAltName DNS entries, or the subject CN when there are none (RFC 6125 6.4.4).
std::vector<std::string> NamesOf(X509* leaf) {
  std::vector<std::string> names;
  auto* sans =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(leaf, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
    if (gn->type != GEN_DNS) continue;
    const ASN1_IA5STRING* dns = gn->d.dNSName;
    names.push_back(Lower(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                      static_cast<size_t>(ASN1_STRING_length(dns)))));
  }
  GENERAL_NAMES_free(sans);
  if (!names.empty()) return names;
  const X509_NAME* subject = X509_get_subject_name(leaf);
  const int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (idx >= 0) {
    const ASN1_STRING* cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, idx));
    names.push_back(Lower(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(cn)),
                                      static_cast<size_t>(ASN1_STRING_length(cn)))));
  }
  return names;
}

// Reads the leaf and the intermediates after it from `bio`; `name` is the file in errors.
core::Status ReadLeafAndChain(BIO* bio, const std::string& name, X509** leaf,
                              stack_st_X509** chain) {
  *leaf = PEM_read_bio_X509_AUX(bio, nullptr, nullptr, nullptr);
  if (*leaf == nullptr) {
    ERR_clear_error();
    return MakeError(name + ": no certificate (no PEM CERTIFICATE block)");
  }
  *chain = sk_X509_new_null();
  while (X509* extra = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    sk_X509_push(*chain, extra);
  }
  ERR_clear_error();  // the loop ends on "no start line", which is not an error
  return {};
}

// Reads the private key from `bio` and checks it is EC or RSA and belongs to `leaf`.
core::Status ReadMatchingKey(BIO* bio, const std::string& key_name, const std::string& cert_name,
                             X509* leaf, EVP_PKEY** key, KeyType* key_type) {
  *key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  if (*key == nullptr) {
    ERR_clear_error();
    return MakeError(key_name + ": no private key (no PEM PRIVATE KEY block, or encrypted)");
  }
  switch (EVP_PKEY_get_base_id(*key)) {
    case EVP_PKEY_EC:
      *key_type = KeyType::kEcdsa;
      break;
    case EVP_PKEY_RSA:
      *key_type = KeyType::kRsa;
      break;
    default:
      return MakeError(key_name + ": unsupported key type " +
                       OBJ_nid2sn(EVP_PKEY_get_base_id(*key)) + " (EC or RSA only)");
  }
  if (X509_check_private_key(leaf, *key) != 1) {
    ERR_clear_error();
    return MakeError(key_name + ": key does not match the certificate " + cert_name);
  }
  return {};
}

// Empty, or why `leaf` is not valid now.
std::string ValidityWarning(X509* leaf, const std::string& name) {
  if (X509_cmp_current_time(X509_get0_notAfter(leaf)) <= 0) {
    return name + ": expired on " + AsnTimeText(X509_get0_notAfter(leaf));
  }
  if (X509_cmp_current_time(X509_get0_notBefore(leaf)) >= 0) {
    return name + ": not valid before " + AsnTimeText(X509_get0_notBefore(leaf));
  }
  return "";
}

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

// Adds the critical id-pe-acmeIdentifier extension (RFC 8737 section 3): its value is the DER
// of an OCTET STRING holding `digest`.
core::Status AddAcmeIdentifier(X509* cert, const std::string& digest) {
  ASN1_OCTET_STRING* inner = ASN1_OCTET_STRING_new();
  unsigned char* der = nullptr;
  int der_len = -1;
  if (inner != nullptr &&
      ASN1_OCTET_STRING_set(inner, reinterpret_cast<const unsigned char*>(digest.data()),
                            static_cast<int>(digest.size())) == 1) {
    der_len = i2d_ASN1_OCTET_STRING(inner, &der);
  }
  ASN1_OCTET_STRING_free(inner);
  ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1);
  ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
  X509_EXTENSION* ext = nullptr;
  if (der_len > 0 && oid != nullptr && value != nullptr &&
      ASN1_OCTET_STRING_set(value, der, der_len) == 1) {
    ext = X509_EXTENSION_create_by_OBJ(nullptr, oid, 1, value);
  }
  const bool added = ext != nullptr && X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  ASN1_OCTET_STRING_free(value);
  ASN1_OBJECT_free(oid);
  OPENSSL_free(der);
  if (!added) {
    ERR_clear_error();
    return MakeError("tls: cannot add the acmeIdentifier extension");
  }
  return {};
}

}  // namespace

const char* KeyTypeName(KeyType type) { return type == KeyType::kEcdsa ? "ECDSA" : "RSA"; }

Certificate::~Certificate() {
  X509_free(leaf_);
  EVP_PKEY_free(key_);
  sk_X509_pop_free(chain_, X509_free);
}

core::Result<std::shared_ptr<const Certificate>> Certificate::Load(const CertificateFiles& files) {
  std::shared_ptr<Certificate> cert(new Certificate());
  cert->files_ = files;

  auto cert_bio = OpenPem(files.cert_path);
  if (!cert_bio) return cert_bio.error();
  if (auto read = ReadLeafAndChain(cert_bio->get(), files.cert_path, &cert->leaf_, &cert->chain_);
      !read) {
    return read.error();
  }
  auto key_bio = OpenPem(files.key_path);
  if (!key_bio) return key_bio.error();
  if (auto read = ReadMatchingKey(key_bio->get(), files.key_path, files.cert_path, cert->leaf_,
                                  &cert->key_, &cert->key_type_);
      !read) {
    return read.error();
  }
  cert->names_ = NamesOf(cert->leaf_);
  cert->warning_ = ValidityWarning(cert->leaf_, files.cert_path);

  if (!files.ocsp_path.empty()) {
    std::ifstream in(files.ocsp_path, std::ios::binary);
    if (!in) {
      return MakeError(files.ocsp_path + ": cannot read (" + std::strerror(errno) + ")");
    }
    cert->ocsp_response_.assign(std::istreambuf_iterator<char>(in), {});
    // Parsed once here so that a truncated or PEM file is refused at load, not sent to clients.
    const auto* p = reinterpret_cast<const unsigned char*>(cert->ocsp_response_.data());
    OCSP_RESPONSE* resp =
        d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(cert->ocsp_response_.size()));
    if (resp == nullptr) {
      ERR_clear_error();
      return MakeError(files.ocsp_path + ": not a DER OCSP response");
    }
    OCSP_RESPONSE_free(resp);
  }
  return std::shared_ptr<const Certificate>(std::move(cert));
}

}  // namespace rampart::tls

namespace rampart::tls {

core::Result<std::shared_ptr<const Certificate>> Certificate::FromPem(
    std::string_view cert_chain_pem, std::string_view key_pem, std::string origin) {
  std::shared_ptr<Certificate> cert(new Certificate());
  cert->files_.cert_path = origin;
  cert->files_.key_path = origin;

  // A memory BIO refuses a null pointer, which an empty string_view may hold.
  auto memory = [](std::string_view pem) {
    return BioPtr(BIO_new_mem_buf(pem.empty() ? "" : pem.data(), static_cast<int>(pem.size())));
  };
  BioPtr cert_bio = memory(cert_chain_pem);
  BioPtr key_bio = memory(key_pem);
  if (!cert_bio || !key_bio) return MakeError(origin + ": out of memory");
  if (auto read = ReadLeafAndChain(cert_bio.get(), origin, &cert->leaf_, &cert->chain_); !read) {
    return read.error();
  }
  if (auto read = ReadMatchingKey(key_bio.get(), origin, origin, cert->leaf_, &cert->key_,
                                  &cert->key_type_);
      !read) {
    return read.error();
  }
  cert->names_ = NamesOf(cert->leaf_);
  cert->warning_ = ValidityWarning(cert->leaf_, origin);
  return std::shared_ptr<const Certificate>(std::move(cert));
}

core::Result<std::shared_ptr<const Certificate>> Certificate::SelfSigned(
    const std::vector<std::string>& names, const SelfSignedOptions& options) {
  if (names.empty()) return MakeError("tls: a self-signed certificate needs a name");
  if (!options.acme_identifier.empty() && options.acme_identifier.size() != 32) {
    return MakeError("tls: the acmeIdentifier must be a SHA-256 digest (32 bytes)");
  }
  std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  std::unique_ptr<X509, X509Free> leaf(X509_new());
  if (!key || !leaf) {
    ERR_clear_error();
    return MakeError("tls: cannot make a self-signed certificate (key generation failed)");
  }
  // A random serial, so that clients that cache certificates by issuer and serial do not mix
  // two placeholders up.
  unsigned char serial[16];
  BIGNUM* bn = nullptr;
  bool ok = RAND_bytes(serial, sizeof serial) == 1 &&
            (bn = BN_bin2bn(serial, sizeof serial, nullptr)) != nullptr &&
            BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(leaf.get())) != nullptr;
  BN_free(bn);
  const long validity = static_cast<long>(options.validity.count());
  X509_NAME* subject = X509_get_subject_name(leaf.get());
  ok = ok && X509_set_version(leaf.get(), 2) == 1 &&
       X509_gmtime_adj(X509_getm_notBefore(leaf.get()), -3600) != nullptr &&
       X509_gmtime_adj(X509_getm_notAfter(leaf.get()), validity) != nullptr &&
       X509_set_pubkey(leaf.get(), key.get()) == 1 &&
       X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                                  reinterpret_cast<const unsigned char*>(names[0].c_str()), -1, -1,
                                  0) == 1 &&
       X509_set_issuer_name(leaf.get(), subject) == 1;
  GENERAL_NAMES* sans = sk_GENERAL_NAME_new_null();
  for (size_t i = 0; ok && i < names.size(); ++i) {
    GENERAL_NAME* gn = GENERAL_NAME_new();
    ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
    ok = gn != nullptr && dns != nullptr &&
         ASN1_STRING_set(dns, names[i].data(), static_cast<int>(names[i].size())) == 1;
    if (!ok) {
      GENERAL_NAME_free(gn);
      ASN1_IA5STRING_free(dns);
      break;
    }
    GENERAL_NAME_set0_value(gn, GEN_DNS, dns);
    sk_GENERAL_NAME_push(sans, gn);
  }
  ok = ok && X509_add1_ext_i2d(leaf.get(), NID_subject_alt_name, sans, 0, X509V3_ADD_DEFAULT) == 1;
  GENERAL_NAMES_free(sans);
  if (!ok) {
    ERR_clear_error();
    return MakeError("tls: cannot make a self-signed certificate for " + names[0]);
  }
  if (!options.acme_identifier.empty()) {
    if (auto added = AddAcmeIdentifier(leaf.get(), options.acme_identifier); !added) {
      return added.error();
    }
  }
  if (X509_sign(leaf.get(), key.get(), EVP_sha256()) <= 0) {
    ERR_clear_error();
    return MakeError("tls: cannot sign the self-signed certificate for " + names[0]);
  }

  std::shared_ptr<Certificate> cert(new Certificate());
  cert->files_.cert_path = "self-signed certificate for " + names[0];
  cert->leaf_ = leaf.release();
  cert->key_ = key.release();
  cert->chain_ = sk_X509_new_null();
  cert->key_type_ = KeyType::kEcdsa;
  cert->names_ = NamesOf(cert->leaf_);
  return std::shared_ptr<const Certificate>(std::move(cert));
}

}  // namespace rampart::tls
