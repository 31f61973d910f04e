#pragma once
// Whether a client's TLS ClientHello fits the browser its User-Agent claims. A script can copy
// a browser's User-Agent and headers, but its TLS library still speaks for itself: every
// Chromium-based browser and Safari put GREASE values (RFC 8701) in their ClientHello, and every
// browser offers ALPN h2 over TLS; curl, Python, Go and OpenSSL clients send no GREASE. One of
// the `suspicious` signals of the bot stage, on TLS connections only.

#include <optional>
#include <string>
#include <string_view>

namespace rampart::bot {

// A short reason ("a Chrome User-Agent with a TLS fingerprint without GREASE (JA4 t13d...)"),
// or nullopt when the fingerprint fits or the client does not claim to be a browser. `ja4`:
// the connection's JA4 (empty: not computed, nothing is judged); `grease`: the ClientHello had
// GREASE values.
std::optional<std::string> TlsFingerprintInconsistency(std::string_view user_agent,
                                                       std::string_view ja4, bool grease);

}  // namespace rampart::bot
