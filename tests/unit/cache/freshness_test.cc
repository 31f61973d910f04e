#include "cache/freshness.h"

#include <gtest/gtest.h>

#include <string>

#include "http/http_date.h"

namespace rampart::cache {
namespace {

constexpr int64_t kNow = 1'700'000'000;
constexpr int64_t kDay = 86400;

http::HeaderMap Headers(std::initializer_list<std::pair<std::string, std::string>> fields) {
  http::HeaderMap h;
  for (const auto& [name, value] : fields) h.Add(name, value);
  return h;
}

std::string Date(int64_t t) { return http::FormatHttpDate(t); }

// CheckStorable for a GET with `request` headers and a `status` response with `response`.
NotStorable Check(int status, const http::HeaderMap& response, const http::HeaderMap& request = {},
                  const StoreRules& rules = {}, std::string_view method = "GET") {
  return CheckStorable(method, status, request, ParseCacheControl(request), response,
                       ParseCacheControl(response), rules);
}

TEST(FreshnessStorableTest, NamesEveryReason) {
  EXPECT_EQ(NotStorableName(NotStorable::kNone), "none");
  EXPECT_EQ(NotStorableName(NotStorable::kMethod), "method");
  EXPECT_EQ(NotStorableName(NotStorable::kStatus), "status");
  EXPECT_EQ(NotStorableName(NotStorable::kNoStore), "no-store");
  EXPECT_EQ(NotStorableName(NotStorable::kPrivate), "private");
  EXPECT_EQ(NotStorableName(NotStorable::kAuthorization), "authorization");
  EXPECT_EQ(NotStorableName(NotStorable::kSetCookie), "set-cookie");
  EXPECT_EQ(NotStorableName(NotStorable::kVaryStar), "vary-star");
  EXPECT_EQ(NotStorableName(NotStorable::kNoFreshness), "no-freshness");
}

TEST(FreshnessStorableTest, PlainCacheableResponse) {
  EXPECT_EQ(Check(200, Headers({{"Cache-Control", "max-age=60"}})), NotStorable::kNone);
}

TEST(FreshnessStorableTest, OnlyGet) {
  const http::HeaderMap ok = Headers({{"Cache-Control", "max-age=60"}});
  EXPECT_EQ(Check(200, ok, {}, {}, "HEAD"), NotStorable::kMethod);
  EXPECT_EQ(Check(200, ok, {}, {}, "POST"), NotStorable::kMethod);
  EXPECT_EQ(Check(200, ok, {}, {}, "get"), NotStorable::kMethod);  // methods are case-sensitive
}

TEST(FreshnessStorableTest, Statuses) {
  const http::HeaderMap etag_only = Headers({{"ETag", "\"x\""}});
  for (int status : {200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501}) {
    EXPECT_EQ(Check(status, etag_only), NotStorable::kNone) << status;
  }
  const http::HeaderMap explicit_fresh = Headers({{"Cache-Control", "max-age=60"}});
  for (int status : {100, 101, 206, 304}) {
    EXPECT_EQ(Check(status, explicit_fresh), NotStorable::kStatus) << status;
  }
  for (int status : {201, 302, 307, 400, 403, 500, 502, 503}) {
    EXPECT_EQ(Check(status, etag_only), NotStorable::kStatus) << status;
    EXPECT_EQ(Check(status, explicit_fresh), NotStorable::kNone) << status;
    EXPECT_EQ(Check(status, Headers({{"Cache-Control", "s-maxage=5"}})), NotStorable::kNone);
    EXPECT_EQ(Check(status, Headers({{"Expires", Date(kNow + 60)}, {"Date", Date(kNow)}})),
              NotStorable::kNone);
    EXPECT_EQ(Check(status, Headers({{"Cache-Control", "public"}, {"ETag", "\"x\""}})),
              NotStorable::kNone);
  }
}

TEST(FreshnessStorableTest, NoStoreInRequestOrResponse) {
  EXPECT_EQ(Check(200, Headers({{"Cache-Control", "max-age=60, no-store"}})),
            NotStorable::kNoStore);
  EXPECT_EQ(Check(200, Headers({{"Cache-Control", "max-age=60"}}),
                  Headers({{"Cache-Control", "no-store"}})),
            NotStorable::kNoStore);
}

TEST(FreshnessStorableTest, Private) {
  EXPECT_EQ(Check(200, Headers({{"Cache-Control", "private, max-age=60"}})), NotStorable::kPrivate);
  EXPECT_EQ(Check(200, Headers({{"Cache-Control", "private=\"X-User\", max-age=60"}})),
            NotStorable::kPrivate);
}

TEST(FreshnessStorableTest, Authorization) {
  const http::HeaderMap auth = Headers({{"Authorization", "Bearer x"}});
  EXPECT_EQ(Check(200, Headers({{"Cache-Control", "max-age=60"}}), auth),
            NotStorable::kAuthorization);
  for (const char* cc : {"max-age=60, must-revalidate", "max-age=60, public", "s-maxage=60"}) {
    EXPECT_EQ(Check(200, Headers({{"Cache-Control", cc}}), auth), NotStorable::kNone) << cc;
  }
  StoreRules rules;
  rules.allow_authorization = true;
  EXPECT_EQ(Check(200, Headers({{"Cache-Control", "max-age=60"}}), auth, rules),
            NotStorable::kNone);
}

TEST(FreshnessStorableTest, SetCookie) {
  const http::HeaderMap cookie = Headers({{"Cache-Control", "max-age=60"}, {"Set-Cookie", "a=b"}});
  EXPECT_EQ(Check(200, cookie), NotStorable::kSetCookie);
  StoreRules rules;
  rules.allow_set_cookie = true;
  EXPECT_EQ(Check(200, cookie, {}, rules), NotStorable::kNone);
}

TEST(FreshnessStorableTest, VaryStar) {
  EXPECT_EQ(Check(200, Headers({{"Cache-Control", "max-age=60"}, {"Vary", "Accept, *"}})),
            NotStorable::kVaryStar);
  EXPECT_EQ(Check(200, Headers({{"Cache-Control", "max-age=60"}, {"Vary", "Accept"}})),
            NotStorable::kNone);
}

TEST(FreshnessStorableTest, SomethingToGoOn) {
  // Nothing at all.
  EXPECT_EQ(Check(200, Headers({{"Date", Date(kNow)}})), NotStorable::kNoFreshness);
  // Zero lifetime and no validator.
  EXPECT_EQ(Check(200, Headers({{"Cache-Control", "max-age=0"}})), NotStorable::kNoFreshness);
  EXPECT_EQ(Check(200, Headers({{"Expires", Date(kNow - 10)}, {"Date", Date(kNow)}})),
            NotStorable::kNoFreshness);
  EXPECT_EQ(Check(200, Headers({{"Expires", "0"}})), NotStorable::kNoFreshness);
  // An Expires in the future, without a Date.
  EXPECT_EQ(Check(200, Headers({{"Expires", Date(kNow + 10)}})), NotStorable::kNone);
  // Validators alone.
  EXPECT_EQ(Check(200, Headers({{"ETag", "\"a\""}})), NotStorable::kNone);
  EXPECT_EQ(Check(200, Headers({{"Last-Modified", Date(kNow - kDay)}})), NotStorable::kNone);
  // no-cache needs a validator, even with a lifetime.
  EXPECT_EQ(Check(200, Headers({{"Cache-Control", "no-cache, max-age=60"}})),
            NotStorable::kNoFreshness);
  EXPECT_EQ(Check(200, Headers({{"Cache-Control", "no-cache"}, {"ETag", "\"a\""}})),
            NotStorable::kNone);
  // The route's default ttl.
  StoreRules rules;
  rules.default_ttl = 30;
  EXPECT_EQ(Check(200, Headers({{"Date", Date(kNow)}}), {}, rules), NotStorable::kNone);
  rules.default_ttl = 0;
  EXPECT_EQ(Check(200, Headers({{"Date", Date(kNow)}}), {}, rules), NotStorable::kNoFreshness);
}

StoredResponse Response(int status, http::HeaderMap headers, int64_t response_time = kNow) {
  StoredResponse r;
  r.status = status;
  r.headers = std::move(headers);
  r.request_time = response_time;
  r.response_time = response_time;
  return r;
}

int64_t Lifetime(const StoredResponse& r, const StoreRules& rules = {}) {
  return FreshnessLifetime(r, ParseCacheControl(r.headers), rules);
}

TEST(FreshnessTest, LifetimeSourcesInOrder) {
  const std::string date = Date(kNow);
  // s-maxage beats max-age beats Expires.
  EXPECT_EQ(Lifetime(Response(200, Headers({{"Cache-Control", "max-age=60, s-maxage=120"},
                                            {"Expires", Date(kNow + 500)},
                                            {"Date", date}}))),
            120);
  EXPECT_EQ(Lifetime(Response(
                200, Headers({{"Cache-Control", "max-age=60"}, {"Expires", Date(kNow + 500)}}))),
            60);
  // Expires − Date.
  EXPECT_EQ(Lifetime(Response(200, Headers({{"Expires", Date(kNow + 500)}, {"Date", date}}))), 500);
  // Expires − response_time without a Date.
  EXPECT_EQ(Lifetime(Response(200, Headers({{"Expires", Date(kNow + 300)}}))), 300);
  // Expires in the past, or invalid: 0.
  EXPECT_EQ(Lifetime(Response(200, Headers({{"Expires", Date(kNow - 5)}, {"Date", date}}))), 0);
  EXPECT_EQ(Lifetime(Response(200, Headers({{"Expires", "0"}}))), 0);
  // Explicit freshness wins over the heuristic and the default ttl.
  StoreRules rules;
  rules.default_ttl = 999;
  EXPECT_EQ(Lifetime(Response(200, Headers({{"Cache-Control", "max-age=7"}})), rules), 7);
}

TEST(FreshnessTest, HeuristicFromLastModified) {
  // 10% of Date − Last-Modified.
  EXPECT_EQ(Lifetime(Response(
                200, Headers({{"Date", Date(kNow)}, {"Last-Modified", Date(kNow - 1000)}}))),
            100);
  // Capped at one day.
  EXPECT_EQ(Lifetime(Response(
                200, Headers({{"Date", Date(kNow)}, {"Last-Modified", Date(kNow - 100 * kDay)}}))),
            kDay);
  // Without a Date, against response_time.
  EXPECT_EQ(Lifetime(Response(200, Headers({{"Last-Modified", Date(kNow - 500)}}))), 50);
  // Last-Modified in the future: 0.
  EXPECT_EQ(
      Lifetime(Response(200, Headers({{"Date", Date(kNow)}, {"Last-Modified", Date(kNow + 500)}}))),
      0);
  // Only for heuristically cacheable statuses, or public.
  EXPECT_EQ(Lifetime(Response(
                302, Headers({{"Date", Date(kNow)}, {"Last-Modified", Date(kNow - 1000)}}))),
            0);
  EXPECT_EQ(Lifetime(Response(302, Headers({{"Cache-Control", "public"},
                                            {"Date", Date(kNow)},
                                            {"Last-Modified", Date(kNow - 1000)}}))),
            100);
}

TEST(FreshnessTest, DefaultTtlReplacesTheHeuristic) {
  StoreRules rules;
  rules.default_ttl = 42;
  EXPECT_EQ(Lifetime(Response(200, Headers({{"Last-Modified", Date(kNow - 100000)}})), rules), 42);
  EXPECT_EQ(Lifetime(Response(404, {}), rules), 42);
  EXPECT_EQ(Lifetime(Response(500, {}), rules), 0);  // not heuristically cacheable
  EXPECT_EQ(Lifetime(Response(200, {})), 0);         // no rules: nothing
}

TEST(FreshnessTest, NoCacheMeansZero) {
  EXPECT_EQ(Lifetime(Response(200, Headers({{"Cache-Control", "no-cache, max-age=600"}}))), 0);
}

TEST(FreshnessTest, CurrentAge) {
  // Fresh from the origin: resident time only.
  StoredResponse r = Response(200, Headers({{"Date", Date(kNow)}}));
  EXPECT_EQ(CurrentAge(r, kNow), 0);
  EXPECT_EQ(CurrentAge(r, kNow + 30), 30);
  // A clock in the past: never negative.
  EXPECT_EQ(CurrentAge(r, kNow - 30), 0);

  // Age header plus the response delay.
  r = Response(200, Headers({{"Date", Date(kNow)}, {"Age", "100"}}));
  r.request_time = kNow - 3;
  EXPECT_EQ(CurrentAge(r, kNow), 103);
  EXPECT_EQ(CurrentAge(r, kNow + 10), 113);

  // Apparent age (Date well before response_time) wins when larger.
  r = Response(200, Headers({{"Date", Date(kNow - 500)}, {"Age", "100"}}));
  EXPECT_EQ(CurrentAge(r, kNow), 500);

  // A Date in the future gives no negative apparent age.
  r = Response(200, Headers({{"Date", Date(kNow + 500)}}));
  EXPECT_EQ(CurrentAge(r, kNow + 1), 1);

  // An invalid Age is ignored; a huge one is clamped.
  r = Response(200, Headers({{"Age", "-5"}}));
  EXPECT_EQ(CurrentAge(r, kNow), 0);
  r = Response(200, Headers({{"Age", "abc"}}));
  EXPECT_EQ(CurrentAge(r, kNow), 0);
  r = Response(200, Headers({{"Age", "99999999999999999999"}}));
  EXPECT_EQ(CurrentAge(r, kNow), int64_t{1} << 31);
}

TEST(FreshnessTest, Evaluate) {
  const StoredResponse r =
      Response(200, Headers({{"Cache-Control", "max-age=60"}, {"Date", Date(kNow)}}));
  const CacheControl cc = ParseCacheControl(r.headers);
  Freshness f = Evaluate(r, cc, {}, kNow + 59);
  EXPECT_TRUE(f.fresh);
  EXPECT_EQ(f.age, 59);
  EXPECT_EQ(f.lifetime, 60);
  EXPECT_EQ(f.staleness, 0);
  f = Evaluate(r, cc, {}, kNow + 60);  // age == lifetime: stale
  EXPECT_FALSE(f.fresh);
  EXPECT_EQ(f.staleness, 0);
  f = Evaluate(r, cc, {}, kNow + 100);
  EXPECT_FALSE(f.fresh);
  EXPECT_EQ(f.staleness, 40);
}

Freshness Fresh(int64_t age, int64_t lifetime) {
  Freshness f;
  f.age = age;
  f.lifetime = lifetime;
  f.fresh = lifetime > age;
  f.staleness = f.fresh ? 0 : age - lifetime;
  return f;
}

Use DecideFor(const Freshness& f, const char* request_cc, const char* response_cc,
              const http::HeaderMap& extra_request = {}) {
  http::HeaderMap request = extra_request;
  if (*request_cc != '\0') request.Add("Cache-Control", request_cc);
  http::HeaderMap response = Headers({{"Cache-Control", response_cc}});
  return Decide(f, ParseCacheControl(request), request, ParseCacheControl(response));
}

TEST(FreshnessDecideTest, FreshIsServed) {
  EXPECT_EQ(DecideFor(Fresh(10, 60), "", "max-age=60"), Use::kFresh);
}

TEST(FreshnessDecideTest, RequestNoCacheAndPragma) {
  EXPECT_EQ(DecideFor(Fresh(10, 60), "no-cache", "max-age=60"), Use::kRevalidate);
  const http::HeaderMap pragma = Headers({{"Pragma", "no-cache"}});
  EXPECT_EQ(DecideFor(Fresh(10, 60), "", "max-age=60", pragma), Use::kRevalidate);
  // Pragma is ignored when the request has Cache-Control.
  EXPECT_EQ(DecideFor(Fresh(10, 60), "max-stale=5", "max-age=60", pragma), Use::kFresh);
}

TEST(FreshnessDecideTest, ResponseNoCache) {
  EXPECT_EQ(DecideFor(Fresh(0, 60), "", "no-cache"), Use::kRevalidate);
}

TEST(FreshnessDecideTest, RequestMaxAge) {
  EXPECT_EQ(DecideFor(Fresh(10, 60), "max-age=10", "max-age=60"), Use::kFresh);
  EXPECT_EQ(DecideFor(Fresh(11, 60), "max-age=10", "max-age=60"), Use::kRevalidate);
  // max-age=0 always revalidates (a browser's reload), even a response of age 0.
  EXPECT_EQ(DecideFor(Fresh(0, 60), "max-age=0", "max-age=60"), Use::kRevalidate);
  EXPECT_EQ(DecideFor(Fresh(1, 60), "max-age=0", "max-age=60"), Use::kRevalidate);
}

TEST(FreshnessDecideTest, MinFresh) {
  EXPECT_EQ(DecideFor(Fresh(40, 60), "min-fresh=20", "max-age=60"), Use::kFresh);
  EXPECT_EQ(DecideFor(Fresh(41, 60), "min-fresh=20", "max-age=60"), Use::kRevalidate);
}

TEST(FreshnessDecideTest, MaxStale) {
  EXPECT_EQ(DecideFor(Fresh(70, 60), "max-stale=10", "max-age=60"), Use::kFresh);
  EXPECT_EQ(DecideFor(Fresh(71, 60), "max-stale=10", "max-age=60"), Use::kRevalidate);
  EXPECT_EQ(DecideFor(Fresh(100000, 60), "max-stale", "max-age=60"), Use::kFresh);
  EXPECT_EQ(DecideFor(Fresh(70, 60), "", "max-age=60"), Use::kRevalidate);
}

TEST(FreshnessDecideTest, NeverStaleWhenTheResponseForbids) {
  for (const char* response :
       {"max-age=60, must-revalidate", "max-age=60, proxy-revalidate", "s-maxage=60"}) {
    SCOPED_TRACE(response);
    EXPECT_EQ(DecideFor(Fresh(70, 60), "max-stale", response), Use::kRevalidate);
    EXPECT_EQ(DecideFor(Fresh(30, 60), "max-stale", response), Use::kFresh);
  }
}

TEST(FreshnessDecideTest, StaleWhileRevalidateWindow) {
  const char* swr = "max-age=60, stale-while-revalidate=30";
  EXPECT_EQ(DecideFor(Fresh(30, 60), "", swr), Use::kFresh);
  EXPECT_EQ(DecideFor(Fresh(60, 60), "", swr), Use::kStaleWhileRevalidate);
  EXPECT_EQ(DecideFor(Fresh(90, 60), "", swr), Use::kStaleWhileRevalidate);
  EXPECT_EQ(DecideFor(Fresh(91, 60), "", swr), Use::kRevalidate);
  // must-revalidate / proxy-revalidate forbid it; s-maxage (implied proxy-revalidate) does not.
  EXPECT_EQ(DecideFor(Fresh(70, 60), "", "max-age=60, stale-while-revalidate=30, must-revalidate"),
            Use::kRevalidate);
  EXPECT_EQ(DecideFor(Fresh(70, 60), "", "max-age=60, stale-while-revalidate=30, proxy-revalidate"),
            Use::kRevalidate);
  EXPECT_EQ(DecideFor(Fresh(70, 60), "", "s-maxage=60, stale-while-revalidate=30"),
            Use::kStaleWhileRevalidate);
  // The client's own limits come first.
  EXPECT_EQ(DecideFor(Fresh(70, 60), "no-cache", swr), Use::kRevalidate);
  EXPECT_EQ(DecideFor(Fresh(70, 60), "max-age=65", swr), Use::kRevalidate);
  // max-stale serves it as plainly usable when it covers the staleness.
  EXPECT_EQ(DecideFor(Fresh(70, 60), "max-stale=20", swr), Use::kFresh);
}

bool StaleOnError(const Freshness& f, const char* request_cc, const char* response_cc) {
  return MayServeStaleOnError(f, ParseCacheControl(Headers({{"Cache-Control", request_cc}})),
                              ParseCacheControl(Headers({{"Cache-Control", response_cc}})));
}

TEST(FreshnessStaleIfErrorTest, WindowFromResponseOrRequest) {
  EXPECT_TRUE(StaleOnError(Fresh(100, 60), "", "max-age=60, stale-if-error=40"));
  EXPECT_FALSE(StaleOnError(Fresh(101, 60), "", "max-age=60, stale-if-error=40"));
  EXPECT_TRUE(StaleOnError(Fresh(100, 60), "stale-if-error=50", "max-age=60"));
  EXPECT_FALSE(StaleOnError(Fresh(100, 60), "stale-if-error=10", "max-age=60"));
  EXPECT_FALSE(StaleOnError(Fresh(100, 60), "", "max-age=60"));
  // Either window is enough.
  EXPECT_TRUE(StaleOnError(Fresh(100, 60), "stale-if-error=50", "max-age=60, stale-if-error=1"));
  // A fresh response revalidated on the client's say-so counts as 0 seconds stale.
  EXPECT_TRUE(StaleOnError(Fresh(10, 60), "no-cache", "max-age=60, stale-if-error=0"));
}

TEST(FreshnessStaleIfErrorTest, ForbiddenByTheResponse) {
  for (const char* response :
       {"max-age=60, stale-if-error=100, must-revalidate",
        "max-age=60, stale-if-error=100, proxy-revalidate", "no-cache, stale-if-error=100"}) {
    SCOPED_TRACE(response);
    EXPECT_FALSE(StaleOnError(Fresh(70, 60), "", response));
    EXPECT_FALSE(StaleOnError(Fresh(70, 60), "stale-if-error=100", response));
  }
}

}  // namespace
}  // namespace rampart::cache
