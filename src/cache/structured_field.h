#pragma once
// A Structured Fields Dictionary parser (RFC 9651 §4.2.2), just enough for targeted cache
// control fields (RFC 9213): member keys with the type and scalar value of each member. Pure;
// safe on any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rampart::cache {

// One dictionary member's value. Parameters are parsed (for validation) but not kept.
struct SfValue {
  enum class Type : uint8_t {
    kInteger,        // `integer` holds it
    kDecimal,        // syntax checked; value not kept
    kString,         // `text` holds the unescaped string
    kToken,          // `text` holds the token
    kByteSequence,   // `text` holds the base64 text as sent
    kBoolean,        // `boolean` holds it; a member without "=" is true
    kDate,           // RFC 9651 @<integer>: `integer` holds it
    kDisplayString,  // RFC 9651 %"...": `text` holds the raw percent-encoded text
    kInnerList,      // ( items ): the items are not kept
  };
  Type type = Type::kBoolean;
  int64_t integer = 0;
  bool boolean = true;
  std::string text;
};

// Members in order of first appearance; a key repeated later overwrites the value in place
// (RFC 9651 §4.2.2). nullopt when `field` is not a valid dictionary.
using SfDictionary = std::vector<std::pair<std::string, SfValue>>;
std::optional<SfDictionary> ParseSfDictionary(std::string_view field);

}  // namespace rampart::cache
