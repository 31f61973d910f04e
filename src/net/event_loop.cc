#include "net/event_loop.h"

#include <event2/event.h>
#include <event2/thread.h>

#include <cstdlib>

namespace rampart::net {

void InitLibevent() {
  static const bool done = [] {
    evthread_use_pthreads();
    return true;
  }();
  (void)done;
}

EventLoop::EventLoop() {
  InitLibevent();
  base_ = event_base_new();
  if (base_ == nullptr) std::abort();  // out of fds or memory at start-up: nothing to serve
  wakeup_ = event_new(base_, -1, EV_PERSIST, &EventLoop::OnWakeup, this);
  // A persistent event with no fd and no timeout is only ever activated by Post().
  event_add(wakeup_, nullptr);
}

EventLoop::~EventLoop() {
  event_free(wakeup_);
  event_base_free(base_);
}

void EventLoop::Run() { event_base_dispatch(base_); }

void EventLoop::Stop() { event_base_loopbreak(base_); }

void EventLoop::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    posted_.push_back(std::move(fn));
  }
  event_active(wakeup_, EV_READ, 0);
}

void EventLoop::OnWakeup(int /*fd*/, short /*what*/, void* arg) {
  static_cast<EventLoop*>(arg)->DrainPosted();
}

void EventLoop::DrainPosted() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    batch.swap(posted_);
  }
  for (auto& fn : batch) fn();
}

}  // namespace rampart::net
