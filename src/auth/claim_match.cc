#include "auth/claim_match.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace rampart::auth {
namespace {

bool IsAccepted(std::string_view value, const std::vector<std::string>& accepted) {
  return std::find(accepted.begin(), accepted.end(), value) != accepted.end();
}

// An array claim's elements as text; nullopt when `text` is not a JSON array.
std::vector<std::string> ArrayElements(std::string_view text, bool* is_array) {
  std::vector<std::string> out;
  *is_array = false;
  if (text.empty() || text.front() != '[') return out;
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_array()) return out;
  *is_array = true;
  for (const auto& element : parsed) {
    out.push_back(element.is_string() ? element.get<std::string>() : element.dump());
  }
  return out;
}

}  // namespace

bool ClaimAccepts(std::string_view claim_name, std::string_view claim_text, bool is_json,
                  const std::vector<std::string>& accepted) {
  if (accepted.empty()) return true;
  bool is_array = false;
  const std::vector<std::string> elements =
      is_json ? ArrayElements(claim_text, &is_array) : std::vector<std::string>{};
  if (is_array) {
    return std::any_of(elements.begin(), elements.end(),
                       [&](const std::string& e) { return IsAccepted(e, accepted); });
  }
  if (!is_json && (claim_name == "scope" || claim_name == "scp")) {
    size_t start = 0;
    while (start <= claim_text.size()) {
      const size_t space = claim_text.find(' ', start);
      const std::string_view word = claim_text.substr(
          start, space == std::string_view::npos ? std::string_view::npos : space - start);
      if (!word.empty() && IsAccepted(word, accepted)) return true;
      if (space == std::string_view::npos) break;
      start = space + 1;
    }
    return false;
  }
  return IsAccepted(claim_text, accepted);
}

}  // namespace rampart::auth
