#include "cache/header_update.h"

#include <array>
#include <string_view>
#include <vector>

#include "core/strings.h"

namespace rampart::cache {

namespace {

constexpr std::array<std::string_view, 14> kNeverUpdated = {
    "Content-Length",      "Content-Type", "Content-Encoding",
    "Content-Range",       "Connection",   "Keep-Alive",
    "Proxy-Connection",    "TE",           "Trailer",
    "Transfer-Encoding",   "Upgrade",      "Proxy-Authenticate",
    "Proxy-Authorization", "Set-Cookie",
};

bool NeverUpdated(std::string_view name, const http::HeaderMap& not_modified) {
  for (std::string_view excluded : kNeverUpdated) {
    if (core::EqualsIgnoreCase(name, excluded)) return true;
  }
  // Fields the 304's Connection names are hop-by-hop for that message.
  return not_modified.HasToken("Connection", name);
}

}  // namespace

void UpdateStoredHeaders(http::HeaderMap& stored, const http::HeaderMap& not_modified) {
  stored.Remove("Age");
  // Names first, so a field with several lines in the 304 replaces the stored lines once and
  // keeps all of its own.
  std::vector<std::string_view> replaced;
  for (const auto& field : not_modified) {
    if (NeverUpdated(field.name, not_modified)) continue;
    bool seen = false;
    for (std::string_view name : replaced) seen = seen || core::EqualsIgnoreCase(name, field.name);
    if (!seen) {
      replaced.push_back(field.name);
      stored.Remove(field.name);
    }
  }
  for (const auto& field : not_modified) {
    if (!NeverUpdated(field.name, not_modified)) stored.Add(field.name, field.value);
  }
}

}  // namespace rampart::cache
