#include "support/rampart_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>

#ifndef RAMPART_BINARY
#error "RAMPART_BINARY must be defined to the path of the rampart executable"
#endif

namespace rampart::test {
namespace {

struct Child {
  pid_t pid = -1;
  int out_fd = -1;
  int err_fd = -1;
};

// Forks and execs RAMPART_BINARY with `args` in `cwd`; stdin is /dev/null, stdout and stderr
// are pipes. The child is killed if the thread that started it dies (PR_SET_PDEATHSIG), so a
// crashed test leaves nothing running.
// Starts `program_and_args` (argv[0] a path) with stdout and stderr on pipes.
std::optional<Child> Spawn(const std::vector<std::string>& program_and_args, const std::string& cwd,
                           std::string* error) {
  std::vector<std::string> storage = program_and_args;
  std::vector<char*> argv;
  for (std::string& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);

  int out[2];
  int err[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    *error = "pipe2: " + std::string(strerror(errno));
    return std::nullopt;
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    *error = "pipe2: " + std::string(strerror(errno));
    close(out[0]);
    close(out[1]);
    return std::nullopt;
  }
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    // Child: only async-signal-safe calls from here on.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(devnull, 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    close_range(3, ~0U, 0);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(127);
    execv(argv[0], argv.data());
    static const char kMsg[] = "exec failed\n";
    ssize_t ignored = write(2, kMsg, sizeof kMsg - 1);
    (void)ignored;
    _exit(127);
  }
  close(devnull);
  close(out[1]);
  close(err[1]);
  if (pid < 0) {
    *error = "fork: " + std::string(strerror(errno));
    close(out[0]);
    close(err[0]);
    return std::nullopt;
  }
  return Child{pid, out[0], err[0]};
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// The port at the end of the "host:port" token that follows `marker` in `line`.
std::optional<uint16_t> PortAfter(std::string_view line, std::string_view marker) {
  size_t at = line.find(marker);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = line.substr(at + marker.size());
  size_t end = rest.find_first_of(" \t\r\n,;");
  std::string_view token = rest.substr(0, end);
  size_t colon = token.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view digits = token.substr(colon + 1);
  uint16_t port = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || port == 0) {
    return std::nullopt;
  }
  return port;
}

}  // namespace

