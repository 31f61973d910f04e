#include "acme/storage.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace rampart::acme {
namespace {

using core::MakeError;

std::string Reason() { return std::strerror(errno); }

}  // namespace

CertificatePaths PathsFor(const std::string& storage_dir, const std::string& primary_name) {
  CertificatePaths paths;
  paths.dir = storage_dir + "/certificates/" + primary_name;
  paths.cert = paths.dir + "/cert.pem";
  paths.key = paths.dir + "/key.pem";
  return paths;
}

std::string AccountKeyPath(const std::string& storage_dir) {
  return storage_dir + "/account/key.pem";
}

core::Status MakePrivateDirectory(const std::string& path) {
  if (path.empty()) return MakeError("acme: empty directory name");
  // Each missing component, from the root down, so that every directory made here is 0700.
  for (size_t end = path.find('/', 1);; end = path.find('/', end + 1)) {
    const std::string part = path.substr(0, end);
    if (mkdir(part.c_str(), 0700) == 0) {
      if (chmod(part.c_str(), 0700) != 0) {
        return MakeError(part + ": cannot set mode 0700 (" + Reason() + ")");
      }
    } else if (errno != EEXIST) {
      return MakeError(part + ": cannot create directory (" + Reason() + ")");
    }
    if (end == std::string::npos) break;
  }
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return MakeError(path + ": not a directory");
  }
  return {};
}

core::Status WriteFileAtomically(const std::string& path, std::string_view content, mode_t mode) {
  std::string temp = path + ".tmp-XXXXXX";
  const int fd = mkstemp(temp.data());  // created 0600: never readable by others, even briefly
  if (fd < 0) return MakeError(path + ": cannot create a temporary file (" + Reason() + ")");
  bool ok = fchmod(fd, mode) == 0;
  for (size_t done = 0; ok && done < content.size();) {
    const ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = ok && fsync(fd) == 0;
  const std::string reason = ok ? "" : Reason();
  close(fd);
  if (!ok || rename(temp.c_str(), path.c_str()) != 0) {
    const std::string why = ok ? Reason() : reason;
    unlink(temp.c_str());
    return MakeError(path + ": cannot write (" + why + ")");
  }
  return {};
}

core::Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(path + ": cannot read (" + Reason() + ")");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace rampart::acme
