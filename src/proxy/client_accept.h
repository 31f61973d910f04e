#pragma once
// The start and the end of every client connection a worker accepts: AcceptClient counts it
// and hands it to its first protocol handler — a TLS handshake on a TLS listener, else an
// HTTP/1.1 Session (which hands a connection opening with the HTTP/2 preface to an
// H2Connection). ReleaseClient undoes the counting; the handler that owns the connection last
// calls it once.

#include "proxy/client_connection.h"
#include "proxy/worker_context.h"

namespace rampart::proxy {

// `fd`: the accepted, non-blocking socket, already admitted by the connection limiter.
void AcceptClient(WorkerContext& worker, int fd, ConnectionInfo info);

void ReleaseClient(WorkerContext& worker, const ConnectionInfo& info);

}  // namespace rampart::proxy
