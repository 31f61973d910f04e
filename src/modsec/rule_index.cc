#include "modsec/rule_index.h"

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "modsec/seclang_reader.h"

namespace rampart::modsec {
namespace {

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
  std::vector<Directive> directives;
  if (auto read = ReadSecLang(text, name, ".", directives, Includes::kKeep); !read) return read;
  for (const Directive& d : directives) {
    std::string_view actions;
    if (d.name == "SecRule" && d.args.size() >= 3) {
      actions = d.args[2];
    } else if (d.name == "SecAction" && !d.args.empty()) {
      actions = d.args[0];
    }
    if (actions.empty()) continue;
    int id = -1;
    std::vector<std::string> tags;
    for (std::string_view a : SplitActionList(actions)) {
      if (StartsWith(a, "id:")) {
        std::string_view v = UnquoteActionValue(a.substr(3));
        if (!v.empty() && v.size() < 10 && v.find_first_not_of("0123456789") == v.npos) {
          id = std::stoi(std::string(v));
        }
      } else if (StartsWith(a, "tag:")) {
        tags.emplace_back(UnquoteActionValue(a.substr(4)));
      }
    }
    if (id < 0) continue;
    auto [it, inserted] = entries_.try_emplace(id, Entry{std::move(tags), name, d.line});
    if (!inserted) {
      return core::MakeError(name + ":" + std::to_string(d.line) + ": rule id " +
                             std::to_string(id) + " is already defined at " + it->second.file +
                             ":" + std::to_string(it->second.line));
    }
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
