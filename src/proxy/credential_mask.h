#pragma once
// Which request fields the logs must not write in clear: the fixed credential headers
// (Authorization, Proxy-Authorization, Cookie, Set-Cookie) and the ones a route's auth stage
// names (pipeline::CredentialFields: an API key's header or query parameter).

#include <string>
#include <string_view>

#include "pipeline/exchange.h"

namespace rampart::proxy {

inline constexpr std::string_view kMask = "***";

// `name` is a credential header: always, or by `extra` (may be null).
bool IsCredentialHeader(std::string_view name, const pipeline::CredentialFields* extra);

// The request target with the values of `extra`'s query parameters replaced by "***"; the
// target itself when there are none.
std::string MaskedTarget(std::string_view target, const pipeline::CredentialFields* extra);

// A rule's variable that holds a credential — ModSecurity names (REQUEST_HEADERS:X,
// REQUEST_COOKIES:x, ARGS:p, ARGS_GET:p) or the signatures stage's (header:x, cookies): its
// matched data is masked.
bool IsCredentialVariable(std::string_view var, const pipeline::CredentialFields* extra);

}  // namespace rampart::proxy
