#include "support/log_file.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace rampart::test {

namespace {

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  const std::string content = s.str();
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl = content.find('\n'); nl != std::string::npos; nl = content.find('\n', start)) {
    lines.push_back(content.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;  // a trailing partial line is not complete yet
}

}  // namespace

std::vector<std::string> WaitForFileLines(const std::string& path, size_t count, Timeout timeout) {
  const std::string dir = path.substr(0, path.rfind('/'));
  const int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (fd >= 0) {
    inotify_add_watch(fd, dir.c_str(), IN_MODIFY | IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO);
  }
  const Deadline deadline = DeadlineIn(timeout);
  std::vector<std::string> lines = ReadLines(path);
  while (lines.size() < count && fd >= 0) {
    const auto left = std::chrono::duration_cast<Timeout>(deadline - Clock::now()).count();
    if (left <= 0) break;
    pollfd pfd{fd, POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(left)) > 0) {
      char events[4096];
      while (read(fd, events, sizeof events) > 0) {
      }
    }
    lines = ReadLines(path);
  }
  if (fd >= 0) close(fd);
  return lines;
}

}  // namespace rampart::test
