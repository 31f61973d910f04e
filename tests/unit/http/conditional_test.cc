#include "http/conditional.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "http/http_date.h"

namespace rampart::http {
namespace {

using P = Precondition;

constexpr std::string_view kTag = "\"v1\"";
constexpr int64_t kModified = 1'700'000'000;
constexpr int64_t kNow = kModified + 3600;

HeaderMap Request(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  HeaderMap headers;
  headers.Add("Host", "example.com");
  for (const auto& [name, value] : fields) headers.Add(name, value);
  return headers;
}

P Evaluate(std::string_view method, const HeaderMap& request, std::string_view etag = kTag,
           std::optional<int64_t> last_modified = kModified) {
  return EvaluatePreconditions(method, request, etag, last_modified, kNow);
}

std::string Date(int64_t t) { return FormatHttpDate(t); }

TEST(ConditionalTest, NoPreconditionsProceed) {
  EXPECT_EQ(Evaluate("GET", Request({})), P::kProceed);
  EXPECT_EQ(Evaluate("PUT", Request({}), "", std::nullopt), P::kProceed);
}

TEST(ConditionalTest, IfMatchUsesStrongComparison) {
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Match", "\"v1\""}})), P::kProceed);
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Match", "\"v2\""}})), P::kFailed);
  // A weak tag on either side never matches strongly.
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Match", "W/\"v1\""}})), P::kFailed);
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Match", "\"v1\""}}), "W/\"v1\""), P::kFailed);
  // Opaque tags compare byte for byte.
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Match", "\"V1\""}})), P::kFailed);
}

TEST(ConditionalTest, IfMatchFailureIsFailedForGetToo) {
  EXPECT_EQ(Evaluate("GET", Request({{"If-Match", "\"other\""}})), P::kFailed);
  EXPECT_EQ(Evaluate("GET", Request({{"If-Match", "\"v1\""}})), P::kProceed);
}

TEST(ConditionalTest, IfMatchStarMatchesAnyRepresentation) {
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Match", "*"}})), P::kProceed);
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Match", "*"}}), "", std::nullopt), P::kProceed);
}

TEST(ConditionalTest, IfMatchListsAndSeveralLines) {
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Match", "\"a\", \"b\" ,\"v1\""}})), P::kProceed);
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Match", "\"a\", \"b\""}})), P::kFailed);
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Match", "\"a\""}, {"If-Match", "\"v1\""}})), P::kProceed);
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Match", "\"a\""}, {"if-match", "\"b\""}})), P::kFailed);
  // Empty list elements are allowed.
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Match", " , ,\"v1\","}})), P::kProceed);
}

TEST(ConditionalTest, IfMatchTagsMayContainCommas) {
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Match", "\"a,b\""}}), "\"a,b\""), P::kProceed);
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Match", "\"x\", \"a,b\""}}), "\"a,b\""), P::kProceed);
  // Split naively on the comma, "\"a" and "b\"" would be two members; neither is the tag "\"a\"".
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Match", "\"a,b\""}}), "\"a\""), P::kFailed);
}

TEST(ConditionalTest, MalformedMembersMatchNothing) {
  // Unquoted, unterminated, and trailing garbage after a tag.
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Match", "v1"}})), P::kFailed);
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Match", "\"v1"}})), P::kFailed);
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Match", "\"v1\"junk"}})), P::kFailed);
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Match", "**"}})), P::kFailed);
  // A malformed member does not hide a good one after it.
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Match", "junk, \"v1\""}})), P::kProceed);
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Match", "\"x\"junk, \"v1\""}})), P::kProceed);
}

TEST(ConditionalTest, IfMatchWithoutAnETagFails) {
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Match", "\"v1\""}}), ""), P::kFailed);
  // A representation tag that is not a valid entity-tag matches nothing.
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Match", "\"v1\""}}), "v1"), P::kFailed);
}

TEST(ConditionalTest, IfUnmodifiedSince) {
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Unmodified-Since", Date(kModified)}})), P::kProceed);
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Unmodified-Since", Date(kModified + 1)}})), P::kProceed);
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Unmodified-Since", Date(kModified - 1)}})), P::kFailed);
  EXPECT_EQ(Evaluate("GET", Request({{"If-Unmodified-Since", Date(kModified - 1)}})), P::kFailed);
}

