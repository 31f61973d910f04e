#pragma once
// Cache-Control (RFC 9111 §5.2) and targeted cache control fields (RFC 9213) parsed into one
// struct of directives. Pure functions of a HeaderMap; safe on any thread.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "http/header_map.h"

namespace rampart::cache {

// Directives of a request or a response. Unknown directives are ignored. Delta-seconds larger
// than 2^31 are clamped to 2^31 (RFC 9111 §1.2.2).
struct CacheControl {
  std::optional<int64_t> max_age;
  std::optional<int64_t> s_maxage;
  std::optional<int64_t> stale_while_revalidate;  // RFC 5861
  std::optional<int64_t> stale_if_error;          // RFC 5861
  // Request only: INT64_MAX when given without a value (any staleness is acceptable).
  std::optional<int64_t> max_stale;
  std::optional<int64_t> min_fresh;  // request only
  bool no_store = false;
  bool no_cache = false;
  // Response `private`, qualified or not. A qualified `private="Set-Cookie"` is treated as the
  // unqualified one (never stored): storing it would require stripping the named fields before
  // storage, and a missed strip would leak them to every user. private_with_fields tells them
  // apart for logs.
  bool private_ = false;
  bool public_ = false;
  bool must_revalidate = false;
  bool proxy_revalidate = false;
  bool only_if_cached = false;
  bool no_transform = false;
  bool immutable = false;
  // no-cache="Set-Cookie": also sets no_cache, so the whole response is revalidated, not just
  // the named fields (simpler, and never serves them unvalidated).
  bool no_cache_with_fields = false;
  bool private_with_fields = false;
};

// Parses every `field_name` line (joined as one comma-separated list). Directive names are
// case-insensitive; arguments may be tokens or quoted strings (max-age="60" is accepted, as
// §5.2 asks); an invalid number (empty, signed, non-digit) drops that directive. When a directive
// appears twice, its first valid occurrence wins (§4.2.1 allows "first occurrence" or
// "stale"; first is predictable and matches most caches). Garbage between commas is skipped.
CacheControl ParseCacheControl(const http::HeaderMap& headers,
                               std::string_view field_name = "Cache-Control");

// RFC 9213: the first of `targeted_fields` (e.g. {"CDN-Cache-Control"}) present in `headers` is
// parsed as a Structured Fields dictionary INSTEAD of Cache-Control. A targeted field that is
// empty or fails to parse is ignored as if absent (the next one, then Cache-Control, is used).
// In a targeted field, numeric directives must be Integers >= 0 and the others Booleans (a
// String or Inner List for no-cache/private counts as the qualified form); a directive of any
// other type is ignored, and parameters are ignored. `used`, when non-null, gets the name of the
// field used, as given in `targeted_fields` ("" when Cache-Control).
CacheControl ResponseCacheControl(const http::HeaderMap& headers,
                                  std::span<const std::string> targeted_fields,
                                  std::string* used = nullptr);

}  // namespace rampart::cache
