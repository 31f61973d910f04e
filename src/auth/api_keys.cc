#include "auth/api_keys.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>

#include "core/strings.h"

namespace rampart::auth {
namespace {

constexpr size_t kDigestSize = 32;  // SHA-256

std::string Sha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1 ||
      len != kDigestSize) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string ToHex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xF]);
  }
  return out;
}

bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool ShortWord(std::string_view s) {  // safe to quote in an error message
  if (s.empty() || s.size() > 16) return false;
  for (const char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

}  // namespace

core::Result<std::shared_ptr<const ApiKeys>> ApiKeys::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return core::MakeError(path + ": cannot open (" + std::strerror(errno) + ")");
  std::shared_ptr<ApiKeys> keys(new ApiKeys());
  keys->path_ = path;
  const std::string empty_key_digest = Sha256("");
  std::unordered_map<std::string, size_t> name_lines;  // name -> line it was defined on
  std::unordered_map<std::string, size_t> digest_lines;
  std::string raw;
  size_t line_no = 0;
  // Error messages never quote a line: an operator may have pasted a key in clear by mistake.
  while (std::getline(in, raw)) {
    ++line_no;
    const std::string where = path + ":" + std::to_string(line_no) + ": ";
    const std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#') continue;
    const size_t c1 = line.find(':');
    const size_t c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) {
      return core::MakeError(where + "expected name:sha256:<64 hex digits>");
    }
    const std::string_view name = line.substr(0, c1);
    const std::string_view algorithm = line.substr(c1 + 1, c2 - c1 - 1);
    const std::string_view hex = line.substr(c2 + 1);
    if (!ValidName(name)) {
      return core::MakeError(where + "bad key name (use letters, digits, '_', '.', '-')");
    }
    if (algorithm != "sha256") {
      return core::MakeError(where + "unknown algorithm" +
                             (ShortWord(algorithm) ? " " + std::string(algorithm) : "") +
                             " for key " + std::string(name) + " (use sha256)");
    }
    if (hex.size() != kDigestSize * 2) {
      return core::MakeError(where + "the SHA-256 of key " + std::string(name) +
                             " must be 64 hex digits, not " + std::to_string(hex.size()));
    }
    std::string digest;
    digest.reserve(kDigestSize);
    for (size_t i = 0; i < hex.size(); i += 2) {
      const int hi = core::HexDigitValue(hex[i]);
      const int lo = core::HexDigitValue(hex[i + 1]);
      if (hi < 0 || lo < 0) {
        return core::MakeError(where + "the SHA-256 of key " + std::string(name) +
                               " is not hexadecimal");
      }
      digest.push_back(static_cast<char>(hi << 4 | lo));
    }
    if (digest == empty_key_digest) {
      return core::MakeError(where + "key " + std::string(name) + " is the empty key");
    }
    if (const auto it = name_lines.find(std::string(name)); it != name_lines.end()) {
      return core::MakeError(where + "duplicate key name " + std::string(name) +
                             " (first on line " + std::to_string(it->second) + ")");
    }
    if (const auto it = digest_lines.find(digest); it != digest_lines.end()) {
      return core::MakeError(where + "key " + std::string(name) + " has the same hash as line " +
                             std::to_string(it->second));
    }
    name_lines.emplace(name, line_no);
    digest_lines.emplace(digest, line_no);
    keys->names_.emplace(std::move(digest), std::string(name));
  }
  if (in.bad()) return core::MakeError(path + ": read error");
  return std::shared_ptr<const ApiKeys>(std::move(keys));
}

std::optional<std::string> ApiKeys::Find(std::string_view presented_key) const {
  if (presented_key.empty()) return std::nullopt;
  const std::string digest = Sha256(presented_key);
  if (digest.empty()) return std::nullopt;
  // The map is keyed by the digest, so the probe's timing depends on the hash of what the client
  // sent, which tells it nothing about the stored keys (SHA-256 is preimage-resistant).
  const auto it = names_.find(digest);
  if (it == names_.end()) return std::nullopt;
  return it->second;
}

std::string HashApiKeyLine(std::string_view name, std::string_view key) {
  return std::string(name) + ":sha256:" + ToHex(Sha256(key));
}

}  // namespace rampart::auth
