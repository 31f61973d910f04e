#include "proxy/client_accept.h"

#include <event2/bufferevent.h>
#include <unistd.h>

#include "proxy/session.h"
#include "proxy/tls_handshake.h"

namespace rampart::proxy {

void AcceptClient(WorkerContext& worker, int fd, ConnectionInfo info) {
  worker.metrics->active_connections.fetch_add(1, std::memory_order_relaxed);
  worker.metrics->connections_total.fetch_add(1, std::memory_order_relaxed);
  const std::shared_ptr<const Runtime>& runtime = worker.runtime();
  const tls::ServerContext* tls_context = info.listener < runtime->listener_tls.size()
                                              ? runtime->listener_tls[info.listener].get()
                                              : nullptr;
  if (tls_context != nullptr) {
    TlsHandshake::Start(worker, fd, runtime, std::move(info));
    return;
  }
  bufferevent* bev = bufferevent_socket_new(worker.base, fd, BEV_OPT_CLOSE_ON_FREE);
  if (bev == nullptr) {
    close(fd);
    ReleaseClient(worker, info);
    return;
  }
  Session::Start(worker, bev, std::move(info));
}

void ReleaseClient(WorkerContext& worker, const ConnectionInfo& info) {
  worker.limiter->Release(info.peer_ip);
  worker.metrics->active_connections.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace rampart::proxy
