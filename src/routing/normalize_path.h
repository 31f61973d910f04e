#pragma once
// Path normalisation before routing (RFC 3986 §6.2.2): what is matched is what is forwarded, so
// "/api/../admin" or "/api/%2e%2e/admin" cannot reach a route (or a backend path) that the
// route table would not have chosen for "/admin".

#include <optional>
#include <string>
#include <string_view>

namespace rampart::routing {

// Decodes percent-encoded unreserved characters (ALPHA DIGIT - . _ ~), upper-cases the hex of
// the remaining escapes, merges repeated slashes and removes "." and ".." segments. Returns
// nullopt for a path that is not rooted, has a malformed escape, climbs above the root, or has a
// dot segment with path parameters ("..;", ".;": servlet containers resolve those) — the client
// gets 400.
std::optional<std::string> NormalizePath(std::string_view path);

}  // namespace rampart::routing
