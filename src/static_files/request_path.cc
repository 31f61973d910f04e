#include "static_files/request_path.h"

#include "core/strings.h"

namespace rampart::static_files {

std::optional<std::string> DecodeRequestPath(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') {
      out += path[i];
      continue;
    }
    if (i + 2 >= path.size()) return std::nullopt;
    const int high = core::HexDigitValue(path[i + 1]);
    const int low = core::HexDigitValue(path[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    const char byte = static_cast<char>(high * 16 + low);
    if (byte == '/' || byte == '\0') return std::nullopt;
    out += byte;
    i += 2;
  }
  return out;
}

}  // namespace rampart::static_files
