#pragma once
// ACME problem documents (RFC 8555 section 6.7, RFC 7807): what the CA says went wrong, turned
// into one line an operator can act on.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::acme {

inline constexpr std::string_view kBadNonce = "urn:ietf:params:acme:error:badNonce";

struct Problem {
  std::string type;                  // "urn:ietf:params:acme:error:unauthorized"; empty when absent
  std::string detail;                // the CA's explanation
  int status = 0;                    // the HTTP status it repeats; 0 when absent
  std::string identifier;            // a subproblem's "dns" identifier value
  std::vector<Problem> subproblems;  // per-identifier problems (RFC 8555 section 6.7.1)
};

// Parses a problem document (application/problem+json). nullopt when `body` is not a JSON
// object or has neither "type" nor "detail".
std::optional<Problem> ParseProblem(std::string_view body);

// "<type>: <detail>", followed by "; <identifier>: <type>: <detail>" per subproblem.
std::string DescribeProblem(const Problem& problem);

}  // namespace rampart::acme
