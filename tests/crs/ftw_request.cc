#include "crs/ftw_request.h"

#include <algorithm>
#include <cctype>

namespace rampart::crs {
namespace {

// RFC 9110 tchar. go-ftw matches header names by Go's textproto.CanonicalMIMEHeaderKey, which
// returns a name with a byte outside this set unchanged: such names only match exactly, all
// others case-insensitively.
bool IsTokenChar(unsigned char c) {
  if (std::isalnum(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool IsToken(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return IsTokenChar(c); });
}

bool EqualFold(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool SameName(std::string_view a, std::string_view b) {
  if (IsToken(a) && IsToken(b)) return EqualFold(a, b);
  return a == b;
}

bool HasAny(const std::vector<FtwHeader>& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const FtwHeader& h) { return SameName(h.name, name); });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// go-ftw methodsWithBodyRegex is `^POST|PUT|PATCH|DELETE$`: by Go's precedence that is "starts
// with POST", "contains PUT", "contains PATCH" or "ends with DELETE" (kept as it is).
bool MethodWantsLength(std::string_view m) {
  return m.starts_with("POST") || m.find("PUT") != std::string_view::npos ||
         m.find("PATCH") != std::string_view::npos || m.ends_with("DELETE");
}

std::string BareLfToCrlf(std::string_view in) {
  std::string out;
  out.reserve(in.size() + in.size() / 16);
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) out += '\r';
    out += in[i];
  }
  return out;
}

std::string EveryLfToCrlf(std::string_view in) {
  std::string out;
  out.reserve(in.size() + in.size() / 16);
  for (char c : in) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

void WriteHeaders(const std::vector<FtwHeader>& headers, std::string* out) {
  for (const auto& h : headers) {
    out->append(h.name).append(": ").append(h.value).append("\r\n");
  }
}

}  // namespace

std::string GoQueryEscape(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size() * 3);
  for (unsigned char c : in) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

// go-ftw ftwhttp/request.go encodeDataParameters (v1): "best effort attempt to determine if the
// data is already escaped by seeing if unescaping has any effect". Go's url.QueryUnescape
// changes (or refuses) any text holding '%' or '+', so such data is sent as it is. Otherwise
// every '&'-separated token is escaped: `key=value` as QueryEscape(key)=QueryEscape(value)
// (split at the first '='), a token without '=' as a whole. The tokens are re-joined with '&';
// an empty last token (data ending in '&') is dropped, as go-ftw's loop does.
std::string EncodeFormData(std::string_view data) {
  if (data.empty() || data.find_first_of("%+") != std::string_view::npos) {
    return std::string(data);
  }
  std::string out;
  std::string_view rest = data;
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    std::string_view token = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const size_t eq = token.find('=');
    if (eq == std::string_view::npos) {
      out += GoQueryEscape(token);
    } else {
      out += GoQueryEscape(token.substr(0, eq));
      out += '=';
      out += GoQueryEscape(token.substr(eq + 1));
    }
    out += '&';
  }
  if (!out.empty()) out.pop_back();
  return out;
}

core::Result<std::string> DecodeBase64(std::string_view in) {
  if (in.size() % 4 != 0) return core::MakeError("base64: length is not a multiple of 4");
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = in[i + j];
      if (c == '=' && i + 4 == in.size() && j >= 2) {
        v[j] = 0;
        ++pad;
        continue;
      }
      if (pad > 0 || (v[j] = Base64Value(c)) < 0) {
        return core::MakeError("base64: invalid byte at offset " + std::to_string(i + j));
      }
    }
    const unsigned n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out += static_cast<char>((n >> 16) & 0xFF);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xFF);
    if (pad < 1) out += static_cast<char>(n & 0xFF);
  }
  return out;
}

