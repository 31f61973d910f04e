#include "fastpath/tx_state.h"

namespace rampart::fastpath {

bool IsCaptureKey(const std::string& key) {
  return key.size() == 1 && key[0] >= '0' && key[0] <= '9';
}

std::string RequiredPrefix(const std::string& regex) {
  if (regex.empty() || regex[0] != '^') return {};
  std::string out;
  for (size_t i = 1; i < regex.size(); ++i) {
    const char c = regex[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') {
      out += core::AsciiLower(c);
    } else {
      break;
    }
  }
  // A quantifier after the last character makes it optional.
  if (!out.empty() && out.size() + 1 < regex.size()) {
    const char next = regex[out.size() + 1];
    if (next == '?' || next == '*' || next == '{') out.pop_back();
  }
  return out;
}

}  // namespace rampart::fastpath
