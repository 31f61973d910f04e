#include "http/query.h"

#include "core/strings.h"

namespace rampart::http {
namespace {

std::string DecodeFormValue(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%' && i + 2 < in.size() && core::HexDigitValue(in[i + 1]) >= 0 &&
               core::HexDigitValue(in[i + 2]) >= 0) {
      out +=
          static_cast<char>(core::HexDigitValue(in[i + 1]) * 16 + core::HexDigitValue(in[i + 2]));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> FindQueryParam(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    return eq == std::string_view::npos ? std::string() : DecodeFormValue(pair.substr(eq + 1));
  }
  return std::nullopt;
}

}  // namespace rampart::http
