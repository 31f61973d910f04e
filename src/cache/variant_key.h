#pragma once
// Vary (RFC 9111 §4.1): which request fields select a response, and the secondary key built
// from a request's values of those fields. Pure functions; safe on any thread.

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http/header_map.h"

namespace rampart::cache {

// The field names listed by every Vary line of a response, lower-cased, sorted and unique;
// contains "*" when Vary: * (such a response never matches: see NotStorable::kVaryStar).
std::vector<std::string> VaryFields(const http::HeaderMap& response_headers);

// The secondary key for `vary` (VaryFields' output): for each name, "name=" + the request's
// values of that field (all its lines joined with ",", the whitespace around commas removed,
// empty list elements dropped, case kept) + "\n". `normalize(name, value)` is called for each
// name (with "" when the request lacks the field) and returns the value to use, so the caller
// can reduce e.g. accept-encoding to the coding it would choose; an empty std::function keeps
// the values as they are. An absent field and an empty one give the same key.
std::string VariantKey(
    std::span<const std::string> vary, const http::HeaderMap& request_headers,
    const std::function<std::string(std::string_view name, std::string_view value)>& normalize);

}  // namespace rampart::cache
