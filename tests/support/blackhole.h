#pragma once
// Blackhole: a loopback port where TCP connects hang (no SYN-ACK) instead of being refused, to
// test connect timeouts deterministically. It listens with a backlog of 0 and fills that queue
// with one connection it never accepts; Linux then drops every further SYN to the port while
// the socket lives.

#include <cstdint>
#include <string>

namespace rampart::test {

class Blackhole {
 public:
  // Throws std::runtime_error when the socket or the filling connection cannot be set up.
  Blackhole();
  ~Blackhole();
  Blackhole(const Blackhole&) = delete;
  Blackhole& operator=(const Blackhole&) = delete;

  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int listen_fd_ = -1;
  int filler_fd_ = -1;
  uint16_t port_ = 0;
};

}  // namespace rampart::test
