#include "config/diagnostics.h"

#include <algorithm>

namespace rampart::config {

void Diagnostics::Add(int line, std::string_view path, std::string_view reason) {
  std::string text = file_;
  text.push_back(':');
  text.append(std::to_string(line));
  text.append(": ");
  text.append(path.empty() ? std::string_view("(root)") : path);
  text.append(": ");
  text.append(reason);
  entries_.push_back(Entry{line, std::move(text)});
}

std::vector<std::string> Diagnostics::SortedMessages() const {
  std::vector<Entry> sorted = entries_;
  // Cross-checks (an unknown pool, a duplicate name) are found after the section they refer
  // to, so discovery order is not file order; a stable sort restores it.
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Entry& a, const Entry& b) { return a.line < b.line; });
  std::vector<std::string> out;
  out.reserve(sorted.size());
  for (Entry& e : sorted) out.push_back(std::move(e.text));
  return out;
}

}  // namespace rampart::config