TEST(ConditionalTest, IfUnmodifiedSinceIsIgnoredWhenItCannotBeEvaluated) {
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Unmodified-Since", "yesterday"}})), P::kProceed);
  EXPECT_EQ(
      Evaluate("PUT", Request({{"If-Unmodified-Since", Date(kModified - 1)}}), kTag, std::nullopt),
      P::kProceed);
  // Two dates are a list, which is invalid.
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Unmodified-Since", Date(kModified - 1)},
                                     {"If-Unmodified-Since", Date(kModified - 1)}})),
            P::kProceed);
}

TEST(ConditionalTest, IfUnmodifiedSinceIsSkippedWhenIfMatchIsPresent) {
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Match", "\"v1\""},
                                     {"If-Unmodified-Since", Date(kModified - 1)}})),
            P::kProceed);
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Match", "\"v2\""},
                                     {"If-Unmodified-Since", Date(kModified + 1)}})),
            P::kFailed);
}

TEST(ConditionalTest, IfNoneMatchUsesWeakComparison) {
  EXPECT_EQ(Evaluate("GET", Request({{"If-None-Match", "\"v1\""}})), P::kNotModified);
  EXPECT_EQ(Evaluate("GET", Request({{"If-None-Match", "W/\"v1\""}})), P::kNotModified);
  EXPECT_EQ(Evaluate("GET", Request({{"If-None-Match", "\"v1\""}}), "W/\"v1\""), P::kNotModified);
  EXPECT_EQ(Evaluate("GET", Request({{"If-None-Match", "\"v2\""}})), P::kProceed);
  EXPECT_EQ(Evaluate("HEAD", Request({{"If-None-Match", "\"v1\""}})), P::kNotModified);
}

TEST(ConditionalTest, IfNoneMatchFailsOtherMethodsWith412) {
  EXPECT_EQ(Evaluate("PUT", Request({{"If-None-Match", "\"v1\""}})), P::kFailed);
  EXPECT_EQ(Evaluate("POST", Request({{"If-None-Match", "*"}})), P::kFailed);
  EXPECT_EQ(Evaluate("DELETE", Request({{"If-None-Match", "\"v2\""}})), P::kProceed);
  // Methods are case-sensitive: "get" is not GET.
  EXPECT_EQ(Evaluate("get", Request({{"If-None-Match", "\"v1\""}})), P::kFailed);
}

TEST(ConditionalTest, IfNoneMatchStarListsAndLines) {
  EXPECT_EQ(Evaluate("GET", Request({{"If-None-Match", "*"}})), P::kNotModified);
  EXPECT_EQ(Evaluate("GET", Request({{"If-None-Match", "\"a\", W/\"v1\""}})), P::kNotModified);
  EXPECT_EQ(Evaluate("GET", Request({{"If-None-Match", "\"a\""}, {"If-None-Match", "\"v1\""}})),
            P::kNotModified);
  EXPECT_EQ(Evaluate("GET", Request({{"If-None-Match", "\"a\", \"b\""}})), P::kProceed);
  // Without an ETag of its own, only "*" matches.
  EXPECT_EQ(Evaluate("GET", Request({{"If-None-Match", "\"v1\""}}), ""), P::kProceed);
  EXPECT_EQ(Evaluate("GET", Request({{"If-None-Match", "*"}}), ""), P::kNotModified);
}

TEST(ConditionalTest, IfModifiedSince) {
  EXPECT_EQ(Evaluate("GET", Request({{"If-Modified-Since", Date(kModified)}})), P::kNotModified);
  EXPECT_EQ(Evaluate("GET", Request({{"If-Modified-Since", Date(kModified + 60)}})),
            P::kNotModified);
  EXPECT_EQ(Evaluate("HEAD", Request({{"If-Modified-Since", Date(kModified)}})), P::kNotModified);
  EXPECT_EQ(Evaluate("GET", Request({{"If-Modified-Since", Date(kModified - 1)}})), P::kProceed);
  // The obsolete date forms count too.
  EXPECT_EQ(Evaluate("GET", Request({{"If-Modified-Since", "Sun Nov  6 08:49:37 1994"}}), kTag,
                     784111777),
            P::kNotModified);
}

