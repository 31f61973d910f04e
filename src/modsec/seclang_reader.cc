#include "modsec/seclang_reader.h"

#include <glob.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

namespace rampart::modsec {
namespace {

constexpr int kMaxIncludeDepth = 16;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

core::Status ReadText(std::string_view text, const std::string& name, const std::string& base_dir,
                      int depth, Includes includes, std::vector<Directive>& out);

core::Status ReadInclude(const std::string& pattern, const std::string& base_dir,
                         const std::string& where, int depth, std::vector<Directive>& out) {
  if (depth > kMaxIncludeDepth) return core::MakeError(where + ": Include nested too deeply");
  std::string path = pattern;
  if (!path.empty() && path.front() != '/') path = base_dir + "/" + path;
  glob_t g{};
  const int rc = ::glob(path.c_str(), GLOB_ERR, nullptr, &g);
  std::vector<std::string> files;
  for (size_t i = 0; rc == 0 && i < g.gl_pathc; ++i) files.emplace_back(g.gl_pathv[i]);
  globfree(&g);
  if (files.empty()) {
    std::string message = where;
    message.append(": Include ").append(pattern).append(": no such file");
    return core::MakeError(std::move(message));
  }
  for (const std::string& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return core::MakeError(where + ": Include " + file + ": cannot read");
    std::ostringstream text;
    text << in.rdbuf();
    const std::string dir = std::filesystem::path(file).parent_path().string();
    if (auto read = ReadText(text.str(), file, dir, depth + 1, Includes::kExpand, out); !read) {
      return read;
    }
  }
  return {};
}

core::Status ReadText(std::string_view text, const std::string& name, const std::string& base_dir,
                      int depth, Includes includes, std::vector<Directive>& out) {
  std::string joined;
  int first_line = 0;
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (joined.empty()) {
      first_line = line_no;
      std::string_view t = Trim(line);
      if (t.empty() || t.front() == '#') continue;
    }
    const bool continued = !line.empty() && line.back() == '\\';
    if (continued) line.remove_suffix(1);
    joined += line;
    if (continued && pos <= text.size()) continue;

    std::vector<std::string> args = SplitDirectiveArguments(Trim(joined));
    joined.clear();
    if (args.empty()) continue;
    Directive d;
    d.name = std::move(args.front());
    d.args.assign(std::make_move_iterator(args.begin() + 1), std::make_move_iterator(args.end()));
    d.file = name;
    d.line = first_line;
    if ((d.name == "Include" || d.name == "include") && includes == Includes::kExpand) {
      if (d.args.size() != 1)
        return core::MakeError(name + ":" + std::to_string(d.line) + ": Include takes one path");
      const std::string where = name + ":" + std::to_string(d.line);
      if (auto read = ReadInclude(d.args[0], base_dir, where, depth, out); !read) return read;
      continue;
    }
    out.push_back(std::move(d));
  }
  return {};
}

}  // namespace

std::vector<std::string> SplitDirectiveArguments(std::string_view line) {
  std::vector<std::string> args;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= line.size()) break;
    std::string arg;
    if (line[i] == '"') {
      ++i;
      while (i < line.size() && line[i] != '"') {
        if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '"') {
          arg += '"';
          i += 2;
          continue;
        }
        arg += line[i++];
      }
      ++i;
    } else {
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') arg += line[i++];
    }
    args.push_back(std::move(arg));
  }
  return args;
}

std::vector<std::string_view> SplitActionList(std::string_view list) {
  std::vector<std::string_view> out;
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i] == '\\') {
      ++i;
    } else if (list[i] == '\'') {
      quoted = !quoted;
    } else if (list[i] == ',' && !quoted) {
      out.push_back(Trim(list.substr(start, i - start)));
      start = i + 1;
    }
  }
  out.push_back(Trim(list.substr(std::min(start, list.size()))));
  return out;
}

std::string_view UnquoteActionValue(std::string_view value) {
  value = Trim(value);
  if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') {
    value = value.substr(1, value.size() - 2);
  }
  return value;
}

core::Status ReadSecLang(std::string_view text, const std::string& name,
                         const std::string& base_dir, std::vector<Directive>& out,
                         Includes includes) {
  return ReadText(text, name, base_dir, 0, includes, out);
}

}  // namespace rampart::modsec
