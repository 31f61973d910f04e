#pragma once
// A small JSON reader for assertions on admin API answers (RFC 8259 values; \u escapes are
// decoded to UTF-8). Written here rather than shared with src/ so that the oracle does not
// share code with what it checks.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rampart::test {

struct JsonValue {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::vector<std::pair<std::string, JsonValue>> object;  // in document order

  bool is_object() const { return type == Type::kObject; }
  bool is_array() const { return type == Type::kArray; }
  // The member `key` of an object; nullptr when absent or not an object.
  const JsonValue* Find(std::string_view key) const;
  // The member `key` when it is a string / number; nullopt otherwise.
  std::optional<std::string> StringAt(std::string_view key) const;
  std::optional<double> NumberAt(std::string_view key) const;
};

// nullopt when `text` is not exactly one JSON value (surrounding whitespace allowed).
std::optional<JsonValue> ParseJson(std::string_view text);

}  // namespace rampart::test
