#include "bot/challenge_page.h"

#include <string>

#include "core/strings.h"

namespace rampart::bot {

extern const std::string_view kChallengeHtml;  // challenge_page_data.cc, made by CMake

namespace {

std::string EscapeHtml(std::string_view text) {
  std::string out;
  core::AppendHtmlEscaped(out, text);
  return out;
}

}  // namespace

std::string_view BuiltInChallengePage() { return kChallengeHtml; }

core::Status CheckChallengePage(std::string_view page, std::string_view source) {
  for (std::string_view needed : {"{{challenge}}", "{{difficulty}}"}) {
    if (page.find(needed) == std::string_view::npos) {
      return core::MakeError(std::string(source) + ": a challenge page needs " +
                             std::string(needed));
    }
  }
  return {};
}

std::string RenderChallengePage(std::string_view page, const PageValues& values) {
  const std::pair<std::string_view, std::string> fills[] = {
      {"{{challenge}}", EscapeHtml(values.challenge)},
      {"{{difficulty}}", std::to_string(values.difficulty)},
      {"{{verify_path}}", EscapeHtml(values.verify_path)},
      {"{{nojs_url}}", EscapeHtml(values.nojs_url)},
      {"{{nojs_delay}}", std::to_string(values.nojs_delay_s)},
      {"{{site}}", EscapeHtml(values.site)},
      {"{{method}}", EscapeHtml(values.method)},
  };
  std::string out;
  out.reserve(page.size() + 512);
  size_t at = 0;
  while (at < page.size()) {
    const size_t open = page.find("{{", at);
    if (open == std::string_view::npos) break;
    out.append(page.substr(at, open - at));
    bool filled = false;
    for (const auto& [name, value] : fills) {
      if (page.substr(open, name.size()) == name) {
        out += value;
        at = open + name.size();
        filled = true;
        break;
      }
    }
    if (!filled) {
      // Not a placeholder: keep one brace and look again from the next ("{{{site}}}").
      out += '{';
      at = open + 1;
    }
  }
  out.append(page.substr(at));
  return out;
}

}  // namespace rampart::bot
