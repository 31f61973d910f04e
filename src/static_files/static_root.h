#pragma once
// StaticRoot: a directory that static files are served from, opened once and shared (read-only)
// by every worker thread; Lookup may be called from any thread. Request paths are resolved with
// openat2(RESOLVE_BENEATH) relative to the root's descriptor, so the kernel, not string checks,
// keeps every lookup (symlinks included) inside the root.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace rampart::static_files {

// The outcome of resolving one request path.
struct StaticLookup {
  enum class Kind : uint8_t {
    kFile,               // `fd` is an open regular file; the other fields describe it
    kNotFound,           // 404: no such file, or a path through something that is not a directory
    kForbidden,          // 403: hidden name, escape from the root, not a regular file, permission,
                         // or a directory with none of the index files
    kBadPath,            // 400: not absolute, NUL byte, backslash, or a "." / ".." segment
    kDirectoryRedirect,  // 301 to the request path + "/": a directory asked for without the slash
    kError,              // 500: the lookup itself failed (out of descriptors, I/O error)
  } kind = Kind::kNotFound;
  int fd = -1;               // owned by the caller when kFile (close it); -1 otherwise
  uint64_t size = 0;         // bytes
  int64_t mtime = 0;         // Unix seconds
  std::string content_type;  // from the file name (the index file's name for a directory)
  std::string etag;          // "\"<hex mtime>-<hex size>\"", as nginx writes it
};

class StaticRoot {
 public:
  // Opens `root` (O_PATH | O_DIRECTORY). `index_files` are tried in order for a path ending in
  // '/', and must be plain file names; `allow_hidden` lets segments starting with '.' through.
  // The error names the path and the reason.
  static core::Result<std::shared_ptr<const StaticRoot>> Open(const std::string& root,
                                                              std::vector<std::string> index_files,
                                                              bool allow_hidden);
  ~StaticRoot();
  StaticRoot(const StaticRoot&) = delete;
  StaticRoot& operator=(const StaticRoot&) = delete;

  // Resolves `request_path` (percent-decoded and dot-normalised by the router, starting with '/',
  // and still treated as untrusted) to a regular file beneath the root, opened O_RDONLY. Never
  // blocks on a fifo or device. Percent signs are ordinary file-name characters here.
  StaticLookup Lookup(std::string_view request_path) const;

  const std::string& path() const { return path_; }

 private:
  StaticRoot(std::string path, int fd, std::vector<std::string> index_files, bool allow_hidden);

  std::string path_;
  int fd_;
  std::vector<std::string> index_files_;
  bool allow_hidden_;
};

}  // namespace rampart::static_files
