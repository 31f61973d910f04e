#include "core/base64.h"

#include <array>
#include <cstdint>

namespace rampart::core {
namespace {

constexpr std::string_view kStandardChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Byte -> 6-bit value, -1 outside the alphabet: a lookup per character, as JWTs run to a few
// hundred characters on every request.
constexpr std::array<int8_t, 256> DecodeTable(std::string_view chars) {
  std::array<int8_t, 256> table{};
  table.fill(-1);
  for (size_t i = 0; i < chars.size(); ++i) {
    table[static_cast<unsigned char>(chars[i])] = static_cast<int8_t>(i);
  }
  return table;
}

constexpr std::array<int8_t, 256> kStandardTable = DecodeTable(kStandardChars);
constexpr std::array<int8_t, 256> kUrlTable = DecodeTable(kUrlChars);

}  // namespace

bool Base64Decode(std::string_view in, Base64Alphabet alphabet, std::string* out) {
  out->clear();
  if (alphabet == Base64Alphabet::kStandard) {
    // Whole groups of 4; the '=' (at most two) only fill the last one, so with them stripped
    // the length left says how many there were.
    if (in.size() % 4 != 0) return false;
    for (int i = 0; i < 2 && !in.empty() && in.back() == '='; ++i) in.remove_suffix(1);
  }
  if (in.size() % 4 == 1) return false;  // one character alone holds only 6 bits
  const auto& table = alphabet == Base64Alphabet::kUrl ? kUrlTable : kStandardTable;
  out->resize(in.size() * 6 / 8);  // every character holds 6 bits; a byte is 8 of them
  size_t n = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (const char c : in) {
    const int v = table[static_cast<unsigned char>(c)];
    if (v < 0) {
      out->clear();  // output only on success
      return false;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      (*out)[n++] = static_cast<char>((acc >> bits) & 0xff);
    }
  }
  // Leftover bits must be zero, so that no two texts decode to the same bytes.
  if ((acc & ((1u << bits) - 1)) != 0) {
    out->clear();
    return false;
  }
  return true;
}

std::string Base64Encode(std::string_view in, Base64Alphabet alphabet) {
  const std::string_view chars = alphabet == Base64Alphabet::kUrl ? kUrlChars : kStandardChars;
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  uint32_t acc = 0;
  int bits = 0;
  for (const char c : in) {
    acc = (acc << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(chars[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(chars[(acc << (6 - bits)) & 0x3f]);
  if (alphabet == Base64Alphabet::kStandard) out.append((4 - out.size() % 4) % 4, '=');
  return out;
}

}  // namespace rampart::core
