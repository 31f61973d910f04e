#include "server/file_watch.h"

#include <sys/stat.h>

namespace rampart::server {

std::string FileStamp(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return "missing";
  return std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + " " +
         std::to_string(st.st_size) + " " + std::to_string(st.st_ino);
}

FileStamps StampFiles(const std::vector<std::string>& paths) {
  FileStamps stamps;
  stamps.reserve(paths.size());
  for (const std::string& path : paths) stamps.emplace_back(path, FileStamp(path));
  return stamps;
}

}  // namespace rampart::server
