#include "support/chromium.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "support/client.h"
#include "support/json.h"

extern char** environ;

namespace rampart::test {
namespace {

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The port on the first line of DevToolsActivePort; nullopt until Chromium has written it.
std::optional<uint16_t> DevToolsPort(const std::string& profile) {
  const std::string text = ReadWhole(profile + "/DevToolsActivePort");
  const size_t eol = text.find('\n');
  if (eol == std::string::npos) return std::nullopt;  // not (completely) written yet
  uint16_t port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + eol, port);
  if (ec != std::errc() || end != text.data() + eol || port == 0) return std::nullopt;
  return port;
}

// The last `n` lines of Chromium's log, without its complaints about the missing D-Bus.
std::string LogTail(const std::string& log, size_t n) {
  std::vector<std::string> lines;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find("dbus") == std::string::npos) lines.push_back(line);
  }
  std::string out;
  for (size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i) {
    out += lines[i] + "\n";
  }
  return out;
}

}  // namespace

bool ChromiumAvailable() { return access(kChromiumBinary, X_OK) == 0; }

bool HeadlessChromium::Start(const std::string& url, const std::vector<std::string>& extra_flags,
                             Timeout timeout) {
  const char* base = std::getenv("TMPDIR");
  std::string templ =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/rampart-chromium-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    error_ = "mkdtemp " + templ + ": " + strerror(errno);
    return false;
  }
  dir_ = templ;
  const std::string profile = dir_ + "/profile";

  std::vector<std::string> args = {kChromiumBinary, "--headless=new",
                                   "--no-sandbox",  // tests may run as root
                                   "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                                   // Nothing but the test's own requests.
                                   "--disable-background-networking", "--disable-component-update",
                                   "--disable-sync", "--user-data-dir=" + profile,
                                   "--remote-debugging-port=0"};
  args.insert(args.end(), extra_flags.begin(), extra_flags.end());
  args.push_back(url);
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
    // Child: only async-signal-safe calls from here on. Its own process group, so that the
    // destructor ends the browser and every renderer, GPU and utility process it starts.
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed test leaves no browser behind
    if (getppid() != parent) _exit(127);
    dup2(devnull, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
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

  const Deadline deadline = DeadlineIn(timeout);
  while (Clock::now() < deadline) {
    if (auto port = DevToolsPort(profile)) {
      devtools_port_ = *port;
      return true;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      error_ = "chromium exited before its DevTools port was known:\n" + LogTail(Log(), 40);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  error_ = "no DevToolsActivePort in " + profile + " in time:\n" + LogTail(Log(), 40);
  return false;
}

std::optional<BrowserPage> HeadlessChromium::Page() const {
  if (devtools_port_ == 0) return std::nullopt;
  std::optional<HttpResponse> r = HttpGet(devtools_port_, "/json/list", {}, Timeout(5'000));
  if (!r || r->status != 200) return std::nullopt;
  std::optional<JsonValue> targets = ParseJson(r->body);
  if (!targets || !targets->is_array()) return std::nullopt;
  for (const JsonValue& target : targets->array) {
    if (target.StringAt("type") != "page") continue;
    return BrowserPage{target.StringAt("url").value_or(""), target.StringAt("title").value_or("")};
  }
  return std::nullopt;
}

bool HeadlessChromium::WaitForPage(const std::function<bool(const BrowserPage&)>& condition,
                                   Timeout timeout) const {
  const Deadline deadline = DeadlineIn(timeout);
  while (true) {
    std::optional<BrowserPage> page = Page();
    if (page && condition(*page)) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::string HeadlessChromium::Log() const {
  return dir_.empty() ? "" : ReadWhole(dir_ + "/chromium.log");
}

void HeadlessChromium::Stop() {
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

HeadlessChromium::~HeadlessChromium() {
  if (::testing::Test::HasFailure() && pid_ > 0) {
    std::optional<BrowserPage> page = Page();
    std::cerr << "--- chromium: the tab is at "
              << (page ? page->url + " titled \"" + page->title + "\"" : std::string("(unknown)"))
              << "\n--- the end of its log:\n"
              << LogTail(Log(), 30) << "---\n";
  }
  Stop();
}

}  // namespace rampart::test
