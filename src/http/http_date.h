#pragma once
// HTTP-date (RFC 9110 §5.6.7): formatting the preferred IMF-fixdate, and parsing it together with
// the two obsolete forms recipients must still accept (RFC 850 and asctime).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rampart::http {

// "Sun, 06 Nov 1994 08:49:37 GMT" for seconds since the Unix epoch.
std::string FormatHttpDate(int64_t unix_seconds);

// Seconds since the Unix epoch, or nullopt when `text` is not an HTTP-date in any of the three
// forms ("Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
// "Sun Nov  6 08:49:37 1994").
std::optional<int64_t> ParseHttpDate(std::string_view text);

}  // namespace rampart::http
