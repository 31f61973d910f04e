#pragma once
// The request parts signatures look at, each value normalised once per request as
// rules/signatures/README.md says. Only the parts some loaded signature uses are made.

#include <string>
#include <string_view>
#include <vector>

#include "http/header_map.h"
#include "signatures/database.h"
#include "signatures/signature.h"

namespace rampart::signatures {

struct RequestView {
  std::string_view target;         // the request-target as received: path, then ?query
  const http::HeaderMap* headers;  // as received
  std::string_view body;           // what is buffered of it (may be empty)
};

// One value of one part, ready to scan.
struct PartValue {
  Where where;
  std::string value;
  // The lower-case name of the header a `headers` value came from (the attack log names it, and
  // masks a credential header's value).
  std::string source_header;
};

std::vector<PartValue> NormaliseParts(const RequestView& request, const Database& db);

// The indices (in db.signatures()) of the signatures matching some value, each once, in
// ascending order.
std::vector<uint32_t> ScanParts(const std::vector<PartValue>& parts, const Database& db,
                                Database::Scratch& scratch);

}  // namespace rampart::signatures
