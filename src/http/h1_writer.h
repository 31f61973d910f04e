#pragma once
// Serialises HTTP/1.1 message heads. Values were validated by the parser (or set by config
// that the loader validated), so nothing here re-checks them.

#include <cstdint>
#include <string>
#include <string_view>

#include "http/header_map.h"
#include "http/message.h"

namespace rampart::http {

// "METHOD target HTTP/1.1\r\n" + fields + "\r\n". Always HTTP/1.1 to backends.
void AppendRequestHead(std::string& out, std::string_view method, std::string_view target,
                       const HeaderMap& headers);

// "HTTP/1.x status reason\r\n" + fields + "\r\n".
void AppendResponseHead(std::string& out, Version version, int status, std::string_view reason,
                        const HeaderMap& headers);

// Chunk size line "1a2b\r\n" for a chunk of `size` bytes (size > 0).
void AppendChunkSize(std::string& out, uint64_t size);

// The standard reason phrase for `status` ("Not Found"), or "Unknown".
std::string_view ReasonPhrase(int status);

}  // namespace rampart::http
