#pragma once
// Conditional requests (RFC 9110 §13): evaluating If-Match, If-None-Match, If-Modified-Since,
// If-Unmodified-Since and If-Range against the validators of the representation being served,
// and the fields a 304 carries. Pure functions; any thread.

#include <cstdint>
#include <optional>
#include <string_view>

#include "http/header_map.h"

namespace rampart::http {

// What the preconditions of a request decide.
enum class Precondition : uint8_t {
  kProceed,      // every precondition holds (or none applies): perform the method
  kNotModified,  // answer 304 Not Modified (GET/HEAD only)
  kFailed,       // answer 412 Precondition Failed
};

// Evaluates the request's preconditions in RFC 9110 §13.2.2's order: If-Match, then
// If-Unmodified-Since (only without If-Match), then If-None-Match, then If-Modified-Since (only
// for GET/HEAD and only without If-None-Match). `etag` is the representation's entity-tag as the
// ETag field writes it ("\"abc\"" or "W/\"abc\""), empty when it has none; `last_modified` is in
// Unix seconds, nullopt when unknown; `now` (Unix seconds) makes If-Modified-Since dates in the
// future invalid. The representation must exist: "*" always matches it. `method` is compared
// case-sensitively, as methods are.
Precondition EvaluatePreconditions(std::string_view method, const HeaderMap& request,
                                   std::string_view etag, std::optional<int64_t> last_modified,
                                   int64_t now);
// The same with `now` read from the system clock.
Precondition EvaluatePreconditions(std::string_view method, const HeaderMap& request,
                                   std::string_view etag, std::optional<int64_t> last_modified);

// If-Range (RFC 9110 §13.1.5): true when the Range header may be honoured: there is no If-Range,
// or it holds an entity-tag that strongly matches `etag`, or an HTTP-date exactly equal to
// `last_modified`. Anything else (a weak tag, another date, several If-Range fields, a value that
// is neither) is false: the whole representation is sent.
bool IfRangeAllows(const HeaderMap& request, std::string_view etag,
                   std::optional<int64_t> last_modified);

// Copies the fields a 304 must carry (RFC 9110 §15.4.5: Cache-Control, Content-Location, Date,
// ETag, Expires, Vary) and Last-Modified from `from` (the response a 200 would have sent) to
// `to`. Each field present in `from` replaces every field of that name in `to`, keeping all of its
// lines; a field absent from `from` is left as `to` has it.
void CopyNotModifiedFields(const HeaderMap& from, HeaderMap& to);

}  // namespace rampart::http
