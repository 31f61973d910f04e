#pragma once
// The certificate signing request an ACME order is finalized with (RFC 8555 section 7.4).

#include <string>
#include <vector>

#include "acme/ec_key.h"
#include "core/result.h"

namespace rampart::acme {

// A DER PKCS#10 request for `key` naming every one of `names` (at least one) as a DNS
// subjectAltName, the first also as the subject CN, signed with SHA-256.
core::Result<std::string> MakeCsrDer(const EcKey& key, const std::vector<std::string>& names);

}  // namespace rampart::acme
