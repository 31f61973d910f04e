#pragma once
// The exact bytes go-ftw sends for one stage of a CRS v3.3.4 regression test. The rules, each
// with its source, are documented in ftw_request.cc; in short:
//   - encoded_request (base64) or raw_request: sent verbatim, nothing added;
//   - otherwise `METHOD SP URI SP VERSION CRLF`, the headers, CRLF, the body, where
//     autocompletion (on unless stop_magic / autocomplete_headers: false) adds Content-Type
//     for a body, url-encodes unescaped form bodies, adds Connection: close and Content-Length;
//   - multipart bodies get CRLF line ends.

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "crs/ftw_test.h"

namespace rampart::crs {

enum class HeaderOrder {
  // go-ftw (ftwhttp.NewHeaderFromMap): the YAML `headers` map is written sorted by name
  // (bytewise), whatever the order in the file.
  kGoFtwSorted,
  // The order of the file.
  kAsWritten,
};

enum class MultipartLineEnds {
  // ../shared/crs-regression/README.md: "Multipart bodies: turn bare LF into CRLF, keep existing
  // CRLF".
  kBareLfToCrlf,
  // go-ftw's own BuildRequest: every LF becomes CRLF (an existing CRLF becomes CR CR LF).
  kEveryLfToCrlf,
};

struct BuildOptions {
  HeaderOrder header_order = HeaderOrder::kGoFtwSorted;
  MultipartLineEnds multipart = MultipartLineEnds::kBareLfToCrlf;
  // Written after every other header (e.g. the runner's X-Request-Id tag); never seen by the
  // autocompletion checks. Not added to encoded/raw requests unless tag_raw_requests.
  std::vector<FtwHeader> extra_headers;
  // Inserts extra_headers right after the first line of an encoded/raw request.
  bool tag_raw_requests = false;
};

// The bytes to send for `input`. Errors: invalid base64 in encoded_request.
core::Result<std::string> BuildRequest(const FtwInput& input, const BuildOptions& options = {});

// A marker request (../shared/crs-regression/README.md "marker requests"): `GET / HTTP/1.1`
// with Host, `<marker_header>: <marker>` and Connection: close.
std::string BuildMarkerRequest(const std::string& marker, const std::string& host = "localhost",
                               const std::string& marker_header = "X-CRS-Test");

// Helpers with go-ftw's exact semantics, exposed for tests.
// Go's url.QueryEscape: unreserved bytes kept, space → '+', every other byte → %XX.
std::string GoQueryEscape(std::string_view in);
// go-ftw encodeDataParameters for a form body (see ftw_request.cc).
std::string EncodeFormData(std::string_view data);
// Standard base64 (RFC 4648, padding required, as Go's base64.StdEncoding).
core::Result<std::string> DecodeBase64(std::string_view in);

}  // namespace rampart::crs
