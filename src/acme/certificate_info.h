#pragma once
// What the renewal schedule and the logs need to know about an issued certificate.

#include <string>
#include <string_view>
#include <vector>

#include "acme/schedule.h"
#include "core/result.h"

namespace rampart::acme {

struct CertificateInfo {
  Clock::time_point not_before;
  Clock::time_point not_after;
  std::string serial;              // upper-case hex, as `openssl x509 -serial` prints it
  std::vector<std::string> names;  // the DNS subjectAltNames, as written
};

// Reads the first certificate of a PEM chain. `origin` names it in errors.
core::Result<CertificateInfo> InspectCertificate(std::string_view pem, const std::string& origin);

}  // namespace rampart::acme
