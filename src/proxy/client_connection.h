#pragma once
// ClientConnection: what a worker keeps of every client connection it serves — an HTTP/1.1
// Session, an HTTP/2 connection, or a TLS handshake still in progress — so that draining
// (SIGTERM) and the final shutdown reach them all. ConnectionInfo: what is known of a
// connection when its first protocol handler starts.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "pipeline/exchange.h"

namespace rampart::tls {
class ServerContext;
}

namespace rampart::proxy {

class ClientConnection {
 public:
  virtual ~ClientConnection() = default;
  // SIGTERM: an idle connection closes now; a busy one closes after its current work.
  virtual void OnDrain() = 0;
  // Closes the connection now, whatever it is doing (the drain deadline passed).
  virtual void ForceClose() = 0;
};

struct ConnectionInfo {
  std::string peer_ip;  // the accepted peer: the connection limiter's key
  uint16_t peer_port = 0;
  pipeline::LocalAddress local;  // where the client connected to
  size_t listener = 0;           // index into config.listen
  // The listener expects a PROXY protocol header before the first request.
  bool proxy_protocol = false;
  // The client a PROXY protocol header named, once read (empty: the peer is the client).
  std::string proxied_client_ip;
  uint16_t proxied_client_port = 0;
  // The TLS handshake's facts; null on a cleartext connection.
  std::shared_ptr<const pipeline::TlsInfo> tls;
  // The context the connection was made from: its SSL callbacks point into it, so it lives as
  // long as the connection, whatever reloads free meanwhile.
  std::shared_ptr<const tls::ServerContext> tls_context;
  // The Session carries one HTTP/2 stream, bridged to it as HTTP/1.1 over a bufferevent pair by
  // the stream's H2Connection: the connection's slot in the limiter and its metrics belong to
  // the H2Connection, and the exchange is logged and inspected as HTTP/2.
  bool http2_stream = false;
};

}  // namespace rampart::proxy
