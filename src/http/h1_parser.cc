#include "http/h1_parser.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string_view>

#include "core/strings.h"
#include "http/char_class.h"

namespace rampart::http {

namespace {

using core::EqualsIgnoreCase;
using core::TrimOws;
using internal::IsDigit;
using internal::IsFieldValueChar;
using internal::IsHexDigit;
using internal::IsSpaceOrTab;
using internal::IsTargetChar;
using internal::IsTchar;

// RFC 9112 §2.2 lets a server ignore at least one empty line before the request line (some
// clients send a CRLF after a POST body). A handful is tolerated; a stream of them is not.
constexpr size_t kMaxLeadingEmptyLines = 4;

// Content-Length values must fit an off_t / int64 everywhere downstream.
constexpr uint64_t kMaxContentLength = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

enum class ScanResult : uint8_t { kNeedMore, kHeadEnd, kError };

// Scans field-section bytes from `pos` on: CRLF-only line endings, no obs-fold, the field count
// and the head size limits. It does not look inside lines; ParseFieldSection() does that once
// the whole section is there. On kHeadEnd `pos` is just past the empty line's CRLF; on
// kNeedMore it is data.size(). `pos` > 0: the section always follows a CRLF.
ScanResult ScanFieldLines(std::string_view data, const ParseLimits& limits, size_t& pos,
                          size_t& line_start, size_t& count, ParseError& error) {
  const size_t end = data.size();
  const size_t stop = std::min(end, limits.max_header_bytes);
  while (pos < end) {
    if (pos >= limits.max_header_bytes) {
      error = ParseError::kHeadersTooLarge;
      return ScanResult::kError;
    }
    const char c = data[pos];
    if (data[pos - 1] == '\r') {
      if (c != '\n') {
        error = ParseError::kBadLineEnding;
        return ScanResult::kError;
      }
      ++pos;
      if (pos - line_start == 2) return ScanResult::kHeadEnd;
      line_start = pos;
      continue;
    }
    if (c == '\n') {
      error = ParseError::kBadLineEnding;
      return ScanResult::kError;
    }
    if (c == '\r') {
      ++pos;
      continue;
    }
    if (pos == line_start) {
      // A field line starting with whitespace continues the previous one (obs-fold); peers
      // disagree on how to unfold it, so it is refused (RFC 9112 §5.2).
      if (IsSpaceOrTab(c)) {
        error = ParseError::kObsFold;
        return ScanResult::kError;
      }
      if (++count > limits.max_header_count) {
        error = ParseError::kTooManyHeaders;
        return ScanResult::kError;
      }
    }
    // Nothing else inside a line matters yet: skip to the next CR or LF.
    ++pos;
    while (pos < stop && data[pos] != '\r' && data[pos] != '\n') ++pos;
  }
  return ScanResult::kNeedMore;
}

// Parses one field line (without its CRLF) into `headers`.
ParseError ParseFieldLine(std::string_view line, HeaderMap& headers) {
  size_t i = 0;
  while (i < line.size() && IsTchar(line[i])) ++i;
  if (i == 0 || i == line.size()) return ParseError::kBadHeaderName;
  if (line[i] != ':') {
    // "Name : value" is refused rather than trimmed: some peers would see the field named
    // "Name " and others "Name" (RFC 9112 §5.1).
    size_t j = i;
    while (j < line.size() && IsSpaceOrTab(line[j])) ++j;
    if (j > i && j < line.size() && line[j] == ':') return ParseError::kWhitespaceBeforeColon;
    return ParseError::kBadHeaderName;
  }
  const std::string_view value = line.substr(i + 1);
  for (char c : value) {
    // NUL, CR, LF and other controls are refused, never cut or replaced: a value read
    // differently by the backend is a smuggling vector.
    if (!IsFieldValueChar(c)) return ParseError::kBadHeaderValue;
  }
  headers.Add(line.substr(0, i), TrimOws(value));
  return ParseError::kNone;
}

// Parses a field section whose lines each end in CRLF (ScanFieldLines checked that), without
// the final empty line.
ParseError ParseFieldSection(std::string_view section, HeaderMap& headers) {
  size_t pos = 0;
  while (pos < section.size()) {
    const size_t cr = section.find('\r', pos);
    const ParseError error = ParseFieldLine(section.substr(pos, cr - pos), headers);
    if (error != ParseError::kNone) return error;
    pos = cr + 2;
  }
  return ParseError::kNone;
}

// dec-octet "." dec-octet "." dec-octet "." dec-octet, no leading zeros (RFC 3986 §3.2.2).
bool IsIpv4(std::string_view s) {
  int octets = 0;
  size_t i = 0;
  while (true) {
    const size_t start = i;
    int value = 0;
    while (i < s.size() && IsDigit(s[i]) && i - start < 3) value = value * 10 + (s[i++] - '0');
    const size_t len = i - start;
    if (len == 0 || value > 255 || (len > 1 && s[start] == '0')) return false;
    if (++octets == 4) return i == s.size();
    if (i == s.size() || s[i] != '.') return false;
    ++i;
  }
}

// IPv6address of RFC 3986 §3.2.2 (no zone id: HTTP has none).
bool IsIpv6(std::string_view s) {
  int groups = 0;
  bool compressed = false;
  size_t i = 0;
  if (s.substr(0, 2) == "::") {
    compressed = true;
    i = 2;
    if (i == s.size()) return true;
  }
  while (i < s.size()) {
    const size_t start = i;
    while (i < s.size() && IsHexDigit(s[i])) ++i;
    if (i < s.size() && s[i] == '.') {
      // An embedded IPv4 address ends the literal and stands for two groups.
      if (!IsIpv4(s.substr(start))) return false;
      groups += 2;
      break;
    }
    if (i == start || i - start > 4) return false;
    ++groups;
    if (i == s.size()) break;
    if (s[i] != ':') return false;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (compressed) return false;
      compressed = true;
      ++i;
      if (i == s.size()) break;
    } else if (i == s.size()) {
      return false;  // a single trailing ':'
    }
  }
  return compressed ? groups <= 7 : groups == 8;
}

// uri-host [ ":" port ] (RFC 9110 §7.2). Empty hosts, empty ports, userinfo and IPvFuture are
// refused: none has a use in front of web apps and each is parsed differently by someone.
bool IsValidAuthority(std::string_view authority) {
  if (authority.empty()) return false;
  std::string_view port;
  bool has_port = false;
  if (authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos || !IsIpv6(authority.substr(1, close - 1))) return false;
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
      has_port = true;
    }
  } else {
    const size_t colon = authority.find(':');
    const std::string_view host = authority.substr(0, colon);
    if (host.empty()) return false;
    for (size_t i = 0; i < host.size(); ++i) {
      if (internal::Is(host[i], internal::kRegNameChar)) continue;
      // pct-encoded, except %00: a NUL is in no host name, and C-string consumers behind
      // us would cut the name there.
      if (host[i] == '%' && i + 2 < host.size() && IsHexDigit(host[i + 1]) &&
          IsHexDigit(host[i + 2]) && !(host[i + 1] == '0' && host[i + 2] == '0')) {
        i += 2;
        continue;
      }
      return false;
    }
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      has_port = true;
    }
  }
  if (!has_port) return true;
  if (port.empty() || port.size() > 5) return false;
  uint32_t value = 0;
  for (char c : port) {
    if (!IsDigit(c)) return false;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  return value <= 65535;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

// The authority of an absolute-form target "http[s]://authority[/path][?query]", or empty when
// `target` is not one (or its authority is invalid).
std::string_view AbsoluteFormAuthority(std::string_view target) {
  size_t scheme_len = 0;
  if (StartsWithIgnoreCase(target, "http://")) {
    scheme_len = 7;
  } else if (StartsWithIgnoreCase(target, "https://")) {
    scheme_len = 8;
  } else {
    return {};
  }
  const std::string_view rest = target.substr(scheme_len);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
  return IsValidAuthority(authority) ? authority : std::string_view();
}

// Which request-target forms a reverse proxy serves (RFC 9112 §3.2).
ParseError CheckTargetForm(std::string_view method, std::string_view target) {
  // CONNECT asks for a tunnel (authority-form); a proxy in front of web apps never opens one.
  if (method == "CONNECT") return ParseError::kBadTarget;
  if (target.front() == '/') return ParseError::kNone;  // origin-form
  if (target == "*") return method == "OPTIONS" ? ParseError::kNone : ParseError::kBadTarget;
  return AbsoluteFormAuthority(target).empty() ? ParseError::kBadTarget : ParseError::kNone;
}

// 1*DIGIT, at most kMaxContentLength.
bool ParseDecimal(std::string_view s, uint64_t& value) {
  if (s.empty()) return false;
  value = 0;
  for (char c : s) {
    if (!IsDigit(c)) return false;
    const auto digit = static_cast<uint64_t>(c - '0');
    if (value > (kMaxContentLength - digit) / 10) return false;
    value = value * 10 + digit;
  }
  return true;
}

// Reads every Content-Length field as a list of decimal numbers (RFC 9110 §8.6). Requests must
// carry exactly one number (`allow_identical` false); responses may repeat the same one, as
// RFC 9110 lets a recipient accept.
ParseError ReadContentLength(const HeaderMap& headers, bool allow_identical, bool& present,
                             uint64_t& value) {
  present = false;
  value = 0;
  size_t elements = 0;
  bool differ = false;
  for (const Header& field : headers) {
    if (!EqualsIgnoreCase(field.name, "content-length")) continue;
    present = true;
    const std::string_view list = field.value;
    size_t start = 0;
    while (true) {
      const size_t comma = list.find(',', start);
      uint64_t number = 0;
      if (!ParseDecimal(TrimOws(list.substr(start, comma - start)), number)) {
        return ParseError::kBadContentLength;
      }
      if (elements++ == 0) {
        value = number;
      } else if (number != value) {
        differ = true;
      }
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  }
  if (elements > 1 && (!allow_identical || differ)) return ParseError::kDuplicateContentLength;
  return ParseError::kNone;
}

// True when the Transfer-Encoding fields name exactly one coding and it is "chunked". Anything
// else (gzip, "gzip, chunked", "chunked, chunked", an empty value) would make the proxy decode
// or pass through framing it cannot vouch for.
bool IsOnlyChunked(const HeaderMap& headers) {
  const std::string* value = headers.Get("transfer-encoding");
  return headers.Count("transfer-encoding") == 1 && EqualsIgnoreCase(*value, "chunked");
}

// "HTTP/1.x DDD SP reason" (RFC 9112 §4). The SP after the code is required by the grammar but
// some servers drop it when the reason is empty; that line is unambiguous, so it is accepted.
bool ParseStatusLine(std::string_view line, Response& out) {
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || (line[7] != '0' && line[7] != '1') ||
      line[8] != ' ' || !IsDigit(line[9]) || !IsDigit(line[10]) || !IsDigit(line[11])) {
    return false;
  }
  const int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  if (status < 100 || status > 599) return false;
  std::string_view reason;
  if (line.size() > 12) {
    if (line[12] != ' ') return false;
    reason = line.substr(13);
    for (char c : reason) {
      if (!IsFieldValueChar(c)) return false;
    }
  }
  out.status = status;
  out.reason.assign(reason);
  out.version = line[7] == '1' ? Version::kHttp11 : Version::kHttp10;
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// RequestParser

void RequestParser::Reset() { *this = RequestParser(limits_); }

ParseStatus RequestParser::Fail(ParseError error) {
  error_ = error;
  phase_ = Phase::kError;
  return ParseStatus::kError;
}

ParseStatus RequestParser::Parse(std::string_view data, Request& out, size_t& consumed) {
  consumed = 0;
  if (phase_ == Phase::kError) return ParseStatus::kError;
  if (phase_ == Phase::kComplete) return Finish(data, out, consumed);

  size_t pos = scanned_;
  const size_t end = data.size();
  while (phase_ == Phase::kRequestLine && pos < end) {
    if (pos >= limits_.max_header_bytes) return Fail(ParseError::kHeadersTooLarge);
    const char c = data[pos];
    if (pos > 0 && data[pos - 1] == '\r') {
      if (c != '\n') return Fail(ParseError::kBadLineEnding);
      const size_t cr = pos - 1;
      ++pos;
      if (cr == line_start_) {
        if (++empty_lines_ > kMaxLeadingEmptyLines) return Fail(ParseError::kBadRequestLine);
        line_start_ = pos;
        continue;
      }
      const ParseError error = OnRequestLineEnd(data, cr);
      if (error != ParseError::kNone) return Fail(error);
      phase_ = Phase::kFields;
      fields_start_ = line_start_ = pos;
      continue;
    }
    if (c == '\n') return Fail(ParseError::kBadLineEnding);
    if (c != '\r') {
      const ParseError error = OnRequestLineByte(data, pos);
      if (error != ParseError::kNone) return Fail(error);
    }
    ++pos;
  }

  if (phase_ == Phase::kFields) {
    ParseError error = ParseError::kNone;
    switch (ScanFieldLines(data, limits_, pos, line_start_, field_count_, error)) {
      case ScanResult::kError:
        return Fail(error);
      case ScanResult::kNeedMore:
        break;
      case ScanResult::kHeadEnd:
        scanned_ = head_end_ = pos;
        phase_ = Phase::kComplete;
        return Finish(data, out, consumed);
    }
  }
  scanned_ = pos;
  return ParseStatus::kPartial;
}

ParseError RequestParser::OnRequestLineByte(std::string_view data, size_t pos) {
  if (pos - line_start_ >= limits_.max_request_line) return ParseError::kUriTooLong;
  const char c = data[pos];
  switch (part_) {
    case LinePart::kMethod:
      if (IsTchar(c)) return ParseError::kNone;
      if (c != ' ') return ParseError::kBadMethod;
      if (pos == line_start_) return ParseError::kBadRequestLine;  // leading SP, empty method
      request_line_start_ = line_start_;
      method_end_ = pos;
      part_ = LinePart::kTarget;
      return ParseError::kNone;
    case LinePart::kTarget:
      if (c == ' ') {
        if (pos == method_end_ + 1) return ParseError::kBadRequestLine;  // two SPs
        target_end_ = pos;
        part_ = LinePart::kVersion;
        return ParseError::kNone;
      }
      return IsTargetChar(c) ? ParseError::kNone : ParseError::kBadTarget;
    case LinePart::kVersion: {
      // HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3).
      static constexpr std::string_view kPattern = "HTTP/9.9";
      const size_t i = pos - target_end_ - 1;
      if (i >= kPattern.size()) return ParseError::kBadVersion;
      const bool ok = kPattern[i] == '9' ? IsDigit(c) : c == kPattern[i];
      return ok ? ParseError::kNone : ParseError::kBadVersion;
    }
  }
  return ParseError::kBadRequestLine;
}

ParseError RequestParser::OnRequestLineEnd(std::string_view data, size_t end) {
  if (part_ != LinePart::kVersion) return ParseError::kBadRequestLine;
  const size_t version = target_end_ + 1;
  if (end - version != 8) return ParseError::kBadVersion;
  if (data[version + 5] != '1' || (data[version + 7] != '0' && data[version + 7] != '1')) {
    return ParseError::kUnsupportedVersion;
  }
  return CheckTargetForm(data.substr(request_line_start_, method_end_ - request_line_start_),
                         data.substr(method_end_ + 1, target_end_ - method_end_ - 1));
}

ParseStatus RequestParser::Finish(std::string_view data, Request& out, size_t& consumed) {
  const std::string_view target = data.substr(method_end_ + 1, target_end_ - method_end_ - 1);
  out.method.assign(data.substr(request_line_start_, method_end_ - request_line_start_));
  out.target.assign(target);
  out.version = data[target_end_ + 8] == '1' ? Version::kHttp11 : Version::kHttp10;
  out.headers.clear();
  out.framing = BodyFraming::kNone;
  out.content_length = 0;
  out.host.clear();
  out.keep_alive = false;
  out.expect_continue = false;
  out.upgrade = false;

  const ParseError fields_error =
      ParseFieldSection(data.substr(fields_start_, head_end_ - 2 - fields_start_), out.headers);
  if (fields_error != ParseError::kNone) return Fail(fields_error);
  const HeaderMap& headers = out.headers;
  const bool http11 = out.version == Version::kHttp11;

  // Host (RFC 9112 §3.2): required in 1.1, once; an absolute-form authority wins over it.
  const size_t host_count = headers.Count("host");
  if (host_count > 1) return Fail(ParseError::kDuplicateHost);
  const std::string* host = headers.Get("host");
  if (host == nullptr && http11) return Fail(ParseError::kMissingHost);
  if (host != nullptr && !IsValidAuthority(*host)) return Fail(ParseError::kBadHost);
  const std::string_view authority = AbsoluteFormAuthority(target);
  if (!authority.empty()) {
    out.host.assign(authority);
  } else if (host != nullptr) {
    out.host = *host;
  }

  // Body framing (RFC 9112 §6.1-6.3). Every ambiguity is an error, never a guess: the backend
  // might guess differently, which is how requests get smuggled.
  if (headers.Get("transfer-encoding") != nullptr) {
    if (headers.Get("content-length") != nullptr) {
      return Fail(ParseError::kContentLengthWithChunked);
    }
    if (!http11) return Fail(ParseError::kTransferEncodingHttp10);
    if (!IsOnlyChunked(headers)) return Fail(ParseError::kUnsupportedTransferEncoding);
    out.framing = BodyFraming::kChunked;
  } else {
    bool has_length = false;
    uint64_t length = 0;
    const ParseError length_error = ReadContentLength(headers, false, has_length, length);
    if (length_error != ParseError::kNone) return Fail(length_error);
    if (has_length) {
      out.framing = BodyFraming::kContentLength;
      out.content_length = length;
    }
  }

  const bool close = headers.HasToken("connection", "close");
  out.keep_alive = !close && (http11 || headers.HasToken("connection", "keep-alive"));
  const std::string* expect = headers.Get("expect");
  out.expect_continue = http11 && expect != nullptr && EqualsIgnoreCase(*expect, "100-continue");
  // RFC 9110 §7.8: Upgrade in an HTTP/1.0 request is ignored.
  out.upgrade =
      http11 && headers.HasToken("connection", "upgrade") && headers.Get("upgrade") != nullptr;

  consumed = head_end_;
  return ParseStatus::kComplete;
}

// ---------------------------------------------------------------------------------------------
// ResponseParser

void ResponseParser::Reset() { *this = ResponseParser(limits_); }

ParseStatus ResponseParser::Fail(ParseError error) {
  error_ = error;
  phase_ = Phase::kError;
  return ParseStatus::kError;
}

ParseStatus ResponseParser::Parse(std::string_view data, bool request_method_head, Response& out,
                                  size_t& consumed) {
  consumed = 0;
  if (phase_ == Phase::kError) return ParseStatus::kError;
  if (phase_ == Phase::kComplete) return Finish(data, request_method_head, out, consumed);

  static constexpr std::string_view kPrefix = "HTTP/1.";
  size_t pos = scanned_;
  const size_t end = data.size();
  while (phase_ == Phase::kStatusLine && pos < end) {
    if (pos >= limits_.max_header_bytes) return Fail(ParseError::kHeadersTooLarge);
    const char c = data[pos];
    if (pos > 0 && data[pos - 1] == '\r') {
      if (c != '\n') return Fail(ParseError::kBadLineEnding);
      // Checked here only for syntax; Finish() fills `out` from it again.
      Response probe;
      if (!ParseStatusLine(data.substr(0, pos - 1), probe)) return Fail(ParseError::kBadStatusLine);
      status_line_end_ = pos - 1;
      ++pos;
      phase_ = Phase::kFields;
      fields_start_ = line_start_ = pos;
      continue;
    }
    if (c == '\n') return Fail(ParseError::kBadLineEnding);
    // Refuse a backend that does not speak HTTP/1 at its first wrong byte.
    if (c != '\r' && pos < kPrefix.size() && c != kPrefix[pos]) {
      return Fail(ParseError::kBadStatusLine);
    }
    ++pos;
  }

  if (phase_ == Phase::kFields) {
    ParseError error = ParseError::kNone;
    switch (ScanFieldLines(data, limits_, pos, line_start_, field_count_, error)) {
      case ScanResult::kError:
        return Fail(error);
      case ScanResult::kNeedMore:
        break;
      case ScanResult::kHeadEnd:
        scanned_ = head_end_ = pos;
        phase_ = Phase::kComplete;
        return Finish(data, request_method_head, out, consumed);
    }
  }
  scanned_ = pos;
  return ParseStatus::kPartial;
}

ParseStatus ResponseParser::Finish(std::string_view data, bool request_method_head, Response& out,
                                   size_t& consumed) {
  if (!ParseStatusLine(data.substr(0, status_line_end_), out)) {
    return Fail(ParseError::kBadStatusLine);
  }
  out.headers.clear();
  out.framing = BodyFraming::kNone;
  out.content_length = 0;
  out.keep_alive = false;
  const ParseError fields_error =
      ParseFieldSection(data.substr(fields_start_, head_end_ - 2 - fields_start_), out.headers);
  if (fields_error != ParseError::kNone) return Fail(fields_error);
  const HeaderMap& headers = out.headers;
  const bool http11 = out.version == Version::kHttp11;

  // RFC 9112 §6.3 items 1-2: these responses end at the head whatever their fields say (a
  // response to HEAD carries the Content-Length or Transfer-Encoding a GET would have had).
  const bool bodyless =
      request_method_head || out.status < 200 || out.status == 204 || out.status == 304;
  const bool has_te = headers.Get("transfer-encoding") != nullptr;
  if (has_te && headers.Get("content-length") != nullptr) {
    return Fail(ParseError::kContentLengthWithChunked);
  }
  bool has_length = false;
  uint64_t length = 0;
  const ParseError length_error = ReadContentLength(headers, true, has_length, length);
  if (length_error != ParseError::kNone) return Fail(length_error);

  if (bodyless) {
    out.framing = BodyFraming::kNone;
  } else if (has_te) {
    // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing.
    if (!http11) return Fail(ParseError::kTransferEncodingHttp10);
    // A final coding other than chunked would mean "until close"; the RFC allows it, but a
    // backend sending it is confused, and refusing is safer than relaying it.
    if (!IsOnlyChunked(headers)) return Fail(ParseError::kUnsupportedTransferEncoding);
    out.framing = BodyFraming::kChunked;
  } else if (has_length) {
    out.framing = BodyFraming::kContentLength;
    out.content_length = length;
  } else {
    out.framing = BodyFraming::kUntilClose;
  }

  const bool close = headers.HasToken("connection", "close");
  out.keep_alive = !close && (http11 || headers.HasToken("connection", "keep-alive")) &&
                   out.framing != BodyFraming::kUntilClose;
  consumed = head_end_;
  return ParseStatus::kComplete;
}

}  // namespace rampart::http
