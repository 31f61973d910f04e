#pragma once
// Freshening a stored response's header with a 304 Not Modified (RFC 9111 §3.2, §4.3.4).

#include "http/header_map.h"

namespace rampart::cache {

// Every field of `not_modified` replaces all the stored lines of that name, except:
// - Content-Length, and the fields that describe the stored content (Content-Type,
//   Content-Encoding, Content-Range): the stored body has not changed;
// - hop-by-hop fields (Connection, the fields Connection names, Keep-Alive, Proxy-Connection,
//   TE, Trailer, Transfer-Encoding, Upgrade, Proxy-Authenticate, Proxy-Authorization);
// - Set-Cookie: a cookie meant for the client whose request revalidated would otherwise be
//   served to every client. The caller may pass the 304's Set-Cookie on to that client.
// The stored Age is dropped even when the 304 has none: the caller restarts the response's
// clock (request_time/response_time) at the 304, and the old Age would be counted twice.
void UpdateStoredHeaders(http::HeaderMap& stored, const http::HeaderMap& not_modified);

}  // namespace rampart::cache
