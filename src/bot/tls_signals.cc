#include "bot/tls_signals.h"

#include "core/strings.h"

namespace rampart::bot {

std::optional<std::string> TlsFingerprintInconsistency(std::string_view user_agent,
                                                       std::string_view ja4, bool grease) {
  // JA4 starts "t13d1516h2_": protocol, version, SNI, two counts, then the first ALPN's first
  // and last characters ("00" when none was offered).
  if (ja4.size() < 10 || !core::StartsWith(user_agent, "Mozilla/5.0")) return std::nullopt;
  const bool chromium = user_agent.find("Chrome/") != std::string_view::npos ||
                        user_agent.find("CriOS/") != std::string_view::npos;
  const bool firefox = user_agent.find("Firefox/") != std::string_view::npos;
  const bool safari = !chromium && !firefox && user_agent.find("Safari/") != std::string_view::npos;
  const char* claimed = chromium ? "Chrome" : safari ? "Safari" : firefox ? "Firefox" : nullptr;
  if (claimed == nullptr) return std::nullopt;
  const std::string suffix = " (JA4 " + std::string(ja4) + ")";
  if (ja4.substr(8, 2) == "00") {
    return std::string("a ") + claimed + " User-Agent without ALPN in its TLS handshake" + suffix;
  }
  if ((chromium || safari) && !grease) {
    return std::string("a ") + claimed + " User-Agent with a TLS handshake without GREASE" + suffix;
  }
  return std::nullopt;
}

}  // namespace rampart::bot
