#include "static_files/static_root.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "static_files/mime_types.h"

namespace rampart::static_files {

namespace {

using Kind = StaticLookup::Kind;

// How often a lookup is retried when openat2 reports EAGAIN: RESOLVE_BENEATH gives it when a
// concurrent rename could have let ".." escape, which is transient unless someone keeps racing.
constexpr int kAgainRetries = 3;

// A file opened beneath the root, or why it could not be.
struct Opened {
  Kind kind = Kind::kNotFound;
  int fd = -1;
  struct stat st {};
};

// What an openat2 failure means for the client.
Kind KindForErrno(int error) {
  switch (error) {
    case ENOENT:
    case ENOTDIR:
    case ENAMETOOLONG:
      return Kind::kNotFound;
    case EXDEV:  // RESOLVE_BENEATH: the path (or a symlink in it) leads out of the root
    case ELOOP:  // a symlink loop, or a magic link RESOLVE_NO_MAGICLINKS refused
    case EACCES:
    case EPERM:
    case ENXIO:  // a socket, or a device with nothing behind it
    case ENODEV:
    case EAGAIN:  // still racing after the retries
      return Kind::kForbidden;
    default:
      return Kind::kError;
  }
}

// Opens `relative` beneath `root_fd`. O_NONBLOCK keeps a fifo or device from blocking the worker;
// O_NOCTTY keeps a terminal from becoming ours. Symlinks are followed only while they stay
// beneath the root, and /proc magic links never.
Opened OpenBeneath(int root_fd, const std::string& relative) {
  open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  Opened out;
  int fd = -1;
  for (int attempt = 0;; ++attempt) {
    fd = static_cast<int>(syscall(SYS_openat2, root_fd, relative.c_str(), &how, sizeof how));
    if (fd >= 0) break;
    if (errno == EINTR || (errno == EAGAIN && attempt < kAgainRetries)) continue;
    out.kind = KindForErrno(errno);
    return out;
  }
  if (fstat(fd, &out.st) != 0) {
    close(fd);
    out.kind = Kind::kError;
    return out;
  }
  out.kind = Kind::kFile;
  out.fd = fd;
  return out;
}

// A lookup result for the regular file `opened`, named `name` (for its content type). Clears
// O_NONBLOCK, which regular files ignore anyway, so the caller gets an ordinary descriptor.
StaticLookup DescribeFile(const Opened& opened, std::string_view name) {
  const int flags = fcntl(opened.fd, F_GETFL);
  if (flags >= 0) fcntl(opened.fd, F_SETFL, flags & ~O_NONBLOCK);
  StaticLookup out;
  out.kind = Kind::kFile;
  out.fd = opened.fd;
  out.size = static_cast<uint64_t>(opened.st.st_size);
  out.mtime = static_cast<int64_t>(opened.st.st_mtim.tv_sec);
  out.content_type = ContentTypeFor(name);
  char etag[48];
  std::snprintf(etag, sizeof etag, "\"%" PRIx64 "-%" PRIx64 "\"", static_cast<uint64_t>(out.mtime),
                out.size);
  out.etag = etag;
  return out;
}

StaticLookup Failure(Kind kind) {
  StaticLookup out;
  out.kind = kind;
  return out;
}

bool IsPlainFileName(std::string_view name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find_first_of(std::string_view("/\\\0", 3)) == std::string_view::npos;
}

}  // namespace

core::Result<std::shared_ptr<const StaticRoot>> StaticRoot::Open(
    const std::string& root, std::vector<std::string> index_files, bool allow_hidden) {
  for (const std::string& name : index_files) {
    if (!IsPlainFileName(name)) {
      return core::MakeError("static root " + root + ": index file '" + name +
                             "' is not a plain file name");
    }
  }
  const int fd = open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return core::MakeError("cannot open static root " + root + ": " + std::strerror(errno));
  }
  // Every lookup needs openat2 (Linux 5.6); find out now, not on the first request, when a
  // kernel or a container's seccomp profile lacks it. O_PATH needs no permission on the root.
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH;
  const int probe = static_cast<int>(syscall(SYS_openat2, fd, ".", &how, sizeof how));
  if (probe < 0) {
    const int error = errno;
    close(fd);
    return core::MakeError("static root " + root +
                           ": openat2 (Linux 5.6 or later) failed: " + std::strerror(error));
  }
  close(probe);
  return std::shared_ptr<const StaticRoot>(
      new StaticRoot(root, fd, std::move(index_files), allow_hidden));
}

StaticRoot::StaticRoot(std::string path, int fd, std::vector<std::string> index_files,
                       bool allow_hidden)
    : path_(std::move(path)),
      fd_(fd),
      index_files_(std::move(index_files)),
      allow_hidden_(allow_hidden) {}

StaticRoot::~StaticRoot() { close(fd_); }

StaticLookup StaticRoot::Lookup(std::string_view request_path) const {
  if (request_path.empty() || request_path.front() != '/') return Failure(Kind::kBadPath);
  // The router has decoded and normalised the path; anything that still looks like a traversal
  // or an encoding trick is a client error, not a file name.
  if (request_path.find_first_of(std::string_view("\\\0", 2)) != std::string_view::npos) {
    return Failure(Kind::kBadPath);
  }
  std::string relative;
  std::string_view last_name;
  bool hidden = false;
  size_t start = 1;
  while (start <= request_path.size()) {
    size_t slash = request_path.find('/', start);
    if (slash == std::string_view::npos) slash = request_path.size();
    const std::string_view segment = request_path.substr(start, slash - start);
    start = slash + 1;
    if (segment.empty()) continue;  // "//" or the trailing slash
    if (segment == "." || segment == "..") return Failure(Kind::kBadPath);
    if (segment.front() == '.' && !allow_hidden_) hidden = true;
    if (!relative.empty()) relative += '/';
    relative += segment;
    last_name = segment;
  }
  if (hidden) return Failure(Kind::kForbidden);
  if (relative.empty()) relative = ".";
  const bool wants_directory = request_path.back() == '/';

  Opened opened = OpenBeneath(fd_, relative);
  if (opened.kind != Kind::kFile) return Failure(opened.kind);
  if (S_ISREG(opened.st.st_mode)) {
    if (wants_directory) {  // "/file.txt/": a file is not a directory
      close(opened.fd);
      return Failure(Kind::kNotFound);
    }
    return DescribeFile(opened, last_name);
  }
  const bool is_directory = S_ISDIR(opened.st.st_mode);
  close(opened.fd);
  if (!is_directory) return Failure(Kind::kForbidden);  // fifo, socket, device
  if (!wants_directory) return Failure(Kind::kDirectoryRedirect);

  // Index files are resolved from the root like any path, so a symlinked index may point
  // anywhere inside the root but no further.
  const std::string prefix = relative == "." ? std::string() : relative + '/';
  for (const std::string& index : index_files_) {
    Opened candidate = OpenBeneath(fd_, prefix + index);
    if (candidate.kind == Kind::kNotFound) continue;
    if (candidate.kind != Kind::kFile) return Failure(candidate.kind);
    if (S_ISREG(candidate.st.st_mode)) return DescribeFile(candidate, index);
    close(candidate.fd);  // an index name that is a directory or special file does not count
  }
  return Failure(Kind::kForbidden);  // no index and no listing, as nginx without autoindex
}

}  // namespace rampart::static_files
