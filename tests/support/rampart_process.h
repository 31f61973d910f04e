#pragma once
// RampartProcess: the real rampart binary (RAMPART_BINARY) run as a child process for one test,
// with its own temporary directory and config file. Its stderr (the operational log) is read
// on a thread and kept line by line, so a test can wait for "ready", "reload: applied",
// "draining" and read back the ports it bound.
//
// Owned by one test; its methods may be called from any thread. The destructor kills the child
// (SIGKILL) if it still runs, and, when the current test has failed, prints the child's log and
// keeps the temporary directory for inspection.

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/common.h"

namespace rampart::test {

struct CommandResult {
  int exit_code = -1;  // exit status; 128 + signal when killed; -1 when it could not run
  std::string out;
  std::string err;
  bool timed_out = false;
};

// Runs `argv` (argv[0] a path) to completion, stdin from /dev/null, collecting its output; the
// child is killed past `timeout`.
CommandResult RunCommand(const std::vector<std::string>& argv, Timeout timeout = Timeout(60'000));

class RampartProcess {
 public:
  // Creates the temporary directory ($TMPDIR or /tmp). Throws std::runtime_error on failure.
  RampartProcess();
  ~RampartProcess();
  RampartProcess(const RampartProcess&) = delete;
  RampartProcess& operator=(const RampartProcess&) = delete;

  const std::string& dir() const { return dir_; }
  std::string config_path() const { return dir_ + "/rampart.yaml"; }
  // Writes `yaml` to config_path() (atomically: temp file, then rename).
  void WriteConfig(const std::string& yaml) const;

  // Writes `yaml`, runs `rampart run -c config_path()` and waits for "ready:" on stderr. False
  // (with the log in error()) when it exits first or the timeout passes.
  // The start waits longer than other steps: a WAF route compiles CRS and the signature packs'
  // Hyperscan databases first, which takes over 10 s under ASan on a loaded 2-core machine.
  bool Start(const std::string& yaml, Timeout timeout = Timeout(60'000));

  pid_t pid() const { return pid_; }
  // The port of configured listener `index` ("listener N bound to ..."); 0 when unknown.
  uint16_t listener_port(size_t index = 0) const;
  uint16_t port() const { return listener_port(0); }
  uint16_t admin_port() const;  // 0 when no admin listener was reported

  bool Signal(int sig) const;
  // Waits for the child to exit; returns its exit code (128 + signal when killed by one), or
  // nullopt on timeout.
  std::optional<int> WaitExit(Timeout timeout = kDefaultTimeout);
  bool running() const { return pid_ > 0 && !exit_code_.has_value(); }

  // VmRSS of the child in KiB, from /proc/<pid>/status; -1 when unavailable.
  long RssKiB() const;

  // Lines of stderr so far.
  std::vector<std::string> Lines() const;
  size_t LineCount() const;
  // The whole log as one string.
  std::string Log() const;
  // Waits for a stderr line at index >= `from` containing `needle`; returns that line. Returns
  // early (nullopt) when stderr is closed (the child exited) without such a line.
  std::optional<std::string> WaitForLine(std::string_view needle, Timeout timeout = kDefaultTimeout,
                                         size_t from = 0) const;
  std::string StdoutText() const;

  const std::string& error() const { return error_; }

  // Runs the binary with `args` (e.g. {"check", "-c", path}) to completion; captures stdout and
  // stderr. The child is killed when `timeout` passes.
  static CommandResult Run(const std::vector<std::string>& args, Timeout timeout = Timeout(30'000));
  // Shorthand for Run({"check", "-c", config_file}).
  static CommandResult RunCheck(const std::string& config_file, Timeout timeout = Timeout(30'000));

 private:
  void ReaderLoop(int err_fd, int out_fd);
  void ParsePorts(const std::string& line);  // mu_ held

  std::string dir_;
  pid_t pid_ = -1;
  int pidfd_ = -1;
  std::optional<int> exit_code_;
  std::thread reader_;
  int wake_[2] = {-1, -1};  // stops the reader thread
  std::string error_;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<std::string> lines_;             // guarded by mu_
  std::string partial_err_;                    // guarded by mu_
  std::string stdout_;                         // guarded by mu_
  bool stderr_closed_ = false;                 // guarded by mu_
  std::map<size_t, uint16_t> listener_ports_;  // guarded by mu_
  uint16_t admin_port_ = 0;                    // guarded by mu_
};

}  // namespace rampart::test
