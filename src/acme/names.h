#pragma once
// The names rampart may order a certificate for with HTTP-01 or TLS-ALPN-01.

#include <string>
#include <string_view>

#include "core/result.h"

namespace rampart::acme {

// `name` lower-cased when it is a DNS host name an ACME CA can validate over HTTP or TLS:
// dot-separated labels of letters, digits and inner hyphens, each 1 to 63 bytes, at most 253 in
// all, and not an IP address. A wildcard is refused (it needs DNS-01), as is anything that could
// be read as a path. The error says why.
core::Result<std::string> NormalizeDnsName(std::string_view name);

}  // namespace rampart::acme
