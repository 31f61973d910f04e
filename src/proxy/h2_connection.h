#pragma once
// HTTP/2 to clients (nghttp2): the connection's frames, flow control and limits, and each stream
// bridged to a Session of its own, so that every stream runs the same stages as HTTP/1.1.

#include <cstddef>
#include <cstdint>

#include "proxy/client_connection.h"
#include "proxy/worker_context.h"

struct bufferevent;

namespace rampart::proxy {

// The fixed limits of every HTTP/2 connection (the header list limits come from the runtime's
// parse limits, as for HTTP/1.1).
struct H2Limits {
  // SETTINGS_MAX_CONCURRENT_STREAMS: each open stream holds a Session, a backend connection and
  // up to ~150 KiB of buffers; nghttp2 refuses streams beyond it (REFUSED_STREAM).
  static constexpr uint32_t kMaxConcurrentStreams = 100;
  // Rapid reset (CVE-2023-44487): more stream resets than this within H2ResetWindow's 10 s —
  // RST_STREAM from the client, or ours for its protocol errors and refused streams — and the
  // connection ends with GOAWAY ENHANCE_YOUR_CALM. A browser cancels a few streams per page;
  // an attack needs thousands per second to matter.
  static constexpr uint32_t kMaxResetsPerWindow = 200;
  // The connection-level receive window. Request bodies are bounded per stream (each stream's
  // 64 KiB window is credited only as its Session reads), so this only keeps one slow stream
  // from stalling the uploads of the others.
  static constexpr int32_t kConnectionWindow = 1 << 20;
  // The client's socket output above which no more frames are produced (and the client's
  // frames are not read), resumed below kLowWater.
  static constexpr size_t kHighWater = 64 * 1024;
  static constexpr size_t kLowWater = 16 * 1024;
};

// Serves `client` (a TLS connection that chose ALPN h2, or a cleartext one that opened with the
// HTTP/2 preface, still unread in its input) as HTTP/2, taking ownership of it and of the
// connection's limiter slot (ReleaseClient when it ends).
void StartHttp2Connection(WorkerContext& worker, bufferevent* client, ConnectionInfo info);

}  // namespace rampart::proxy