TEST(ConditionalTest, IfModifiedSinceOnlyForGetAndHead) {
  EXPECT_EQ(Evaluate("POST", Request({{"If-Modified-Since", Date(kModified)}})), P::kProceed);
  EXPECT_EQ(Evaluate("PUT", Request({{"If-Modified-Since", Date(kModified)}})), P::kProceed);
}

TEST(ConditionalTest, IfModifiedSinceIsIgnoredWhenInvalid) {
  EXPECT_EQ(Evaluate("GET", Request({{"If-Modified-Since", "not a date"}})), P::kProceed);
  EXPECT_EQ(Evaluate("GET", Request({{"If-Modified-Since", ""}})), P::kProceed);
  EXPECT_EQ(Evaluate("GET", Request({{"If-Modified-Since", Date(kModified)}}), kTag, std::nullopt),
            P::kProceed);
  EXPECT_EQ(Evaluate("GET", Request({{"If-Modified-Since", Date(kModified)},
                                     {"If-Modified-Since", Date(kModified)}})),
            P::kProceed);
}

TEST(ConditionalTest, IfModifiedSinceInTheFutureIsIgnored) {
  EXPECT_EQ(Evaluate("GET", Request({{"If-Modified-Since", Date(kNow)}})), P::kNotModified);
  EXPECT_EQ(Evaluate("GET", Request({{"If-Modified-Since", Date(kNow + 1)}})), P::kProceed);
}

TEST(ConditionalTest, IfNoneMatchTakesPrecedenceOverIfModifiedSince) {
  // The tag differs, so the representation changed, whatever the date says.
  EXPECT_EQ(Evaluate("GET", Request({{"If-None-Match", "\"old\""},
                                     {"If-Modified-Since", Date(kModified)}})),
            P::kProceed);
  EXPECT_EQ(Evaluate("GET", Request({{"If-None-Match", "\"v1\""},
                                     {"If-Modified-Since", Date(kModified - 100)}})),
            P::kNotModified);
}

TEST(ConditionalTest, IfMatchIsEvaluatedBeforeIfNoneMatch) {
  EXPECT_EQ(Evaluate("GET", Request({{"If-Match", "\"v2\""}, {"If-None-Match", "\"v1\""}})),
            P::kFailed);
  EXPECT_EQ(Evaluate("GET", Request({{"If-Match", "\"v1\""}, {"If-None-Match", "\"v1\""}})),
            P::kNotModified);
  EXPECT_EQ(Evaluate("GET", Request({{"If-Unmodified-Since", Date(kModified - 1)},
                                     {"If-Modified-Since", Date(kModified)}})),
            P::kFailed);
}

