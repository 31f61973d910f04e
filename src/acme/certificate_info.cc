#include "acme/certificate_info.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>

namespace rampart::acme {
namespace {

bool ToTimePoint(const ASN1_TIME* t, Clock::time_point* out) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return false;
  *out = Clock::from_time_t(timegm(&tm));
  return true;
}

}  // namespace

core::Result<CertificateInfo> InspectCertificate(std::string_view pem, const std::string& origin) {
  BIO* bio = BIO_new_mem_buf(pem.empty() ? "" : pem.data(), static_cast<int>(pem.size()));
  X509* leaf = bio ? PEM_read_bio_X509(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  if (leaf == nullptr) {
    ERR_clear_error();
    return core::MakeError(origin + ": no certificate (no PEM CERTIFICATE block)");
  }
  CertificateInfo info;
  bool ok = ToTimePoint(X509_get0_notBefore(leaf), &info.not_before) &&
            ToTimePoint(X509_get0_notAfter(leaf), &info.not_after);
  BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf), nullptr);
  char* hex = serial ? BN_bn2hex(serial) : nullptr;
  if (hex != nullptr) info.serial = hex;
  OPENSSL_free(hex);
  BN_free(serial);
  auto* sans =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(leaf, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
    if (gn->type != GEN_DNS) continue;
    info.names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(gn->d.dNSName)),
                            static_cast<size_t>(ASN1_STRING_length(gn->d.dNSName)));
  }
  GENERAL_NAMES_free(sans);
  X509_free(leaf);
  ERR_clear_error();
  if (!ok) return core::MakeError(origin + ": unreadable validity dates");
  return info;
}

}  // namespace rampart::acme
