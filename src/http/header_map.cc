#include "http/header_map.h"

#include <algorithm>

#include "core/strings.h"

namespace rampart::http {

using core::EqualsIgnoreCase;

void HeaderMap::Add(std::string_view name, std::string_view value) {
  fields_.push_back(Header{std::string(name), std::string(value)});
}

void HeaderMap::Set(std::string_view name, std::string_view value) {
  for (auto it = fields_.begin(); it != fields_.end(); ++it) {
    if (EqualsIgnoreCase(it->name, name)) {
      it->value.assign(value);
      fields_.erase(std::remove_if(it + 1, fields_.end(),
                                   [&](const Header& h) { return EqualsIgnoreCase(h.name, name); }),
                    fields_.end());
      return;
    }
  }
  Add(name, value);
}

size_t HeaderMap::Remove(std::string_view name) {
  const size_t before = fields_.size();
  fields_.erase(std::remove_if(fields_.begin(), fields_.end(),
                               [&](const Header& h) { return EqualsIgnoreCase(h.name, name); }),
                fields_.end());
  return before - fields_.size();
}

const std::string* HeaderMap::Get(std::string_view name) const {
  for (const auto& h : fields_) {
    if (EqualsIgnoreCase(h.name, name)) return &h.value;
  }
  return nullptr;
}

size_t HeaderMap::Count(std::string_view name) const {
  return static_cast<size_t>(std::count_if(fields_.begin(), fields_.end(), [&](const Header& h) {
    return EqualsIgnoreCase(h.name, name);
  }));
}

bool HeaderMap::HasToken(std::string_view name, std::string_view token) const {
  bool found = false;
  for (const auto& h : fields_) {
    if (!EqualsIgnoreCase(h.name, name)) continue;
    ForEachListToken(h.value,
                     [&](std::string_view t) { found = found || EqualsIgnoreCase(t, token); });
  }
  return found;
}

}  // namespace rampart::http
