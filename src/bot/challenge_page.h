#pragma once
// The page a challenged client gets: challenge/challenge.html (compiled into the binary, or an
// operator's own file with the same placeholders), filled in per request.

#include <string>
#include <string_view>

#include "core/result.h"

namespace rampart::bot {

struct PageValues {
  std::string challenge;    // the token (bot/tokens.h)
  uint32_t difficulty = 0;  // leading zero bits
  std::string verify_path;  // where the answer is posted: the challenged URL's path and query
  std::string nojs_url;     // where the no-JavaScript fallback goes (a path and query)
  uint64_t nojs_delay_s = 0;
  std::string site;    // the Host, as sent
  std::string method;  // the challenged request's method
};

// The built-in template.
std::string_view BuiltInChallengePage();

// A template must hold {{challenge}} and {{difficulty}}; `source` names it in the error.
core::Status CheckChallengePage(std::string_view page, std::string_view source);

// `page` with {{challenge}}, {{difficulty}}, {{verify_path}}, {{nojs_url}}, {{nojs_delay}},
// {{site}} and {{method}} replaced, each escaped for HTML.
std::string RenderChallengePage(std::string_view page, const PageValues& values);

}  // namespace rampart::bot
