#include "compress/compressible_type.h"

#include <array>

#include "core/strings.h"

namespace rampart::compress {

bool IsCompressibleType(std::string_view content_type, std::span<const std::string> patterns) {
  const std::string_view media_type = core::TrimOws(content_type.substr(0, content_type.find(';')));
  const size_t slash = media_type.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == media_type.size()) {
    return false;
  }
  const std::string_view type = media_type.substr(0, slash);
  for (const std::string& pattern : patterns) {
    if (pattern.size() == slash + 2 && pattern.ends_with("/*")) {
      if (core::EqualsIgnoreCase(type, std::string_view(pattern).substr(0, slash))) return true;
    } else if (core::EqualsIgnoreCase(media_type, pattern)) {
      return true;
    }
  }
  return false;
}

std::span<const std::string> DefaultCompressibleTypes() {
  static const std::array<std::string, 20> types = {
      "text/html",
      "text/plain",
      "text/css",
      "text/javascript",
      "text/xml",
      "text/csv",
      "text/markdown",
      "application/javascript",
      "application/json",
      "application/xml",
      "application/xhtml+xml",
      "application/rss+xml",
      "application/atom+xml",
      "application/ld+json",
      "application/manifest+json",
      "application/wasm",
      "image/svg+xml",
      "font/ttf",
      "font/otf",
      "application/vnd.ms-fontobject",
  };
  return types;
}

}  // namespace rampart::compress
