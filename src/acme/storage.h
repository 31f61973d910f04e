#pragma once
// The ACME files on disk, under AcmeSettings::storage_dir:
//   account/key.pem                        the account key (0600)
//   certificates/<primary name>/cert.pem   the chain, leaf first (0644)
//   certificates/<primary name>/key.pem    its private key (0600)
// Every directory is made 0700, and files are replaced atomically (a temporary file renamed
// over the old one), so a reader sees the old pair or the new one, never a torn file.

#include <sys/types.h>

#include <string>
#include <string_view>

#include "core/result.h"
#include "tls/certificate.h"

namespace rampart::acme {

struct CertificatePaths {
  std::string dir;   // <storage>/certificates/<primary name>
  std::string cert;  // dir + "/cert.pem"
  std::string key;   // dir + "/key.pem"

  // For tls::Certificate::Load.
  tls::CertificateFiles files() const { return {cert, key, ""}; }
};

// Where the certificate for a set of names whose first name is `primary_name` lives. The name
// must be a validated DNS name (CertificateManager::Create checks), never a path.
CertificatePaths PathsFor(const std::string& storage_dir, const std::string& primary_name);

// <storage>/account/key.pem.
std::string AccountKeyPath(const std::string& storage_dir);

// Creates `path` and its missing parents with mode 0700 (whatever the umask). An existing
// directory is left as it is.
core::Status MakePrivateDirectory(const std::string& path);

// Writes `content` to `path` through a temporary file in the same directory, with `mode`, fsync,
// then rename. Errors name the path and the reason.
core::Status WriteFileAtomically(const std::string& path, std::string_view content, mode_t mode);

// The whole file. Errors: "<path>: cannot read (<reason>)".
core::Result<std::string> ReadWholeFile(const std::string& path);

}  // namespace rampart::acme
