#pragma once
// Reading one cookie from a request's Cookie header(s) (RFC 6265 §5.4: "a=1; b=2").

#include <optional>
#include <string_view>

#include "http/header_map.h"

namespace rampart::http {

// The value of the first cookie called `name` (case-sensitive, as cookie names are), or
// nullopt. The view points into `headers`.
std::optional<std::string_view> FindCookie(const HeaderMap& headers, std::string_view name);

}  // namespace rampart::http
