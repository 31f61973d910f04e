#include "cache/freshness.h"

#include <algorithm>

#include "http/http_date.h"

namespace rampart::cache {

namespace {

constexpr int64_t kOneDay = 24 * 60 * 60;
// Age values beyond 2^31 are treated as 2^31 (RFC 9111 §1.2.2), which also keeps sums safe.
constexpr int64_t kMaxDelta = int64_t{1} << 31;

// RFC 9110 §15.1: statuses cacheable by default (heuristic freshness allowed), without 206.
bool HeuristicallyCacheable(int status) {
  switch (status) {
    case 200:
    case 203:
    case 204:
    case 300:
    case 301:
    case 308:
    case 404:
    case 405:
    case 410:
    case 414:
    case 501:
      return true;
    default:
      return false;
  }
}

std::optional<int64_t> DateField(const http::HeaderMap& headers, std::string_view name) {
  const std::string* value = headers.Get(name);
  if (value == nullptr) return std::nullopt;
  return http::ParseHttpDate(*value);
}

bool HasValidator(const http::HeaderMap& headers) {
  return headers.Get("ETag") != nullptr || headers.Get("Last-Modified") != nullptr;
}

bool HasExplicitFreshness(const http::HeaderMap& headers, const CacheControl& cc) {
  return cc.s_maxage || cc.max_age || headers.Get("Expires") != nullptr;
}

// The heuristic lifetime (§4.2.2), or nullopt when none applies.
std::optional<int64_t> HeuristicLifetime(int status, const http::HeaderMap& headers,
                                         const CacheControl& cc, const StoreRules& rules,
                                         int64_t date) {
  if (!HeuristicallyCacheable(status) && !cc.public_) return std::nullopt;
  if (rules.default_ttl) return std::max<int64_t>(0, *rules.default_ttl);
  const std::optional<int64_t> last_modified = DateField(headers, "Last-Modified");
  if (!last_modified) return std::nullopt;
  return std::clamp<int64_t>((date - *last_modified) / 10, 0, kOneDay);
}

// The explicit lifetime, or nullopt when the response has none; `date` stands in for a missing
// Date.
std::optional<int64_t> ExplicitLifetime(const http::HeaderMap& headers, const CacheControl& cc,
                                        int64_t date) {
  if (cc.s_maxage) return *cc.s_maxage;
  if (cc.max_age) return *cc.max_age;
  if (headers.Get("Expires") == nullptr) return std::nullopt;
  // An Expires that does not parse (often "0" or "-1") means already expired (§5.3).
  const std::optional<int64_t> expires = DateField(headers, "Expires");
  if (!expires) return 0;
  return std::max<int64_t>(0, *expires - date);
}

}  // namespace

std::string_view NotStorableName(NotStorable reason) {
  switch (reason) {
    case NotStorable::kNone:
      return "none";
    case NotStorable::kMethod:
      return "method";
    case NotStorable::kStatus:
      return "status";
    case NotStorable::kNoStore:
      return "no-store";
    case NotStorable::kPrivate:
      return "private";
    case NotStorable::kAuthorization:
      return "authorization";
    case NotStorable::kSetCookie:
      return "set-cookie";
    case NotStorable::kVaryStar:
      return "vary-star";
    case NotStorable::kNoFreshness:
      return "no-freshness";
  }
  return "unknown";
}

NotStorable CheckStorable(std::string_view method, int status,
                          const http::HeaderMap& request_headers, const CacheControl& request_cc,
                          const http::HeaderMap& response_headers, const CacheControl& response_cc,
                          const StoreRules& rules) {
  if (method != "GET") return NotStorable::kMethod;
  const bool explicit_freshness = HasExplicitFreshness(response_headers, response_cc);
  if (status < 200 || status > 999 || status == 206 || status == 304) return NotStorable::kStatus;
  if (!HeuristicallyCacheable(status) && !explicit_freshness && !response_cc.public_) {
    return NotStorable::kStatus;
  }
  if (request_cc.no_store || response_cc.no_store) return NotStorable::kNoStore;
  if (response_cc.private_) return NotStorable::kPrivate;
  const bool authorised =
      rules.authenticated_route || request_headers.Get("Authorization") != nullptr;
  if (authorised && !rules.allow_authorization && !response_cc.must_revalidate &&
      !response_cc.public_ && !response_cc.s_maxage) {
    return NotStorable::kAuthorization;
  }
  if (response_headers.Get("Set-Cookie") != nullptr && !rules.allow_set_cookie) {
    return NotStorable::kSetCookie;
  }
  if (response_headers.HasToken("Vary", "*")) return NotStorable::kVaryStar;

  if (HasValidator(response_headers)) return NotStorable::kNone;
  if (response_cc.no_cache) return NotStorable::kNoFreshness;
  // No validator: only worth storing with a positive lifetime. Without a Date the lifetime is
  // judged from Expires alone (it is in the future, or the response would be stale on arrival;
  // the exact lifetime is computed at use, against response_time).
  const std::optional<int64_t> date = DateField(response_headers, "Date");
  std::optional<int64_t> lifetime;
  if (!response_cc.s_maxage && !response_cc.max_age && !date &&
      response_headers.Get("Expires") != nullptr) {
    lifetime = DateField(response_headers, "Expires") ? 1 : 0;
  } else {
    lifetime = ExplicitLifetime(response_headers, response_cc, date.value_or(0));
  }
  if (!lifetime) {
    lifetime = HeuristicLifetime(status, response_headers, response_cc, rules, date.value_or(0))
                   .value_or(0);
  }
  return *lifetime > 0 ? NotStorable::kNone : NotStorable::kNoFreshness;
}

int64_t FreshnessLifetime(const StoredResponse& r, const CacheControl& response_cc,
                          const StoreRules& rules) {
  if (response_cc.no_cache) return 0;
  const int64_t date = DateField(r.headers, "Date").value_or(r.response_time);
  if (auto lifetime = ExplicitLifetime(r.headers, response_cc, date)) return *lifetime;
  return HeuristicLifetime(r.status, r.headers, response_cc, rules, date).value_or(0);
}

int64_t CurrentAge(const StoredResponse& r, int64_t now) {
  const int64_t date = DateField(r.headers, "Date").value_or(r.response_time);
  const int64_t apparent_age = std::max<int64_t>(0, r.response_time - date);
  int64_t age_value = 0;
  if (const std::string* age = r.headers.Get("Age")) {
    // A non-negative integer; anything else is ignored (§5.1).
    const std::optional<int64_t> parsed = [&]() -> std::optional<int64_t> {
      if (age->empty()) return std::nullopt;
      int64_t v = 0;
      for (char c : *age) {
        if (c < '0' || c > '9') return std::nullopt;
        if (v < kMaxDelta) v = v * 10 + (c - '0');
      }
      return std::min(v, kMaxDelta);
    }();
    age_value = parsed.value_or(0);
  }
  const int64_t response_delay = std::max<int64_t>(0, r.response_time - r.request_time);
  const int64_t corrected_age_value = age_value + response_delay;
  const int64_t corrected_initial_age = std::max(apparent_age, corrected_age_value);
  const int64_t resident_time = std::max<int64_t>(0, now - r.response_time);
  return corrected_initial_age + resident_time;
}

Freshness Evaluate(const StoredResponse& r, const CacheControl& response_cc,
                   const StoreRules& rules, int64_t now) {
  Freshness f;
  f.age = CurrentAge(r, now);
  f.lifetime = FreshnessLifetime(r, response_cc, rules);
  f.fresh = f.lifetime > f.age;
  f.staleness = f.fresh ? 0 : f.age - f.lifetime;
  return f;
}

Use Decide(const Freshness& f, const CacheControl& request_cc,
           const http::HeaderMap& request_headers, const CacheControl& response_cc) {
  // Pragma: no-cache counts only when the request has no Cache-Control (RFC 9111 §5.4).
  const bool pragma_no_cache = request_headers.Get("Cache-Control") == nullptr &&
                               request_headers.HasToken("Pragma", "no-cache");
  if (request_cc.no_cache || pragma_no_cache) return Use::kRevalidate;
  if (response_cc.no_cache) return Use::kRevalidate;
  // max-age=0 is how browsers ask for a revalidation (a reload): with whole-second ages a
  // response refreshed this second would otherwise still count as young enough.
  if (request_cc.max_age && (*request_cc.max_age == 0 || f.age > *request_cc.max_age)) {
    return Use::kRevalidate;
  }
  if (request_cc.min_fresh && f.lifetime - f.age < *request_cc.min_fresh) return Use::kRevalidate;
  if (f.fresh) return Use::kFresh;

  const bool revalidate_when_stale = response_cc.must_revalidate || response_cc.proxy_revalidate;
  if (request_cc.max_stale && !revalidate_when_stale && !response_cc.s_maxage &&
      f.staleness <= *request_cc.max_stale) {
    return Use::kFresh;
  }
  if (response_cc.stale_while_revalidate && !revalidate_when_stale &&
      f.staleness <= *response_cc.stale_while_revalidate) {
    return Use::kStaleWhileRevalidate;
  }
  return Use::kRevalidate;
}

bool MayServeStaleOnError(const Freshness& f, const CacheControl& request_cc,
                          const CacheControl& response_cc) {
  if (response_cc.must_revalidate || response_cc.proxy_revalidate || response_cc.no_cache) {
    return false;
  }
  const int64_t staleness = f.fresh ? 0 : f.staleness;
  return (response_cc.stale_if_error && staleness <= *response_cc.stale_if_error) ||
         (request_cc.stale_if_error && staleness <= *request_cc.stale_if_error);
}

}  // namespace rampart::cache
