#pragma once
// Base64url without padding (RFC 4648 section 5, as JOSE and ACME use it; RFC 7515 section 2).

#include <string>
#include <string_view>

namespace rampart::acme {

// Encodes `bytes` with the URL-safe alphabet and no trailing "=".
std::string Base64UrlEncode(std::string_view bytes);

}  // namespace rampart::acme
