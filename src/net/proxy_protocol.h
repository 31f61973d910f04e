#pragma once
// The PROXY protocol header (HAProxy's spec, versions 1 and 2) that a load balancer in front of
// rampart sends before the HTTP bytes, to say which client the connection is for. Parsed from
// the first bytes of a connection on listeners that enable it; anything malformed closes the
// connection (the spec: a receiver must not guess).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rampart::net {

struct ProxyHeader {
  enum class Status : uint8_t {
    kNeedMore,  // not enough bytes yet
    kDone,      // `consumed` bytes are the header; the addresses are set unless `local`
    kError,     // not a valid PROXY header; `error` says why
  };
  Status status = Status::kNeedMore;
  size_t consumed = 0;
  // v1 "UNKNOWN" or v2 LOCAL (a health check of the balancer itself): keep the peer address.
  bool local = false;
  std::string source_ip;
  uint16_t source_port = 0;
  std::string destination_ip;
  uint16_t destination_port = 0;
  std::string error;
};

// Parses the header at the start of `data` (either version, told apart by its first bytes).
ProxyHeader ParseProxyHeader(std::string_view data);

}  // namespace rampart::net
