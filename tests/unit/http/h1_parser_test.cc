// Request and response head parsing. Every case runs twice: the whole input in one call, and
// byte by byte (a growing prefix, each in its own exact-size heap buffer) where every call
// before the last must say kPartial and the last must give the same outcome; an error may come
// earlier, never differ.

#include "http/h1_parser.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "exact_buffer.h"

namespace rampart::http {
namespace {

using namespace std::string_literals;
using testing::ExactBuffer;
using Fields = std::vector<std::pair<std::string, std::string>>;

struct RequestOutcome {
  ParseStatus status = ParseStatus::kPartial;
  ParseError error = ParseError::kNone;
  size_t consumed = 0;
  size_t fed = 0;  // prefix length that produced the outcome
  Request request;
};

RequestOutcome ParseRequestWhole(std::string_view input, const ParseLimits& limits) {
  RequestParser parser(limits);
  RequestOutcome outcome;
  ExactBuffer buffer(input);
  outcome.status = parser.Parse(buffer.view(), outcome.request, outcome.consumed);
  outcome.error = parser.error();
  outcome.fed = input.size();
  return outcome;
}

RequestOutcome ParseRequestBytewise(std::string_view input, const ParseLimits& limits) {
  RequestParser parser(limits);
  RequestOutcome outcome;
  for (size_t n = 1; n <= input.size(); ++n) {
    ExactBuffer prefix(input.substr(0, n));
    outcome.status = parser.Parse(prefix.view(), outcome.request, outcome.consumed);
    outcome.fed = n;
    if (outcome.status != ParseStatus::kPartial) break;
  }
  outcome.error = parser.error();
  return outcome;
}

Fields FieldsOf(const HeaderMap& headers) {
  Fields fields;
  for (const Header& h : headers) fields.emplace_back(h.name, h.value);
  return fields;
}

// Test names are generated from case names: letters, digits and '_' only.
template <typename Case>
std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  return info.param.name;
}

// ---------------------------------------------------------------------------------------------
// Valid requests

struct ValidRequestCase {
  std::string name;
  std::string head;
  std::string body = "";  // bytes after the head: never consumed
  std::string method = "GET";
  std::string target = "/";
  Version version = Version::kHttp11;
  std::string host = "a";
  BodyFraming framing = BodyFraming::kNone;
  uint64_t content_length = 0;
  bool keep_alive = true;
  bool expect_continue = false;
  bool upgrade = false;
  std::string path = "/";
  std::string query = "";
  Fields fields = {{"Host", "a"}};
  ParseLimits limits = {};
};

void PrintTo(const ValidRequestCase& c, std::ostream* os) { *os << c.name; }

std::vector<ValidRequestCase> ValidRequestCases() {
  return {
      {.name = "simple_get", .head = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"},
      {.name = "origin_form_with_query",
       .head = "GET /a/b%20c?x=1&y=/?z HTTP/1.1\r\nHost: a\r\n\r\n",
       .target = "/a/b%20c?x=1&y=/?z",
       .path = "/a/b%20c",
       .query = "x=1&y=/?z"},
      {.name = "empty_query",
       .head = "GET /p? HTTP/1.1\r\nHost: a\r\n\r\n",
       .target = "/p?",
       .path = "/p"},
      {.name = "double_slash_path",
       .head = "GET //x HTTP/1.1\r\nHost: a\r\n\r\n",
       .target = "//x",
       .path = "//x"},
      {.name = "http10_no_host",
       .head = "GET / HTTP/1.0\r\n\r\n",
       .version = Version::kHttp10,
       .host = "",
       .keep_alive = false,
       .fields = {}},
      {.name = "http10_keep_alive",
       .head = "GET / HTTP/1.0\r\nHost: a\r\nConnection: Keep-Alive\r\n\r\n",
       .version = Version::kHttp10,
       .fields = {{"Host", "a"}, {"Connection", "Keep-Alive"}}},
      {.name = "http10_upgrade_ignored",
       .head = "GET / HTTP/1.0\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n",
       .version = Version::kHttp10,
       .keep_alive = false,
       .fields = {{"Host", "a"}, {"Connection", "upgrade"}, {"Upgrade", "websocket"}}},
      {.name = "http10_expect_ignored",
       .head = "POST / HTTP/1.0\r\nHost: a\r\nExpect: 100-continue\r\n\r\n",
       .method = "POST",
       .version = Version::kHttp10,
       .keep_alive = false,
       .fields = {{"Host", "a"}, {"Expect", "100-continue"}}},
      {.name = "connection_close",
       .head = "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, CLOSE\r\n\r\n",
       .keep_alive = false,
       .fields = {{"Host", "a"}, {"Connection", "keep-alive, CLOSE"}}},
      {.name = "content_length_with_body",
       .head = "POST /form HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n",
       .body = "hello",
       .method = "POST",
       .target = "/form",
       .framing = BodyFraming::kContentLength,
       .content_length = 5,
       .path = "/form",
       .fields = {{"Host", "a"}, {"Content-Length", "5"}}},
      {.name = "content_length_zero",
       .head = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
       .method = "POST",
       .framing = BodyFraming::kContentLength,
       .fields = {{"Host", "a"}, {"Content-Length", "0"}}},
      {.name = "content_length_leading_zeros",
       .head = "POST / HTTP/1.1\r\nHost: a\r\ncontent-length:  007 \r\n\r\n",
       .method = "POST",
       .framing = BodyFraming::kContentLength,
       .content_length = 7,
       .fields = {{"Host", "a"}, {"content-length", "007"}}},
      {.name = "content_length_max",
       .head = "PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775807\r\n\r\n",
       .method = "PUT",
       .framing = BodyFraming::kContentLength,
       .content_length = 9223372036854775807ULL,
       .fields = {{"Host", "a"}, {"Content-Length", "9223372036854775807"}}},
      {.name = "chunked",
       .head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n",
       .body = "5\r\nhello\r\n0\r\n\r\n",
       .method = "POST",
       .framing = BodyFraming::kChunked,
       .fields = {{"Host", "a"}, {"Transfer-Encoding", "Chunked"}}},
      {.name = "chunked_with_ows",
       .head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \tchunked \r\n\r\n",
       .method = "POST",
       .framing = BodyFraming::kChunked,
       .fields = {{"Host", "a"}, {"Transfer-Encoding", "chunked"}}},
      {.name = "expect_continue",
       .head = "PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n",
       .method = "PUT",
       .framing = BodyFraming::kContentLength,
       .content_length = 1,
       .expect_continue = true,
       .fields = {{"Host", "a"}, {"Expect", "100-Continue"}, {"Content-Length", "1"}}},
      {.name = "expect_other",
       .head = "GET / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n",
       .fields = {{"Host", "a"}, {"Expect", "200-ok"}}},
      {.name = "websocket_upgrade",
       .head = "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\n"
               "Upgrade: websocket\r\n\r\n",
       .target = "/ws",
       .upgrade = true,
       .path = "/ws",
       .fields = {{"Host", "a"}, {"Connection", "keep-alive, Upgrade"}, {"Upgrade", "websocket"}}},
      {.name = "connection_upgrade_without_upgrade_field",
       .head = "GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n\r\n",
       .fields = {{"Host", "a"}, {"Connection", "upgrade"}}},
      {.name = "upgrade_field_without_connection_token",
       .head = "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\n\r\n",
       .fields = {{"Host", "a"}, {"Upgrade", "h2c"}}},
      {.name = "absolute_form",
       .head = "GET http://Example.com:8080/p/q?x=1 HTTP/1.1\r\nHost: other\r\n\r\n",
       .target = "http://Example.com:8080/p/q?x=1",
       .host = "Example.com:8080",
       .path = "/p/q",
       .query = "x=1",
       .fields = {{"Host", "other"}}},
      {.name = "absolute_form_https_no_path",
       .head = "GET HTTPS://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n",
       .target = "HTTPS://example.com",
       .host = "example.com",
       .fields = {{"Host", "example.com"}}},
      {.name = "absolute_form_query_no_path",
       .head = "GET http://h?x HTTP/1.1\r\nHost: h\r\n\r\n",
       .target = "http://h?x",
       .host = "h",
       .query = "x",
       .fields = {{"Host", "h"}}},
      {.name = "absolute_form_ipv6",
       .head = "GET http://[::1]:81/ HTTP/1.1\r\nHost: [::1]:81\r\n\r\n",
       .target = "http://[::1]:81/",
       .host = "[::1]:81",
       .fields = {{"Host", "[::1]:81"}}},
      {.name = "absolute_form_http10_without_host",
       .head = "GET http://h/x HTTP/1.0\r\n\r\n",
       .target = "http://h/x",
       .version = Version::kHttp10,
       .host = "h",
       .keep_alive = false,
       .path = "/x",
       .fields = {}},
      {.name = "options_star",
       .head = "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
       .method = "OPTIONS",
       .target = "*"},
      {.name = "leading_empty_lines", .head = "\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"},
      {.name = "extension_method",
       .head = "M-SEARCH /x HTTP/1.1\r\nHost: a\r\n\r\n",
       .method = "M-SEARCH",
       .target = "/x",
       .path = "/x"},
      {.name = "lowercase_method_is_a_token",
       .head = "get / HTTP/1.1\r\nHost: a\r\n\r\n",
       .method = "get"},
      {.name = "values_trimmed_and_kept_in_order",
       .head = "GET / HTTP/1.1\r\nhOsT:a\r\nX: \t a b \t\r\nX:2\r\nEmpty:\r\nSpaces:   \r\n\r\n",
       .fields = {{"hOsT", "a"}, {"X", "a b"}, {"X", "2"}, {"Empty", ""}, {"Spaces", ""}}},
      {.name = "obs_text_and_tab_in_value",
       .head = "GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9\tb\xff\x80\r\n\r\n",
       .fields = {{"Host", "a"}, {"X", "caf\xc3\xa9\tb\xff\x80"}}},
      {.name = "token_chars_in_name",
       .head = "GET / HTTP/1.1\r\nHost: a\r\n!#$%&'*+-.^_`|~09az: v\r\n\r\n",
       .fields = {{"Host", "a"}, {"!#$%&'*+-.^_`|~09az", "v"}}},
      {.name = "target_all_visible_chars",
       .head = "GET /!\"$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~ HTTP/1.1\r\nHost: a\r\n\r\n",
       .target = "/!\"$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~",
       .path = "/!\"$%&'()*+,-./09:;<=>",
       .query = "@AZ[\\]^_`az{|}~"},
      {.name = "host_with_port",
       .head = "GET / HTTP/1.1\r\nHost: example.com:65535\r\n\r\n",
       .host = "example.com:65535",
       .fields = {{"Host", "example.com:65535"}}},
      {.name = "host_ipv4",
       .head = "GET / HTTP/1.1\r\nHost: 192.0.2.1:80\r\n\r\n",
       .host = "192.0.2.1:80",
       .fields = {{"Host", "192.0.2.1:80"}}},
      {.name = "host_ipv6",
       .head = "GET / HTTP/1.1\r\nHost: [2001:db8::1]\r\n\r\n",
       .host = "[2001:db8::1]",
       .fields = {{"Host", "[2001:db8::1]"}}},
      {.name = "host_ipv6_full_and_port",
       .head = "GET / HTTP/1.1\r\nHost: [1:2:3:4:5:6:7:8]:8443\r\n\r\n",
       .host = "[1:2:3:4:5:6:7:8]:8443",
       .fields = {{"Host", "[1:2:3:4:5:6:7:8]:8443"}}},
      {.name = "host_ipv6_embedded_ipv4",
       .head = "GET / HTTP/1.1\r\nHost: [::ffff:192.0.2.1]\r\n\r\n",
       .host = "[::ffff:192.0.2.1]",
       .fields = {{"Host", "[::ffff:192.0.2.1]"}}},
      {.name = "host_pct_encoded_and_sub_delims",
       .head = "GET / HTTP/1.1\r\nHost: ex%41mple-_.~!$&'()*+;=\r\n\r\n",
       .host = "ex%41mple-_.~!$&'()*+;=",
       .fields = {{"Host", "ex%41mple-_.~!$&'()*+;="}}},
      {.name = "request_line_at_limit",
       .head = "GET /123456 HTTP/1.1\r\nHost: a\r\n\r\n",  // request line: 20 bytes
       .target = "/123456",
       .path = "/123456",
       .limits = {.max_request_line = 20}},
      {.name = "head_at_byte_limit",
       .head = "GET / HTTP/1.1\r\nHost: a\r\n\r\n",  // 27 bytes
       .limits = {.max_header_bytes = 27}},
      {.name = "fields_at_count_limit",
       .head = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n",
       .fields = {{"Host", "a"}, {"A", "1"}, {"B", "2"}},
       .limits = {.max_header_count = 3}},
      {.name = "pipelined_next_request_not_consumed",
       .head = "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
       .body = "GET /2 HTTP/1.1\r\nHost: a\r\n\r\n"},
  };
}

class H1ValidRequestTest : public ::testing::TestWithParam<ValidRequestCase> {
 protected:
  void ExpectParsed(const RequestOutcome& outcome) {
    const ValidRequestCase& c = GetParam();
    ASSERT_EQ(outcome.status, ParseStatus::kComplete) << ParseErrorName(outcome.error);
    EXPECT_EQ(outcome.error, ParseError::kNone);
    EXPECT_EQ(outcome.consumed, c.head.size());
    const Request& r = outcome.request;
    EXPECT_EQ(r.method, c.method);
    EXPECT_EQ(r.target, c.target);
    EXPECT_EQ(r.version, c.version);
    EXPECT_EQ(r.host, c.host);
    EXPECT_EQ(r.framing, c.framing);
    EXPECT_EQ(r.content_length, c.content_length);
    EXPECT_EQ(r.keep_alive, c.keep_alive);
    EXPECT_EQ(r.expect_continue, c.expect_continue);
    EXPECT_EQ(r.upgrade, c.upgrade);
    EXPECT_EQ(r.path(), c.path);
    EXPECT_EQ(r.query(), c.query);
    EXPECT_EQ(FieldsOf(r.headers), c.fields);
  }
};

TEST_P(H1ValidRequestTest, Whole) {
  ExpectParsed(ParseRequestWhole(GetParam().head + GetParam().body, GetParam().limits));
}

TEST_P(H1ValidRequestTest, ByteByByte) {
  const RequestOutcome outcome =
      ParseRequestBytewise(GetParam().head + GetParam().body, GetParam().limits);
  // Complete exactly when the final CRLF arrives, not before, not after.
  EXPECT_EQ(outcome.fed, GetParam().head.size());
  ExpectParsed(outcome);
}

INSTANTIATE_TEST_SUITE_P(H1RequestParser, H1ValidRequestTest,
                         ::testing::ValuesIn(ValidRequestCases()), CaseName<ValidRequestCase>);

// ---------------------------------------------------------------------------------------------
// Malformed requests

struct BadRequestCase {
  std::string name;
  std::string input;
  ParseError error;
  size_t error_at = 0;  // when set: the prefix length at which byte-by-byte feeding must fail
  ParseLimits limits = {};
};

void PrintTo(const BadRequestCase& c, std::ostream* os) { *os << c.name; }

std::string Head(const std::string& fields) { return "GET / HTTP/1.1\r\n" + fields + "\r\n"; }
std::string HostHead(const std::string& fields) { return Head("Host: a\r\n" + fields); }
std::string PostHead(const std::string& fields) {
  return "POST / HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n";
}

std::vector<BadRequestCase> BadRequestCases() {
  using E = ParseError;
  const std::string long_target(9000, 'a');
  return {
      // Request line.
      {"bad_method_char", "G@T / HTTP/1.1\r\nHost: a\r\n\r\n", E::kBadMethod, 2},
      {"method_with_slash", "GE/T / HTTP/1.1\r\nHost: a\r\n\r\n", E::kBadMethod, 3},
      {"method_with_nul", "GE\0T / HTTP/1.1\r\nHost: a\r\n\r\n"s, E::kBadMethod, 3},
      {"method_8bit", "G\xc3\x89T / HTTP/1.1\r\nHost: a\r\n\r\n", E::kBadMethod, 2},
      {"tab_after_method", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", E::kBadMethod, 4},
      {"leading_space", " GET / HTTP/1.1\r\nHost: a\r\n\r\n", E::kBadRequestLine, 1},
      {"two_spaces_after_method", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", E::kBadRequestLine, 5},
      {"two_spaces_after_target", "GET /  HTTP/1.1\r\nHost: a\r\n\r\n", E::kBadVersion, 7},
      {"method_only", "GET\r\nHost: a\r\n\r\n", E::kBadRequestLine, 5},
      {"http09_request", "GET /\r\n\r\n", E::kBadRequestLine, 7},
      {"empty_version", "GET / \r\nHost: a\r\n\r\n", E::kBadVersion, 8},
      {"lowercase_version", "GET / http/1.1\r\nHost: a\r\n\r\n", E::kBadVersion, 7},
      {"version_garbage", "GET / HTTX/1.1\r\nHost: a\r\n\r\n", E::kBadVersion, 10},
      {"version_letter_digit", "GET / HTTP/1.x\r\nHost: a\r\n\r\n", E::kBadVersion, 14},
      {"version_too_long", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", E::kBadVersion, 15},
      {"version_short", "GET / HTTP/1\r\nHost: a\r\n\r\n", E::kBadVersion, 14},
      {"space_after_version", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", E::kBadVersion, 15},
      {"http2_version", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", E::kUnsupportedVersion, 16},
      {"http12_version", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", E::kUnsupportedVersion, 16},
      {"http09_version", "GET / HTTP/0.9\r\nHost: a\r\n\r\n", E::kUnsupportedVersion, 16},
      // Request targets.
      {"target_with_fragment", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", E::kBadTarget, 7},
      {"target_with_ctl", "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", E::kBadTarget, 7},
      {"target_with_del", "GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n", E::kBadTarget, 7},
      {"target_with_nul", "GET /a\0 HTTP/1.1\r\nHost: a\r\n\r\n"s, E::kBadTarget, 7},
      {"target_with_tab", "GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n", E::kBadTarget, 7},
      {"target_8bit", "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", E::kBadTarget, 9},
      {"star_with_get", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", E::kBadTarget},
      {"star_with_suffix", "OPTIONS *x HTTP/1.1\r\nHost: a\r\n\r\n", E::kBadTarget},
      {"connect_authority", "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", E::kBadTarget, 24},
      {"connect_origin", "CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n", E::kBadTarget},
      {"authority_form_with_get", "GET a:80 HTTP/1.1\r\nHost: a\r\n\r\n", E::kBadTarget},
      {"relative_target", "GET index.html HTTP/1.1\r\nHost: a\r\n\r\n", E::kBadTarget},
      {"absolute_other_scheme", "GET ftp://a/ HTTP/1.1\r\nHost: a\r\n\r\n", E::kBadTarget},
      {"absolute_empty_authority", "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", E::kBadTarget},
      {"absolute_userinfo", "GET http://u:p@a/ HTTP/1.1\r\nHost: a\r\n\r\n", E::kBadTarget},
      {"absolute_bad_port", "GET http://a:99999/ HTTP/1.1\r\nHost: a\r\n\r\n", E::kBadTarget},
      {"absolute_missing_slashes", "GET http:a/ HTTP/1.1\r\nHost: a\r\n\r\n", E::kBadTarget},
      {"uri_too_long_limit",
       "GET /1234567 HTTP/1.1\r\nHost: a\r\n\r\n",
       E::kUriTooLong,
       21,
       {.max_request_line = 20}},
      {"uri_too_long_default", "GET /" + long_target + " HTTP/1.1\r\nHost: a\r\n\r\n",
       E::kUriTooLong, 8 * 1024 + 1},
      {"uri_too_long_without_line_end", "GET /" + long_target, E::kUriTooLong, 8 * 1024 + 1},
      // Line endings.
      {"bare_lf_after_request_line", "GET / HTTP/1.1\nHost: a\r\n\r\n", E::kBadLineEnding, 15},
      {"bare_cr_after_request_line", "GET / HTTP/1.1\rHost: a\r\n\r\n", E::kBadLineEnding, 16},
      {"bare_cr_in_target", "GET /a\rb HTTP/1.1\r\nHost: a\r\n\r\n", E::kBadLineEnding, 8},
      {"bare_lf_after_field", "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", E::kBadLineEnding, 24},
      {"bare_cr_in_value", HostHead("X: a\rb\r\n"), E::kBadLineEnding, 31},
      {"bare_lf_final_line", "GET / HTTP/1.1\r\nHost: a\r\n\n", E::kBadLineEnding, 26},
      {"bare_cr_final_line", "GET / HTTP/1.1\r\nHost: a\r\n\rX", E::kBadLineEnding, 27},
      {"lf_only_head", "GET / HTTP/1.1\nHost: a\n\n", E::kBadLineEnding, 15},
      {"leading_bare_lf", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", E::kBadLineEnding, 1},
      {"too_many_leading_empty_lines", "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
       E::kBadRequestLine, 10},
      // Field lines.
      {"empty_field_name", HostHead(": v\r\n"), E::kBadHeaderName},
      {"space_in_field_name", HostHead("Foo Bar: v\r\n"), E::kBadHeaderName},
      {"field_without_colon", HostHead("Foo\r\n"), E::kBadHeaderName},
      {"field_name_with_paren", HostHead("X(y): v\r\n"), E::kBadHeaderName},
      {"field_name_with_nul", HostHead("X\0Y: v\r\n"s), E::kBadHeaderName},
      {"field_name_8bit", HostHead("X\xff: v\r\n"), E::kBadHeaderName},
      {"field_name_with_slash", HostHead("X/Y: v\r\n"), E::kBadHeaderName},
      {"space_before_colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", E::kWhitespaceBeforeColon},
      {"tab_before_colon", HostHead("Content-Length\t: 5\r\n"), E::kWhitespaceBeforeColon},
      {"obs_fold_space", HostHead("X: a\r\n b\r\n"), E::kObsFold, 32},
      {"obs_fold_tab", HostHead("X: a\r\n\tb\r\n"), E::kObsFold, 32},
      {"first_field_line_folded", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", E::kObsFold, 17},
      {"nul_in_value", HostHead("X: a\0b\r\n"s), E::kBadHeaderValue},
      {"ctl_in_value", HostHead("X: a\x01\r\n"), E::kBadHeaderValue},
      {"esc_in_value", HostHead("X: \x1b[31m\r\n"), E::kBadHeaderValue},
      {"del_in_value", HostHead("X: a\x7f\r\n"), E::kBadHeaderValue},
      {"vertical_tab_in_value", HostHead("X: a\vb\r\n"), E::kBadHeaderValue},
      {"too_many_fields",
       HostHead("A: 1\r\nB: 2\r\nC: 3\r\n"),
       E::kTooManyHeaders,
       38,
       {.max_header_count = 3}},
      {"head_too_large_limit",
       HostHead("X: 0123456789\r\n"),
       E::kHeadersTooLarge,
       33,
       {.max_header_bytes = 32}},
      {"head_too_large_default", HostHead("X: " + std::string(40000, 'v') + "\r\n"),
       E::kHeadersTooLarge, 32 * 1024 + 1},
      {"request_line_over_head_limit",
       "GET /" + long_target,
       E::kHeadersTooLarge,
       101,
       {.max_header_bytes = 100}},
      // Host.
      {"missing_host", Head(""), E::kMissingHost},
      {"missing_host_other_fields", Head("X: a\r\n"), E::kMissingHost},
      {"missing_host_absolute_form", "GET http://a/ HTTP/1.1\r\n\r\n", E::kMissingHost},
      {"duplicate_host", Head("Host: a\r\nHost: a\r\n"), E::kDuplicateHost},
      {"duplicate_host_case", Head("Host: a\r\nhOST: b\r\n"), E::kDuplicateHost},
      {"duplicate_host_http10", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", E::kDuplicateHost},
      {"empty_host", Head("Host:\r\n"), E::kBadHost},
      {"blank_host", Head("Host:   \r\n"), E::kBadHost},
      {"host_with_space", Head("Host: a b\r\n"), E::kBadHost},
      {"host_with_userinfo", Head("Host: u@a\r\n"), E::kBadHost},
      {"host_with_path", Head("Host: a/b\r\n"), E::kBadHost},
      {"host_empty_port", Head("Host: a:\r\n"), E::kBadHost},
      {"host_port_too_big", Head("Host: a:65536\r\n"), E::kBadHost},
      {"host_port_too_long", Head("Host: a:000080\r\n"), E::kBadHost},
      {"host_port_sign", Head("Host: a:-1\r\n"), E::kBadHost},
      {"host_two_ports", Head("Host: a:80:80\r\n"), E::kBadHost},
      {"host_empty_name_with_port", Head("Host: :80\r\n"), E::kBadHost},
      {"host_bad_pct", Head("Host: a%zz\r\n"), E::kBadHost},
      {"host_short_pct", Head("Host: a%4\r\n"), E::kBadHost},
      {"host_pct_nul", Head("Host: localhost%00\r\n"), E::kBadHost},
      {"host_ipv6_unclosed", Head("Host: [::1\r\n"), E::kBadHost},
      {"host_ipv6_bad_hex", Head("Host: [zz::1]\r\n"), E::kBadHost},
      {"host_ipv6_two_compressions", Head("Host: [1::2::3]\r\n"), E::kBadHost},
      {"host_ipv6_too_many_groups", Head("Host: [1:2:3:4:5:6:7:8:9]\r\n"), E::kBadHost},
      {"host_ipv6_too_few_groups", Head("Host: [1:2:3]\r\n"), E::kBadHost},
      {"host_ipv6_long_group", Head("Host: [12345::1]\r\n"), E::kBadHost},
      {"host_ipv6_zone", Head("Host: [fe80::1%25eth0]\r\n"), E::kBadHost},
      {"host_ipv6_bad_ipv4", Head("Host: [::ffff:1.2.3.256]\r\n"), E::kBadHost},
      {"host_ipv6_trailing_garbage", Head("Host: [::1]x\r\n"), E::kBadHost},
      {"host_ipvfuture", Head("Host: [v1.fe]\r\n"), E::kBadHost},
      {"host_bracket_inside", Head("Host: a[b]\r\n"), E::kBadHost},
      // Content-Length.
      {"content_length_letters", PostHead("Content-Length: abc\r\n"), E::kBadContentLength},
      {"content_length_negative", PostHead("Content-Length: -1\r\n"), E::kBadContentLength},
      {"content_length_plus", PostHead("Content-Length: +5\r\n"), E::kBadContentLength},
      {"content_length_suffix", PostHead("Content-Length: 5a\r\n"), E::kBadContentLength},
      {"content_length_hex", PostHead("Content-Length: 0x10\r\n"), E::kBadContentLength},
      {"content_length_empty", PostHead("Content-Length:\r\n"), E::kBadContentLength},
      {"content_length_inner_space", PostHead("Content-Length: 1 2\r\n"), E::kBadContentLength},
      {"content_length_2_pow_63", PostHead("Content-Length: 9223372036854775808\r\n"),
       E::kBadContentLength},
      {"content_length_overflow", PostHead("Content-Length: 99999999999999999999999\r\n"),
       E::kBadContentLength},
      {"content_length_empty_list_element", PostHead("Content-Length: 5,\r\n"),
       E::kBadContentLength},
      {"content_length_twice", PostHead("Content-Length: 5\r\nContent-Length: 5\r\n"),
       E::kDuplicateContentLength},
      {"content_length_list_same", PostHead("Content-Length: 5, 5\r\n"),
       E::kDuplicateContentLength},
      {"content_length_list_differ", PostHead("Content-Length: 5,6\r\n"),
       E::kDuplicateContentLength},
      // Transfer-Encoding.
      {"te_and_cl", PostHead("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"),
       E::kContentLengthWithChunked},
      {"cl_and_te", PostHead("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"),
       E::kContentLengthWithChunked},
      {"te_gzip_and_cl", PostHead("Content-Length: 5\r\nTransfer-Encoding: gzip\r\n"),
       E::kContentLengthWithChunked},
      {"te_http10", "POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
       E::kTransferEncodingHttp10},
      {"te_gzip", PostHead("Transfer-Encoding: gzip\r\n"), E::kUnsupportedTransferEncoding},
      {"te_identity", PostHead("Transfer-Encoding: identity\r\n"), E::kUnsupportedTransferEncoding},
      {"te_gzip_chunked", PostHead("Transfer-Encoding: gzip, chunked\r\n"),
       E::kUnsupportedTransferEncoding},
      {"te_chunked_gzip", PostHead("Transfer-Encoding: chunked, gzip\r\n"),
       E::kUnsupportedTransferEncoding},
      {"te_chunked_twice_list", PostHead("Transfer-Encoding: chunked, chunked\r\n"),
       E::kUnsupportedTransferEncoding},
      {"te_chunked_twice_fields",
       PostHead("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"),
       E::kUnsupportedTransferEncoding},
      {"te_empty", PostHead("Transfer-Encoding:\r\n"), E::kUnsupportedTransferEncoding},
      {"te_empty_and_chunked", PostHead("Transfer-Encoding: chunked\r\nTransfer-Encoding:\r\n"),
       E::kUnsupportedTransferEncoding},
      {"te_trailing_comma", PostHead("Transfer-Encoding: chunked,\r\n"),
       E::kUnsupportedTransferEncoding},
      {"te_with_parameter", PostHead("Transfer-Encoding: chunked;q=1\r\n"),
       E::kUnsupportedTransferEncoding},
      {"te_lookalike", PostHead("Transfer-Encoding: xchunked\r\n"),
       E::kUnsupportedTransferEncoding},
      {"te_obs_text", PostHead("Transfer-Encoding: chunked\xff\r\n"),
       E::kUnsupportedTransferEncoding},
  };
}

class H1BadRequestTest : public ::testing::TestWithParam<BadRequestCase> {};

TEST_P(H1BadRequestTest, Whole) {
  const RequestOutcome outcome = ParseRequestWhole(GetParam().input, GetParam().limits);
  ASSERT_EQ(outcome.status, ParseStatus::kError);
  EXPECT_EQ(outcome.error, GetParam().error)
      << ParseErrorName(outcome.error) << " != " << ParseErrorName(GetParam().error);
}

TEST_P(H1BadRequestTest, ByteByByte) {
  const RequestOutcome outcome = ParseRequestBytewise(GetParam().input, GetParam().limits);
  ASSERT_EQ(outcome.status, ParseStatus::kError);
  EXPECT_EQ(outcome.error, GetParam().error)
      << ParseErrorName(outcome.error) << " != " << ParseErrorName(GetParam().error);
  if (GetParam().error_at != 0) {
    EXPECT_EQ(outcome.fed, GetParam().error_at);
  }
}

INSTANTIATE_TEST_SUITE_P(H1RequestParser, H1BadRequestTest, ::testing::ValuesIn(BadRequestCases()),
                         CaseName<BadRequestCase>);

// ---------------------------------------------------------------------------------------------
// Request parser behaviour beyond one head

TEST(H1RequestParserTest, ErrorIsSticky) {
  RequestParser parser;
  Request request;
  size_t consumed = 7;
  ExactBuffer bad("G@T");
  EXPECT_EQ(parser.Parse(bad.view(), request, consumed), ParseStatus::kError);
  ExactBuffer good("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(parser.Parse(good.view(), request, consumed), ParseStatus::kError);
  EXPECT_EQ(parser.error(), ParseError::kBadMethod);
  EXPECT_EQ(consumed, 0u);
}

TEST(H1RequestParserTest, PartialLeavesRequestUntouched) {
  RequestParser parser;
  Request request;
  request.method = "unchanged";
  size_t consumed = 0;
  ExactBuffer partial("GET / HTTP/1.1\r\nHost: a\r\n");
  EXPECT_EQ(parser.Parse(partial.view(), request, consumed), ParseStatus::kPartial);
  EXPECT_EQ(request.method, "unchanged");
  EXPECT_EQ(parser.error(), ParseError::kNone);
}

TEST(H1RequestParserTest, ResetParsesPipelinedRequests) {
  const std::string stream =
      "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
      "POST /2 HTTP/1.1\r\nHost: b\r\nContent-Length: 3\r\n\r\nabc"
      "GET /3 HTTP/1.1\r\nHost: c\r\nConnection: close\r\n\r\n";
  RequestParser parser;
  std::string_view rest = stream;
  std::vector<std::string> targets;
  while (!rest.empty()) {
    Request request;
    size_t consumed = 0;
    ExactBuffer buffer(rest);
    ASSERT_EQ(parser.Parse(buffer.view(), request, consumed), ParseStatus::kComplete);
    targets.push_back(request.target);
    rest.remove_prefix(consumed + request.content_length);
    parser.Reset();
  }
  EXPECT_EQ(targets, (std::vector<std::string>{"/1", "/2", "/3"}));
}

TEST(H1RequestParserTest, ResetKeepsLimits) {
  RequestParser parser(ParseLimits{.max_request_line = 8});
  Request request;
  size_t consumed = 0;
  ExactBuffer line("GET /12345");
  EXPECT_EQ(parser.Parse(line.view(), request, consumed), ParseStatus::kError);
  parser.Reset();
  EXPECT_EQ(parser.error(), ParseError::kNone);
  EXPECT_EQ(parser.Parse(line.view(), request, consumed), ParseStatus::kError);
  EXPECT_EQ(parser.error(), ParseError::kUriTooLong);
}

// Feeding a head one byte at a time must cost O(n): with 1 MiB of fields an O(n^2) parser
// would do ~5e11 byte visits and never finish within the test's ctest timeout; a linear one
// takes milliseconds. (No wall-clock assertion: timing belongs in bench/.)
TEST(H1RequestParserTest, ByteByByteIsLinear) {
  std::string head = "GET / HTTP/1.1\r\nHost: a\r\n";
  while (head.size() < (1u << 20)) head += "X-Filler: " + std::string(100, 'f') + "\r\n";
  head += "X-Long: " + std::string(1u << 20, 'l') + "\r\n\r\n";
  RequestParser parser(ParseLimits{
      .max_request_line = 1u << 22, .max_header_bytes = 1u << 22, .max_header_count = 1u << 20});
  Request request;
  size_t consumed = 0;
  ParseStatus status = ParseStatus::kPartial;
  for (size_t n = 1; n <= head.size() && status == ParseStatus::kPartial; ++n) {
    status = parser.Parse(std::string_view(head.data(), n), request, consumed);
  }
  ASSERT_EQ(status, ParseStatus::kComplete);
  EXPECT_EQ(consumed, head.size());
}

// ---------------------------------------------------------------------------------------------
// Responses

struct ResponseOutcome {
  ParseStatus status = ParseStatus::kPartial;
  ParseError error = ParseError::kNone;
  size_t consumed = 0;
  size_t fed = 0;
  Response response;
};

ResponseOutcome ParseResponseWhole(std::string_view input, bool head) {
  ResponseParser parser;
  ResponseOutcome outcome;
  ExactBuffer buffer(input);
  outcome.status = parser.Parse(buffer.view(), head, outcome.response, outcome.consumed);
  outcome.error = parser.error();
  outcome.fed = input.size();
  return outcome;
}

ResponseOutcome ParseResponseBytewise(std::string_view input, bool head) {
  ResponseParser parser;
  ResponseOutcome outcome;
  for (size_t n = 1; n <= input.size(); ++n) {
    ExactBuffer prefix(input.substr(0, n));
    outcome.status = parser.Parse(prefix.view(), head, outcome.response, outcome.consumed);
    outcome.fed = n;
    if (outcome.status != ParseStatus::kPartial) break;
  }
  outcome.error = parser.error();
  return outcome;
}

struct ValidResponseCase {
  std::string name;
  std::string head;
  std::string body = "";
  bool request_was_head = false;
  int status = 200;
  std::string reason = "OK";
  Version version = Version::kHttp11;
  BodyFraming framing = BodyFraming::kNone;
  uint64_t content_length = 0;
  bool keep_alive = true;
  Fields fields = {};
};

void PrintTo(const ValidResponseCase& c, std::ostream* os) { *os << c.name; }

std::vector<ValidResponseCase> ValidResponseCases() {
  return {
      {.name = "content_length",
       .head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
       .body = "hello",
       .framing = BodyFraming::kContentLength,
       .content_length = 5,
       .fields = {{"Content-Length", "5"}}},
      {.name = "until_close",
       .head = "HTTP/1.1 200 OK\r\nServer: x\r\n\r\n",
       .body = "everything until close",
       .framing = BodyFraming::kUntilClose,
       .keep_alive = false,
       .fields = {{"Server", "x"}}},
      {.name = "chunked",
       .head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
       .body = "0\r\n\r\n",
       .framing = BodyFraming::kChunked,
       .fields = {{"Transfer-Encoding", "chunked"}}},
      {.name = "no_content",
       .head = "HTTP/1.1 204 No Content\r\n\r\n",
       .status = 204,
       .reason = "No Content"},
      {.name = "not_modified_with_length",
       .head = "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n",
       .status = 304,
       .reason = "Not Modified",
       .fields = {{"Content-Length", "100"}}},
      {.name = "head_response_with_length",
       .head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
       .request_was_head = true,
       .fields = {{"Content-Length", "100"}}},
      {.name = "head_response_with_other_coding",
       .head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
       .request_was_head = true,
       .fields = {{"Transfer-Encoding", "gzip"}}},
      {.name = "continue",
       .head = "HTTP/1.1 100 Continue\r\n\r\n",
       .status = 100,
       .reason = "Continue"},
      {.name = "switching_protocols",
       .head =
           "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
       .body = "\x81\x05hello",
       .status = 101,
       .reason = "Switching Protocols",
       .fields = {{"Connection", "Upgrade"}, {"Upgrade", "websocket"}}},
      {.name = "http10_closes",
       .head = "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n",
       .version = Version::kHttp10,
       .framing = BodyFraming::kContentLength,
       .content_length = 1,
       .keep_alive = false,
       .fields = {{"Content-Length", "1"}}},
      {.name = "http10_keep_alive",
       .head = "HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\n",
       .version = Version::kHttp10,
       .framing = BodyFraming::kContentLength,
       .content_length = 1,
       .fields = {{"Content-Length", "1"}, {"Connection", "keep-alive"}}},
      {.name = "connection_close",
       .head = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
       .framing = BodyFraming::kContentLength,
       .keep_alive = false,
       .fields = {{"Content-Length", "0"}, {"Connection", "close"}}},
      {.name = "empty_reason",
       .head = "HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n",
       .status = 404,
       .reason = "",
       .framing = BodyFraming::kContentLength,
       .fields = {{"Content-Length", "0"}}},
      {.name = "no_space_no_reason",
       .head = "HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n",
       .status = 404,
       .reason = "",
       .framing = BodyFraming::kContentLength,
       .fields = {{"Content-Length", "0"}}},
      {.name = "reason_with_tab_and_obs_text",
       .head = "HTTP/1.1 500 Erreur\tinterne \xc3\xa9 \r\nContent-Length: 0\r\n\r\n",
       .status = 500,
       .reason = "Erreur\tinterne \xc3\xa9 ",
       .framing = BodyFraming::kContentLength,
       .fields = {{"Content-Length", "0"}}},
      {.name = "identical_length_list",
       .head = "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\nContent-Length: 5\r\n\r\n",
       .framing = BodyFraming::kContentLength,
       .content_length = 5,
       .fields = {{"Content-Length", "5, 5"}, {"Content-Length", "5"}}},
  };
}

class H1ValidResponseTest : public ::testing::TestWithParam<ValidResponseCase> {
 protected:
  void ExpectParsed(const ResponseOutcome& outcome) {
    const ValidResponseCase& c = GetParam();
    ASSERT_EQ(outcome.status, ParseStatus::kComplete) << ParseErrorName(outcome.error);
    EXPECT_EQ(outcome.consumed, c.head.size());
    const Response& r = outcome.response;
    EXPECT_EQ(r.status, c.status);
    EXPECT_EQ(r.reason, c.reason);
    EXPECT_EQ(r.version, c.version);
    EXPECT_EQ(r.framing, c.framing);
    EXPECT_EQ(r.content_length, c.content_length);
    EXPECT_EQ(r.keep_alive, c.keep_alive);
    EXPECT_EQ(FieldsOf(r.headers), c.fields);
  }
};

TEST_P(H1ValidResponseTest, Whole) {
  const auto& c = GetParam();
  ExpectParsed(ParseResponseWhole(c.head + c.body, c.request_was_head));
}

TEST_P(H1ValidResponseTest, ByteByByte) {
  const auto& c = GetParam();
  const ResponseOutcome outcome = ParseResponseBytewise(c.head + c.body, c.request_was_head);
  EXPECT_EQ(outcome.fed, c.head.size());
  ExpectParsed(outcome);
}

INSTANTIATE_TEST_SUITE_P(H1ResponseParser, H1ValidResponseTest,
                         ::testing::ValuesIn(ValidResponseCases()), CaseName<ValidResponseCase>);

struct BadResponseCase {
  std::string name;
  std::string input;
  ParseError error;
  size_t error_at = 0;
};

void PrintTo(const BadResponseCase& c, std::ostream* os) { *os << c.name; }

std::vector<BadResponseCase> BadResponseCases() {
  using E = ParseError;
  return {
      {"not_http", "ICY 200 OK\r\n\r\n", E::kBadStatusLine, 1},
      {"lowercase_http", "http/1.1 200 OK\r\n\r\n", E::kBadStatusLine, 1},
      {"http2", "HTTP/2 200 OK\r\n\r\n", E::kBadStatusLine, 6},
      {"http12", "HTTP/1.2 200 OK\r\n\r\n", E::kBadStatusLine},
      {"no_space_after_version", "HTTP/1.1200 OK\r\n\r\n", E::kBadStatusLine},
      {"two_spaces", "HTTP/1.1  200 OK\r\n\r\n", E::kBadStatusLine},
      {"two_digit_status", "HTTP/1.1 20 OK\r\n\r\n", E::kBadStatusLine},
      {"four_digit_status", "HTTP/1.1 2000 OK\r\n\r\n", E::kBadStatusLine},
      {"status_below_100", "HTTP/1.1 099 Low\r\n\r\n", E::kBadStatusLine},
      {"status_above_599", "HTTP/1.1 600 High\r\n\r\n", E::kBadStatusLine},
      {"letters_in_status", "HTTP/1.1 2x0 OK\r\n\r\n", E::kBadStatusLine},
      {"ctl_in_reason", "HTTP/1.1 200 O\x01K\r\n\r\n", E::kBadStatusLine},
      {"nul_in_reason", "HTTP/1.1 200 O\0K\r\n\r\n"s, E::kBadStatusLine},
      {"empty_status_line", "\r\nHTTP/1.1 200 OK\r\n\r\n", E::kBadStatusLine, 2},
      {"bare_lf_status_line", "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", E::kBadLineEnding, 16},
      {"obs_fold", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", E::kObsFold, 24},
      {"space_before_colon", "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n",
       E::kWhitespaceBeforeColon},
      {"bad_field_name", "HTTP/1.1 200 OK\r\nX Y: a\r\n\r\n", E::kBadHeaderName},
      {"nul_in_value", "HTTP/1.1 200 OK\r\nX: a\0\r\n\r\n"s, E::kBadHeaderValue},
      {"bad_content_length", "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n", E::kBadContentLength},
      {"differing_content_lengths", "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n",
       E::kDuplicateContentLength},
      {"differing_content_length_fields",
       "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
       E::kDuplicateContentLength},
      {"te_and_cl", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
       E::kContentLengthWithChunked},
      {"te_gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
       E::kUnsupportedTransferEncoding},
      {"te_gzip_chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
       E::kUnsupportedTransferEncoding},
      {"te_http10", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
       E::kTransferEncodingHttp10},
      {"head_too_large", "HTTP/1.1 200 OK\r\nX: " + std::string(40000, 'x') + "\r\n\r\n",
       E::kHeadersTooLarge, 32 * 1024 + 1},
  };
}

class H1BadResponseTest : public ::testing::TestWithParam<BadResponseCase> {};

TEST_P(H1BadResponseTest, Whole) {
  const ResponseOutcome outcome = ParseResponseWhole(GetParam().input, false);
  ASSERT_EQ(outcome.status, ParseStatus::kError);
  EXPECT_EQ(outcome.error, GetParam().error)
      << ParseErrorName(outcome.error) << " != " << ParseErrorName(GetParam().error);
}

TEST_P(H1BadResponseTest, ByteByByte) {
  const ResponseOutcome outcome = ParseResponseBytewise(GetParam().input, false);
  ASSERT_EQ(outcome.status, ParseStatus::kError);
  EXPECT_EQ(outcome.error, GetParam().error)
      << ParseErrorName(outcome.error) << " != " << ParseErrorName(GetParam().error);
  if (GetParam().error_at != 0) {
    EXPECT_EQ(outcome.fed, GetParam().error_at);
  }
}

INSTANTIATE_TEST_SUITE_P(H1ResponseParser, H1BadResponseTest,
                         ::testing::ValuesIn(BadResponseCases()), CaseName<BadResponseCase>);

TEST(H1ResponseParserTest, ResetBetweenResponses) {
  const std::string stream =
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  ResponseParser parser;
  Response response;
  size_t consumed = 0;
  ExactBuffer first(stream);
  ASSERT_EQ(parser.Parse(first.view(), false, response, consumed), ParseStatus::kComplete);
  EXPECT_EQ(response.status, 100);
  parser.Reset();
  ExactBuffer second(std::string_view(stream).substr(consumed));
  ASSERT_EQ(parser.Parse(second.view(), false, response, consumed), ParseStatus::kComplete);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.framing, BodyFraming::kContentLength);
  EXPECT_EQ(response.content_length, 2u);
}

}  // namespace
}  // namespace rampart::http
