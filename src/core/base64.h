#pragma once
// Strict base64 (RFC 4648) in its two alphabets: the standard one (§4, HTTP Basic credentials,
// gRPC-web text bodies) and the URL-safe one (§5, JOSE). Strict means that every byte string has
// exactly one accepted encoding: no whitespace or other stray characters, padding exactly as the
// alphabet's users write it, and the unused low bits of the last character zero.

#include <string>
#include <string_view>

namespace rampart::core {

enum class Base64Alphabet {
  kStandard,  // A-Z a-z 0-9 + /, padded with '=' to a multiple of 4 (RFC 7617)
  kUrl,       // A-Z a-z 0-9 - _, never padded (RFC 7515 §2)
};

// False on a character outside the alphabet, wrong padding, an impossible length or non-zero
// trailing bits. `out` holds the decoded bytes on success.
bool Base64Decode(std::string_view in, Base64Alphabet alphabet, std::string* out);
std::string Base64Encode(std::string_view in, Base64Alphabet alphabet);

// JOSE's base64url without padding.
inline bool Base64UrlDecode(std::string_view in, std::string* out) {
  return Base64Decode(in, Base64Alphabet::kUrl, out);
}
inline std::string Base64UrlEncode(std::string_view in) {
  return Base64Encode(in, Base64Alphabet::kUrl);
}

}  // namespace rampart::core
