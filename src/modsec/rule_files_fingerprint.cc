#include "modsec/rule_files_fingerprint.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "core/hash.h"

namespace rampart::modsec {
namespace {

std::string Hex(uint64_t value) {
  char out[17];
  std::snprintf(out, sizeof(out), "%016llx", static_cast<unsigned long long>(value));
  return out;
}

// "path=size:hash;" for a readable file, "path=?;" otherwise.
std::string FileDigest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + "=?;";
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return path + '=' + std::to_string(content.size()) + ':' + Hex(core::StableHash(content)) + ';';
}

}  // namespace

std::string RuleFilesFingerprint(const std::vector<std::string>& files) {
  std::set<std::string> paths(files.begin(), files.end());
  std::set<std::filesystem::path> dirs;
  for (const std::string& f : files) dirs.insert(std::filesystem::path(f).parent_path());
  for (const auto& dir : dirs) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      const auto ext = entry.path().extension();
      if ((ext == ".conf" || ext == ".data") && entry.is_regular_file(ec)) {
        paths.insert(entry.path().string());
      }
    }
  }
  std::string fingerprint;
  for (const std::string& p : paths) fingerprint += FileDigest(p);  // std::set: a stable order
  return fingerprint;
}

}  // namespace rampart::modsec
