#pragma once
// HealthMonitor: active health checks for every pool that configures `health`. Runs on the
// main thread's event loop (never on a worker): one probe at a time per server, an HTTP/1.1
// GET with Connection: close, judged on its status line. `fall` consecutive failures mark a
// server down (ServerState::healthy = false); `rise` consecutive passes bring it back and
// start its slow-start ramp.

#include <functional>
#include <memory>
#include <vector>

#include "upstream/pool.h"

struct bufferevent;
struct event_base;

namespace rampart::upstream {

class HealthMonitor {
 public:
  explicit HealthMonitor(event_base* base);
  ~HealthMonitor();
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  // Checks exactly these pools from now on (called at start and on every reload). Probes in
  // flight for the previous pools are cancelled; rise/fall streaks restart, the servers' up or
  // down state (in ServerState, kept across reloads) does not. Servers of pools without
  // `health` are marked healthy.
  // `connectors[i]` (when given and set) makes the unconnected bufferevent a probe of pool i
  // uses — a TLS one for a pool with `tls` — instead of a plain socket.
  using Connector = std::function<bufferevent*(event_base*, const Server&)>;
  void Watch(const std::vector<std::shared_ptr<const Pool>>& pools,
             const std::vector<Connector>& connectors = {});

 private:
  class Checker;  // one server's probe loop
  event_base* base_;
  std::vector<std::unique_ptr<Checker>> checkers_;
};

}  // namespace rampart::upstream
