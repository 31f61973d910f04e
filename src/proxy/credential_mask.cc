#include "proxy/credential_mask.h"

#include <algorithm>

#include "core/strings.h"

namespace rampart::proxy {
namespace {

bool ContainsIgnoreCase(const std::vector<std::string>& names, std::string_view name) {
  return std::any_of(names.begin(), names.end(),
                     [&](const std::string& n) { return core::EqualsIgnoreCase(n, name); });
}

bool Contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

bool IsCredentialHeader(std::string_view name, const pipeline::CredentialFields* extra) {
  if (core::EqualsIgnoreCase(name, "Cookie") || core::EqualsIgnoreCase(name, "Set-Cookie") ||
      core::EqualsIgnoreCase(name, "Authorization") ||
      core::EqualsIgnoreCase(name, "Proxy-Authorization")) {
    return true;
  }
  return extra != nullptr && ContainsIgnoreCase(extra->headers, name);
}

std::string MaskedTarget(std::string_view target, const pipeline::CredentialFields* extra) {
  const size_t question = target.find('?');
  if (extra == nullptr || extra->query_params.empty() || question == std::string_view::npos) {
    return std::string(target);
  }
  std::string out(target.substr(0, question + 1));
  std::string_view query = target.substr(question + 1);
  bool first = true;
  while (true) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (!first) out += '&';
    first = false;
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && Contains(extra->query_params, pair.substr(0, eq))) {
      out.append(pair.substr(0, eq + 1));
      out.append(kMask);
    } else {
      out.append(pair);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

bool IsCredentialVariable(std::string_view var, const pipeline::CredentialFields* extra) {
  // The WAF logs "(ambiguous)" when a crafted name hides which variable matched: it may have
  // been a cookie or an Authorization header, so its data is masked.
  if (var == "(ambiguous)") return true;
  const size_t colon = var.find(':');
  const std::string_view collection = var.substr(0, colon);
  const std::string_view key =
      colon == std::string_view::npos ? std::string_view() : var.substr(colon + 1);
  // ModSecurity's names (REQUEST_COOKIES:x, REQUEST_HEADERS:X) and the signatures stage's
  // (cookies, header:x).
  if (core::EqualsIgnoreCase(collection, "REQUEST_COOKIES") || var == "cookies") return true;
  if (core::EqualsIgnoreCase(collection, "REQUEST_HEADERS") || collection == "header") {
    return IsCredentialHeader(key, extra);
  }
  if (extra != nullptr && (core::EqualsIgnoreCase(collection, "ARGS") ||
                           core::EqualsIgnoreCase(collection, "ARGS_GET"))) {
    return Contains(extra->query_params, key);
  }
  return false;
}

}  // namespace rampart::proxy
