#include "upstream/connection_pool.h"

#include <event2/bufferevent.h>
#include <event2/event.h>

namespace rampart::upstream {

ConnectionPool::~ConnectionPool() { Clear(); }

bufferevent* ConnectionPool::Take(const std::string& key) {
  auto it = idle_.find(key);
  if (it == idle_.end() || it->second.empty()) return nullptr;
  // Most recently parked first: the one least likely to have been closed by the backend.
  Idle* idle = it->second.back();
  it->second.pop_back();
  bufferevent* bev = idle->bev;
  delete idle;
  bufferevent_setcb(bev, nullptr, nullptr, nullptr, nullptr);
  bufferevent_set_timeouts(bev, nullptr, nullptr);
  return bev;
}

void ConnectionPool::Give(const std::string& key, bufferevent* bev, uint32_t max_idle,
                          uint64_t idle_timeout_ms, std::atomic<int64_t>* open_count) {
  IdleList& list = idle_[key];
  if (list.size() >= max_idle) {
    Free(bev, open_count);
    return;
  }
  auto* idle = new Idle{this, key, bev, open_count, {}};
  list.push_back(idle);
  idle->position = std::prev(list.end());
  bufferevent_setcb(bev, &ConnectionPool::OnIdleRead, nullptr, &ConnectionPool::OnIdleEvent, idle);
  const timeval tv{static_cast<time_t>(idle_timeout_ms / 1000),
                   static_cast<suseconds_t>((idle_timeout_ms % 1000) * 1000)};
  bufferevent_set_timeouts(bev, &tv, nullptr);
  bufferevent_enable(bev, EV_READ);
}

size_t ConnectionPool::idle_count() const {
  size_t n = 0;
  for (const auto& [key, list] : idle_) n += list.size();
  return n;
}

void ConnectionPool::Clear() {
  for (auto& [key, list] : idle_) {
    for (Idle* idle : list) {
      Free(idle->bev, idle->open_count);
      delete idle;
    }
  }
  idle_.clear();
}

void ConnectionPool::OnIdleRead(bufferevent* /*bev*/, void* arg) {
  // A backend must not send anything before it is asked: the connection is out of sync.
  auto* idle = static_cast<Idle*>(arg);
  idle->owner->Drop(idle);
}

void ConnectionPool::OnIdleEvent(bufferevent* /*bev*/, short /*what*/, void* arg) {
  // EOF, error or idle timeout.
  auto* idle = static_cast<Idle*>(arg);
  idle->owner->Drop(idle);
}

void ConnectionPool::Drop(Idle* idle) {
  auto it = idle_.find(idle->key);
  if (it != idle_.end()) it->second.erase(idle->position);
  Free(idle->bev, idle->open_count);
  delete idle;
}

void ConnectionPool::Free(bufferevent* bev, std::atomic<int64_t>* open_count) {
  bufferevent_free(bev);
  if (open_count != nullptr) open_count->fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace rampart::upstream
