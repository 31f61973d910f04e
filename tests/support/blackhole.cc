#include "support/blackhole.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace rampart::test {

Blackhole::Blackhole() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("blackhole: socket failed");
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sin;
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0 ||
      listen(listen_fd_, 0) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sin), &len) != 0) {
    std::string why = strerror(errno);
    close(listen_fd_);
    throw std::runtime_error("blackhole: cannot listen: " + why);
  }
  port_ = ntohs(sin.sin_port);
  // The one connection a backlog of 0 holds; the handshake completes in the kernel, so this
  // blocking connect returns at once.
  filler_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (filler_fd_ < 0 || connect(filler_fd_, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0) {
    std::string why = strerror(errno);
    if (filler_fd_ >= 0) close(filler_fd_);
    close(listen_fd_);
    throw std::runtime_error("blackhole: cannot fill the accept queue: " + why);
  }
}

Blackhole::~Blackhole() {
  close(filler_fd_);
  close(listen_fd_);
}

}  // namespace rampart::test
