#pragma once
// Typed, error-collecting access to a YAML document for the config loader; together with
// yaml_reader.cc the only code that uses yaml-cpp. A read that fails records an error in
// Diagnostics and returns nothing, so the schema code carries on and one pass reports every
// problem in the file.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/diagnostics.h"

namespace rampart::config {

// One YAML value, the key path that leads to it ("routes[1].match.path") and the line to blame
// (the line of its key, or of the list item). Cheap to copy: yaml-cpp nodes share their
// document. Lives only during one load, on the loading thread.
class Field {
 public:
  Field(const YAML::Node& node, std::string path, int line, Diagnostics* diag)
      : node_(node), path_(std::move(path)), line_(line), diag_(diag) {}

  const std::string& path() const { return path_; }
  int line() const { return line_; }
  const std::string& file() const { return diag_->file(); }

  // True for an absent value or a YAML null ("key:", "key: ~").
  bool IsNull() const;
  bool IsMap() const;
  bool IsScalar() const;

  // Records "file:line: path: reason" for this value.
  void Fail(std::string_view reason) const;
  // Records an error about `key` inside this value (typically a missing key, which has no
  // line of its own) at this value's line.
  void FailChild(std::string_view key, std::string_view reason) const;

  // The string form of a scalar (plain or quoted); "expected a string" otherwise.
  std::optional<std::string> AsString() const;
  // A plain decimal integer in [min, max]: "expected an integer", "must be between A and B".
  std::optional<int64_t> AsInteger(int64_t min, int64_t max) const;
  // Plain true or false (True/TRUE/False/FALSE too): "expected true or false". YAML 1.1
  // spellings (yes, no, on, off) are refused on purpose: they read differently in other tools.
  std::optional<bool> AsBool() const;
  // A duration such as 500ms, 5s, 10m or 1h, in milliseconds, at least `min_ms`.
  std::optional<uint64_t> AsDurationMs(uint64_t min_ms = 0) const;
  // A size such as 512, 64KiB or 1MiB, in bytes, at least `min_bytes`.
  std::optional<uint64_t> AsSize(uint64_t min_bytes = 0) const;

  // The items of a list; a null value is an empty list. Records "expected a list" otherwise.
  std::optional<std::vector<Field>> AsList() const;
  // The entries of a map in YAML order; a null value is an empty map. Records "expected a
  // map" for other values, and drops (with an error) non-string and duplicate keys.
  std::optional<std::vector<std::pair<std::string, Field>>> AsEntries() const;

  // A plain (unquoted, untagged) scalar's text, or nullopt; records nothing.
  std::optional<std::string> PlainScalar() const;

 private:
  YAML::Node node_;
  std::string path_;
  int line_;
  Diagnostics* diag_;
};

// Parses `text` as one YAML document named after `diag`'s file. Returns its root (a null root
// for an empty document), or nullopt after recording a "(yaml)" error for a syntax error or
// for more than one document.
std::optional<Field> ParseDocument(const std::string& text, Diagnostics* diag);

// A map whose keys the schema fixes. Construction records "expected a map", "unknown key",
// "not supported in this version" and "duplicate key"; the Read* helpers then assign present,
// valid values and leave the caller's defaults in place otherwise. Used during one load.
class MapReader {
 public:
  // `keys`: the keys this map accepts. `later_keys`: keys a later rampart version
  // understands, reported as "not supported in this version" instead of "unknown key".
  MapReader(const Field& field, std::initializer_list<std::string_view> keys,
            std::span<const std::string_view> later_keys);

  const Field& field() const { return field_; }
  // False when the value was not a map (already reported).
  bool is_map() const { return is_map_; }

  // The value under `key`, or nullptr when the key is absent.
  const Field* Find(std::string_view key) const;
  // As Find; records "key: required" at this map's line when the key is absent.
  const Field* Require(std::string_view key) const;
  // True when `key` is present (even with a null or invalid value).
  bool Has(std::string_view key) const { return Find(key) != nullptr; }

  void ReadString(std::string_view key, std::string* out) const;
  void ReadBool(std::string_view key, bool* out) const;
  void ReadDurationMs(std::string_view key, uint64_t* out, uint64_t min_ms = 0) const;
  void ReadSize(std::string_view key, uint64_t* out, uint64_t min_bytes = 0) const;

  template <typename T>
  void ReadInteger(std::string_view key, T* out, int64_t min, int64_t max) const {
    if (const Field* f = Find(key)) {
      if (auto v = f->AsInteger(min, max)) *out = static_cast<T>(*v);
    }
  }

 private:
  Field field_;
  bool is_map_ = false;
  std::vector<std::pair<std::string, Field>> entries_;
};

}  // namespace rampart::config
