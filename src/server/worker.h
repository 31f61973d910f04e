#pragma once
// Worker: one thread with its own event loop, its own SO_REUSEPORT listening sockets and its
// own upstream connection pool. A request lives on one worker from accept to log.

#include <atomic>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "core/result.h"
#include "net/address.h"
#include "net/event_loop.h"
#include "proxy/worker_context.h"

struct evconnlistener;

namespace rampart::state {
class Store;
}

namespace rampart::server {

class Worker {
 public:
  // `store`: rate-limit counters and bans; the worker's thread attaches its loop to it.
  Worker(size_t id, proxy::Metrics& metrics, net::ConnectionLimiter& limiter, state::Store& store,
         const proxy::RuntimeSource& runtime_source, core::WorkPool& offload_pool);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Binds one listening socket per address (call before Start, on the main thread). Returns
  // the bound addresses (so port 0 can be read back).
  // `proxy_protocol[i]`: connections to addresses[i] start with a PROXY protocol header.
  core::Result<std::vector<net::SocketAddress>> Listen(
      const std::vector<net::SocketAddress>& addresses, const std::vector<bool>& proxy_protocol);
  void Start();
  // The routes' caches (before Start); they outlive the worker.
  void SetCache(proxy::CacheStores* stores) { context_.cache = stores; }
  // Thread-safe. Closes the listening sockets (returns once they are closed), closes idle
  // connections, lets in-flight exchanges finish; the thread ends when the last one is gone.
  void Drain();
  // Thread-safe. Ends the loop now (drain deadline passed).
  void StopNow();
  void Join();
  // True once the worker's loop has ended (drained or stopped).
  bool Finished() const { return finished_.load(std::memory_order_acquire); }

 private:
  struct ListenerTag {
    Worker* worker;
    size_t listener;  // index into config.listen
    bool proxy_protocol;
  };
  static void OnAccept(evconnlistener* listener, int fd, sockaddr* peer, int peer_len, void* arg);
  void Accept(int fd, const sockaddr* peer, const ListenerTag& tag);
  void DrainOnLoop(std::promise<void>& listeners_closed);

  net::EventLoop loop_;
  proxy::WorkerContext context_;
  state::Store& store_;
  std::vector<evconnlistener*> listeners_;
  // What each listener's accept callback gets: its worker and whether it expects PROXY headers.
  std::vector<std::unique_ptr<ListenerTag>> listener_tags_;
  std::thread thread_;
  std::atomic<bool> finished_{false};
};

}  // namespace rampart::server