TEST(ConditionalTest, SystemClockOverloadIgnoresFutureDates) {
  const HeaderMap past = Request({{"If-Modified-Since", Date(kModified)}});
  EXPECT_EQ(EvaluatePreconditions("GET", past, kTag, kModified), P::kNotModified);
  // 2100-01-01: later than any clock this test runs on.
  const HeaderMap future = Request({{"If-Modified-Since", Date(4'102'444'800)}});
  EXPECT_EQ(EvaluatePreconditions("GET", future, kTag, kModified), P::kProceed);
}

TEST(ConditionalTest, IfRangeAbsentAllows) {
  EXPECT_TRUE(IfRangeAllows(Request({}), kTag, kModified));
  EXPECT_TRUE(IfRangeAllows(Request({}), "", std::nullopt));
}

TEST(ConditionalTest, IfRangeWithAnEntityTagNeedsAStrongMatch) {
  EXPECT_TRUE(IfRangeAllows(Request({{"If-Range", "\"v1\""}}), kTag, kModified));
  EXPECT_TRUE(IfRangeAllows(Request({{"If-Range", " \"v1\" "}}), kTag, kModified));
  EXPECT_FALSE(IfRangeAllows(Request({{"If-Range", "\"v2\""}}), kTag, kModified));
  EXPECT_FALSE(IfRangeAllows(Request({{"If-Range", "W/\"v1\""}}), kTag, kModified));
  EXPECT_FALSE(IfRangeAllows(Request({{"If-Range", "\"v1\""}}), "W/\"v1\"", kModified));
  EXPECT_FALSE(IfRangeAllows(Request({{"If-Range", "\"v1\""}}), "", kModified));
  EXPECT_FALSE(IfRangeAllows(Request({{"If-Range", "\"v1\", \"v2\""}}), kTag, kModified));
  EXPECT_FALSE(IfRangeAllows(Request({{"If-Range", "\"v1"}}), kTag, kModified));
}

TEST(ConditionalTest, IfRangeWithADateNeedsAnExactMatch) {
  EXPECT_TRUE(IfRangeAllows(Request({{"If-Range", Date(kModified)}}), kTag, kModified));
  EXPECT_FALSE(IfRangeAllows(Request({{"If-Range", Date(kModified + 1)}}), kTag, kModified));
  EXPECT_FALSE(IfRangeAllows(Request({{"If-Range", Date(kModified - 1)}}), kTag, kModified));
  EXPECT_FALSE(IfRangeAllows(Request({{"If-Range", Date(kModified)}}), kTag, std::nullopt));
}

TEST(ConditionalTest, IfRangeThatIsNeitherOrRepeatedRefuses) {
  EXPECT_FALSE(IfRangeAllows(Request({{"If-Range", "v1"}}), kTag, kModified));
  EXPECT_FALSE(IfRangeAllows(Request({{"If-Range", "*"}}), kTag, kModified));
  EXPECT_FALSE(IfRangeAllows(Request({{"If-Range", ""}}), kTag, kModified));
  EXPECT_FALSE(
      IfRangeAllows(Request({{"If-Range", "\"v1\""}, {"If-Range", "\"v1\""}}), kTag, kModified));
}

TEST(ConditionalTest, CopyNotModifiedFieldsCopiesTheListedFields) {
  HeaderMap from;
  from.Add("Content-Type", "text/html");
  from.Add("Content-Length", "42");
  from.Add("ETag", "\"v1\"");
  from.Add("Last-Modified", Date(kModified));
  from.Add("Cache-Control", "max-age=60");
  from.Add("vary", "Accept-Encoding");
  from.Add("Vary", "Accept-Language");
  from.Add("Date", Date(kNow));
  from.Add("Expires", Date(kNow + 60));
  from.Add("Content-Location", "/index.html");
  from.Add("Set-Cookie", "a=1");

  HeaderMap to;
  to.Add("Server", "rampart");
  to.Add("Date", "stale");
  CopyNotModifiedFields(from, to);

  EXPECT_EQ(to.Count("Content-Type"), 0u);
  EXPECT_EQ(to.Count("Content-Length"), 0u);
  EXPECT_EQ(to.Count("Set-Cookie"), 0u);
  ASSERT_NE(to.Get("Server"), nullptr);
  EXPECT_EQ(*to.Get("Server"), "rampart");
  EXPECT_EQ(to.Count("Date"), 1u);
  EXPECT_EQ(*to.Get("Date"), Date(kNow));
  EXPECT_EQ(*to.Get("ETag"), "\"v1\"");
  EXPECT_EQ(*to.Get("Last-Modified"), Date(kModified));
  EXPECT_EQ(*to.Get("Cache-Control"), "max-age=60");
  EXPECT_EQ(*to.Get("Expires"), Date(kNow + 60));
  EXPECT_EQ(*to.Get("Content-Location"), "/index.html");
  ASSERT_EQ(to.Count("Vary"), 2u);
  std::vector<std::string> vary;
  for (const Header& h : to) {
    if (h.name == "vary" || h.name == "Vary") vary.push_back(h.value);
  }
  EXPECT_EQ(vary, (std::vector<std::string>{"Accept-Encoding", "Accept-Language"}));
}

TEST(ConditionalTest, CopyNotModifiedFieldsKeepsWhatFromLacks) {
  HeaderMap from;
  from.Add("ETag", "\"v2\"");
  HeaderMap to;
  to.Add("Date", Date(kNow));
  to.Add("ETag", "\"v1\"");
  CopyNotModifiedFields(from, to);
  EXPECT_EQ(*to.Get("Date"), Date(kNow));
  EXPECT_EQ(to.Count("ETag"), 1u);
  EXPECT_EQ(*to.Get("ETag"), "\"v2\"");
  CopyNotModifiedFields(to, to);  // the same map: nothing to do
  EXPECT_EQ(to.size(), 2u);
}

}  // namespace
}  // namespace rampart::http
