#pragma once
// What a proxy changes in the headers it forwards (RFC 9110 §7.6): hop-by-hop fields removed,
// X-Forwarded-*, Via, the request id and W3C trace context set. Pure functions over HeaderMap,
// unit-tested on their own.

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "http/header_map.h"

namespace rampart::proxy {

// Removes Connection, Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade and
// every field that Connection names — except framing and proxy-owned fields (Content-Length,
// Host, X-Forwarded-*, X-Request-Id, trace context, Via, ...), which a peer may not strip that
// way. With `keep_upgrade` (a WebSocket handshake) Upgrade stays and Connection becomes
// "upgrade".
void RemoveHopByHop(http::HeaderMap& headers, bool keep_upgrade);

// True for a request id we can safely keep and log: 1-128 of [A-Za-z0-9._-].
bool IsValidRequestId(std::string_view id);

// 32 lower-case hex characters from `rng`.
std::string RandomHex(std::mt19937_64& rng, size_t chars);

// Sets traceparent for the upstream request: a valid incoming one keeps its trace id and flags
// and gets a new parent id (rampart's span); a missing or invalid one is replaced by a new trace
// (trace id = `trace_id_hint` when it is 32 hex chars, else random). An invalid traceparent
// also drops tracestate.
void PropagateTraceContext(http::HeaderMap& headers, std::string_view trace_id_hint,
                           std::mt19937_64& rng);

// What the proxy knows about the client connection when forwarding.
struct ForwardedFor {
  std::string_view client_ip;     // the peer: the hop that connected to rampart
  std::string_view real_ip = {};  // the client as resolved (client_ip.h); empty: client_ip
  std::string_view proto;         // "http" or "https"
  std::string_view host;          // the Host the client asked for
  bool peer_trusted = false;      // the peer is in trusted_proxies
};

// Sets X-Forwarded-For (the peer address, appended to the incoming list when the peer is a
// trusted proxy, replacing it otherwise), X-Real-IP (the resolved client), X-Forwarded-Proto,
// X-Forwarded-Host, and appends "1.1 rampart" to Via. An untrusted peer's Forwarded header is
// removed: the backend must not believe what rampart did not.
void SetForwardedHeaders(http::HeaderMap& headers, const ForwardedFor& forwarded);

}  // namespace rampart::proxy
