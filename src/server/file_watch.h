#pragma once
// File stamps for the files a runtime was built from that operators replace while rampart runs
// (IP lists, GeoIP databases): the server rebuilds the runtime when one changes, as on SIGHUP.

#include <string>
#include <utility>
#include <vector>

namespace rampart::server {

// "mtime size inode" of `path`, or "missing". Replacing a file (mv, a new inode), rewriting it
// in place (mtime, size) and removing it all change the stamp.
std::string FileStamp(const std::string& path);

// (path, stamp) pairs taken when a runtime was built.
using FileStamps = std::vector<std::pair<std::string, std::string>>;

// The stamps of `paths` now.
FileStamps StampFiles(const std::vector<std::string>& paths);

}  // namespace rampart::server
