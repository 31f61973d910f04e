#pragma once
// Reading signature packs (rules/signatures/*.yaml, format in rules/signatures/README.md).
// Structure only: whether each regex compiles is the database compiler's business
// (database.h), which reports it with the same file:line.

#include <string>
#include <variant>
#include <vector>

#include "signatures/signature.h"

namespace rampart::signatures {

// Either the pack or every problem in the file, each "file:line: key.path: reason".
using PackResult = std::variant<Pack, std::vector<std::string>>;

PackResult ParsePack(const std::string& text, const std::string& file);
PackResult LoadPackFile(const std::string& path);

// Every *.yaml pack of `dir`, in name order, and the ids checked unique across them
// ("file:line: signatures[i].id: 100001 already defined at other.yaml:12").
std::variant<std::vector<Pack>, std::vector<std::string>> LoadPackDir(const std::string& dir);

}  // namespace rampart::signatures
