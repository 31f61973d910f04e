#pragma once
// Error collection for the configuration loader: every problem found in one file, each
// rendered as "file:line: key.path: reason", reported in file order.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rampart::config {

// Collects the errors of one load. Owned by the load call on the stack; single-threaded.
class Diagnostics {
 public:
  // `file` is the name shown in messages (a path, or "<embedded>").
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  const std::string& file() const { return file_; }
  bool empty() const { return entries_.empty(); }

  // Records one error. `line` is 1-based (0: no line, e.g. an unreadable file); an empty
  // `path` stands for the whole document and is shown as "(root)".
  void Add(int line, std::string_view path, std::string_view reason);

  // The messages sorted by line; errors on the same line keep the order they were found in.
  std::vector<std::string> SortedMessages() const;

 private:
  struct Entry {
    int line;
    std::string text;
  };

  std::string file_;
  std::vector<Entry> entries_;
};

}  // namespace rampart::config
