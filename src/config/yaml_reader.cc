#include "config/yaml_reader.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <charconv>
#include <exception>
#include <sstream>

#include "core/strings.h"

namespace rampart::config {

namespace {

// 1-based line of `node`, or `fallback` when yaml-cpp recorded no position for it.
int LineOf(const YAML::Node& node, int fallback) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? fallback : mark.line + 1;
}

// Records where each document starts; the parser's other events are not needed.
class DocumentCounter : public YAML::EventHandler {
 public:
  const std::vector<YAML::Mark>& starts() const { return starts_; }

  void OnDocumentStart(const YAML::Mark& mark) override { starts_.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  std::vector<YAML::Mark> starts_;
};

std::string ChildPath(const std::string& parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string path = parent;
  path.push_back('.');
  path.append(key);
  return path;
}

}  // namespace

bool Field::IsNull() const { return !node_.IsDefined() || node_.IsNull(); }

bool Field::IsMap() const { return node_.IsDefined() && node_.IsMap(); }

void Field::Fail(std::string_view reason) const { diag_->Add(line_, path_, reason); }

void Field::FailChild(std::string_view key, std::string_view reason) const {
  diag_->Add(line_, ChildPath(path_, key), reason);
}

bool Field::IsScalar() const { return node_.IsDefined() && node_.IsScalar(); }

std::optional<std::string> Field::PlainScalar() const {
  // yaml-cpp tags a plain scalar "?" and a quoted one "!"; quoting makes a YAML string, so
  // "5" and "true" are not numbers or booleans.
  if (!node_.IsDefined() || !node_.IsScalar() || node_.Tag() != "?") return std::nullopt;
  return node_.Scalar();
}

std::optional<std::string> Field::AsString() const {
  if (!node_.IsDefined() || !node_.IsScalar()) {
    Fail("expected a string");
    return std::nullopt;
  }
  return node_.Scalar();
}

std::optional<int64_t> Field::AsInteger(int64_t min, int64_t max) const {
  const std::optional<std::string> text = PlainScalar();
  if (!text || text->empty()) {
    Fail("expected an integer");
    return std::nullopt;
  }
  int64_t value = 0;
  const char* begin = text->data();
  const char* end = begin + text->size();
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ptr != end || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    Fail("expected an integer");
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range || value < min || value > max) {
    Fail("must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> Field::AsBool() const {
  const std::optional<std::string> text = PlainScalar();
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  Fail("expected true or false");
  return std::nullopt;
}

std::optional<uint64_t> Field::AsDurationMs(uint64_t min_ms) const {
  std::optional<uint64_t> ms;
  if (node_.IsDefined() && node_.IsScalar()) ms = core::ParseDurationMs(node_.Scalar());
  if (!ms) {
    Fail("expected a duration such as 500ms, 5s, 10m");
    return std::nullopt;
  }
  if (*ms < min_ms) {
    Fail("must be at least " + std::to_string(min_ms) + "ms");
    return std::nullopt;
  }
  return ms;
}

std::optional<uint64_t> Field::AsSize(uint64_t min_bytes) const {
  std::optional<uint64_t> bytes;
  if (node_.IsDefined() && node_.IsScalar()) bytes = core::ParseSize(node_.Scalar());
  if (!bytes) {
    Fail("expected a size such as 512, 64KiB, 1MiB");
    return std::nullopt;
  }
  if (*bytes < min_bytes) {
    Fail("must be at least " + std::to_string(min_bytes) + " bytes");
    return std::nullopt;
  }
  return bytes;
}

std::optional<std::vector<Field>> Field::AsList() const {
  std::vector<Field> items;
  if (IsNull()) return items;
  if (!node_.IsSequence()) {
    Fail("expected a list");
    return std::nullopt;
  }
  items.reserve(node_.size());
  size_t index = 0;
  for (const auto& item : node_) {  // a temporary whose lifetime the loop extends
    std::string path = path_ + "[" + std::to_string(index) + "]";
    items.emplace_back(item, std::move(path), LineOf(item, line_), diag_);
    ++index;
  }
  return items;
}

std::optional<std::vector<std::pair<std::string, Field>>> Field::AsEntries() const {
  std::vector<std::pair<std::string, Field>> entries;
  if (IsNull()) return entries;
  if (!node_.IsMap()) {
    Fail("expected a map");
    return std::nullopt;
  }
  for (const auto& entry : node_) {
    // Copies, not references: yaml-cpp iterators hand out temporaries, and a reference into
    // one (it->first) dangles at the end of the statement.
    const YAML::Node key = entry.first;
    const YAML::Node value = entry.second;
    const int key_line = LineOf(key, line_);
    if (!key.IsScalar()) {
      diag_->Add(key_line, path_, "expected a string key");
      continue;
    }
    Field child(value, ChildPath(path_, key.Scalar()), key_line, diag_);
    // yaml-cpp keeps both copies of a repeated key and lookups see the first; the second
    // would be silently ignored, so it is an error.
    const bool duplicate = std::any_of(entries.begin(), entries.end(),
                                       [&](const auto& e) { return e.first == key.Scalar(); });
    if (duplicate) {
      child.Fail("duplicate key");
      continue;
    }
    entries.emplace_back(key.Scalar(), std::move(child));
  }
  return entries;
}

std::optional<Field> ParseDocument(const std::string& text, Diagnostics* diag) {
  YAML::Node root;
  try {
    // Count the documents first, stopping at the second: yaml-cpp 0.7's LoadAll never returns
    // on a document that starts with a stray ',' (it keeps starting empty documents at the
    // same place), and a config file must hold one document anyway.
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    DocumentCounter counter;
    while (counter.starts().size() < 2 && parser.HandleNextDocument(counter)) {
    }
    const std::vector<YAML::Mark>& starts = counter.starts();
    if (starts.size() > 1) {
      const YAML::Mark& second = starts[1];
      if (second.pos == starts[0].pos) {
        const char c = second.pos >= 0 && static_cast<size_t>(second.pos) < text.size()
                           ? text[static_cast<size_t>(second.pos)]
                           : '\0';
        const bool printable = c > 0x20 && c < 0x7f;
        diag->Add(second.line + 1, "(yaml)",
                  printable ? std::string("unexpected '") + c + "'" : "unexpected character");
      } else {
        diag->Add(second.line + 1, "(yaml)", "expected a single document");
      }
      return std::nullopt;
    }
    root = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp 0.7 gives this exception the message "bad file"; say what happened instead.
    diag->Add(e.mark.is_null() ? 0 : e.mark.line + 1, "(yaml)", "nested too deeply");
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    diag->Add(e.mark.is_null() ? 0 : e.mark.line + 1, "(yaml)", e.msg);
    return std::nullopt;
  } catch (const std::exception& e) {
    diag->Add(0, "(yaml)", e.what());
    return std::nullopt;
  }
  return Field(root, "", LineOf(root, 1), diag);
}

MapReader::MapReader(const Field& field, std::initializer_list<std::string_view> keys,
                     std::span<const std::string_view> later_keys)
    : field_(field) {
  auto entries = field.AsEntries();
  if (!entries) return;
  is_map_ = true;
  for (auto& [key, value] : *entries) {
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) {
      entries_.emplace_back(std::move(key), std::move(value));
    } else if (std::find(later_keys.begin(), later_keys.end(), key) != later_keys.end()) {
      value.Fail("not supported in this version");
    } else {
      value.Fail("unknown key");
    }
  }
}

const Field* MapReader::Find(std::string_view key) const {
  for (const auto& [name, value] : entries_) {
    if (name == key) return &value;
  }
  return nullptr;
}

const Field* MapReader::Require(std::string_view key) const {
  const Field* value = Find(key);
  if (value == nullptr && is_map_) field_.FailChild(key, "required");
  return value;
}

void MapReader::ReadString(std::string_view key, std::string* out) const {
  if (const Field* f = Find(key)) {
    if (auto v = f->AsString()) *out = std::move(*v);
  }
}

void MapReader::ReadBool(std::string_view key, bool* out) const {
  if (const Field* f = Find(key)) {
    if (auto v = f->AsBool()) *out = *v;
  }
}

void MapReader::ReadDurationMs(std::string_view key, uint64_t* out, uint64_t min_ms) const {
  if (const Field* f = Find(key)) {
    if (auto v = f->AsDurationMs(min_ms)) *out = *v;
  }
}

void MapReader::ReadSize(std::string_view key, uint64_t* out, uint64_t min_bytes) const {
  if (const Field* f = Find(key)) {
    if (auto v = f->AsSize(min_bytes)) *out = *v;
  }
}

}  // namespace rampart::config
