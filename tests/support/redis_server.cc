#include "support/redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>

namespace rampart::test {
namespace {

constexpr std::string_view kReadyLine = "Ready to accept connections";

// A port nothing listens on right now: bound to 0, read back, released.
uint16_t FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

std::string Resp(const std::vector<std::string>& argv) {
  std::string out = "*" + std::to_string(argv.size()) + "\r\n";
  for (const std::string& arg : argv) {
    out += "$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
  }
  return out;
}

// Reads one reply from a blocking socket (SO_RCVTIMEO set) and consumes it from `buf`, which
// keeps what arrived beyond it. Arrays are not supported.
std::optional<std::string> ReadReply(int fd, std::string& buf) {
  char chunk[4096];
  auto fill = [&]() {
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf.append(chunk, static_cast<size_t>(n));
    return true;
  };
  while (buf.find("\r\n") == std::string::npos) {
    if (!fill()) return std::nullopt;
  }
  const size_t eol = buf.find("\r\n");
  const char type = buf[0];
  const std::string line = buf.substr(1, eol - 1);
  if (type == '+' || type == ':' || type == '-') {
    buf.erase(0, eol + 2);
    return type == '-' ? "-" + line : line;
  }
  if (type != '$') return std::nullopt;
  const long size = std::strtol(line.c_str(), nullptr, 10);
  if (size < 0) {
    buf.erase(0, eol + 2);
    return std::string();
  }
  const size_t need = eol + 2 + static_cast<size_t>(size) + 2;
  while (buf.size() < need) {
    if (!fill()) return std::nullopt;
  }
  std::string payload = buf.substr(eol + 2, static_cast<size_t>(size));
  buf.erase(0, need);
  return payload;
}

}  // namespace

bool RedisServer::Available() { return access(kBinary, X_OK) == 0; }

RedisServer::RedisServer(std::string password) : password_(std::move(password)) {
  const char* base = std::getenv("TMPDIR");
  std::string templ =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/rampart-redis-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    throw std::runtime_error("mkdtemp " + templ + ": " + strerror(errno));
  }
  dir_ = templ;
}

RedisServer::~RedisServer() {
  if (running()) Kill();
  if (::testing::Test::HasFailure()) {
    std::cerr << "---- redis-server log (" << dir_ << ", kept) ----\n"
              << Log() << "---- end of redis-server log ----\n";
  } else {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

bool RedisServer::Start(std::chrono::milliseconds timeout) {
  if (running()) {
    error_ = "already running";
    return false;
  }
  if (port_ == 0) port_ = FreePort();
  if (port_ == 0) {
    error_ = "no free port";
    return false;
  }
  std::vector<std::string> args = {kBinary,  "--port",       std::to_string(port_),
                                   "--bind", "127.0.0.1",    "--save",
                                   "",       "--appendonly", "no",
                                   "--dir",  dir_,           "--daemonize",
                                   "no",     "--logfile",    ""};
  if (!password_.empty()) {
    args.push_back("--requirepass");
    args.push_back(password_);
  }
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    error_ = "pipe2: " + std::string(strerror(errno));
    return false;
  }
  size_t log_start = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    log_start = log_.size();
    eof_ = false;
  }
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    // Child: only async-signal-safe calls from here on.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(devnull, 0);
    dup2(out[1], 1);
    dup2(out[1], 2);
    close_range(3, ~0U, 0);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(devnull);
  close(out[1]);
  if (pid < 0) {
    error_ = "fork: " + std::string(strerror(errno));
    close(out[0]);
    return false;
  }
  pid_ = pid;
  reader_ = std::thread([this, fd = out[0]] {
    char buf[4096];
    for (;;) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      std::lock_guard<std::mutex> lock(mu_);
      if (n <= 0) {
        eof_ = true;
        cv_.notify_all();
        break;
      }
      log_.append(buf, static_cast<size_t>(n));
      cv_.notify_all();
    }
    close(fd);
  });

  bool ready = false;
  {
    std::unique_lock<std::mutex> lock(mu_);
    ready = cv_.wait_for(lock, timeout, [&] {
      return eof_ || log_.find(kReadyLine, log_start) != std::string::npos;
    });
    ready = ready && !eof_;
  }
  if (!ready || Query({"PING"}) != std::optional<std::string>("PONG")) {
    error_ =
        "redis-server did not become ready on port " + std::to_string(port_) + "; log:\n" + Log();
    Kill();
    return false;
  }
  return true;
}

void RedisServer::Stop() {
  if (!running()) return;
  kill(pid_, SIGCONT);  // a paused server cannot act on SIGTERM
  kill(pid_, SIGTERM);
  Reap();
}

void RedisServer::Kill() {
  if (!running()) return;
  kill(pid_, SIGKILL);
  Reap();
}

bool RedisServer::Pause() {
  if (!running() || kill(pid_, SIGSTOP) != 0) return false;
  // Returns once the child is really stopped.
  int status = 0;
  return waitpid(pid_, &status, WUNTRACED) == pid_ && WIFSTOPPED(status);
}

bool RedisServer::Resume() {
  if (!running() || kill(pid_, SIGCONT) != 0) return false;
  int status = 0;
  return waitpid(pid_, &status, WCONTINUED) == pid_ && WIFCONTINUED(status);
}

void RedisServer::Reap() {
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  if (reader_.joinable()) reader_.join();  // the pipe closes with the child
}

std::string RedisServer::Log() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

std::optional<std::string> RedisServer::Query(const std::vector<std::string>& argv) const {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  const timeval tv{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port_);
  std::optional<std::string> reply;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string request = password_.empty() ? "" : Resp({"AUTH", password_});
    request += Resp(argv);
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
        static_cast<ssize_t>(request.size())) {
      std::string buf;
      if (password_.empty() || ReadReply(fd, buf)) reply = ReadReply(fd, buf);
    }
  }
  close(fd);
  return reply;
}

}  // namespace rampart::test
