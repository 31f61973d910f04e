#pragma once
// Test helper: a fresh temporary file for an access log, removed when the helper goes away, and
// a way to wait for lines that spdlog's background thread writes to it (on inotify events, not
// with sleeps). Used by one test on the test thread.

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace rampart::proxy::testing {

class TempLogFile {
 public:
  TempLogFile() {
    char path[] = "/tmp/rampart_access_log_test_XXXXXX";
    const int fd = mkstemp(path);
    if (fd >= 0) close(fd);
    path_ = path;
  }
  ~TempLogFile() { std::remove(path_.c_str()); }
  TempLogFile(const TempLogFile&) = delete;
  TempLogFile& operator=(const TempLogFile&) = delete;

  const std::string& path() const { return path_; }

  std::string Read() const {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  // The file's content once it holds at least `lines` complete lines, or what it holds after
  // `limit`.
  std::string WaitForLines(size_t lines,
                           std::chrono::milliseconds limit = std::chrono::seconds(10)) const {
    const int fd = inotify_init1(IN_CLOEXEC);
    if (fd >= 0) inotify_add_watch(fd, path_.c_str(), IN_MODIFY | IN_CLOSE_WRITE);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    std::string content = Read();
    while (static_cast<size_t>(std::count(content.begin(), content.end(), '\n')) < lines &&
           fd >= 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd pfd{fd, POLLIN, 0};
      if (poll(&pfd, 1, static_cast<int>(left.count())) > 0) {
        char events[4096];
        (void)!read(fd, events, sizeof events);
      }
      content = Read();
    }
    if (fd >= 0) close(fd);
    return content;
  }

  // The complete lines of the file once it holds at least `count` of them.
  std::vector<std::string> WaitForLineList(size_t count) const {
    std::istringstream in(WaitForLines(count));
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

 private:
  std::string path_;
};

}  // namespace rampart::proxy::testing
