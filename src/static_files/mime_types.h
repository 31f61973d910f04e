#pragma once
// The Content-Type of a static file, chosen by its file-name extension as nginx's mime.types
// does. Pure function over a constant table; any thread.

#include <string_view>

namespace rampart::static_files {

// The media type for `file_name` (a bare name or a path: only the text after the last '/' and
// then the last '.' counts), by extension, case-insensitive. Textual types carry
// "; charset=utf-8". "application/octet-stream" when the extension is unknown or missing.
std::string_view ContentTypeFor(std::string_view file_name);

}  // namespace rampart::static_files