core::Result<std::string> BuildRequest(const FtwInput& input, const BuildOptions& options) {
  // Rule 1 (go-ftw runner; README "an encoded_request/raw_request"): encoded_request is the
  // base64 of the whole request and wins over raw_request; both are sent byte for byte, with no
  // request line, header or body processing at all (no autocompletion, whatever stop_magic
  // says). A YAML "\xac" escape is the code point U+00AC, i.e. UTF-8 C2 AC, as with Go's yaml.
  if (input.encoded_request || input.raw_request) {
    std::string raw;
    if (input.encoded_request) {
      auto decoded = DecodeBase64(*input.encoded_request);
      if (!decoded) return core::MakeError("encoded_request: " + decoded.error().message);
      raw = std::move(decoded.value());
    } else {
      raw = *input.raw_request;
    }
    if (options.tag_raw_requests && !options.extra_headers.empty()) {
      const size_t eol = raw.find('\n');
      std::string tags;
      WriteHeaders(options.extra_headers, &tags);
      raw.insert(eol == std::string::npos ? raw.size() : eol + 1, tags);
    }
    return raw;
  }

  // Rule 2 (go-ftw RequestLine.ToString): `METHOD SP URI SP VERSION CRLF`, each part exactly as
  // written (invalid methods and versions such as "\tGET" or "HTTP\1.0" included), with the
  // defaults GET, "/" and HTTP/1.1 when a key is absent (ftw_test.h).
  std::string out = input.Method() + " " + input.Uri() + " " + input.Version() + "\r\n";

  // Rule 3 (go-ftw NewHeaderFromMap): the headers map, sorted by name.
  std::vector<FtwHeader> headers = input.headers;
  if (options.header_order == HeaderOrder::kGoFtwSorted) {
    std::stable_sort(headers.begin(), headers.end(),
                     [](const FtwHeader& a, const FtwHeader& b) { return a.name < b.name; });
  }

  const bool autocomplete = input.AutocompleteHeaders();
  std::string data = input.data.value_or("");

  // Rule 4 (go-ftw BuildRequest; research notes §3): with autocompletion and a non-empty body,
  // add `Content-Type: application/x-www-form-urlencoded` when no Content-Type is present, then
  // url-encode the body when some Content-Type value is exactly (case-insensitively)
  // application/x-www-form-urlencoded (EncodeFormData).
  if (autocomplete && !data.empty()) {
    if (!HasAny(headers, "Content-Type")) {
      headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
    }
    const bool form = std::any_of(headers.begin(), headers.end(), [](const FtwHeader& h) {
      return SameName(h.name, "Content-Type") &&
             EqualFold(h.value, "application/x-www-form-urlencoded");
    });
    if (form) data = EncodeFormData(data);
  }

  // Rule 5 (README "Multipart bodies"; go-ftw BuildRequest): when a Content-Type value contains
  // "multipart/form-data;" (case-insensitively), the body gets CRLF line ends. Applies with or
  // without autocompletion.
  const bool multipart = std::any_of(headers.begin(), headers.end(), [](const FtwHeader& h) {
    return SameName(h.name, "Content-Type") &&
           Lower(h.value).find("multipart/form-data;") != std::string::npos;
  });
  if (multipart) {
    data = options.multipart == MultipartLineEnds::kBareLfToCrlf ? BareLfToCrlf(data)
                                                                 : EveryLfToCrlf(data);
  }

  // Rule 6 (go-ftw AddStandardHeaders; research notes §3), with autocompletion only:
  // `Connection: close` when no Connection header is present; `Content-Length: <body bytes>`
  // when no Content-Length is present and the body is non-empty or the method asks for a
  // length (MethodWantsLength: a bodiless POST gets "Content-Length: 0"). Both go after the
  // test's headers (and after an added Content-Type).
  if (autocomplete) {
    if (!HasAny(headers, "Connection")) headers.push_back({"Connection", "close"});
    if (!HasAny(headers, "Content-Length") &&
        (!data.empty() || MethodWantsLength(input.Method()))) {
      headers.push_back({"Content-Length", std::to_string(data.size())});
    }
  }

  // Rule 7: the runner's own headers last, then the blank line and the body as built.
  headers.insert(headers.end(), options.extra_headers.begin(), options.extra_headers.end());
  WriteHeaders(headers, &out);
  out += "\r\n";
  out += data;
  return out;
}

std::string BuildMarkerRequest(const std::string& marker, const std::string& host,
                               const std::string& marker_header) {
  return "GET / HTTP/1.1\r\nHost: " + host + "\r\n" + marker_header + ": " + marker +
         "\r\nConnection: close\r\n\r\n";
}

}  // namespace rampart::crs
