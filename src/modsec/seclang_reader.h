#pragma once
// SecLang reader: the directives of a rule text in load order, with Include expanded, continued
// lines joined and each directive's arguments split as libmodsecurity's parser splits them
// (quoted or bare). It knows the grammar, not the meaning: fastpath/rule_program.h gives the
// meaning. Used on the loading thread only.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace rampart::modsec {

struct Directive {
  std::string name;               // "SecRule", "SecAction", "Include", ... as written
  std::vector<std::string> args;  // quotes removed, \" and \\ inside quotes unescaped
  std::string file;
  int line = 0;
};

// A directive line's arguments: bare words or double-quoted strings. Inside quotes only \" is
// an escape: every other backslash reaches the operator as written (regexes keep \d, \x25).
std::vector<std::string> SplitDirectiveArguments(std::string_view line);
// An action list split at the commas outside single quotes ("id:1,tag:'a,b'"), each trimmed.
std::vector<std::string_view> SplitActionList(std::string_view list);
// An action's value without its surrounding single quotes (and blanks).
std::string_view UnquoteActionValue(std::string_view value);

enum class Includes : uint8_t {
  kExpand,  // an Include is replaced by the directives of its files (globs too), recursively
  kKeep,    // an Include stays a directive like any other
};

// Reads `text` (named `name` in errors; relative Includes resolve against `base_dir`) and
// appends its directives to `out`.
core::Status ReadSecLang(std::string_view text, const std::string& name,
                         const std::string& base_dir, std::vector<Directive>& out,
                         Includes includes = Includes::kExpand);

}  // namespace rampart::modsec
