#pragma once
// TlsHandshake: a client connection on a TLS listener until its handshake completes — then
// handed, with what the handshake settled (version, SNI, ALPN, client certificate, JA3/JA4), to
// an H2Connection (ALPN h2) or an HTTP/1.1 Session. A handshake that fails, or does not finish
// within the client header timeout, closes the connection and is counted.

#include <memory>

#include "proxy/client_connection.h"
#include "proxy/runtime.h"
#include "proxy/worker_context.h"

struct bufferevent;
struct event;

namespace rampart::proxy {

class TlsHandshake final : public ClientConnection {
 public:
  // Takes ownership of the accepted socket `fd`; the handshake uses the snapshot's context for
  // info.listener (the connection keeps that context for its whole life).
  static void Start(WorkerContext& worker, int fd, const std::shared_ptr<const Runtime>& runtime,
                    ConnectionInfo info);

  void OnDrain() override { Fail(nullptr); }
  void ForceClose() override { Fail(nullptr); }

 private:
  TlsHandshake(WorkerContext& worker, bufferevent* bev, ConnectionInfo info);
  ~TlsHandshake() override;

  static void OnEventCb(bufferevent* bev, short what, void* arg);
  static void OnTimeoutCb(int fd, short what, void* arg);
  void Succeed();
  // Closes the connection; `reason` (may be null: drain) is logged at debug level.
  void Fail(const char* reason);
  void Finish();  // stops being a ClientConnection of the worker; deleted on the next turn

  WorkerContext& worker_;
  bufferevent* bev_;
  ConnectionInfo info_;
  event* timer_ = nullptr;
};

}  // namespace rampart::proxy
