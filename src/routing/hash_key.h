#pragma once
// The text a hash-based choice hashes for one request: the client address, a header, a cookie
// or the path (config::HashKeyConfig). Used by consistent_hash pools and sticky splits.

#include <string_view>

#include "config/config.h"
#include "http/message.h"

namespace rampart::routing {

// The key's value; the client address when the request lacks the header or cookie, so that
// every request still hashes to a stable place. The view points into `request`, `path` or
// `client_ip`.
std::string_view HashKeyOf(const config::HashKeyConfig& key, const http::Request& request,
                           std::string_view path, std::string_view client_ip);

}  // namespace rampart::routing
