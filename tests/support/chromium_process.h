#pragma once
// ChromiumProcess: the part every browser test driver shares — one headless Chromium (Debian's
// /usr/bin/chromium) as a child process in its own process group, with a temporary directory
// that holds its profile, its HOME and its log (stdout and stderr). HeadlessChromium
// (support/chromium.h) talks to it over its DevTools port, DevToolsBrowser
// (support/devtools_pipe.h) over the DevTools pipe; both own one of these.
//
// Owned by one driver, used on its thread. Stop() (and the destructor) kills the whole process
// group, so every renderer, GPU and utility process goes too, and removes the directory.

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::test {

inline constexpr char kChromiumBinary[] = "/usr/bin/chromium";

// Whether kChromiumBinary exists and is executable.
bool ChromiumAvailable();

// Skips the calling test when there is no Chromium to drive.
#define REQUIRE_CHROMIUM()                                                                      \
  do {                                                                                          \
    if (!::rampart::test::ChromiumAvailable()) {                                                \
      GTEST_SKIP() << ::rampart::test::kChromiumBinary                                          \
                   << " not found: the browser tests need Chromium (apt-get install chromium)"; \
    }                                                                                           \
  } while (0)

class ChromiumProcess {
 public:
  ChromiumProcess() = default;
  ~ChromiumProcess();
  ChromiumProcess(const ChromiumProcess&) = delete;
  ChromiumProcess& operator=(const ChromiumProcess&) = delete;

  // Makes the temporary directory and starts Chromium headless, without sandbox, GPU or
  // background traffic, on the profile in that directory, with `flags` after those (how it is
  // to be driven, a URL to open). `child_fds[i]` becomes the child's fd 3 + i (the DevTools
  // pipe's ends); the caller keeps and closes its own copies. Does not wait for anything. False,
  // with error(), when the directory, the log or the process cannot be made.
  bool Start(const std::vector<std::string>& flags, const std::vector<int>& child_fds = {});

  // True, once the child is reaped, when it has exited; never blocks.
  bool HasExited();
  // Started and not known to have exited.
  bool running() const { return pid_ > 0; }
  // The temporary directory exists (Start() got that far); Log() may have something to say.
  bool has_directory() const { return !dir_.empty(); }

  // The profile directory (--user-data-dir).
  std::string ProfileDir() const { return dir_ + "/profile"; }
  // A file Chromium writes into its profile (e.g. "DevToolsActivePort"); "" until it exists.
  std::string ReadProfileFile(std::string_view name) const;

  // What Chromium wrote to stdout and stderr so far.
  std::string Log() const;
  // The last `n` lines of Log(), without its complaints about the missing D-Bus: what a failure
  // message shows.
  std::string LogTail(size_t n) const;

  const std::string& error() const { return error_; }

  // Kills the process group, reaps Chromium and removes the directory. Idempotent.
  void Stop();

 private:
  std::string dir_;  // holds the profile, HOME and the log
  pid_t pid_ = -1;   // also the process group's id
  std::string error_;
};

}  // namespace rampart::test
