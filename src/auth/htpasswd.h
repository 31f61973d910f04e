#pragma once
// Htpasswd: the users and password hashes of an htpasswd file, for HTTP basic auth. Only slow,
// salted hashes are accepted: bcrypt ($2y$, $2b$, $2a$) and SHA-512 crypt ($6$, with an optional
// rounds=). MD5 ($apr1$, $1$), DES crypt, {SHA} and plain text are refused when the file loads.
// Hashing goes through libxcrypt (crypt_rn), the only code that includes <crypt.h>.

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/result.h"

namespace rampart::auth {

class Htpasswd {
 public:
  // Reads `path`: one `user:hash` a line; blank lines and lines starting with '#' are skipped.
  // Errors name the file and line ("<path>:<line>: ...") and never echo a hash: no ':', empty
  // user, a user that appears twice, or "unsupported hash for user X (use bcrypt or SHA-512
  // crypt)".
  static core::Result<std::shared_ptr<const Htpasswd>> Load(const std::string& path);

  // True when `user` exists and `password` matches its hash. The comparison is constant-time;
  // an unknown user still costs one hash (of the same kind as the file's first entry), so the
  // answer time does not tell which users exist. Thread-safe. Slow by design (bcrypt/SHA-512
  // crypt): call it off the event loop or cache the outcome.
  bool Verify(std::string_view user, std::string_view password) const;

  // Splits an Authorization header value "Basic <base64(user:password)>" into user and password.
  // The scheme is case-insensitive; the base64 must be strict (padding, no stray characters); the
  // decoded text must hold a ':' (the password may be empty and may hold ':'). Error messages
  // never echo the credentials.
  static core::Result<std::pair<std::string, std::string>> ParseBasicAuthorization(
      std::string_view header_value);

  size_t size() const { return users_.size(); }
  const std::string& path() const { return path_; }

 private:
  Htpasswd() = default;
  std::string path_;
  std::unordered_map<std::string, std::string> users_;  // user -> hash
  std::string dummy_hash_;  // hashed for unknown users, so they take as long as known ones
};

}  // namespace rampart::auth
