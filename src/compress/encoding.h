#pragma once
// Content codings of responses and their negotiation from a request's Accept-Encoding
// (RFC 9110 §12.5.3). Pure functions; any thread.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace rampart::compress {

enum class Encoding : uint8_t {
  kIdentity,  // no content coding: the body is sent as the backend gave it
  kGzip,      // gzip (RFC 1952), deflate with a gzip header and CRC-32 trailer
  kBrotli,    // br (RFC 7932)
  kZstd,      // zstd (RFC 8878)
};

// The coding's token in Content-Encoding and Accept-Encoding: "identity", "gzip", "br", "zstd".
std::string_view EncodingToken(Encoding encoding);

// The coding a config names: "gzip", "br" or "brotli", "zstd" (exact, lower case); nullopt for
// any other name, "identity" included (it is not something to configure).
std::optional<Encoding> EncodingFromName(std::string_view name);

// The coding of `offered` (the server's choices, most preferred first) that the Accept-Encoding
// value `accept_encoding` weighs highest: tokens are case-insensitive, "x-gzip" is gzip, "*"
// weighs every coding the value does not name, q=0 refuses a coding, and a coding named twice
// takes its highest weight. Equal weights go to the one earlier in `offered`. An element whose
// q value is malformed is ignored. kIdentity when the value is empty or accepts none of
// `offered` (kIdentity may itself be offered; it is weighed like any other coding).
Encoding ChooseEncoding(std::string_view accept_encoding, std::span<const Encoding> offered);

// A normalised key for the response variant a request's Accept-Encoding selects (a cache's
// Vary: Accept-Encoding): the token of the coding ChooseEncoding picks, "identity" when none.
// Never empty; two header values that pick the same coding give the same key.
std::string AcceptedEncodingsKey(std::string_view accept_encoding,
                                 std::span<const Encoding> offered);

}  // namespace rampart::compress
