#pragma once
// EventLoop: one libevent event_base on one thread, plus a way for other threads to run a
// function on it (reload notices, shutdown). Owned by a worker (or the main thread).

#include <functional>
#include <mutex>
#include <vector>

struct event_base;
struct event;

namespace rampart::net {

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  event_base* base() const { return base_; }
  // Runs until Stop() or until no events are left.
  void Run();
  // Thread-safe: makes Run() return after the current callbacks.
  void Stop();
  // Thread-safe: runs `fn` on the loop's thread soon.
  void Post(std::function<void()> fn);

 private:
  static void OnWakeup(int fd, short what, void* arg);
  void DrainPosted();

  event_base* base_ = nullptr;
  event* wakeup_ = nullptr;
  std::mutex mutex_;
  std::vector<std::function<void()>> posted_;
};

// Must be called once before any EventLoop is made: lets loops be woken from other threads.
void InitLibevent();

}  // namespace rampart::net
