#include "auth/htpasswd.h"

#include <crypt.h>
#include <openssl/crypto.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>

#include "core/base64.h"

namespace rampart::auth {
namespace {

bool IsHash64Char(char c) {  // the crypt alphabet: ./0-9A-Za-z
  return c == '.' || c == '/' || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
         (c >= 'a' && c <= 'z');
}

bool AllHash64(std::string_view s) {
  for (const char c : s) {
    if (!IsHash64Char(c)) return false;
  }
  return true;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// "$2b$10$" + 22 salt + 31 hash characters.
bool IsBcrypt(std::string_view h) {
  if (h.size() != 60 || h.substr(0, 2) != "$2") return false;
  if (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') return false;
  if (h[3] != '$' || h[6] != '$' || !AllDigits(h.substr(4, 2))) return false;
  const int cost = (h[4] - '0') * 10 + (h[5] - '0');
  return cost >= 4 && cost <= 31 && AllHash64(h.substr(7));
}

// "$6$" ["rounds=N$"] salt (1-16 characters) "$" 86 hash characters.
bool IsSha512Crypt(std::string_view h) {
  if (h.substr(0, 3) != "$6$") return false;
  h.remove_prefix(3);
  if (h.substr(0, 7) == "rounds=") {
    const size_t end = h.find('$');
    if (end == std::string_view::npos) return false;
    const std::string_view rounds = h.substr(7, end - 7);
    if (!AllDigits(rounds) || rounds.size() > 9) return false;
    h.remove_prefix(end + 1);
  }
  const size_t end = h.find('$');
  if (end == std::string_view::npos || end == 0 || end > 16) return false;
  return AllHash64(h.substr(0, end)) && h.size() - end - 1 == 86 && AllHash64(h.substr(end + 1));
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

// crypt_rn with a per-thread work area (struct crypt_data is ~32 KiB, too big for the stack); the
// area is wiped after each call so no password-derived state lingers.
// Returns true and writes the result into `out` on success.
bool Crypt(const std::string& phrase, const std::string& setting, std::string* out) {
  thread_local std::unique_ptr<crypt_data> data;
  if (!data) data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* r = crypt_rn(phrase.c_str(), setting.c_str(), data.get(), sizeof(crypt_data));
  const bool ok = r != nullptr && r[0] != '*';  // failures start with '*' in some modes
  if (ok) out->assign(r);
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  return ok;
}

bool ConstantTimeEqual(const std::string& a, const std::string& b) {
  // The length of a well-formed hash is public; only the bytes are compared in constant time.
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

core::Result<std::shared_ptr<const Htpasswd>> Htpasswd::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return core::MakeError(path + ": cannot open (" + std::strerror(errno) + ")");
  std::shared_ptr<Htpasswd> h(new Htpasswd());
  h->path_ = path;
  std::string raw;
  size_t line_no = 0;
  while (std::getline(in, raw)) {
    ++line_no;
    const std::string where = path + ":" + std::to_string(line_no) + ": ";
    const std::string_view line = TrimRight(raw);
    if (TrimLeft(line).empty() || TrimLeft(line).front() == '#') continue;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return core::MakeError(where + "expected user:hash");
    }
    const std::string user(line.substr(0, colon));
    const std::string_view hash = line.substr(colon + 1);
    if (user.empty()) return core::MakeError(where + "empty user name");
    if (!IsBcrypt(hash) && !IsSha512Crypt(hash)) {
      return core::MakeError(where + "unsupported hash for user " + user +
                             " (use bcrypt or SHA-512 crypt)");
    }
    if (!h->users_.emplace(user, std::string(hash)).second) {
      return core::MakeError(where + "duplicate user " + user);
    }
    if (h->dummy_hash_.empty()) h->dummy_hash_ = std::string(hash);
  }
  if (in.bad()) return core::MakeError(path + ": read error");
  return std::shared_ptr<const Htpasswd>(std::move(h));
}

bool Htpasswd::Verify(std::string_view user, std::string_view password) const {
  std::string phrase(password);
  const auto it = users_.find(std::string(user));
  // Unknown users hash against a real entry's setting (same algorithm and cost) and fail anyway.
  const std::string& setting = it != users_.end() ? it->second : dummy_hash_;
  bool match = false;
  if (!setting.empty()) {
    std::string computed;
    // A password with a NUL byte would be cut short by crypt: hash it, but never accept it.
    const bool valid_phrase = phrase.find('\0') == std::string::npos;
    if (Crypt(phrase, setting, &computed)) {
      match = ConstantTimeEqual(computed, setting) && valid_phrase && it != users_.end();
    }
    OPENSSL_cleanse(computed.data(), computed.size());
  }
  OPENSSL_cleanse(phrase.data(), phrase.size());
  return match;
}

core::Result<std::pair<std::string, std::string>> Htpasswd::ParseBasicAuthorization(
    std::string_view header_value) {
  std::string_view v = TrimRight(TrimLeft(header_value));
  const size_t sp = v.find_first_of(" \t");
  if (sp == std::string_view::npos || !IEquals(v.substr(0, sp), "basic")) {
    return core::MakeError("Authorization: not the Basic scheme");
  }
  const std::string_view token = TrimLeft(v.substr(sp));
  std::string decoded;
  if (!core::Base64Decode(token, core::Base64Alphabet::kStandard, &decoded)) {
    return core::MakeError("Authorization: malformed base64 in Basic credentials");
  }
  const size_t colon = decoded.find(':');
  if (colon == std::string::npos) {
    OPENSSL_cleanse(decoded.data(), decoded.size());
    return core::MakeError("Authorization: Basic credentials without ':'");
  }
  std::pair<std::string, std::string> out(decoded.substr(0, colon), decoded.substr(colon + 1));
  OPENSSL_cleanse(decoded.data(), decoded.size());
  if (out.first.empty()) return core::MakeError("Authorization: empty user in Basic credentials");
  for (const char c : out.first) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      return core::MakeError("Authorization: control character in Basic user");
    }
  }
  return out;
}

}  // namespace rampart::auth
