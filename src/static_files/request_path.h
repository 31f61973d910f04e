#pragma once
// The file path a request names: its percent-escapes decoded segment by segment, so that
// "/my%20file.txt" finds "my file.txt" (the router only decodes unreserved characters).

#include <optional>
#include <string>
#include <string_view>

namespace rampart::static_files {

// The decoded path, or nullopt (400) when an escape is malformed or a segment would decode to a
// '/' (an escaped slash never joins segments) or a NUL byte. Dot segments and backslashes are
// left for StaticRoot::Lookup to refuse.
std::optional<std::string> DecodeRequestPath(std::string_view path);

}  // namespace rampart::static_files
