#include "http/h1_writer.h"

#include <charconv>

namespace rampart::http {

namespace {

void AppendFields(std::string& out, const HeaderMap& headers) {
  for (const Header& field : headers) {
    out.append(field.name);
    out.append(": ");
    out.append(field.value);
    out.append("\r\n");
  }
  out.append("\r\n");
}

}  // namespace

void AppendRequestHead(std::string& out, std::string_view method, std::string_view target,
                       const HeaderMap& headers) {
  out.append(method);
  out.push_back(' ');
  out.append(target);
  out.append(" HTTP/1.1\r\n");
  AppendFields(out, headers);
}

void AppendResponseHead(std::string& out, Version version, int status, std::string_view reason,
                        const HeaderMap& headers) {
  out.append(version == Version::kHttp10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  char digits[16];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), status);
  (void)ec;  // an int always fits 16 chars
  out.append(digits, end);
  // The SP stays even when the reason is empty: status-line = version SP code SP [reason].
  out.push_back(' ');
  out.append(reason);
  out.append("\r\n");
  AppendFields(out, headers);
}

void AppendChunkSize(std::string& out, uint64_t size) {
  char digits[17];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), size, 16);
  (void)ec;  // 16 hex digits hold any uint64_t
  out.append(digits, end);
  out.append("\r\n");
}

std::string_view ReasonPhrase(int status) {
  struct Entry {
    int status;
    std::string_view phrase;
  };
  // RFC 9110 §15 wording (413 and 422 as renamed there).
  static constexpr Entry kPhrases[] = {
      {100, "Continue"},
      {101, "Switching Protocols"},
      {200, "OK"},
      {201, "Created"},
      {202, "Accepted"},
      {203, "Non-Authoritative Information"},
      {204, "No Content"},
      {205, "Reset Content"},
      {206, "Partial Content"},
      {300, "Multiple Choices"},
      {301, "Moved Permanently"},
      {302, "Found"},
      {303, "See Other"},
      {304, "Not Modified"},
      {305, "Use Proxy"},
      {307, "Temporary Redirect"},
      {308, "Permanent Redirect"},
      {400, "Bad Request"},
      {401, "Unauthorized"},
      {402, "Payment Required"},
      {403, "Forbidden"},
      {404, "Not Found"},
      {405, "Method Not Allowed"},
      {406, "Not Acceptable"},
      {407, "Proxy Authentication Required"},
      {408, "Request Timeout"},
      {409, "Conflict"},
      {410, "Gone"},
      {411, "Length Required"},
      {412, "Precondition Failed"},
      {413, "Content Too Large"},
      {414, "URI Too Long"},
      {415, "Unsupported Media Type"},
      {416, "Range Not Satisfiable"},
      {417, "Expectation Failed"},
      {421, "Misdirected Request"},
      {422, "Unprocessable Content"},
      {425, "Too Early"},
      {426, "Upgrade Required"},
      {428, "Precondition Required"},
      {429, "Too Many Requests"},
      {431, "Request Header Fields Too Large"},
      {451, "Unavailable For Legal Reasons"},
      {500, "Internal Server Error"},
      {501, "Not Implemented"},
      {502, "Bad Gateway"},
      {503, "Service Unavailable"},
      {504, "Gateway Timeout"},
      {505, "HTTP Version Not Supported"},
  };
  for (const Entry& entry : kPhrases) {
    if (entry.status == status) return entry.phrase;
  }
  return "Unknown";
}

}  // namespace rampart::http
