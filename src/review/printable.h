#pragma once
// Text from the attack log made safe for a terminal or a comment line: log fields come from
// clients, and a raw escape sequence or line break must not reach the operator's screen or split
// a generated rule file.

#include <string>
#include <string_view>

namespace rampart::review {

// `text` with control bytes (below 0x20, and 0x7f) written as \xNN.
std::string PrintableText(std::string_view text);

}  // namespace rampart::review
