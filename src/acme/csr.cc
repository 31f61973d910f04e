#include "acme/csr.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace rampart::acme {

core::Result<std::string> MakeCsrDer(const EcKey& key, const std::vector<std::string>& names) {
  if (names.empty()) return core::MakeError("acme: a CSR needs at least one name");
  X509_REQ* req = X509_REQ_new();
  GENERAL_NAMES* sans = sk_GENERAL_NAME_new_null();
  STACK_OF(X509_EXTENSION)* extensions = sk_X509_EXTENSION_new_null();
  bool ok = req != nullptr && sans != nullptr && extensions != nullptr &&
            X509_REQ_set_version(req, 0) == 1 &&
            X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN", MBSTRING_ASC,
                                       reinterpret_cast<const unsigned char*>(names[0].c_str()), -1,
                                       -1, 0) == 1 &&
            X509_REQ_set_pubkey(req, key.native()) == 1;
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
  X509_EXTENSION* san = ok ? X509V3_EXT_i2d(NID_subject_alt_name, 0, sans) : nullptr;
  ok = ok && san != nullptr && sk_X509_EXTENSION_push(extensions, san) > 0 &&
       X509_REQ_add_extensions(req, extensions) == 1 &&
       X509_REQ_sign(req, key.native(), EVP_sha256()) > 0;
  if (!ok && san != nullptr && sk_X509_EXTENSION_num(extensions) == 0) X509_EXTENSION_free(san);
  std::string der;
  unsigned char* out = nullptr;
  const int len = ok ? i2d_X509_REQ(req, &out) : -1;
  if (len > 0) der.assign(reinterpret_cast<const char*>(out), static_cast<size_t>(len));
  OPENSSL_free(out);
  sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  GENERAL_NAMES_free(sans);
  X509_REQ_free(req);
  if (der.empty()) {
    ERR_clear_error();
    return core::MakeError("acme: cannot make the CSR for " + names[0]);
  }
  return der;
}

}  // namespace rampart::acme
