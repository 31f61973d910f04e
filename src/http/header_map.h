#pragma once
// HeaderMap: an ordered list of HTTP header fields with case-insensitive lookup. Order and
// duplicates are kept as received, so what is forwarded is what was parsed (minus what the
// proxy removes on purpose). Owned by one message; used on one thread.

#include <string>
#include <string_view>
#include <vector>

namespace rampart::http {

struct Header {
  std::string name;
  std::string value;
};

class HeaderMap {
 public:
  void Add(std::string_view name, std::string_view value);
  // Replaces every field called `name` by one with `value`.
  void Set(std::string_view name, std::string_view value);
  // Removes every field called `name`; returns how many were removed.
  size_t Remove(std::string_view name);
  // The first field called `name`, or nullptr.
  const std::string* Get(std::string_view name) const;
  size_t Count(std::string_view name) const;
  // True when any field called `name` holds `token` in its comma-separated list
  // (case-insensitive), as Connection: keep-alive, Upgrade does.
  bool HasToken(std::string_view name, std::string_view token) const;

  size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }
  void clear() { fields_.clear(); }
  std::vector<Header>& fields() { return fields_; }
  const std::vector<Header>& fields() const { return fields_; }
  auto begin() const { return fields_.begin(); }
  auto end() const { return fields_.end(); }

 private:
  std::vector<Header> fields_;
};

// Calls `fn(token)` for each non-empty, OWS-trimmed element of a comma-separated list.
template <typename Fn>
void ForEachListToken(std::string_view list, Fn&& fn) {
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view token = list.substr(start, comma - start);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t'))
      token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    if (!token.empty()) fn(token);
    start = comma + 1;
  }
}

}  // namespace rampart::http
