#pragma once
// Lenient reading of JSON and GraphQL string literals for the body views (body_view.h). A
// backend's parser may accept what a strict one refuses (a lone surrogate, a raw invalid byte,
// a trailing comma) and still decode the `\uXXXX` escapes around it; so where the strict parse
// fails, the view still gets each literal decoded this way, and CRS sees the payload an escape
// would otherwise hide.

#include <string>
#include <string_view>
#include <vector>

namespace rampart::modsec {

// `raw` (a literal's text between its quotes) with JSON's escapes decoded: \" \\ \/ \b \f \n
// \r \t and \uXXXX (surrogate pairs joined; a lone surrogate becomes U+FFFD). Anything else
// after a backslash is kept as written.
std::string DecodeStringEscapes(std::string_view raw);

// The decoded text of every double-quoted literal in `text` that holds an escape (a literal
// without one is already in `text` as it is). A literal ends at its closing quote or at a line
// end.
std::vector<std::string> EscapedQuotedStrings(std::string_view text);

}  // namespace rampart::modsec
