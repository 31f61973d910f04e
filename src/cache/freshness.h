#pragma once
// The RFC 9111 decisions of a shared cache: may a response be stored (§3), how long it stays
// fresh (§4.2.1), how old it is (§4.2.3), and what to do with a stored response for a new
// request (§4, RFC 5861). Pure functions; the caller passes the clock (unix seconds).

#include <cstdint>
#include <optional>
#include <string_view>

#include "cache/cache_control.h"
#include "cache/stored_response.h"
#include "http/header_map.h"

namespace rampart::cache {

// A route's storage policy.
struct StoreRules {
  // The route authenticates its clients (its `auth` stage: API keys, JWT in a cookie, forward
  // auth...): its responses are treated as answers to requests with Authorization.
  bool authenticated_route = false;
  // Store responses to requests with Authorization even without must-revalidate, public or
  // s-maxage (RFC 9111 §3.5): for routes whose Authorization does not vary the content.
  bool allow_authorization = false;
  // Store responses that carry Set-Cookie (the cookie is then served to every client).
  bool allow_set_cookie = false;
  // The route's `ttl`: the lifetime of heuristically cacheable responses without explicit
  // freshness (instead of the Last-Modified heuristic).
  std::optional<int64_t> default_ttl;
};

// Why a response may not be stored.
enum class NotStorable : uint8_t {
  kNone,           // storable
  kMethod,         // not a GET (HEAD responses are never stored: they have no body)
  kStatus,         // a status not stored, or stored only with explicit freshness or public
  kNoStore,        // no-store in the request or the response
  kPrivate,        // response private (qualified or not; see CacheControl::private_)
  kAuthorization,  // request with Authorization, response without must-revalidate/public/s-maxage
  kSetCookie,      // response with Set-Cookie and !allow_set_cookie
  kVaryStar,       // Vary: * never matches a later request
  kNoFreshness,    // nothing to go on: no positive lifetime and no validator to revalidate with
};

// "none", "method", "status", "no-store", "private", "authorization", "set-cookie", "vary-star",
// "no-freshness": for logs and metrics labels.
std::string_view NotStorableName(NotStorable reason);

// RFC 9111 §3 for a shared cache; the first failing check is returned in the enum's order.
// Statuses 200, 203, 204, 300, 301, 308, 404, 405, 410, 414 and 501 are stored; 206 (we store
// whole bodies only), 304 and 1xx never; any other status only with explicit freshness
// (s-maxage, max-age, Expires) or public. Something to go on means: a validator (ETag or
// Last-Modified) to revalidate with, or a positive lifetime (explicit, or heuristic — default_ttl
// or Last-Modified — for heuristically cacheable statuses or public). A no-cache response needs
// a validator: without one every use would be a full fetch.
NotStorable CheckStorable(std::string_view method, int status,
                          const http::HeaderMap& request_headers, const CacheControl& request_cc,
                          const http::HeaderMap& response_headers, const CacheControl& response_cc,
                          const StoreRules& rules);

// §4.2.1: no-cache → 0; s-maxage; else max-age; else Expires − Date (Date missing:
// response_time; an invalid Expires is in the past: 0); else for heuristically cacheable
// statuses (or public): rules.default_ttl if set, else 10% of (Date − Last-Modified) capped at
// one day; else 0.
int64_t FreshnessLifetime(const StoredResponse& r, const CacheControl& response_cc,
                          const StoreRules& rules);

// §4.2.3: apparent_age = max(0, response_time − Date); corrected_age_value = Age +
// (response_time − request_time); corrected_initial_age = max(apparent_age,
// corrected_age_value); plus the resident time (now − response_time). Never negative.
int64_t CurrentAge(const StoredResponse& r, int64_t now);

struct Freshness {
  int64_t age = 0;        // CurrentAge
  int64_t lifetime = 0;   // FreshnessLifetime
  bool fresh = false;     // lifetime > age
  int64_t staleness = 0;  // age − lifetime when stale, else 0
};
Freshness Evaluate(const StoredResponse& r, const CacheControl& response_cc,
                   const StoreRules& rules, int64_t now);

// What to do with a stored response for a request.
enum class Use : uint8_t {
  kFresh,                 // serve it (fresh, or stale within the client's max-stale)
  kStaleWhileRevalidate,  // serve it stale and refresh it in the background
  kRevalidate,            // send a conditional request before using it
};

// In order: request no-cache (or Pragma: no-cache when the request has no Cache-Control),
// response no-cache → kRevalidate; request max-age=N with age > N, or min-fresh=M with less than
// M seconds of freshness left → kRevalidate; fresh → kFresh. Stale: request max-stale=N with
// staleness <= N → kFresh unless must-revalidate, proxy-revalidate or s-maxage (which forbid
// serving stale on a client's say-so); response stale-while-revalidate=N with staleness <= N →
// kStaleWhileRevalidate unless must-revalidate or proxy-revalidate (the origin's explicit
// permission outranks the proxy-revalidate that s-maxage implies); else kRevalidate.
// only-if-cached is the caller's: with no usable response it answers 504.
Use Decide(const Freshness& freshness, const CacheControl& request_cc,
           const http::HeaderMap& request_headers, const CacheControl& response_cc);

// RFC 5861 stale-if-error: may this stale response answer when the backend failed or answered
// 500, 502, 503 or 504? Yes when the response's or the request's stale-if-error=N covers the
// staleness (0 when fresh, e.g. revalidated because of a request no-cache), and the response
// has no must-revalidate, proxy-revalidate or no-cache.
bool MayServeStaleOnError(const Freshness& freshness, const CacheControl& request_cc,
                          const CacheControl& response_cc);

}  // namespace rampart::cache
