#pragma once
// Syntax checks for configuration values: listen and server addresses, host names, CIDRs,
// HTTP header and method tokens and hash keys. Pure functions; no name resolution, no I/O.

#include <string_view>

#include "config/config.h"
#include "core/result.h"

namespace rampart::config {

// Accepts "host:port" where host is an IPv4 literal, a bracketed IPv6 literal ("[::1]"),
// "localhost" or a host name, and port is 1-65535. The error names what is wrong, e.g.
// "expected host:port" or "port must be between 1 and 65535".
// `allow_port_zero`: for addresses rampart binds (listen, admin), where port 0 asks the kernel
// for a free port (tests read the bound port back from the log).
core::Status CheckHostPort(std::string_view address, bool allow_port_zero = false);

// True for a DNS name of letters, digits, '-' and '_' in dot-separated labels of 1-63 bytes
// (253 in all, an optional trailing dot), no label starting or ending with '-'.
bool IsHostName(std::string_view host);

// True for a route host pattern: a host name, an IPv4 literal, a bracketed IPv6 literal, or
// "*." followed by a host name.
bool IsHostPattern(std::string_view pattern);

// True for an IPv4 or IPv6 address, optionally followed by "/prefix" (0-32 or 0-128).
bool IsCidr(std::string_view text);

// True for an RFC 9110 token (header field names, methods): one or more tchar bytes.
bool IsHttpToken(std::string_view text);

// True when `text` holds CR, LF or NUL, which would split or cut a header line.
bool HasLineBreakOrNul(std::string_view text);

// True when `text` holds a byte below 0x21 or DEL: spaces and control bytes, which have no
// place in a path or URL written in the configuration.
bool HasSpaceOrControl(std::string_view text);

// A hash key: "client_ip", "path", "header:<Name>" or "cookie:<name>", the name an RFC 9110
// token. Errors: "expected client_ip, path, header:<name> or cookie:<name>",
// "invalid header name 'X'", "invalid cookie name 'X'".
core::Result<HashKeyConfig> ParseHashKey(std::string_view text);

}  // namespace rampart::config
