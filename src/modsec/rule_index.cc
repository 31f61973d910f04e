#include "modsec/rule_index.h"

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rampart::modsec {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Splits a directive into its arguments: bare words or double-quoted strings (backslash escapes
// kept as written, which is all the action parser below needs).
std::vector<std::string> Arguments(std::string_view line) {
  std::vector<std::string> args;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= line.size()) break;
    std::string arg;
    if (line[i] == '"') {
      ++i;
      while (i < line.size() && line[i] != '"') {
        if (line[i] == '\\' && i + 1 < line.size()) {
          if (line[i + 1] == '"') {
            arg += '"';
            i += 2;
            continue;
          }
          arg += line[i++];
        }
        arg += line[i++];
      }
      ++i;  // closing quote
    } else {
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') arg += line[i++];
    }
    args.push_back(std::move(arg));
  }
  return args;
}

// Splits "id:1,tag:'a,b',msg:'x'" at the commas outside single quotes.
std::vector<std::string_view> Actions(std::string_view list) {
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
  out.push_back(Trim(list.substr(start)));
  return out;
}

std::string_view Unquote(std::string_view v) {
  v = Trim(v);
  if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') v = v.substr(1, v.size() - 2);
  return v;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

}  // namespace

core::Status RuleIndex::AddFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::MakeError(path + ": cannot read rule file");
  std::ostringstream text;
  text << in.rdbuf();
  return AddText(text.str(), path);
}

core::Status RuleIndex::AddText(std::string_view text, const std::string& name) {
  std::string directive;
  int directive_line = 0;
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (directive.empty()) {
      directive_line = line_no;
      std::string_view t = Trim(line);
      if (t.empty() || t.front() == '#') continue;
    }
    bool continued = !line.empty() && line.back() == '\\';
    if (continued) line.remove_suffix(1);
    directive += line;
    if (continued && pos <= text.size()) continue;

    std::string_view d = Trim(directive);
    std::string_view actions;
    std::vector<std::string> args = Arguments(d);
    if (!args.empty() && args[0] == "SecRule" && args.size() >= 4) {
      actions = args[3];
    } else if (!args.empty() && args[0] == "SecAction" && args.size() >= 2) {
      actions = args[1];
    }
    if (!actions.empty()) {
      int id = -1;
      std::vector<std::string> tags;
      for (std::string_view a : Actions(actions)) {
        if (StartsWith(a, "id:")) {
          std::string_view v = Unquote(a.substr(3));
          if (!v.empty() && v.size() < 10 && v.find_first_not_of("0123456789") == v.npos) {
            id = std::stoi(std::string(v));
          }
        } else if (StartsWith(a, "tag:")) {
          tags.emplace_back(Unquote(a.substr(4)));
        }
      }
      if (id >= 0) {
        auto [it, inserted] =
            entries_.try_emplace(id, Entry{std::move(tags), name, directive_line});
        if (!inserted) {
          return core::MakeError(name + ":" + std::to_string(directive_line) + ": rule id " +
                                 std::to_string(id) + " is already defined at " + it->second.file +
                                 ":" + std::to_string(it->second.line));
        }
      }
    }
    directive.clear();
  }
  return {};
}

core::Status RuleIndex::Merge(const RuleIndex& other) {
  for (const auto& [id, entry] : other.entries_) {
    auto [it, inserted] = entries_.try_emplace(id, entry);
    if (!inserted) {
      return core::MakeError(entry.file + ":" + std::to_string(entry.line) + ": rule id " +
                             std::to_string(id) + " is already defined at " + it->second.file +
                             ":" + std::to_string(it->second.line));
    }
  }
  return {};
}

core::Status RuleIndex::CheckDisjoint(const RuleIndex& other) const {
  for (const auto& [id, entry] : entries_) {
    if (const Entry* there = other.Find(id)) {
      return core::MakeError(entry.file + ":" + std::to_string(entry.line) + ": rule id " +
                             std::to_string(id) + " is already defined at " + there->file + ":" +
                             std::to_string(there->line));
    }
  }
  return {};
}

const RuleIndex::Entry* RuleIndex::Find(int id) const {
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : &it->second;
}

}  // namespace rampart::modsec
