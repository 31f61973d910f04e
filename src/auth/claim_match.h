#pragma once
// Whether a verified token's claim satisfies a route's `required_claims` entry.

#include <string>
#include <string_view>
#include <vector>

namespace rampart::auth {

// `claim_text` is the claim as JwtResult::claims holds it: a string as it is (`is_json` false),
// anything else as compact JSON (`is_json` true, JwtResult::json_claims). `accepted` empty: the
// claim only has to be present (any value). Otherwise one accepted value must be: a string
// claim itself — or, for the space-separated "scope" and "scp" claims of OAuth 2.0, one of its
// words — or an element of an array claim (strings, or numbers and booleans compared as their
// JSON text), or a number or boolean claim's JSON text.
bool ClaimAccepts(std::string_view claim_name, std::string_view claim_text, bool is_json,
                  const std::vector<std::string>& accepted);

}  // namespace rampart::auth
