#include "support/chromium_process.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace rampart::test {
namespace {

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

bool ChromiumAvailable() { return access(kChromiumBinary, X_OK) == 0; }

bool ChromiumProcess::Start(const std::vector<std::string>& flags,
                            const std::vector<int>& child_fds) {
  const char* base = std::getenv("TMPDIR");
  std::string templ =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/rampart-chromium-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    error_ = "mkdtemp " + templ + ": " + strerror(errno);
    return false;
  }
  dir_ = templ;

  std::vector<std::string> args = {kChromiumBinary, "--headless=new",
                                   "--no-sandbox",  // tests may run as root
                                   "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                                   // Nothing but the test's own requests.
                                   "--disable-background-networking", "--disable-component-update",
                                   "--disable-sync", "--user-data-dir=" + ProfileDir()};
  args.insert(args.end(), flags.begin(), flags.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // Its own HOME, so that nothing is written to the user's.
  std::vector<std::string> env_storage = {"HOME=" + dir_};
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "HOME=", 5) != 0) env_storage.emplace_back(*e);
  }
  std::vector<char*> envp;
  for (std::string& entry : env_storage) envp.push_back(entry.data());
  envp.push_back(nullptr);
  // Filled in by the child; allocated here because the child may not allocate.
  std::vector<int> moved_fds(child_fds.size(), -1);

  const int log_fd =
      open((dir_ + "/chromium.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log_fd < 0 || devnull < 0) {
    error_ = std::string("open: ") + strerror(errno);
    if (log_fd >= 0) close(log_fd);
    if (devnull >= 0) close(devnull);
    return false;
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    // Child: only async-signal-safe calls from here on. Its own process group, so that Stop()
    // ends the browser and every renderer, GPU and utility process it starts.
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed test leaves no browser behind
    if (getppid() != parent) _exit(127);
    // Move the passed fds above the ones they go to first: one of them may already sit on 3 or
    // 4. dup2 onto their places then clears close-on-exec there.
    for (size_t i = 0; i < child_fds.size(); ++i) {
      moved_fds[i] = fcntl(child_fds[i], F_DUPFD_CLOEXEC, 10);
      if (moved_fds[i] < 0) _exit(127);
    }
    dup2(devnull, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    for (size_t i = 0; i < moved_fds.size(); ++i) {
      const int target = 3 + static_cast<int>(i);
      if (dup2(moved_fds[i], target) != target) _exit(127);
    }
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(log_fd);
  close(devnull);
  if (pid < 0) {
    error_ = std::string("fork: ") + strerror(errno);
    return false;
  }
  setpgid(pid, pid);  // also here, so that the group exists whichever runs first
  pid_ = pid;
  return true;
}

bool ChromiumProcess::HasExited() {
  if (pid_ <= 0) return true;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
  pid_ = -1;
  return true;
}

std::string ChromiumProcess::ReadProfileFile(std::string_view name) const {
  return dir_.empty() ? "" : ReadWhole(ProfileDir() + "/" + std::string(name));
}

std::string ChromiumProcess::Log() const {
  return dir_.empty() ? "" : ReadWhole(dir_ + "/chromium.log");
}

std::string ChromiumProcess::LogTail(size_t n) const {
  std::vector<std::string> lines;
  std::istringstream in(Log());
  for (std::string line; std::getline(in, line);) {
    if (line.find("dbus") == std::string::npos) lines.push_back(line);
  }
  std::string out;
  for (size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i) {
    out += lines[i] + "\n";
  }
  return out;
}

void ChromiumProcess::Stop() {
  if (pid_ > 0) {
    kill(-pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  if (!dir_.empty()) {
    // A process of the group may still be on its way out and write a file meanwhile.
    for (int attempt = 0; attempt < 20; ++attempt) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      if (!ec) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    dir_.clear();
  }
}

ChromiumProcess::~ChromiumProcess() { Stop(); }

}  // namespace rampart::test
