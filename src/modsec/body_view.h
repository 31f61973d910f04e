#pragma once
// Body views: what the WAF inspects of a request body that none of libmodsecurity's processors
// (URL-encoded, multipart, JSON, XML) reads. Such a body would otherwise reach only the few
// rules that look at REQUEST_BODY as one string, so CRS (rightly) refuses its Content-Type.
// A view turns it into a JSON document that libmodsecurity's JSON processor parses into ARGS,
// and every CRS rule then inspects each value as it inspects a JSON API's:
//
//   text/plain            the body itself when it is a JSON object or array (beacons); an
//                         array of its lines when each is one (NDJSON sent as text);
//                         otherwise {"text": body}
//   NDJSON, JSON Lines    an array of the lines, a line that is not JSON as {"text": line}
//   application/graphql   {"query": body, "strings": [...]}: the document as a GraphQL client
//                         sends it in JSON, and each of its string literals, escapes decoded
//   protobuf              an array of every length-delimited field (a string, bytes or an
//                         embedded message: without the schema nobody knows which; an
//                         embedded message's bytes only when they could be text) and of the
//                         fields of each one that parses as a message, at any depth up to 4;
//                         {"text": body} when the body is not protobuf
//   gRPC, gRPC-web        each frame's message as protobuf; gRPC-web-text base64-decoded first
//
// A {"text": ...} value also lists, as "strings", every quoted literal in it that holds an
// escape, decoded: a JSON document a strict parser refuses (a lone surrogate, a stray byte) may
// be one to the backend, whose parser then decodes `\u0027` (quoted_strings.h). Control
// characters other than tab, CR and LF become spaces, so a view is at most about three times
// the body (quotes and backslashes escaped, invalid UTF-8 as U+FFFD).
//
// The view only feeds the inspection: the backend gets the body as the client sent it. A gRPC
// body whose frames cannot be read (a compressed frame, a length past the end, bad base64)
// yields kUnreadable, which is not JSON: libmodsecurity reports a body parse error and
// rules/modsecurity.conf's rule 200002 refuses the request (400) rather than let it through
// uninspected.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::modsec {

// Not JSON: handed to the JSON processor, it is a parse error (see above).
inline constexpr std::string_view kUnreadable = "<rampart: unreadable body>";

// The media types that have a view (lowercase, no parameters), for the route's list of
// allowed content types.
const std::vector<std::string>& BodyViewMediaTypes();

// Whether a body sent with Content-Type `content_type` has a view (libmodsecurity then reads
// the view, not the body).
bool HasBodyView(std::string_view content_type);

// The view of `body` sent with Content-Type `content_type` (any case, parameters allowed), or
// nullopt when the type has none (libmodsecurity reads it itself, or nothing does). `cut`: the
// body is the first part of a longer one (the WAF's limit in inspect_partial mode), so an
// incomplete last gRPC frame is left out rather than unreadable.
std::optional<std::string> BodyViewOf(std::string_view content_type, std::string_view body,
                                      bool cut = false);

}  // namespace rampart::modsec
