#pragma once
// Which responses are worth compressing, by media type. Pure functions; any thread.

#include <span>
#include <string>
#include <string_view>

namespace rampart::compress {

// True when the media type of the Content-Type value `content_type` (its parameters and
// surrounding whitespace ignored, case-insensitive) matches one of `patterns`: "type/subtype",
// or "type/*" for every subtype of a type. False for an empty or malformed media type.
bool IsCompressibleType(std::string_view content_type, std::span<const std::string> patterns);

// The patterns used when a route configures none: text, script, markup, data and font types
// that compress well. Images, audio, video and archives other than SVG are already compressed.
std::span<const std::string> DefaultCompressibleTypes();

}  // namespace rampart::compress
