#pragma once
// Reading one parameter from a request's query string ("a=1&b=x%20y").

#include <optional>
#include <string>
#include <string_view>

namespace rampart::http {

// The percent-decoded value of the first parameter called `name` (compared as sent, before
// decoding, as servers commonly do), with '+' read as a space; nullopt when absent. A malformed
// escape is kept as it is.
std::optional<std::string> FindQueryParam(std::string_view query, std::string_view name);

}  // namespace rampart::http
