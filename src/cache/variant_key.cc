#include "cache/variant_key.h"

#include <algorithm>

#include "core/strings.h"

namespace rampart::cache {

std::vector<std::string> VaryFields(const http::HeaderMap& response_headers) {
  std::vector<std::string> names;
  for (const auto& field : response_headers) {
    if (!core::EqualsIgnoreCase(field.name, "Vary")) continue;
    http::ForEachListToken(field.value,
                           [&](std::string_view token) { names.push_back(core::ToLower(token)); });
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::string VariantKey(
    std::span<const std::string> vary, const http::HeaderMap& request_headers,
    const std::function<std::string(std::string_view name, std::string_view value)>& normalize) {
  std::string key;
  std::string value;
  for (const std::string& name : vary) {
    value.clear();
    for (const auto& field : request_headers) {
      if (!core::EqualsIgnoreCase(field.name, name)) continue;
      http::ForEachListToken(field.value, [&](std::string_view element) {
        if (!value.empty()) value.push_back(',');
        value.append(element);
      });
    }
    key.append(name);
    key.push_back('=');
    if (normalize) {
      key.append(normalize(name, value));
    } else {
      key.append(value);
    }
    key.push_back('\n');
  }
  return key;
}

}  // namespace rampart::cache
