#pragma once
// Whether a request's headers fit the browser its User-Agent claims. Real browsers send Accept
// and Accept-Language with every navigation, and Chromium's client hints (Sec-CH-UA) name the
// same major version as its User-Agent; scripts that copy a browser's User-Agent rarely copy the
// rest. One of the `suspicious` signals of the bot stage: conservative on purpose (a client
// hint that is absent is never held against anyone: browsers send them only to secure origins).

#include <optional>
#include <string>

#include "http/header_map.h"

namespace rampart::bot {

// A short reason ("no User-Agent", "a browser User-Agent without Accept-Language",
// "Sec-CH-UA names another version than the User-Agent") when something does not fit;
// nullopt when nothing is wrong or the client does not claim to be a browser.
std::optional<std::string> BrowserInconsistency(const http::HeaderMap& headers);

}  // namespace rampart::bot
