#pragma once
// Socket addresses: "host:port" text to sockaddr and back. Resolution of host names blocks, so
// it runs only on the main thread while a configuration is loaded, never on a worker.

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace rampart::net {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
  uint16_t port() const;
  void set_port(uint16_t port);
  // "127.0.0.1:8080" or "[::1]:8080".
  std::string ToString() const;
  // The address without the port ("127.0.0.1", "::1").
  std::string IpString() const;
};

// Splits "host:port" / "[v6]:port". Returns false when the text has no valid port.
bool SplitHostPort(std::string_view text, std::string* host, uint16_t* port);

// Resolves "host:port" (numeric or a name via getaddrinfo, blocking). Returns every address.
core::Result<std::vector<SocketAddress>> Resolve(std::string_view host_port);

// Reads the local address a socket is bound to (to learn the port after binding port 0).
core::Result<SocketAddress> LocalAddress(int fd);

}  // namespace rampart::net
