#include "net/listen_socket.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rampart::net {

core::Result<int> OpenListenSocket(const SocketAddress& address) {
  const int fd = socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return core::MakeError(std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    const int err = errno;
    close(fd);
    return core::MakeError(std::string("SO_REUSEPORT: ") + std::strerror(err));
  }
  if (address.storage.ss_family == AF_INET6) {
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  }
  if (bind(fd, address.get(), address.length) != 0) {
    const int err = errno;
    close(fd);
    return core::MakeError("bind " + address.ToString() + ": " + std::strerror(err));
  }
  if (listen(fd, 4096) != 0) {
    const int err = errno;
    close(fd);
    return core::MakeError("listen " + address.ToString() + ": " + std::strerror(err));
  }
  return fd;
}

}  // namespace rampart::net
