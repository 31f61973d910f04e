// Paths written in the configuration: resolved against the config file's directory, and checked.

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

#include "config/schema.h"
#include "config/value_syntax.h"

namespace rampart::config {

std::string ResolvePath(const Field& field, const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  const std::string& file = field.file();
  const size_t slash = file.rfind('/');
  return slash == std::string::npos ? path : file.substr(0, slash + 1) + path;
}

std::optional<std::string> ReadDirectoryPath(const Field& field) {
  std::optional<std::string> text = field.AsString();
  if (!text) return std::nullopt;
  std::string path = ResolvePath(field, *text);
  struct stat st {};
  if (text->empty() || HasLineBreakOrNul(*text) || stat(path.c_str(), &st) != 0 ||
      !S_ISDIR(st.st_mode)) {
    field.Fail("not a directory: " + path);
    return std::nullopt;
  }
  return path;
}

std::optional<std::string> ReadExistingFile(const Field& field) {
  std::optional<std::string> text = field.AsString();
  if (!text) return std::nullopt;
  if (text->empty() || HasLineBreakOrNul(*text)) {
    field.Fail("expected a file path");
    return std::nullopt;
  }
  std::string path = ResolvePath(field, *text);
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    field.Fail("cannot read " + path + ": " + std::strerror(errno));
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    field.Fail("not a regular file: " + path);
    return std::nullopt;
  }
  return path;
}

}  // namespace rampart::config
