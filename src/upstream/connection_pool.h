#pragma once
// ConnectionPool: idle keep-alive connections to backends, one pool per worker thread (so no
// locking), keyed by server address. An idle connection that the backend closes, or that sends
// anything unasked, or that stays idle past its timeout, is freed.

#include <atomic>
#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>

struct bufferevent;

namespace rampart::upstream {

class ConnectionPool {
 public:
  ConnectionPool() = default;
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // An idle connection to `key`, ready for a new request, or nullptr. The caller owns it and
  // must set its own callbacks.
  bufferevent* Take(const std::string& key);
  // Parks `bev` (a connection that finished a response cleanly). Frees it instead when `key`
  // already has `max_idle` idle connections. `open_count` (the server's open-connection gauge,
  // may be null) is decremented when the pool frees the connection; Take hands the count back
  // to the caller with the connection.
  void Give(const std::string& key, bufferevent* bev, uint32_t max_idle, uint64_t idle_timeout_ms,
            std::atomic<int64_t>* open_count = nullptr);
  size_t idle_count() const;
  // Frees every idle connection (shutdown).
  void Clear();

 private:
  struct Idle;
  using IdleList = std::list<Idle*>;
  struct Idle {
    ConnectionPool* owner;
    std::string key;
    bufferevent* bev;
    std::atomic<int64_t>* open_count;
    IdleList::iterator position;
  };
  static void OnIdleRead(bufferevent* bev, void* arg);
  static void OnIdleEvent(bufferevent* bev, short what, void* arg);
  void Drop(Idle* idle);
  static void Free(bufferevent* bev, std::atomic<int64_t>* open_count);

  std::unordered_map<std::string, IdleList> idle_;
};

}  // namespace rampart::upstream
