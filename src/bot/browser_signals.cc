#include "bot/browser_signals.h"

#include <charconv>
#include <string_view>

#include "core/strings.h"

namespace rampart::bot {
namespace {

// The major version after `marker` ("Chrome/124.0..." -> 124); 0 when absent.
int MajorVersion(std::string_view ua, std::string_view marker) {
  const size_t at = ua.find(marker);
  if (at == std::string_view::npos) return 0;
  const std::string_view rest = ua.substr(at + marker.size());
  int major = 0;
  std::from_chars(rest.data(), rest.data() + rest.size(), major);
  return major;
}

bool Present(const http::HeaderMap& headers, std::string_view name) {
  const std::string* value = headers.Get(name);
  return value != nullptr && !core::TrimOws(*value).empty();
}

}  // namespace

std::optional<std::string> BrowserInconsistency(const http::HeaderMap& headers) {
  const std::string* ua_field = headers.Get("User-Agent");
  if (ua_field == nullptr || core::TrimOws(*ua_field).empty()) return "no User-Agent";
  const std::string_view ua = *ua_field;
  const int chrome = MajorVersion(ua, "Chrome/");
  const bool firefox = ua.find("Firefox/") != std::string_view::npos;
  const bool browser = core::StartsWith(ua, "Mozilla/5.0") &&
                       (chrome > 0 || firefox || ua.find("Safari/") != std::string_view::npos);
  if (!browser) return std::nullopt;
  if (!Present(headers, "Accept")) return "a browser User-Agent without Accept";
  if (!Present(headers, "Accept-Language")) return "a browser User-Agent without Accept-Language";
  if (const std::string* hints = headers.Get("Sec-CH-UA")) {
    if (firefox && chrome == 0) return "Sec-CH-UA from a Firefox User-Agent";
    // Sec-CH-UA: "Chromium";v="124", "Not-A.Brand";v="99": the real major version is listed.
    if (chrome > 0 && hints->find("v=\"" + std::to_string(chrome) + "\"") == std::string::npos) {
      return "Sec-CH-UA names another version than the User-Agent";
    }
  }
  return std::nullopt;
}

}  // namespace rampart::bot