RampartProcess::RampartProcess() {
  const char* base = std::getenv("TMPDIR");
  std::string templ =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/rampart-e2e-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    throw std::runtime_error("mkdtemp " + templ + ": " + strerror(errno));
  }
  dir_ = templ;
  if (pipe2(wake_, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
}

RampartProcess::~RampartProcess() {
  if (running()) {
    kill(pid_, SIGKILL);
    (void)WaitExit(Timeout(10'000));
  }
  if (reader_.joinable()) {
    char one = 1;
    ssize_t ignored = write(wake_[1], &one, 1);
    (void)ignored;
    reader_.join();
  }
  close(wake_[0]);
  close(wake_[1]);
  if (pidfd_ >= 0) close(pidfd_);
  if (::testing::Test::HasFailure()) {
    std::vector<std::string> lines = Lines();
    size_t first = lines.size() > 300 ? lines.size() - 300 : 0;
    std::cerr << "---- rampart log (" << dir_ << ", kept) ----\n";
    for (size_t i = first; i < lines.size(); ++i) std::cerr << lines[i] << "\n";
    std::cerr << "---- end of rampart log ----\n";
  } else {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

void RampartProcess::WriteConfig(const std::string& yaml) const {
  std::string tmp = config_path() + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << yaml;
    if (!f) throw std::runtime_error("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, config_path());
}

bool RampartProcess::Start(const std::string& yaml, Timeout timeout) {
  WriteConfig(yaml);
  std::optional<Child> child = Spawn({RAMPART_BINARY, "run", "-c", config_path()}, dir_, &error_);
  if (!child) return false;
  pid_ = child->pid;
  // syscall(2): glibc 2.36's <sys/pidfd.h> lacks C linkage for C++.
  pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
  reader_ = std::thread([this, err = child->err_fd, out = child->out_fd] { ReaderLoop(err, out); });
  if (!WaitForLine("ready:", timeout)) {
    std::optional<int> code = WaitExit(Timeout(2'000));
    error_ = "rampart did not print \"ready:\" (" +
             (code ? "exited with " + std::to_string(*code) : std::string("still running")) +
             "); stderr:\n" + Log() + "stdout:\n" + StdoutText();
    return false;
  }
  if (listener_port(0) == 0) {
    error_ = "rampart printed no \"listener 0 bound to\" line; log:\n" + Log();
    return false;
  }
  return true;
}

void RampartProcess::ReaderLoop(int err_fd, int out_fd) {
  // fds[2] is the wake pipe: once the child is reaped the destructor writes to it, so that a
  // descendant still holding the child's stderr cannot keep this thread alive.
  pollfd fds[3] = {{err_fd, POLLIN, 0}, {out_fd, POLLIN, 0}, {wake_[0], POLLIN, 0}};
  char buf[16 * 1024];
  int open_fds = 2;
  bool stopping = false;
  while (open_fds > 0) {
    int n = poll(fds, 3, stopping ? 0 : -1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // error, or nothing left to drain while stopping
    if (fds[2].revents != 0) {
      stopping = true;
      fds[2].fd = -1;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      std::lock_guard<std::mutex> lock(mu_);
      if (got <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
        if (i == 0) {
          if (!partial_err_.empty()) {
            lines_.push_back(partial_err_);
            ParsePorts(partial_err_);
            partial_err_.clear();
          }
          stderr_closed_ = true;
        }
      } else if (i == 0) {
        partial_err_.append(buf, static_cast<size_t>(got));
        size_t eol;
        while ((eol = partial_err_.find('\n')) != std::string::npos) {
          lines_.push_back(partial_err_.substr(0, eol));
          partial_err_.erase(0, eol + 1);
          ParsePorts(lines_.back());
        }
      } else {
        stdout_.append(buf, static_cast<size_t>(got));
      }
      cv_.notify_all();
    }
  }
  for (int i = 0; i < 2; ++i) {
    if (fds[i].fd >= 0) close(fds[i].fd);
  }
  std::lock_guard<std::mutex> lock(mu_);
  stderr_closed_ = true;
  cv_.notify_all();
}

void RampartProcess::ParsePorts(const std::string& line) {
  size_t at = line.find("listener ");
  if (at != std::string::npos && line.find(" bound to ", at) != std::string::npos) {
    size_t index = 0;
    std::string_view digits = std::string_view(line).substr(at + 9);
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (ec == std::errc()) {
      if (auto port = PortAfter(line, " bound to ")) listener_ports_[index] = *port;
    }
  }
  if (line.find("admin bound to ") != std::string::npos) {
    if (auto port = PortAfter(line, "admin bound to ")) admin_port_ = *port;
  }
}

uint16_t RampartProcess::listener_port(size_t index) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = listener_ports_.find(index);
  return it == listener_ports_.end() ? 0 : it->second;
}

uint16_t RampartProcess::admin_port() const {
  std::lock_guard<std::mutex> lock(mu_);
  return admin_port_;
}

bool RampartProcess::Signal(int sig) const {
  return pid_ > 0 && !exit_code_ && kill(pid_, sig) == 0;
}

std::optional<int> RampartProcess::WaitExit(Timeout timeout) {
  if (exit_code_) return exit_code_;
  if (pid_ <= 0) return std::nullopt;
  Deadline deadline = DeadlineIn(timeout);
  int status = 0;
  while (true) {
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = DecodeStatus(status);
      return exit_code_;
    }
    if (r < 0 && errno != EINTR) return std::nullopt;
    if (Clock::now() >= deadline) return std::nullopt;
    // The pidfd becomes readable when the child exits: wait on it instead of sleeping.
    if (pidfd_ >= 0) {
      pollfd p{pidfd_, POLLIN, 0};
      poll(&p, 1, PollMs(deadline));
    } else {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_until(lock, std::min(deadline, Clock::now() + Timeout(20)));
    }
  }
}

long RampartProcess::RssKiB() const {
  if (pid_ <= 0) return -1;
  std::ifstream f("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

std::vector<std::string> RampartProcess::Lines() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lines_;
}

size_t RampartProcess::LineCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lines_.size();
}

std::string RampartProcess::Log() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string all;
  for (const std::string& l : lines_) all += l + "\n";
  return all + partial_err_;
}

std::string RampartProcess::StdoutText() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stdout_;
}

std::optional<std::string> RampartProcess::WaitForLine(std::string_view needle, Timeout timeout,
                                                       size_t from) const {
  std::unique_lock<std::mutex> lock(mu_);
  std::optional<std::string> found;
  size_t next = from;
  cv_.wait_until(lock, DeadlineIn(timeout), [&] {
    for (; next < lines_.size(); ++next) {
      if (lines_[next].find(needle) != std::string::npos) {
        found = lines_[next];
        return true;
      }
    }
    return stderr_closed_;
  });
  return found;
}

CommandResult RampartProcess::Run(const std::vector<std::string>& args, Timeout timeout) {
  std::vector<std::string> argv = {RAMPART_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, timeout);
}

CommandResult RunCommand(const std::vector<std::string>& argv, Timeout timeout) {
  CommandResult result;
  std::string error;
  std::optional<Child> child = Spawn(argv, "", &error);
  if (!child) {
    result.err = error;
    return result;
  }
  Deadline deadline = DeadlineIn(timeout);
  pollfd fds[2] = {{child->out_fd, POLLIN, 0}, {child->err_fd, POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  char buf[16 * 1024];
  int open_fds = 2;
  while (open_fds > 0) {
    if (Clock::now() >= deadline) {
      result.timed_out = true;
      kill(child->pid, SIGKILL);
      break;
    }
    int n = poll(fds, 2, PollMs(deadline));
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        sinks[i]->append(buf, static_cast<size_t>(got));
      }
    }
  }
  for (pollfd& p : fds) {
    if (p.fd >= 0) close(p.fd);
  }
  int status = 0;
  while (waitpid(child->pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = DecodeStatus(status);
  return result;
}

CommandResult RampartProcess::RunCheck(const std::string& config_file, Timeout timeout) {
  return Run({"check", "-c", config_file}, timeout);
}

}  // namespace rampart::test
