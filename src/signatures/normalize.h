#pragma once
// The normalisers applied to request parts before they are scanned (rules/signatures/README.md
// says which part gets which). Each is total: malformed input is kept as it is, never refused —
// the parser has already refused what must be refused, and evasions hide in the rest.

#include <string>
#include <string_view>

namespace rampart::signatures {

// %XX to its byte and %uXXXX (IIS style) to the character's UTF-8 form; `plus_is_space` turns
// '+' into ' ' (query strings and form bodies). A '%' not followed by a valid escape stays.
std::string PercentDecode(std::string_view in, bool plus_is_space);

// Removes every NUL byte.
void RemoveNul(std::string& s);

// A decoded path with '\' read as '/', runs of '/' collapsed, and "." and ".." segments
// resolved (".." never climbs above the root). "/a/./b/../c//d" -> "/a/c/d".
std::string NormalizePath(std::string_view path);

// &lt; &gt; &amp; &quot; &apos; &nbsp; and numeric references (&#60; &#x3c;, the ';' optional)
// to their characters (UTF-8). Unknown entities stay as they are.
std::string DecodeHtmlEntities(std::string_view in);

}  // namespace rampart::signatures
