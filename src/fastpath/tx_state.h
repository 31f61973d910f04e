#pragma once
// TxState: the tx collection as every request that matches no watched rule has it at one point
// of the rules (plan.cc follows the rules to build it): values rampart knows, values it does not
// (nullopt), and names written with macros it cannot expand (only their literal prefix is known,
// with the rule link that makes them when the name is prefix + the whole captured value).

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/regex.h"
#include "core/strings.h"
#include "fastpath/rule_program.h"

namespace rampart::fastpath {

// TX:0 .. TX:9, the captures.
bool IsCaptureKey(const std::string& key);
// The literal text a "^literal..." regex requires names to start with (empty: anything).
std::string RequiredPrefix(const std::string& regex);

class TxState {
 public:
  // The values of a tx target; false when rampart cannot know them. Names a request may make
  // (producers) are left out; the producers that may make a name this target reads go to
  // `guards`.
  bool Resolve(const Target& t, std::vector<std::optional<std::string>>& out,
               std::vector<int>* guards = nullptr) const {
    if (IsCaptureKey(t.key)) return false;
    // The whole collection holds the captures (TX:0 .. TX:9) too, which are not followed.
    if (t.key.empty()) return false;
    if (!t.key_is_regex) {
      const std::string name = core::ToLower(t.key);
      if (MayBeUnknownName(name)) return false;
      if (auto it = vars_.find(name); it != vars_.end()) out.push_back(it->second);
      return true;
    }
    const std::string prefix = RequiredPrefix(t.key);
    for (const auto& [p, producer] : unknown_prefixes_) {
      const bool overlaps =
          prefix.empty() || core::StartsWith(p, prefix) || core::StartsWith(prefix, p);
      if (!overlaps) continue;
      if (producer < 0 || guards == nullptr) return false;
      guards->push_back(producer);
    }
    auto exact = core::Regex::Compile(t.key);
    auto caseless = core::Regex::Compile("(?i)" + t.key);
    if (!exact || !caseless) return false;
    for (char digit = '0'; digit <= '9'; ++digit) {
      if (exact.value()->Matches(std::string(1, digit))) return false;  // a capture's name
    }
    for (const auto& [name, value] : vars_) {
      const bool a = exact.value()->Matches(name);
      if (a != caseless.value()->Matches(name)) return false;  // depends on the name's case
      if (a) out.push_back(value);
    }
    return true;
  }

  // `text` with its %{tx.name} macros expanded; nullopt when one cannot be. With
  // `keep_captures`, %{tx.0}..%{tx.9} are left in (lower case) for a request to fill.
  std::optional<std::string> Expand(const std::string& text, bool keep_captures = false) const {
    std::string out;
    size_t pos = 0;
    while (true) {
      const size_t open = text.find("%{", pos);
      if (open == std::string::npos) break;
      const size_t close = text.find('}', open);
      if (close == std::string::npos) return std::nullopt;
      out.append(text, pos, open - pos);
      const std::string macro = core::ToLower(text.substr(open + 2, close - open - 2));
      if (!core::StartsWith(macro, "tx.")) return std::nullopt;
      const std::string name = macro.substr(3);
      if (IsCaptureKey(name) && keep_captures) {
        out += "%{" + macro + "}";
      } else {
        if (IsCaptureKey(name) || MayBeUnknownName(name)) return std::nullopt;
        auto it = vars_.find(name);
        if (it == vars_.end() || !it->second) return std::nullopt;
        out += *it->second;
      }
      pos = close + 1;
    }
    out.append(text, pos, std::string::npos);
    return out;
  }

  // Runs setvar `spec` ("tx.name=value", "tx.name=+3", "!tx.name"); false when it is not
  // about tx (the caller decides what that means).
  bool Set(const std::string& spec) {
    std::string s = spec;
    bool remove = false;
    if (!s.empty() && s[0] == '!') {
      remove = true;
      s.erase(0, 1);
    }
    const size_t eq = s.find('=');
    std::string name = core::ToLower(s.substr(0, eq));
    if (!core::StartsWith(name, "tx.")) return false;
    name.erase(0, 3);
    if (name.find("%{") != std::string::npos) {
      const std::optional<std::string> expanded = Expand(name);
      if (!expanded) {
        unknown_prefixes_.emplace_back(name.substr(0, name.find("%{")), -1);
        return true;
      }
      name = core::ToLower(*expanded);
    }
    if (remove) {
      vars_.erase(name);
      return true;
    }
    if (eq == std::string::npos) {
      vars_[name] = std::nullopt;  // a bare setvar: not modelled
      return true;
    }
    std::string value = s.substr(eq + 1);
    std::optional<std::string> expanded = Expand(value);
    if (!expanded) {
      vars_[name] = std::nullopt;
      return true;
    }
    value = *expanded;
    if (!value.empty() && (value[0] == '+' || value[0] == '-')) {
      auto it = vars_.find(name);
      if (it != vars_.end() && !it->second) return true;  // unknown stays unknown
      const long base = it == vars_.end() ? 0 : std::strtol(it->second->c_str(), nullptr, 10);
      const long delta = std::strtol(value.c_str() + 1, nullptr, 10);
      vars_[name] = std::to_string(value[0] == '+' ? base + delta : base - delta);
      return true;
    }
    vars_[name] = value;
    return true;
  }

  // A setvar that may or may not run: its variable becomes unknown. A name made of a prefix and
  // the capture of the whole value is remembered with its `producer` (-1: none).
  void Taint(const std::string& spec, int producer = -1) {
    std::string s = spec;
    if (!s.empty() && s[0] == '!') s.erase(0, 1);
    std::string name = core::ToLower(s.substr(0, s.find('=')));
    if (!core::StartsWith(name, "tx.")) return;
    name.erase(0, 3);
    const size_t macro = name.find("%{");
    if (macro != std::string::npos) {
      const bool whole_capture = name.substr(macro) == "%{tx.0}";
      unknown_prefixes_.emplace_back(name.substr(0, macro), whole_capture ? producer : -1);
    } else {
      vars_[name] = std::nullopt;
    }
  }

 private:
  bool MayBeUnknownName(const std::string& name) const {
    return std::any_of(unknown_prefixes_.begin(), unknown_prefixes_.end(),
                       [&](const auto& p) { return core::StartsWith(name, p.first); });
  }

  std::map<std::string, std::optional<std::string>> vars_;
  std::vector<std::pair<std::string, int>> unknown_prefixes_;  // prefix, producer or -1
};

}  // namespace rampart::fastpath
